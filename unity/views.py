"""Site-wide pages: the home page, the health check, the password change, the 500 page. Dashboards: `reporting`."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from base import access
from communities.models import Jurisdiction
from communities.services import password_change_record

from .middleware import PENDING_KEY


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
