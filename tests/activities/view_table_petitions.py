"""View table rows for the petition pages (see tests/scoping.py)."""

from activities.choices import PetitionStatus
from communities.choices import JurisdictionLevel
from tests.activities.factories_petitions import ID_DIGIT, make_petition
from tests.factories import make_jurisdiction
from tests.scoping import ScopedView


def _mine(world):
    return [make_petition(world.community, summary="甲社区的诉求").pk]


def _sibling(world):
    return [make_petition(world.sibling, summary="乙社区的诉求").pk]


def _outside_street(world):
    # The leader sits on the street above both communities; "another subtree" for them is another street.
    other = make_jurisdiction("另一街道", JurisdictionLevel.STREET, world.district, code="529901002000")
    return [make_petition(other, summary="另一街道的诉求", petitioner_id_number=ID_DIGIT).pk]


def _same_person_here_and_in_another_street(world):
    make_petition(world.community, summary="甲社区的诉求", petitioner_id_number=ID_DIGIT)
    _outside_street(world)


VIEWS = [
    ScopedView("activities:petition_list", foreign_text="乙社区的诉求", make=lambda w: _sibling(w) and None),
    ScopedView(
        "activities:petition_create",
        action="change",
        own_text="甲社区",
        foreign_text="乙社区",
        foreign_query=lambda w: {"jurisdiction": w.sibling.pk},
    ),
    ScopedView(
        "activities:petition_lookup",
        action="approve",
        user="leader",
        no_foreign="the empty search form; see the POST row",
    ),
    # The same ID number has a case in the leader's street and one in another street: only the first is found.
    ScopedView(
        "activities:petition_lookup",
        action="approve",
        user="leader",
        method="post",
        data={"id_number": ID_DIGIT},
        make=lambda w: _same_person_here_and_in_another_street(w) and None,
        own_text="甲社区的诉求",
        foreign_text="另一街道的诉求",
    ),
    ScopedView("activities:petition_detail", make=_mine, make_foreign=_sibling),
    ScopedView("activities:petition_update", action="change", make=_mine, make_foreign=_sibling),
    ScopedView("activities:petition_delete", action="change", make=_mine, make_foreign=_sibling),
    ScopedView(
        "activities:petition_transition",
        action="change",
        make=_mine,
        make_foreign=_sibling,
        method="post",
        data={"to_status": PetitionStatus.ACCEPTED, "accepted-on_date": "2024-03-05"},
        ok_status=(302,),
    ),
    ScopedView(
        "activities:petition_reveal",
        action="approve",
        make=_mine,
        make_foreign=_outside_street,
        user="leader",
        method="post",
        ok_status=(200,),
    ),
]
