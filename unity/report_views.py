"""The work report (工作情况汇报) as a Word download and an HTML preview, and the plan's evidence ledger (台账)."""

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from activities.models import CreationPlan
from communities.choices import Action
from communities.models import Jurisdiction

from .periods import PeriodError, period_from_params
from .report import work_report
from .report.docx import docx_bytes
from .report.ledger import build_ledger, ledger_filename

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def work_report_preview(request, code):
    """Show the report as it will read in Word, with the period picker and the download buttons."""
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    try:
        period = period_from_params(request.GET)
    except PeriodError as exc:
        messages.error(request, str(exc))
        period = period_from_params({})
    content = work_report(jurisdiction=jurisdiction, period=period)
    ledger_plan = None
    if content.plan is not None:
        ledger_plan = CreationPlan.objects.for_user(request.user, Action.CHANGE).filter(pk=content.plan.pk).first()
    today = timezone.localdate()
    return render(
        request,
        "unity/report/preview.html",
        {
            "content": content,
            "jurisdiction": jurisdiction,
            "period": period,
            "period_query": urlencode(period.as_query()),
            "ledger_plan": ledger_plan,
            "years": range(today.year, today.year - 6, -1),
        },
    )


@login_required
def work_report_docx(request, code):
    """Download the report as a .docx for the period the query names (the dashboard's parameters)."""
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    try:
        period = period_from_params(request.GET)
    except PeriodError as exc:
        # The preview shows the same error beside the period picker, where it can be corrected.
        messages.error(request, str(exc))
        return redirect(reverse("work_report_preview", args=[jurisdiction.code]))
    content = work_report(jurisdiction=jurisdiction, period=period)
    response = HttpResponse(docx_bytes(content), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"work-report-{jurisdiction.code}.docx\"; filename*=UTF-8''{quote(content.filename)}"
    )
    return response


@login_required
def evidence_ledger(request, plan_id):
    """Download the plan's evidence ledger: a folder per indicator with its index, photos and documents.

    The ledger is the whole plan's file for the inspectors, compiled by those who may write the plan; the
    places below that read the plan would get a ledger holding only their own activities.
    """
    plan = get_object_or_404(
        CreationPlan.objects.for_user(request.user, Action.CHANGE).select_related("jurisdiction"), pk=plan_id
    )
    archive = build_ledger(plan=plan, user=request.user)
    return FileResponse(archive, as_attachment=True, filename=ledger_filename(plan), content_type="application/zip")
