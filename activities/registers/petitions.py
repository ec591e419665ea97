"""The petition register (信访台账): one case per row, ID numbers checked, encrypted and shown only masked.

Natural key: the jurisdiction, the registration date, the problem category and the petitioner's ID number, compared
through its keyed hash (base.encryption), never in clear; a row without an ID number is keyed by the petitioner's
name and the main request instead. A row whose key is stored already updates that case's details (type, channel,
persons, name, phone, request, department) from the columns the file has; its handling (受理, 办结) is left to the
case's own page, where each step is recorded in its month. A new case starts as 办结 when the row has a 办结日期,
as 受理 when it has a 受理日期, else as 登记, with the history steps to match.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from base import audit
from base.encryption import lookup_hash

from ..choices import PetitionCategory, PetitionChannel, PetitionKind, PetitionOutcome, PetitionStatus
from ..identity import mask_name, mask_phone, mask_resident_id, validate_resident_id
from ..models import Petition, PetitionStatusChange
from ..services.petitions import MIN_GROUP_PERSONS
from .common import CODE_WORDS, RegisterColumn, RegisterReader, choice_lookup, key_text

COLUMNS = (
    RegisterColumn("jurisdiction", "辖区代码", CODE_WORDS[1:]),
    RegisterColumn(
        "received_on", "登记日期", ("来访日期", "信访日期", "登记时间", "收件日期", "反映日期", "日期"), required=True
    ),
    RegisterColumn("kind", "类型", ("事项类型", "信访类型")),
    RegisterColumn(
        "petitioner_name", "来访人", ("信访人", "姓名", "信访人姓名", "来访人姓名", "当事人", "反映人"), required=True
    ),
    RegisterColumn("petitioner_id_number", "身份证号", ("身份证号码", "公民身份号码", "证件号码", "身份证")),
    RegisterColumn("petitioner_phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式")),
    RegisterColumn("channel", "渠道", ("来源渠道", "信访形式", "信访方式", "来访方式", "方式", "来源"), required=True),
    RegisterColumn("category", "类别", ("问题类别", "问题类型", "诉求类别", "事项类别"), required=True),
    RegisterColumn("persons", "人数", ("来访人数", "涉及人数")),
    RegisterColumn("is_group", "群体性", ("是否群体性", "群体访", "是否群体访")),
    RegisterColumn("ethnic_factor", "涉及民族因素", ("是否涉及民族因素", "民族因素")),
    RegisterColumn(
        "summary",
        "主要诉求",
        ("诉求", "反映问题", "主要问题", "信访事项", "事由", "诉求内容", "反映内容", "问题"),
        required=True,
    ),
    RegisterColumn("assigned_department", "承办部门", ("承办单位", "责任单位", "办理单位", "责任部门")),
    RegisterColumn("decided_on", "受理日期", ("受理时间",)),
    RegisterColumn("closed_on", "办结日期", ("办结时间",)),
    RegisterColumn("outcome", "办结方式", ("办结类型",)),
    RegisterColumn("outcome_text", "办理结果", ("处理结果", "办理情况", "答复意见", "处理情况", "结果")),
)
TEMPLATE_HEADERS = tuple(column.header for column in COLUMNS)
# What a matched row may change; its key fields and its handling stay as they are.
DETAIL_FIELDS = (
    "kind",
    "petitioner_name",
    "petitioner_phone",
    "channel",
    "persons",
    "is_group",
    "ethnic_factor",
    "summary",
    "assigned_department",
)
# Kept for new cases only: the handling has its own steps and months once a case is in the system.
LIFECYCLE_FIELDS = ("status", "decided_on", "closed_on", "outcome", "outcome_text")
# The audit trail and the preview keep personal data only in masked form.
MASKS = {"petitioner_name": mask_name, "petitioner_phone": mask_phone, "petitioner_id_number": mask_resident_id}
CHANNEL_WORDS = {
    "走访": PetitionChannel.VISIT,
    "上访": PetitionChannel.VISIT,
    "来信": PetitionChannel.LETTER,
    "信件": PetitionChannel.LETTER,
    "书信": PetitionChannel.LETTER,
    "电话": PetitionChannel.PHONE,
    "热线": PetitionChannel.PHONE,
    "12345": PetitionChannel.PHONE,
    "网络": PetitionChannel.ONLINE,
    "网上信访": PetitionChannel.ONLINE,
    "网信": PetitionChannel.ONLINE,
    "领导接待日": PetitionChannel.LEADER_RECEPTION,
    "领导接待": PetitionChannel.LEADER_RECEPTION,
}
KIND_WORDS = {"信访事项": PetitionKind.PETITION, "纠纷": PetitionKind.DISPUTE, "矛盾": PetitionKind.DISPUTE}
CHUNK = 900


class PetitionRegister(RegisterReader):
    kind = "petition"
    model = Petition
    columns = COLUMNS
    date_field = "received_on"

    @property
    def duplicate_message(self):
        return _(
            "与第%(row)s行是同一件事项（辖区、登记日期、类别和身份证号码都相同；无身份证号码时比较姓名和主要诉求），"
            "请删除重复的一行。"
        )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.channels = choice_lookup(PetitionChannel, CHANNEL_WORDS)
        self.categories = choice_lookup(PetitionCategory)
        self.kinds = choice_lookup(PetitionKind, KIND_WORDS)
        self.outcomes = choice_lookup(PetitionOutcome)
        # get_FOO_display() hashes every lazy label on each call; a 500-row preview would spend a second there.
        self._labels = {
            choices: {value: str(label) for value, label in choices.choices}
            for choices in (PetitionChannel, PetitionCategory, PetitionStatus)
        }

    def _id_number(self, row, cells):
        text = self.cell(cells, "petitioner_id_number")
        number = "".join(text.split()).upper()
        if number.endswith(".0") and number[:-2].isdigit():
            number = number[:-2]
        if "E+" in number:
            self.issue(
                row,
                "petitioner_id_number",
                _("身份证号码被 Excel 显示成了科学计数法，后几位已经丢失：请把该列设置为“文本”格式后重新填写。"),
            )
            return None
        try:
            validate_resident_id(number)
        except ValidationError as exc:  # its message names the problem, never the number
            self.issue(row, "petitioner_id_number", " ".join(exc.messages))
            return None
        return number

    def parse_row(self, row, cells):
        before = self.plan.issues.total
        jurisdiction = self.place(row, cells)
        values = {
            "received_on": self.date(row, cells, "received_on", required=True),
            "kind": self.choice(row, cells, "kind", self.kinds, PetitionKind, default=PetitionKind.PETITION),
            "petitioner_name": self.text(row, cells, "petitioner_name", required=True),
            "petitioner_id_number": self._id_number(row, cells),
            "petitioner_phone": self.text(row, cells, "petitioner_phone"),
            "channel": self.choice(row, cells, "channel", self.channels, PetitionChannel, required=True),
            "category": self.choice(row, cells, "category", self.categories, PetitionCategory, required=True),
            "persons": self.count(row, cells, "persons", default=1),
            "is_group": self.flag(row, cells, "is_group"),
            "ethnic_factor": self.flag(row, cells, "ethnic_factor"),
            "summary": self.text(row, cells, "summary", required=True),
            "assigned_department": self.text(row, cells, "assigned_department"),
            "decided_on": self.date(row, cells, "decided_on"),
            "closed_on": self.date(row, cells, "closed_on"),
            "outcome": self.choice(row, cells, "outcome", self.outcomes, PetitionOutcome),
            "outcome_text": self.text(row, cells, "outcome_text"),
        }
        if self.plan.issues.total > before:
            return None
        self._check_dates(row, values)
        if values["persons"] < 1:
            self.issue(row, "persons", _("人数至少为1。"))
        elif values["is_group"] and values["persons"] < MIN_GROUP_PERSONS:
            self.issue(row, "persons", _("群体性事项的人数应至少为%(n)d人。") % {"n": MIN_GROUP_PERSONS})
        if values["outcome"] and not values["closed_on"]:
            self.issue(row, "outcome", _("填写了办结方式，但没有办结日期：请填写办结日期，或清空办结方式。"))
        if self.plan.issues.total > before:
            return None
        if values["closed_on"]:
            status = PetitionStatus.CLOSED
        elif values["decided_on"]:
            status = PetitionStatus.ACCEPTED
        else:
            status = PetitionStatus.REGISTERED
        instance = Petition(jurisdiction=jurisdiction, status=status, created_by=self.actor, **values)
        return instance if self.validate(row, instance, values) else None

    def _check_dates(self, row, values):
        received = values["received_on"]
        for name, message in (
            ("decided_on", _("受理日期不能早于登记日期。")),
            ("closed_on", _("办结日期不能早于登记日期。")),
        ):
            if values[name] and values[name] < received:
                self.issue(row, name, message)
        if values["decided_on"] and values["closed_on"] and values["closed_on"] < values["decided_on"]:
            self.issue(row, "closed_on", _("办结日期不能早于受理日期。"))

    def natural_key(self, instance):
        number = instance.petitioner_id_number
        head = (instance.jurisdiction.pk, instance.received_on, instance.category)
        if number:
            # The keyed hash under the current key, worked out again for stored rows: a row not yet re-hashed
            # after a key rotation still matches.
            return (*head, lookup_hash(number.strip().upper()))
        return (*head, "", key_text(instance.petitioner_name), key_text(instance.summary))

    def stored(self, rows):
        if not rows:
            return {}
        ids = sorted({item.jurisdiction.pk for item in rows})
        days = [item.instance.received_on for item in rows]
        found = {}
        for start in range(0, len(ids), CHUNK):
            queryset = Petition.objects.filter(
                jurisdiction_id__in=ids[start : start + CHUNK], received_on__range=(min(days), max(days))
            ).select_related("jurisdiction")
            for petition in queryset.order_by():
                found.setdefault(self.natural_key(petition), []).append(petition)
        return found

    def compared_fields(self, item=None):
        keyed_by_id = item is not None and bool(item.instance.petitioner_id_number)
        return [
            name
            for name in DETAIL_FIELDS
            if name in self.plan.columns
            # Without an ID number the name and the request are the key itself.
            and (keyed_by_id or name not in ("petitioner_name", "summary"))
        ]

    def audit_fields(self):
        return ("received_on", *DETAIL_FIELDS, "category", "petitioner_id_number", *LIFECYCLE_FIELDS)

    def audit_values(self, instance, names):
        values = audit.snapshot(instance, [name for name in names if name not in MASKS])
        for name in names:
            if name in MASKS:
                values[f"{name}_masked"] = MASKS[name](getattr(instance, name))
        return values

    def audit_change(self, name, old, new):
        mask = MASKS.get(name)
        if mask:
            return [mask(old) or None, mask(new) or None]
        return super().audit_change(name, old, new)

    def preview_headers(self):
        return [_("辖区"), _("登记日期"), _("来访人"), _("身份证号码"), _("渠道"), _("类别"), _("导入后状态")]

    def preview_cells(self, item):
        p = item.instance
        return [
            p.jurisdiction.name,
            p.received_on,
            p.petitioner_name_masked,
            p.petitioner_id_number_masked,
            self._labels[PetitionChannel][p.channel],
            self._labels[PetitionCategory][p.category],
            self._labels[PetitionStatus][p.status],
        ]

    def write_new(self, rows):
        petitions = []
        for item in rows:
            petition = item.instance
            petition.due_on = petition.compute_due_on()
            petitions.append(petition)
        Petition.objects.bulk_create(petitions, batch_size=500)
        steps = []
        for petition in petitions:
            steps.append(self._step(petition, "", PetitionStatus.REGISTERED, petition.received_on))
            if petition.decided_on:
                steps.append(
                    self._step(petition, PetitionStatus.REGISTERED, PetitionStatus.ACCEPTED, petition.decided_on)
                )
            if petition.closed_on:
                source = PetitionStatus.ACCEPTED if petition.decided_on else PetitionStatus.REGISTERED
                steps.append(self._step(petition, source, PetitionStatus.CLOSED, petition.closed_on))
        PetitionStatusChange.objects.bulk_create(steps, batch_size=500)

    def _step(self, petition, source, target, day):
        return PetitionStatusChange(
            petition=petition,
            from_status=source,
            to_status=target,
            changed_on=day,
            changed_by=self.actor,
            note=_("导入：%(file)s") % {"file": self.filename},
        )

    def write_changed(self, rows):
        for item in rows:
            petition = item.existing
            for name, _old, value in item.changes:
                setattr(petition, name, value)
            petition.full_clean(exclude=self.resolved_fields, validate_unique=False)
            petition.save(update_fields=[name for name, _old, _value in item.changes] + ["updated_at"])

    def summary_note(self):
        return _("导入信访台账：%(file)s，新增%(new)s件、更新%(changed)s件、无变化%(unchanged)s件")


def petition_register_plan(*, file, filename, target, actor):
    """Return what importing the petition register `file` into `target` would do, with every issue; write nothing."""
    return PetitionRegister(target=target, actor=actor, filename=filename).read(file)


def petition_register_apply(*, plan, actor):
    """Write a previewed petition register all or nothing, one audit row per case and one for the file."""
    return PetitionRegister(target=plan.target, actor=actor, filename=plan.filename).apply(plan)


def template_rows():
    """Return the example rows of the downloadable template (the headers are TEMPLATE_HEADERS); the ID numbers
    are made up but carry a valid check digit, so the example imports as it is."""
    return [
        ["", "2025-03-04", "信访", _("张某某"), "52010219501231123X", "13800000000", "来访", "城建物业", 1, "否",
         "否", _("小区电梯长期故障，要求物业维修"), _("社区居委会"), "2025-03-05", "2025-03-20", "化解",
         _("协调物业更换电梯主板，已恢复运行")],
        ["", "2025-04-10", "矛盾纠纷", _("李某某"), "", "", "电话", "邻里纠纷", 2, "否", "否",
         _("楼上漏水引发邻里纠纷"), _("社区调委会"), "", "", "", ""],
    ]  # fmt: skip
