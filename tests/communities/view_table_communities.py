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
        action="manage",
        user="admin",
        make=lambda w: (_foreign_membership(w), None)[1],
        own_text="world-staff",
        foreign_text="别的区",
    ),
    ScopedView(
        "communities:membership_revoke",
        action="manage",
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


def _audit_rows(world):
    from communities.choices import AuditAction
    from communities.services import audit_record

    audit_record(
        actor=None, action=AuditAction.CHANGE, obj=world.community, jurisdiction=world.community, note="甲社区的记录"
    )
    other = world.other_district
    audit_record(actor=None, action=AuditAction.CHANGE, obj=other, jurisdiction=other, note="外区的记录")


VIEWS += [
    # The auditor of the district reads the district's trail, not another district's, and may name no other.
    ScopedView(
        "communities:audit_list",
        user="auditor",
        action="audit",
        make=lambda w: (_audit_rows(w), None)[1],
        own_text="甲社区的记录",
        foreign_text="外区的记录",
        foreign_query=lambda w: {"jurisdiction": w.other_district.code},
    ),
]
