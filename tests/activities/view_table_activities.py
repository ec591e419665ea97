"""View table rows for activities, photos, activity categories and projects (see tests/scoping.py)."""

from tests.scoping import ScopedView

_SITE_WIDE_CATEGORIES = "activity categories are one site-wide list kept by administrators: no other subtree"


def _activity(world, where, title=None):
    from tests.activities.factories_activities import make_activity

    return make_activity(getattr(world, where), title=title or f"{getattr(world, where).name}的宣讲")


def _photo(world, where):
    from activities.services.activities import activity_photo_add
    from tests.activities.factories_activities import upload

    user = world.users["staff" if where == "community" else "sibling_staff"]
    [photo] = activity_photo_add(activity=_activity(world, where), photos=[(upload(), "合影")], actor=user)
    return photo


def _project(world, where, name=None):
    from activities.choices import FundingSource
    from tests.activities.factories_activities import make_project

    return make_project(getattr(world, where), [(FundingSource.SUPERIOR, "10")], name=name or "饮水工程")


def _both_activities(world):
    _activity(world, "community", "甲社区宣讲")
    _activity(world, "sibling", "乙社区专属活动")


def _both_projects(world):
    _project(world, "community", "甲社区项目")
    _project(world, "sibling", "乙社区专属项目")


def _category(world):
    from activities.models import ActivityCategory

    return [ActivityCategory.objects.order_by("pk").first().pk]


def _sibling_preselected(world):
    # Create pages take no preselection today; this keeps a future `?jurisdiction=` from offering the sibling.
    return {"jurisdiction": world.sibling.pk}


def _home_activity(world):
    return [_activity(world, "community").pk]


def _sibling_activity(world):
    return [_activity(world, "sibling").pk]


VIEWS = [
    ScopedView("activities:activity_list", make=_both_activities, foreign_text="乙社区专属活动"),
    ScopedView(
        "activities:activity_create",
        action="change",
        own_text="甲社区",
        foreign_text="乙社区",
        foreign_query=_sibling_preselected,
    ),
    ScopedView("activities:activity_detail", make=_home_activity, make_foreign=_sibling_activity),
    ScopedView("activities:activity_update", action="change", make=_home_activity, make_foreign=_sibling_activity),
    ScopedView("activities:activity_delete", action="change", make=_home_activity, make_foreign=_sibling_activity),
    ScopedView(
        "activities:activity_photo_add",
        action="change",
        make=_home_activity,
        make_foreign=_sibling_activity,
        method="post",
        ok_status=(302,),
    ),
    ScopedView(
        "activities:activity_photo_image",
        make=lambda w: [_photo(w, "community").pk],
        make_foreign=lambda w: [_photo(w, "sibling").pk],
    ),
    ScopedView(
        "activities:activity_photo_thumbnail",
        make=lambda w: [_photo(w, "community").pk],
        make_foreign=lambda w: [_photo(w, "sibling").pk],
    ),
    ScopedView(
        "activities:activity_photo_delete",
        action="change",
        make=lambda w: [_photo(w, "community").pk],
        make_foreign=lambda w: [_photo(w, "sibling").pk],
    ),
    ScopedView("activities:category_list", action="manage", user="admin", no_foreign=_SITE_WIDE_CATEGORIES),
    ScopedView("activities:category_create", action="manage", user="admin", no_foreign=_SITE_WIDE_CATEGORIES),
    ScopedView(
        "activities:category_update", action="manage", make=_category, user="admin", no_foreign=_SITE_WIDE_CATEGORIES
    ),
    ScopedView("activities:project_list", make=_both_projects, foreign_text="乙社区专属项目"),
    ScopedView(
        "activities:project_create",
        action="change",
        own_text="甲社区",
        foreign_text="乙社区",
        foreign_query=_sibling_preselected,
    ),
    ScopedView(
        "activities:project_detail",
        make=lambda w: [_project(w, "community").pk],
        make_foreign=lambda w: [_project(w, "sibling").pk],
    ),
    ScopedView(
        "activities:project_update",
        action="change",
        make=lambda w: [_project(w, "community").pk],
        make_foreign=lambda w: [_project(w, "sibling").pk],
    ),
    ScopedView(
        "activities:project_delete",
        action="change",
        make=lambda w: [_project(w, "community").pk],
        make_foreign=lambda w: [_project(w, "sibling").pk],
    ),
]
