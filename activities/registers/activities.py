"""The activity register (活动台账): one activity per row, matched to a stored one by jurisdiction, date, name, place.

Natural key: the jurisdiction (the 辖区代码 cell, else the chosen one), the date, the activity's name and its place,
compared with full-width forms folded and spaces removed. A row whose key is stored already updates that activity
with the columns the file has (a column the file lacks keeps its stored value); the same file twice changes nothing.
"""

from django.utils.translation import gettext as _

from ..models import Activity, ActivityCategory
from .common import CODE_WORDS, RegisterColumn, RegisterReader, key_text

COLUMNS = (
    RegisterColumn("jurisdiction", "辖区代码", CODE_WORDS[1:]),
    RegisterColumn("title", "活动名称", ("活动主题", "名称", "主题", "活动名"), required=True),
    RegisterColumn("date", "日期", ("活动日期", "活动时间", "时间", "开展日期", "开展时间"), required=True),
    RegisterColumn("place", "地点", ("活动地点", "开展地点", "场所")),
    RegisterColumn("category", "类别", ("活动类别", "活动类型", "类型", "分类"), required=True),
    RegisterColumn("organiser", "组织单位", ("主办单位", "承办单位", "组织者", "牵头单位", "组织部门")),
    RegisterColumn("participants", "参与人数", ("参加人数", "参与人次", "参加人次", "人数")),
    RegisterColumn(
        "minority_participants", "其中少数民族", ("其中少数民族人数", "少数民族人数", "少数民族参与人数", "少数民族")
    ),
    RegisterColumn("posters", "海报", ("发放海报", "张贴海报", "海报数")),
    RegisterColumn("handbooks", "手册", ("宣传手册", "发放手册")),
    RegisterColumn("promo_items", "宣传品", ("发放宣传品", "宣传用品")),
    RegisterColumn("light_boxes", "灯箱", ("宣传灯箱",)),
    RegisterColumn("online_posts", "推送", ("网络推送", "微信推送", "推文", "信息推送")),
    RegisterColumn("people_reached", "覆盖人数", ("受众人数", "覆盖群众", "覆盖人群")),
    RegisterColumn("summary", "活动简介", ("简介", "活动内容", "内容", "活动情况", "备注")),
)
COUNT_FIELDS = (
    "participants",
    "minority_participants",
    "posters",
    "handbooks",
    "promo_items",
    "light_boxes",
    "online_posts",
    "people_reached",
)
KEY_FIELDS = ("jurisdiction", "date", "title", "place")
# Template headers with the units the form shows: header_word() drops a trailing unit, so both read the same.
TEMPLATE_HEADERS = (
    "辖区代码",
    "活动名称",
    "日期",
    "地点",
    "类别",
    "组织单位",
    "参与人数",
    "其中少数民族（人）",
    "海报（份）",
    "手册（份）",
    "宣传品（份）",
    "灯箱（个）",
    "推送（条）",
    "覆盖人数",
    "活动简介",
)
CHUNK = 900


