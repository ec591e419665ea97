"""base.plain: figures to plain data for a shared cache, and back, without queries."""

import pickle
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.test import TestCase

from base import plain
from communities.choices import JurisdictionLevel
from communities.models import Jurisdiction
from tests.factories import make_jurisdiction, make_user


@dataclass(frozen=True)
class Row:
    place: object
    share: Decimal
    counts: dict


class PlainTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("碧海街道", JurisdictionLevel.STREET, code="520115001000")
        cls.community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001001")

    def test_models_and_dataclasses_come_back_equal_without_a_query(self):
        place = Jurisdiction.objects.select_related("parent").get(pk=self.community.pk)
        value = [Row(place=place, share=Decimal("2.73"), counts={"a": (1, None)}), {"day": date(2026, 1, 1)}]
        data = plain.dump(value)
        self.assertFalse(plain.contains_objects(data))
        back = plain.load(pickle.loads(pickle.dumps(data)))  # noqa: S301 — our own bytes
        with self.assertNumQueries(0):
            self.assertEqual(back[0].place.parent.name, "碧海街道")  # the related row loaded with it
            self.assertEqual(back[0].place, place)
            self.assertEqual((back[0].share, back[0].counts, back[1]), (Decimal("2.73"), {"a": (1, None)}, value[1]))
            self.assertEqual(back[0].place.get_level_display(), place.get_level_display())

    def test_data_of_another_release_that_does_not_read_back_says_so(self):
        data = plain.dump(Row(place=None, share=Decimal(1), counts={}))
        del data["state"]["counts"]  # written when the class had no such field
        with self.assertRaises(plain.FormatChanged):
            plain.load(data)
        gone = {plain.DATACLASS: "tests.base.test_plain:Gone", "state": {}}
        with self.assertRaises(plain.RESTORE_ERRORS):
            plain.load(gone)

    def test_a_password_hash_never_goes_into_the_cache(self):
        user = make_user("somebody")
        self.assertNotIn("password", plain.dump(user)["state"])

    def test_an_unknown_object_without_state_is_refused(self):
        with self.assertRaises(TypeError):
            plain.dump(object())


class CycleTests(TestCase):
    def test_rows_that_point_at_each_other_are_written_once(self):
        street = make_jurisdiction("碧海街道", JurisdictionLevel.STREET, code="520115001000")
        community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, street, code="520115001001")
        community.parent = street
        street._state.fields_cache["parent"] = community  # a loop, as a one-to-one's two sides make
        back = plain.load(plain.dump(community))
        self.assertEqual(back.parent.pk, street.pk)
        self.assertNotIn("parent", back.parent._state.fields_cache)
