"""Navigation shown on every page; an entry whose page does not exist is simply left out."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from base import access
from base.access import Action

# Each entry names the action its page needs somewhere; a user who may not do it anywhere is not shown a link
# that would answer 403 or an empty page (an auditor sees the audit trail, not the records).
NAVIGATION = [
    (_("首页"), "home", None),
    (_("领导看板"), "dashboard", Action.VIEW),
    (_("本月"), "activities:this_month", Action.VIEW),
    (_("活动"), "activities:activity_list", Action.VIEW),
    (_("信访与纠纷"), "activities:petition_list", Action.VIEW),
    (_("月报"), "activities:monthly_list", Action.VIEW),
    (_("创建方案"), "activities:plan_list", Action.VIEW),
    (_("民生项目"), "activities:project_list", Action.VIEW),
    (_("辖区"), "communities:jurisdiction_tree", Action.VIEW),
    (_("导入人口统计表"), "communities:census_import", Action.MANAGE),
    (_("导入辖区"), "communities:jurisdiction_import", Action.MANAGE),
    (_("用户与角色"), "communities:membership_list", Action.MANAGE),
    (_("操作记录"), "communities:audit_list", Action.AUDIT),
]


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"navigation": []}
    items = []
    for label, name, action in NAVIGATION:
        if action is not None and not access.may_anywhere(request.user, action):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path == url})
    return {"navigation": items}
