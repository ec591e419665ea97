"""View table rows for the dashboards and the JSON summary (see tests/scoping.py)."""

from tests.scoping import ScopedView

VIEWS = [
    # The entry page sends staff to their own community's dashboard, never to the sibling's.
    ScopedView("dashboard", ok_status=(302,), own_text="529901001001", foreign_text="529901001002"),
    ScopedView(
        "dashboard_jurisdiction",
        make=lambda w: [w.community.code],
        make_foreign=lambda w: [w.sibling.code],
    ),
    ScopedView(
        "dashboard_jurisdiction",
        user="leader",
        make=lambda w: [w.community.code],
        make_foreign=lambda w: [_other_district(w).code],
    ),
    ScopedView(
        "api_summary",
        json=True,
        make=lambda w: [w.community.code],
        make_foreign=lambda w: [w.sibling.code],
    ),
]


def _other_district(world):
    from communities.choices import JurisdictionLevel
    from tests.factories import make_jurisdiction

    return make_jurisdiction("别的区", JurisdictionLevel.DISTRICT, code="529903000000")
