"""Site-wide pages that span the apps."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Jurisdiction
from communities.services import password_change_record

from .dashboard_charts import dashboard_charts
from .middleware import PENDING_KEY
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
            "memberships": request.user.memberships.select_related("jurisdiction"),
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
    return JsonResponse(board.as_dict(), json_dumps_params={"ensure_ascii": False})


def healthz(request):
    """Answer 200 when the database answers, 503 otherwise; for load balancers and systemd, no login needed."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Let every user change their own password; the change is audited and lifts a first-login requirement."""

    def form_valid(self, form):
        response = super().form_valid(form)
        password_change_record(user=form.user)
        self.request.session.pop(PENDING_KEY, None)
        messages.success(self.request, _("密码已修改。"))
        return response


def server_error(request):
    """Render 500.html with the site's navigation, or bare if rendering with the request fails too."""
    try:
        return render(request, "500.html", status=500)
    except Exception:  # noqa: BLE001 - the page that reports an error must not raise one of its own
        return HttpResponseServerError(loader.get_template("500.html").render())
