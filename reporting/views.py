"""Dashboards, the JSON summary, the work report (工作情况汇报) and the plan's evidence ledger (台账)."""

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from activities.models import CreationPlan
from base import access
from base.periods import PeriodError, period_from_params
from communities.choices import Action
from communities.models import Jurisdiction

from .cockpit import RANKING_METRICS, chart_labels, cockpit_data
from .freshness import cached_fragment
from .report import work_report
from .report.docx import docx_bytes
from .report.ledger import build_ledger, ledger_filename
from .screen_views import boundaries_of
from .selectors import jurisdiction_dashboard

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _period_or_error(request):
    try:
        return period_from_params(request.GET), None
    except PeriodError as exc:
        return period_from_params({}), str(exc)


@login_required
def dashboard_home(request):
    """Open the dashboard of the user's highest jurisdiction (the one they most likely lead)."""
    visible = Jurisdiction.objects.for_user(request.user).exclude(code=None)
    top = visible.order_by("depth", "path").first()
    if top is None:
        messages.info(request, _("您还没有被分配任何辖区，请联系管理员授予角色。"))
        return redirect("home")
    return redirect("dashboard_jurisdiction", code=top.code)


@login_required
def dashboard(request, code):
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    period, error = _period_or_error(request)
    if error:
        messages.error(request, error)
    board = jurisdiction_dashboard(jurisdiction=jurisdiction, period=period)
    period_query = urlencode(period.as_query())
    context = {
        "board": board,
        "jurisdiction": jurisdiction,
        "ancestors": jurisdiction.ancestors().for_user(request.user),
        "period": period,
        "cockpit": cockpit_data(board),
        "cockpit_labels": chart_labels(),
        "cockpit_geo": boundaries_of(jurisdiction),
        "cockpit_query": period_query,
        # The period as its links carry it on: the board's HTML depends on the period asked for, not on how it was
        # spelled (a query string varied at will would otherwise make a new cache entry each time).
        "period_query": period_query,
        "ranking_metrics": [(key, label()) for key, (label, _better) in RANKING_METRICS.items()],
        "may_manage_links": access.user_can(request.user, Action.MANAGE, jurisdiction),
        "show_names": _shows_names(request.user, board),
        "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
    }
    # The figures' part of the page, two thirds of a warm page's time, is the same for every reader of the same
    # figures asking the same thing: kept under the figures' state, rendered again once they change.
    fragment = ("board", jurisdiction.pk, jurisdiction.path, period_query, context["show_names"])
    context["board_body"] = mark_safe(  # noqa: S308 — our own template's output, escaped when it was rendered
        cached_fragment(
            fragment, board.state, lambda: render_to_string("reporting/includes/board.html", context, request)
        )
    )
    return render(request, "reporting/dashboard.html", context)


def api_summary(request, code):
    """Return the dashboard's figures as JSON; 404 alike for unknown codes and codes outside the user's subtree."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("请先登录。")}, status=401)
    jurisdiction = Jurisdiction.objects.for_user(request.user).filter(code=code).first()
    if jurisdiction is None:
        return JsonResponse({"error": _("找不到该辖区。")}, status=404)
    try:
        period = period_from_params(request.GET)
    except PeriodError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    board = jurisdiction_dashboard(jurisdiction=jurisdiction, period=period)
    data = board.as_dict(show_names=_shows_names(request.user, board))
    data["charts"] = cockpit_data(board)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _shows_names(user, board):
    # The board is cached per jurisdiction and shared by its readers; the names are shown per reader.
    return board.plan is not None and access.may_see_responsible_persons(user, board.plan.jurisdiction)


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
