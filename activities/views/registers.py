"""Register import pages (活动台账, 信访台账): choose the jurisdiction, upload, preview, confirm; the blank templates.

The flow is the census import's (base.staging): the upload waits under MEDIA_ROOT/staging/ with a random name kept
in the session; confirming reads it again, checks it against what the database holds at that moment and writes it
whole or not at all. Anyone who may record activities or petitions somewhere may import into that subtree.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from base import access, staging
from base.exports import Sheet, xlsx_response
from base.spreadsheets import SpreadsheetError, check_upload, current_limits
from communities.choices import Action

from ..choices import PetitionCategory, PetitionChannel, PetitionKind, PetitionOutcome
from ..forms.activities import JurisdictionChoiceField, change_scope, default_jurisdiction
from ..models import ActivityCategory
from ..registers import activities as activity_register
from ..registers import petitions as petition_register

# The preview lists new and changed rows first; beyond this many it only counts the rest.
PREVIEW_ROWS = 500


@dataclass(frozen=True)
class RegisterPage:
    kind: str
    title: Any
    list_url: str
    import_url: str
    confirm_url: str
    template_url: str
    session_key: str
    template_filename: Any
    headers: tuple
    key_text: Any
    read: Any
    apply: Any
    template_rows: Any
    notes: Any
    # The page's name for its imports in the audit trail and the administrators' reminder of a refused file.
    import_what: Any = ""


def _activity_notes():
    names = "、".join(ActivityCategory.objects.filter(is_active=True).values_list("name", flat=True))
    return [
        (_("类别"), _("填写系统中的活动类别名称：%(names)s") % {"names": names}),
        (_("日期"), _("如 2025-03-12、2025/3/12 或 2025年3月12日；不能晚于今天")),
        (_("参与人数等"), _("不小于0的整数，空白按0计；其中少数民族人数不能超过参与人数")),
        (_("辖区代码"), _("空白表示上传页选择的辖区；也可填写其下级辖区的12位代码")),
    ]


def _petition_notes():
    def labels(choices):
        return "、".join(str(label) for label in choices.labels)

    return [
        (_("类型"), _("%(names)s；空白按信访计") % {"names": labels(PetitionKind)}),
        (_("渠道"), labels(PetitionChannel)),
        (_("类别"), labels(PetitionCategory)),
        (_("办结方式"), labels(PetitionOutcome)),
        (_("身份证号"), _("18位，校验位须正确；请把该列设为“文本”格式，以免 Excel 改成科学计数法")),
        (_("群体性、涉及民族因素"), _("是 / 否，空白按否计")),
        (_("受理日期、办结日期"), _("有办结日期的导入为“办结”，只有受理日期的为“受理”，都没有的为“登记”")),
        (_("辖区代码"), _("空白表示上传页选择的辖区；也可填写其下级辖区的12位代码")),
    ]


PAGES = {
    "activity": RegisterPage(
        kind="activity",
        title=gettext_lazy("导入活动台账"),
        list_url="activities:activity_list",
        import_url="activities:activity_register_import",
        confirm_url="activities:activity_register_confirm",
        template_url="activities:activity_register_template",
        session_key="register_import_activity",
        template_filename=gettext_lazy("活动台账模板.xlsx"),
        headers=activity_register.TEMPLATE_HEADERS,
        key_text=gettext_lazy(
            "同一辖区、同一日期、活动名称和地点都相同的行视为同一项活动：已有的活动按文件中的列更新（文件没有的列保持原值），"
            "没有的新增；同一文件再次导入不会重复。"
        ),
        read=activity_register.activity_register_plan,
        apply=activity_register.activity_register_apply,
        template_rows=activity_register.template_rows,
        notes=_activity_notes,
        import_what=gettext_lazy("活动台账导入"),
    ),
    "petition": RegisterPage(
        kind="petition",
        title=gettext_lazy("导入信访台账"),
        list_url="activities:petition_list",
        import_url="activities:petition_register_import",
        confirm_url="activities:petition_register_confirm",
        template_url="activities:petition_register_template",
        session_key="register_import_petition",
        template_filename=gettext_lazy("信访台账模板.xlsx"),
        headers=petition_register.TEMPLATE_HEADERS,
        key_text=gettext_lazy(
            "同一辖区、同一登记日期、同一问题类别、同一身份证号码的行视为同一件事项（没有身份证号码时比较来访人姓名和主要诉求）："
            "已有的事项只更新基本信息（类型、渠道、人数、姓名、电话、诉求、承办部门），办理进度请在事项页面办理；"
            "没有的新增；同一文件再次导入不会重复。身份证号码只以加密形式保存，预览中只显示前4位和后4位。"
        ),
        read=petition_register.petition_register_plan,
        apply=petition_register.petition_register_apply,
        template_rows=petition_register.template_rows,
        notes=_petition_notes,
        import_what=gettext_lazy("信访台账导入"),
    ),
}


class TargetChoiceField(JurisdictionChoiceField):
    """The jurisdictions where the user records, each with its 12-digit code: rows without a code land there."""

    def label_from_instance(self, obj):
        label = super().label_from_instance(obj)
        return f"{label}（{obj.code}）" if obj.code else label


class RegisterUploadForm(forms.Form):
    jurisdiction = TargetChoiceField(queryset=None, label=gettext_lazy("辖区代码"), empty_label=None)
    file = forms.FileField(label=gettext_lazy("台账文件"), help_text=gettext_lazy(".xlsx 或 .csv（UTF-8 或 GBK 编码）"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = change_scope(user).order_by("path")
        field = self.fields["jurisdiction"]
        field.queryset = scope
        field.min_depth = min((j.depth for j in scope), default=0)
        field.help_text = _("文件中“辖区代码”列为空的行导入到这里；填写了代码的行须是这里或其下级辖区。")
        if not self.is_bound:
            self.initial.setdefault("jurisdiction", default_jurisdiction(user))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload(upload)
        except SpreadsheetError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


def _page(kind):
    page = PAGES.get(kind)
    if page is None:
        raise Http404
    return page


def _ensure_records(request):
    access.ensure_may_anywhere(request.user, Action.CHANGE)


def _reader(request, page, target=None):
    def read(staged):
        chosen = target
        if chosen is None:
            # The target staged with the file, still within the user's scope now (a role may have been revoked).
            chosen = change_scope(request.user).filter(pk=staged.extra.get("target")).first()
        return page.read(file=staged.path, filename=staged.filename, target=chosen, actor=request.user)

    return read


def _render(request, page, form, plan=None, staged=None):
    rows = plan.rows_in_order() if plan is not None and plan.is_valid else []
    return render(
        request,
        "activities/registers/import.html",
        {
            "page": page,
            "form": form,
            "plan": plan,
            "token": staged.token if staged else None,
            "rows": rows[:PREVIEW_ROWS],
            "hidden_rows": max(0, len(rows) - PREVIEW_ROWS),
            "limits": current_limits(),
            "notes": page.notes(),
        },
    )


@never_cache
@login_required
def register_import(request, kind):
    """Show the upload form; on upload, check the file and show what importing it would do."""
    page = _page(kind)
    _ensure_records(request)
    form = RegisterUploadForm(request.user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["jurisdiction"]
        plan, staged = staging.preview_upload(
            request,
            page.session_key,
            form.cleaned_data["file"],
            _reader(request, page, target),
            worth_keeping=lambda plan: plan.will_write,
            what=page.import_what,
            place=target,
            target=target.pk,
        )
        return _render(request, page, form, plan, staged)
    return _render(request, page, form)


@never_cache
@require_POST
@login_required
def register_import_confirm(request, kind):
    """Import the file previewed in this session after checking it again, or cancel it."""
    page = _page(kind)
    _ensure_records(request)
    if request.POST.get("cancel"):
        staging.forget(request, page.session_key)
        messages.info(request, _("已取消导入。"))
        return redirect(page.import_url)
    try:
        plan, result = staging.confirm_staged(
            request,
            page.session_key,
            _reader(request, page),
            lambda plan: page.apply(plan=plan, actor=request.user),
            token=request.POST.get("token", ""),
            what=page.import_what,
            place=lambda plan: plan.target,
        )
    except (ValidationError, PermissionDenied) as exc:
        # The database changed between the second reading and the write (a month approved meanwhile).
        messages.error(request, "；".join(getattr(exc, "messages", None) or [str(exc)]))
        return redirect(page.import_url)
    if plan is None:
        messages.error(request, _("预览已过期或上传的文件已失效，请重新上传。"))
        return redirect(page.import_url)
    if result is None:
        return _render(request, page, RegisterUploadForm(request.user), plan)
    messages.success(
        request,
        _("已导入：新增 %(new)s 条、更新 %(changed)s 条、无变化 %(unchanged)s 条")
        % {"new": result.new, "changed": result.changed, "unchanged": result.unchanged},
    )
    return redirect(page.list_url)


@login_required
def register_template(request, kind):
    """Return a blank register with the headers offices use, two example rows and a sheet of allowed values."""
    page = _page(kind)
    _ensure_records(request)
    # The header words and choice labels are the file format the importer reads, not text for the reader.
    return xlsx_response(
        filename=str(page.template_filename),
        sheets=[
            Sheet(title=_("台账"), headers=list(page.headers), rows=page.template_rows()),
            Sheet(title=_("填写说明"), headers=[_("列"), _("填写要求")], rows=[list(note) for note in page.notes()]),
        ],
    )
