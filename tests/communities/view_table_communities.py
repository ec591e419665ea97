"""View table rows for the communities pages (see tests/scoping.py)."""

from tests.scoping import ScopedView

VIEWS = [
    ScopedView("home", foreign_text="乙社区"),
    ScopedView("communities:jurisdiction_tree", foreign_text="乙社区"),
    ScopedView(
        "communities:jurisdiction_detail",
        make=lambda w: [w.community.code],
        make_foreign=lambda w: [w.sibling.code],
    ),
    ScopedView(
        "communities:jurisdiction_detail_by_id",
        make=lambda w: [_unit(w, w.community).pk],
        make_foreign=lambda w: [_unit(w, w.sibling).pk],
    ),
]


def _unit(world, parent):
    from communities.choices import JurisdictionLevel
    from tests.factories import make_jurisdiction

    return make_jurisdiction(f"{parent.name}小学", JurisdictionLevel.UNIT, parent)
