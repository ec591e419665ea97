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


VIEWS += [
    # The district administrator lists and grants roles in their district only, not in another district.
    ScopedView(
        "communities:membership_list",
        user="admin",
        make=lambda w: (_foreign_membership(w), None)[1],
        own_text="world-staff",
        foreign_text="别的区",
    ),
    ScopedView(
        "communities:membership_revoke",
        user="admin",
        make=lambda w: [w.users["staff"].memberships.get().pk],
        make_foreign=lambda w: [_foreign_membership(w).pk],
    ),
]


def _foreign_membership(world):
    from communities.choices import JurisdictionLevel, Role
    from tests.factories import make_jurisdiction, make_member

    other = make_jurisdiction("别的区", JurisdictionLevel.DISTRICT, code="529902000000")
    return make_member(other, Role.STAFF, "other-district-staff").memberships.get()


def _unit(world, parent):
    from communities.choices import JurisdictionLevel
    from tests.factories import make_jurisdiction

    return make_jurisdiction(f"{parent.name}小学", JurisdictionLevel.UNIT, parent)
