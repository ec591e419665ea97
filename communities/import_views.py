"""The import pages of this app: census and jurisdiction tree; upload, preview, confirm; the blank templates.

Both use the one flow of base.staging: the upload waits under MEDIA_ROOT/staging/ with a random name that
lives in the session, never in a URL; confirming re-reads and re-checks that file before writing, so what
is written is what the database holds at that moment; confirming, cancelling and a refusal remove it.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from base import access, staging
from base.access import user_can
from base.exports import Sheet, xlsx_response
from base.spreadsheets import SpreadsheetError, check_upload

from .choices import Action, PopulationKind
from .importers.census import CensusLayout, Surface, census_import_apply, census_import_plan
from .importers.jurisdictions import jurisdiction_import_apply, jurisdiction_import_plan
from .models import EthnicGroup, Jurisdiction

SESSION_KEY = "census_import"
JURISDICTION_SESSION_KEY = "jurisdiction_import"
# The preview lists new and changed records first; beyond this many rows it only counts the rest.
PREVIEW_ROWS = 500
STATUS_ORDER = {"new": 0, "changed": 1, "unchanged": 2}


def _checked_upload(form):
    upload = form.cleaned_data["file"]
    try:
        check_upload(upload)
    except SpreadsheetError as exc:
        raise forms.ValidationError(str(exc)) from exc
    return upload


class CensusUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("统计表文件"), help_text=gettext_lazy(".xlsx 或 .csv（UTF-8 或 GBK 编码）")
    )
    year = forms.IntegerField(
        label=gettext_lazy("年份"),
        required=False,
        min_value=1949,
        max_value=2100,
        help_text=gettext_lazy("表中没有“年份”列、标题中也没有年份时必填"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("人口类别"), choices=PopulationKind.choices, initial=PopulationKind.RESIDENT
    )
    layout = forms.ChoiceField(
        label=gettext_lazy("表格格式"),
        choices=[("", gettext_lazy("自动识别")), *CensusLayout.choices],
        required=False,
    )
    jurisdiction = forms.CharField(
        label=gettext_lazy("辖区代码"),
        required=False,
        max_length=12,
        help_text=gettext_lazy("仅“单一辖区”格式需要：这张表是哪个辖区的"),
    )

    def clean_file(self):
        return _checked_upload(self)


class JurisdictionUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("辖区代码表文件"),
        help_text=gettext_lazy(".xlsx 或 .csv（UTF-8 或 GBK 编码）；列：代码、名称、级别、上级代码"),
    )

    def clean_file(self):
        return _checked_upload(self)


def manager_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.is_administrator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# The pages' names for their imports, as the audit trail and the administrators' reminder of a refusal say them.
CENSUS_WHAT = gettext_lazy("人口导入")
JURISDICTION_WHAT = gettext_lazy("辖区代码表导入")


def _census_place(request, code):
    """The place a census file was meant for when the form names one the user may manage, else None (the audit
    row then goes to the highest place the user administers)."""

    def place(plan):
        if not code:
            return None
        found = Jurisdiction.objects.filter(code=code).first()
        return found if found is not None and user_can(request.user, Action.MANAGE, found) else None

    return place


def _has_writes(plan):
    return plan.is_valid and bool(plan.counts["new"] or plan.counts["changed"])


# Census


def _census_plan(request):
    def read(staged):
        options = staged.extra
        return census_import_plan(
            file=staged.path,
            filename=staged.filename,
            year=options["year"],
            jurisdiction=options["jurisdiction"] or None,
            kind=options["kind"],
            layout=options["layout"] or None,
            actor=request.user,
            surface=Surface.WEB,
        )

    return read


def _render_preview(request, plan, token=None):
    records = sorted(plan.records, key=lambda r: STATUS_ORDER.get(r.status, 3))
    return render(
        request,
        "communities/import_preview.html",
        {
            "plan": plan,
            "token": token,
            "records": records[:PREVIEW_ROWS],
            # The plan keeps a few hundred records of each status; it counts them all.
            "hidden_records": max(0, plan.record_total - PREVIEW_ROWS),
            "will_write": _has_writes(plan),
        },
    )


@manager_required
def census_import(request):
    """Show the upload form; on upload, check the file and show what importing it would do."""
    form = CensusUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan, staged = staging.preview_upload(
            request,
            SESSION_KEY,
            data["file"],
            _census_plan(request),
            worth_keeping=_has_writes,
            what=CENSUS_WHAT,
            place=_census_place(request, data["jurisdiction"].strip()),
            year=data["year"],
            kind=data["kind"],
            layout=data["layout"],
            jurisdiction=data["jurisdiction"].strip(),
        )
        return _render_preview(request, plan, token=staged.token if staged else None)
    return render(request, "communities/import_census.html", {"form": form, "layouts": CensusLayout.choices})


@require_POST
@manager_required
def census_import_confirm(request):
    """Import the file previewed in this session, after checking it again; or cancel it."""
    if request.POST.get("cancel"):
        staging.forget(request, SESSION_KEY)
        messages.info(request, _("已取消导入。"))
        return redirect("communities:census_import")
    plan, result = staging.confirm_staged(
        request,
        SESSION_KEY,
        _census_plan(request),
        lambda plan: census_import_apply(plan=plan, actor=request.user),
        token=request.POST.get("token", ""),
        what=CENSUS_WHAT,
        place=_census_place(request, (request.session.get(SESSION_KEY) or {}).get("extra", {}).get("jurisdiction")),
    )
    if plan is None:
        messages.error(request, _("预览已过期或上传的文件已失效，请重新上传。"))
        return redirect("communities:census_import")
    if result is None:
        return _render_preview(request, plan)
    messages.success(request, result.message)
    if result.anchor is not None and user_can(request.user, Action.VIEW, result.anchor):
        return redirect(result.anchor)
    return redirect("communities:census_import")


# Jurisdiction tree


def _jurisdiction_plan(request):
    def read(staged):
        return jurisdiction_import_plan(file=staged.path, filename=staged.filename, actor=request.user)

    return read


def _render_jurisdiction_page(request, form, plan=None, token=None):
    rows = []
    if plan is not None:
        rows = sorted(plan.rows, key=lambda r: (STATUS_ORDER.get(r.status, 3), r.depth, r.code))
    shown = [row for row in rows if row.status != "unchanged"][:PREVIEW_ROWS]
    return render(
        request,
        "communities/import_jurisdictions.html",
        {
            "form": form,
            "plan": plan,
            "token": token,
            "rows": shown,
            "hidden_rows": max(0, sum(1 for row in rows if row.status != "unchanged") - len(shown)),
            "will_write": plan is not None and _has_writes(plan),
        },
    )


@manager_required
def jurisdiction_import(request):
    """Upload a division-code list; show which places it adds, renames or moves, and every issue."""
    form = JurisdictionUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        plan, staged = staging.preview_upload(
            request,
            JURISDICTION_SESSION_KEY,
            form.cleaned_data["file"],
            _jurisdiction_plan(request),
            worth_keeping=_has_writes,
            what=JURISDICTION_WHAT,
        )
        return _render_jurisdiction_page(request, JurisdictionUploadForm(), plan, staged.token if staged else None)
    return _render_jurisdiction_page(request, form)


@require_POST
@manager_required
def jurisdiction_import_confirm(request):
    """Write the previewed tree all or nothing, after checking the file again; or cancel it."""
    if request.POST.get("cancel"):
        staging.forget(request, JURISDICTION_SESSION_KEY)
        messages.info(request, _("已取消导入。"))
        return redirect("communities:jurisdiction_import")
    plan, result = staging.confirm_staged(
        request,
        JURISDICTION_SESSION_KEY,
        _jurisdiction_plan(request),
        lambda plan: jurisdiction_import_apply(plan=plan, actor=request.user) or plan.counts,
        token=request.POST.get("token", ""),
        what=JURISDICTION_WHAT,
    )
    if plan is None:
        messages.error(request, _("预览已过期或上传的文件已失效，请重新上传。"))
        return redirect("communities:jurisdiction_import")
    if result is None:
        return _render_jurisdiction_page(request, JurisdictionUploadForm(), plan)
    messages.success(
        request,
        _("已导入辖区：新增 %(new)s 个、修改 %(changed)s 个、无变化 %(unchanged)s 个") % plan.counts,
    )
    return redirect("communities:jurisdiction_tree")


TEMPLATE_FILENAMES = {
    CensusLayout.LONG: gettext_lazy("人口统计表模板-长表.xlsx"),
    CensusLayout.WIDE: gettext_lazy("人口统计表模板-宽表.xlsx"),
    CensusLayout.SINGLE: gettext_lazy("人口统计表模板-单一辖区.xlsx"),
}


@manager_required
def census_template(request, layout):
    """Return a blank .xlsx of `layout` with its header and example rows."""
    if layout not in CensusLayout.values:
        raise Http404
    header, rows = _template_rows(layout)
    return xlsx_response(
        filename=str(TEMPLATE_FILENAMES[layout]), sheets=[Sheet(title=_("人口统计"), headers=header, rows=rows)]
    )


def _template_rows(layout):
    # The header words, group names and 合计 are the file format the importer reads (census_parsing's header
    # words), not text for the reader: translated, an English user's template would be refused by the importer.
    if layout == CensusLayout.LONG:
        header = ["区划代码", "地区名称", "年份", "民族", "人数", "常住人口", "户数"]
        rows = [
            ["520115001001", _("示例社区"), 2024, "汉族", 4800, 5000, 1600],
            ["520115001001", _("示例社区"), 2024, "苗族", 150, None, None],
            ["520115001001", _("示例社区"), 2024, "布依族", 50, None, None],
        ]
    elif layout == CensusLayout.WIDE:
        groups = list(EthnicGroup.objects.values_list("name", flat=True))
        header = [
            "区划代码",
            "地区名称",
            "年份",
            "常住人口",
            "户数",
            "流动少数民族",
            "少数民族困难户（户）",
            "困难户人数",
            *groups,
        ]
        example = {"汉族": 4800, "苗族": 150, "布依族": 50}
        rows = [
            ["520115001001", _("示例社区"), 2024, 5000, 1600, 20, 3, 11, *[example.get(g) for g in groups]],
        ]
    else:
        header = ["民族", "人数", "男", "女"]
        rows = [
            ["汉族", 4800, 2400, 2400],
            ["苗族", 150, 70, 80],
            ["布依族", 50, 26, 24],
            ["合计", 5000, 2496, 2504],
        ]
    return header, rows
