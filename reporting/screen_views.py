"""The big screen (数据大屏) of a jurisdiction, and the display links that open it without a login.

A display link opens only the screen and the aggregate figures behind it (`screen_payload`): no list of
records, no personal name, no ID number. Every use is written to the audit trail (reporting.services).
"""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from base.access import Action
from base.periods import PeriodError, period_from_params
from communities.models import Jurisdiction

from .cockpit import chart_labels, cockpit_data
from .geo import MAX_BYTES
from .models import BoundaryMap, DisplayLink
from .selectors import jurisdiction_dashboard
from .services import boundaries_upload, display_link_create, display_link_revoke, display_link_use

# The screen asks for fresh figures this often (seconds); `?refresh=` overrides it within these bounds.
REFRESH_SECONDS = 180
REFRESH_BOUNDS = (2, 3600)


def screen_payload(board):
    """Return what the big screen shows: the place, the period and the charts' aggregate figures, nothing else."""
    return {
        "jurisdiction": {"code": board.jurisdiction.code, "name": board.jurisdiction.name},
        "period": {
            "from": board.period.start.isoformat(),
            "to": board.period.end.isoformat(),
            "label": board.period.label,
        },
        "charts": cockpit_data(board),
    }


def boundaries_of(jurisdiction):
    """Return the GeoJSON of `jurisdiction`'s children, or None (then a treemap takes the map's place)."""
    return BoundaryMap.objects.filter(jurisdiction=jurisdiction).values_list("geojson", flat=True).first()


def _refresh(request):
    try:
        seconds = int(request.GET.get("refresh", REFRESH_SECONDS))
    except ValueError:
        seconds = REFRESH_SECONDS
    return min(max(seconds, REFRESH_BOUNDS[0]), REFRESH_BOUNDS[1])


def _period(request):
    try:
        return period_from_params(request.GET)
    except PeriodError:
        return period_from_params({})


def _render_screen(request, jurisdiction, data_url):
    period = _period(request)
    board = jurisdiction_dashboard(jurisdiction=jurisdiction, period=period)
    query = urlencode(period.as_query())
    response = render(
        request,
        "reporting/screen.html",
        {
            "jurisdiction": jurisdiction,
            "payload": screen_payload(board),
            "labels": chart_labels(),
            "data_url": f"{data_url}?{query}",
            "refresh": _refresh(request),
            "geo": boundaries_of(jurisdiction),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def screen(request, code):
    """The big screen for a signed-in user who may see the jurisdiction; it refreshes from the JSON summary."""
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    return _render_screen(request, jurisdiction, reverse("api_summary", args=[jurisdiction.code]))


def display_screen(request, token):
    """The big screen opened by a display link, logged out; a revoked, expired or unknown link answers 404."""
    link = display_link_use(token=token, what="screen")
    if link is None:
        raise Http404
    return _render_screen(request, link.jurisdiction, reverse("display_data", args=[token]))


def display_data(request, token):
    """The aggregate figures behind a display link's screen (JSON)."""
    link = display_link_use(token=token, what="data")
    if link is None:
        return JsonResponse({"error": _("链接无效或已过期。")}, status=404)
    board = jurisdiction_dashboard(jurisdiction=link.jurisdiction, period=_period(request))
    response = JsonResponse(screen_payload(board), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


class DisplayLinkForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("名称"), max_length=100, initial=gettext_lazy("大厅展示屏"))
    days = forms.IntegerField(label=gettext_lazy("有效天数"), min_value=1, max_value=366, initial=90)


@login_required
def display_links(request, code):
    """List a jurisdiction's display links and create one (administrators of the jurisdiction)."""
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user, Action.MANAGE), code=code)
    form = DisplayLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link, token = display_link_create(
                jurisdiction=jurisdiction,
                label=form.cleaned_data["label"],
                expires_at=timezone.now() + timedelta(days=form.cleaned_data["days"]),
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            address = request.build_absolute_uri(reverse("display_screen", args=[token]))
            # The token is kept only as a hash: this message is the one time the address is shown.
            messages.success(
                request,
                _("已创建展示链接“%(label)s”。请立即复制，此地址只显示这一次：%(url)s")
                % {"label": link.label, "url": address},
            )
            return redirect("display_links", code=jurisdiction.code)
    links = DisplayLink.objects.for_user(request.user, Action.MANAGE).filter(jurisdiction=jurisdiction)
    response = render(
        request,
        "reporting/display_links.html",
        {"jurisdiction": jurisdiction, "form": form, "links": links, "now": timezone.now()},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def display_link_revoke_view(request, code, pk):
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user, Action.MANAGE), code=code)
    link = get_object_or_404(
        DisplayLink.objects.for_user(request.user, Action.MANAGE).filter(jurisdiction=jurisdiction), pk=pk
    )
    display_link_revoke(link=link, actor=request.user)
    messages.success(request, _("已撤销展示链接“%(label)s”。") % {"label": link.label})
    return redirect("display_links", code=jurisdiction.code)


class BoundaryForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("GeoJSON 文件"))


@login_required
def boundaries(request, code):
    """Upload the boundaries of the jurisdiction's children (administrators); the map then replaces the treemap."""
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user, Action.MANAGE), code=code)
    form = BoundaryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_BYTES:
                raise ValidationError(_("文件过大：边界文件不能超过%(mb)s MB。") % {"mb": MAX_BYTES // (1024 * 1024)})
            boundaries_upload(jurisdiction=jurisdiction, raw=upload.read(), actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(request, _("已上传下级辖区边界，看板和数据大屏将显示地图。"))
            return redirect("dashboard_jurisdiction", code=jurisdiction.code)
    current = BoundaryMap.objects.filter(jurisdiction=jurisdiction).first()
    return render(
        request,
        "reporting/boundaries.html",
        {
            "jurisdiction": jurisdiction,
            "form": form,
            "current": current,
            "children": jurisdiction.children.exclude(code=None).order_by("code"),
        },
    )
