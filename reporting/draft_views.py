"""The work report's draft page, its saved versions and the report template of a jurisdiction.

The draft page shows the report as generated, each data sentence locked to the records, with inputs where people
write (概述, 主要做法, 工作亮点, 存在问题, 下一步打算); saving writes a new version. A version is read back as HTML or
.docx with today's figures and its own words.
"""

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from activities.models import CreationPlan
from base import access
from base.periods import PeriodError, period_from_params
from communities.choices import Action
from communities.models import Jurisdiction

from .forms import ReportDraftForm, ReportTemplateForm
from .models import ReportDraftVersion, ReportTemplate
from .outline import HIGHLIGHTS, LIST_NARRATIVES, NARRATIVE_LABELS, empty_narrative, narrative_from_plan
from .report import build_report
from .report.content import FIELD
from .report.docx import docx_bytes
from .report.drafts import draft_of, starting_point, template_for, versions_of
from .report.numbers import nth
from .selectors import jurisdiction_dashboard
from .services import DraftConflict, report_draft_save, report_template_delete, report_template_save

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Blank inputs the page adds below the highlights, so a browser without scripts can add items too.
SPARE_ITEMS = 1


def _field_rows(content, narrative, errors):
    """Pair each block with what the page draws for it: the inputs of a FIELD block, nothing for the others."""
    rows = []
    for block in content.blocks:
        field = None
        if block.kind == FIELD:
            key = block.text
            value = narrative.get(key)
            field = {"key": key, "label": NARRATIVE_LABELS[key], "errors": errors.get(key, [])}
            field["is_list"] = key in LIST_NARRATIVES
            if key in LIST_NARRATIVES:
                items = list(value or []) + [""] * SPARE_ITEMS
                field["items"] = [{"number": nth(i), "text": text} for i, text in enumerate(items, start=1)]
            else:
                field["value"] = value or ""
        rows.append((block, field))
    return rows


def _own_plan(board):
    plan = board.plan
    return plan if plan is not None and plan.jurisdiction_id == board.jurisdiction.pk else None


@login_required
@require_http_methods(["GET", "POST"])
def work_report_preview(request, code):
    """Show the report's draft for the dashboard's period; POST saves the narrative as a new version."""
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    period_error = None
    try:
        period = period_from_params(request.GET)
    except PeriodError as exc:
        period_error = str(exc)
        messages.error(request, period_error)
        period = period_from_params({})
    may_write = access.user_can(request.user, Action.CHANGE, jurisdiction)
    period_query = urlencode(period.as_query())
    here = f"{reverse('work_report_preview', args=[jurisdiction.code])}?{period_query}"

    form = None
    status = 200
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied(_("您无权修改该辖区的工作汇报。"))
        form = ReportDraftForm(request.POST)
        if period_error:
            # Never saved under a period the page chose instead of the one asked for.
            form.add_error(None, period_error)
        if form.is_valid():
            try:
                version = report_draft_save(
                    jurisdiction=jurisdiction,
                    period=period,
                    narrative=form.narrative,
                    actor=request.user,
                    base_number=form.cleaned_data["base_number"],
                )
            except DraftConflict as exc:
                form.add_error(None, exc)
                # Shown the newer version's number, a second save is a deliberate one over it.
                status = 409
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if version.number == form.cleaned_data["base_number"]:
                    messages.info(request, _("内容没有改动，未新建版本。"))
                else:
                    messages.success(request, _("已保存草稿第%(n)d版。") % {"n": version.number})
                return redirect(f"{here}#history")

    board = jurisdiction_dashboard(jurisdiction=jurisdiction, period=period)
    template = template_for(jurisdiction)
    start = starting_point(jurisdiction, period)
    if form is not None:
        # What was typed, as typed: a refused save loses nothing.
        narrative = {
            key: form.data.getlist(key) if key in LIST_NARRATIVES else form.data.get(key, "")
            for key in NARRATIVE_LABELS
        }
        base_number = form.data.get("base_number", "")
        if status == 409:
            base_number = start.version.number
        errors = {key: form.errors.get(key, []) for key in NARRATIVE_LABELS}
        non_field_errors = form.non_field_errors()
    else:
        narrative = start.narrative if start.narrative is not None else narrative_from_plan(_own_plan(board))
        base_number = start.version.number if start.source == "saved" else 0
        errors, non_field_errors = {}, []
    saved = start.version.narrative if start.source == "saved" else None
    content = build_report(board, template=template, narrative=saved)
    editing = build_report(board, template=template, narrative=empty_narrative(), editing=True)

    ledger_plan = None
    if content.plan is not None:
        ledger_plan = CreationPlan.objects.for_user(request.user, Action.CHANGE).filter(pk=content.plan.pk).first()
    today = timezone.localdate()
    return render(
        request,
        "reporting/report/preview.html",
        {
            "content": content,
            "rows": _field_rows(editing, narrative, errors),
            "jurisdiction": jurisdiction,
            "period": period,
            "period_query": period_query,
            "ledger_plan": ledger_plan,
            "years": range(today.year, today.year - 6, -1),
            "may_write": may_write,
            "may_manage": access.user_can(request.user, Action.MANAGE, jurisdiction),
            "start": start,
            "base_number": base_number,
            "non_field_errors": non_field_errors,
            "versions": versions_of(draft_of(jurisdiction, period)),
            "template": template,
            "highlights_key": HIGHLIGHTS,
        },
        status=status,
    )


