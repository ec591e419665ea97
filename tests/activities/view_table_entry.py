"""View table rows for quick entry: 再记一次 copies only an activity the user may record (see tests/scoping.py)."""

from tests.scoping import ScopedView


def _activity(world, where):
    from tests.activities.factories_activities import make_activity

    return [make_activity(getattr(world, where), title=f"{getattr(world, where).name}的宣讲").pk]


VIEWS = [
    ScopedView(
        "activities:activity_again",
        action="change",
        make=lambda w: _activity(w, "community"),
        make_foreign=lambda w: _activity(w, "sibling"),
    ),
]