class ActivityRegister(RegisterReader):
    kind = "activity"
    model = Activity
    columns = COLUMNS
    date_field = "date"
    resolved_fields = ("jurisdiction", "created_by", "category", "plan")

    @property
    def duplicate_message(self):
        return _("与第%(row)s行是同一项活动（辖区、日期、活动名称、地点都相同），请删除重复的一行。")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._categories = None

    def _category(self, row, cells):
        text = self.cell(cells, "category")
        if not text:
            self.issue(row, "category", _("不能为空。"))
            return None
        if self._categories is None:
            self._categories = {key_text(c.name): c for c in ActivityCategory.objects.all()}
        category = self._categories.get(key_text(text))
        if category is None:
            active = "、".join(c.name for c in self._categories.values() if c.is_active)
            self.issue(
                row, "category", _("活动类别“%(text)s”不存在：应为%(names)s之一。") % {"text": text, "names": active}
            )
            return None
        if not category.is_active:
            self.issue(row, "category", _("活动类别“%(text)s”已停用，请改用其他类别。") % {"text": text})
            return None
        return category

    def parse_row(self, row, cells):
        before = self.plan.issues.total
        jurisdiction = self.place(row, cells)
        values = {
            "title": self.text(row, cells, "title", required=True),
            "date": self.date(row, cells, "date", required=True),
            "place": self.text(row, cells, "place"),
            "category": self._category(row, cells),
            "organiser": self.text(row, cells, "organiser"),
            "summary": self.text(row, cells, "summary"),
        }
        for name in COUNT_FIELDS:
            values[name] = self.count(row, cells, name)
        if self.plan.issues.total > before:
            return None
        if values["minority_participants"] > values["participants"]:
            self.issue(
                row,
                "minority_participants",
                _("其中少数民族人数（%(minority_participants)s）不能超过参与总人数（%(participants)s），请核对。")
                % values,
            )
            return None
        instance = Activity(jurisdiction=jurisdiction, created_by=self.actor, **values)
        return instance if self.validate(row, instance, values) else None

    def natural_key(self, instance):
        return (instance.jurisdiction.pk, instance.date, key_text(instance.title), key_text(instance.place))

    def stored(self, rows):
        if not rows:
            return {}
        ids = sorted({item.jurisdiction.pk for item in rows})
        days = [item.instance.date for item in rows]
        found = {}
        for start in range(0, len(ids), CHUNK):
            queryset = Activity.objects.filter(
                jurisdiction_id__in=ids[start : start + CHUNK], date__range=(min(days), max(days))
            ).select_related("jurisdiction", "category")
            for activity in queryset.order_by():
                found.setdefault(self.natural_key(activity), []).append(activity)
        return found

    def compared_fields(self, item=None):
        return [c.key for c in COLUMNS if c.key not in KEY_FIELDS and c.key in self.plan.columns]

    def preview_headers(self):
        return [_("辖区"), _("日期"), _("活动名称"), _("地点"), _("类别"), _("参与人数"), _("其中少数民族")]

    def preview_cells(self, item):
        a = item.instance
        return [a.jurisdiction.name, a.date, a.title, a.place, a.category.name, a.participants, a.minority_participants]

    def audit_fields(self):
        return [c.key for c in COLUMNS if c.key != "jurisdiction"]

    def write_new(self, rows):
        Activity.objects.bulk_create([item.instance for item in rows], batch_size=500)

    def write_changed(self, rows):
        for item in rows:
            activity = item.existing
            for name, _old, value in item.changes:
                setattr(activity, name, value)
            activity.full_clean(exclude=self.resolved_fields, validate_unique=False)
            activity.save(update_fields=[name for name, _old, _value in item.changes] + ["updated_at"])

    def summary_note(self):
        return _("导入活动台账：%(file)s，新增%(new)s条、更新%(changed)s条、无变化%(unchanged)s条")


def activity_register_plan(*, file, filename, target, actor):
    """Return what importing the activity register `file` into `target` would do, with every issue; write nothing."""
    return ActivityRegister(target=target, actor=actor, filename=filename).read(file)


def activity_register_apply(*, plan, actor):
    """Write a previewed activity register all or nothing, one audit row per record and one for the file."""
    return ActivityRegister(target=plan.target, actor=actor, filename=plan.filename).apply(plan)


def template_rows():
    """Return the example rows of the downloadable template (the headers are TEMPLATE_HEADERS)."""
    return [
        ["", _("“石榴籽”民族团结主题宣讲"), "2025-03-12", _("社区新时代文明实践站"), "宣讲",
         _("社区党委"), 60, 18, 20, 50, 30, 0, 1, 300, _("宣讲民族团结进步政策，发放宣传资料。")],
        ["", _("各族群众联谊文艺演出"), "2025-04-20", _("社区广场"), "文艺演出", _("社区居委会"),
         120, 40, 0, 0, 100, 2, 2, 800, ""],
    ]  # fmt: skip