def _version(request, pk):
    return get_object_or_404(
        ReportDraftVersion.objects.for_user(request.user).select_related("draft__jurisdiction"), pk=pk
    )


def _version_content(version):
    draft = version.draft
    board = jurisdiction_dashboard(jurisdiction=draft.jurisdiction, period=draft.period)
    return build_report(board, template=template_for(draft.jurisdiction), narrative=version.narrative)


@login_required
def report_draft_version(request, pk):
    """Show one saved version as it reads: today's figures, the version's words."""
    version = _version(request, pk)
    draft = version.draft
    return render(
        request,
        "reporting/report/version.html",
        {
            "version": version,
            "draft": draft,
            "jurisdiction": draft.jurisdiction,
            "content": _version_content(version),
            "period_query": urlencode(draft.period.as_query()),
        },
    )


@login_required
def report_draft_version_docx(request, pk):
    """Download one saved version as a .docx."""
    version = _version(request, pk)
    content = _version_content(version)
    response = HttpResponse(docx_bytes(content), content_type=DOCX_CONTENT_TYPE)
    name = content.filename.removesuffix(".docx") + _("（第%(n)d版）") % {"n": version.number} + ".docx"
    response["Content-Disposition"] = (
        f'attachment; filename="work-report-{version.draft.jurisdiction.code}-v{version.number}.docx"; '
        f"filename*=UTF-8''{quote(name)}"
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def report_template_edit(request, code):
    """Let a jurisdiction's administrators set its report template, which its subtree inherits."""
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    if not access.user_can(request.user, Action.MANAGE, jurisdiction):
        raise PermissionDenied(_("只有本辖区的管理员可以修改汇报模板。"))
    own = ReportTemplate.objects.filter(jurisdiction=jurisdiction).first()
    used = own or template_for(jurisdiction)
    if request.method == "POST" and "reset" in request.POST:
        if report_template_delete(jurisdiction=jurisdiction, actor=request.user):
            messages.success(request, _("已删除本级汇报模板，改用上级或默认模板。"))
        return redirect("report_template_edit", code=jurisdiction.code)
    if request.method == "POST":
        form = ReportTemplateForm(request.POST)
        if form.is_valid():
            try:
                report_template_save(jurisdiction=jurisdiction, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("汇报模板已保存。"))
                return redirect("report_template_edit", code=jurisdiction.code)
    else:
        form = ReportTemplateForm(initial=ReportTemplateForm.initial_from(used))
    return render(
        request,
        "reporting/report/template_form.html",
        {"form": form, "jurisdiction": jurisdiction, "own": own, "used": used},
    )
