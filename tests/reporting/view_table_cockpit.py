"""View table rows for the big screen and its display links (see tests/scoping.py)."""

from datetime import timedelta

from django.utils import timezone

from tests.scoping import ScopedView


def _link(where, world):
    from reporting.services import display_link_create

    return display_link_create(
        jurisdiction=where, label="大厅", expires_at=timezone.now() + timedelta(days=30), actor=world.users["admin"]
    )


def _foreign_link(world):
    # Made by someone else's administrator: the world's admin must not reach it.
    from communities.choices import Role
    from reporting.services import display_link_create
    from tests.factories import make_member

    other = world.other_district
    owner = make_member(other, Role.ADMIN, "other-admin")
    link, _token = display_link_create(
        jurisdiction=other, label="外区大厅", expires_at=timezone.now() + timedelta(days=30), actor=owner
    )
    return [other.code, link.pk]


VIEWS = [
    ScopedView("screen", make=lambda w: [w.community.code], make_foreign=lambda w: [w.sibling.code]),
    ScopedView(
        "display_links",
        user="admin",
        action="manage",
        make=lambda w: [w.community.code],
        make_foreign=lambda w: [w.other_district.code],
    ),
    ScopedView(
        "display_link_revoke",
        user="admin",
        action="manage",
        method="post",
        ok_status=(302,),
        make=lambda w: [w.community.code, _link(w.community, w)[0].pk],
        make_foreign=_foreign_link,
    ),
    # Opened without a login by design (a hall display): the token is the key; tests/reporting/test_screen.py
    # checks that a revoked, expired or unknown one answers 404 and that the figures hold no name.
    ScopedView(
        "display_screen",
        public=True,
        make=lambda w: [_link(w.community, w)[1]],
        no_foreign="a display link opens one jurisdiction's screen, whoever holds it",
    ),
    ScopedView(
        "display_data",
        public=True,
        json=True,
        make=lambda w: [_link(w.community, w)[1]],
        no_foreign="a display link opens one jurisdiction's figures, whoever holds it",
    ),
]

VIEWS.append(
    ScopedView(
        "boundaries_upload",
        user="admin",
        action="manage",
        make=lambda w: [w.street.code],
        make_foreign=lambda w: [w.other_district.code],
    )
)
