"""Navigation shown on every page; an entry whose page does not exist is simply left out."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from communities.choices import Action
from communities.models import Jurisdiction

# Pages only administrators can use; others are not shown a link that would answer 403.
ADMIN_ONLY = {"communities:census_import", "communities:jurisdiction_import", "communities:membership_list"}

NAVIGATION = [
    (_("首页"), "home"),
    (_("领导看板"), "dashboard"),
    (_("本月"), "activities:this_month"),
    (_("活动"), "activities:activity_list"),
    (_("信访与纠纷"), "activities:petition_list"),
    (_("月报"), "activities:monthly_list"),
    (_("创建方案"), "activities:plan_list"),
    (_("民生项目"), "activities:project_list"),
    (_("辖区"), "communities:jurisdiction_tree"),
    (_("导入人口统计表"), "communities:census_import"),
    (_("导入辖区"), "communities:jurisdiction_import"),
    (_("用户与角色"), "communities:membership_list"),
]


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"navigation": []}
    user = request.user
    can_manage = user.is_superuser or Jurisdiction.objects.for_user(user, Action.MANAGE).exists()
    items = []
    for label, name in NAVIGATION:
        if name in ADMIN_ONLY and not can_manage:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path == url})
    return {"navigation": items}
