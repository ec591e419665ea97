"""Site-wide pages that span the apps: the home page. Dashboards and reports live in `reporting`."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from communities.models import Jurisdiction


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
