"""Site-wide pages that span the apps."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from base import access
from communities.models import Jurisdiction

from .dashboard_charts import dashboard_charts
from .periods import PeriodError, period_from_params
from .selectors import jurisdiction_dashboard


@login_required
def home(request):
    visible = Jurisdiction.objects.for_user(request.user)
    top_depth = min(visible.values_list("depth", flat=True), default=0)
    return render(
        request,
        "home.html",
        {
            "roots": visible.filter(depth=top_depth),
            "roles": access.roles_of(request.user),
        },
    )


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
    return render(
        request,
        "unity/dashboard.html",
        {
            "board": board,
            "jurisdiction": jurisdiction,
            "ancestors": jurisdiction.ancestors().for_user(request.user),
            "period": period,
            "charts": dashboard_charts(board),
            "show_names": _shows_names(request.user, board),
            "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
        },
    )


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
    return JsonResponse(
        board.as_dict(show_names=_shows_names(request.user, board)), json_dumps_params={"ensure_ascii": False}
    )


def _shows_names(user, board):
    # The board is cached per jurisdiction and shared by its readers; the names are shown per reader.
    return board.plan is not None and access.may_see_responsible_persons(user, board.plan.jurisdiction)
