"""The audit trail's words: what a row keeps of a record, and how a person reads it back in their language."""

from datetime import date

from django.test import SimpleTestCase, TestCase
from django.utils import translation

from activities.choices import PetitionChannel, PetitionKind
from activities.models import Petition
from base.audit import actor_name, changes_between, deleted_values, readable_changes, snapshot
from communities.choices import JurisdictionLevel
from communities.models import Jurisdiction, Membership
from tests.activities.factories_petitions import ID_WITH_X, petition_data
from tests.factories import make_jurisdiction, make_user


def as_text(rows):
    return [
        (str(label), None if old is None else str(old), None if new is None else str(new)) for label, old, new in rows
    ]


class ReadableChangesTests(SimpleTestCase):
    changes = {
        "kind": [None, PetitionKind.PETITION],
        "channel": [PetitionChannel.LETTER, PetitionChannel.VISIT],
        "is_group": [True, False],
        "summary": ["旧诉求", "新诉求"],
    }

    def test_field_and_choice_labels_in_chinese(self):
        with translation.override("zh-hans"):
            rows = as_text(readable_changes(Petition, self.changes))
        self.assertEqual(
            rows,
            [
                ("类型", None, "信访"),
                ("来源渠道", "来信", "来访"),
                ("群体性", "是", "否"),
                ("主要诉求", "旧诉求", "新诉求"),
            ],
        )

    def test_field_and_choice_labels_in_english(self):
        with translation.override("en"):
            rows = as_text(readable_changes(Petition, self.changes))
        self.assertEqual(rows[0], ("Type", None, "Petition"))
        self.assertEqual(rows[2], ("Group matter", "Yes", "No"))
        self.assertEqual(rows[1][2], "Visit")

    def test_a_masked_value_is_labelled_as_its_field(self):
        with translation.override("zh-hans"):
            [(label, _old, new)] = readable_changes(Petition, {"petitioner_phone_masked": [None, "138****5678"]})
        self.assertEqual((str(label), new), ("联系电话", "138****5678"))

    def test_a_key_that_names_no_field_is_shown_as_written(self):
        rows = readable_changes(Petition, {"领导小组": [None, "组长 王书记"], "odd": "only a value"})
        self.assertEqual(rows, [("领导小组", None, "组长 王书记"), ("odd", None, "only a value")])

    def test_a_row_whose_model_is_gone_still_reads(self):
        self.assertEqual(readable_changes(None, {"kind": [None, "petition"]}), [("kind", None, "petition")])

    def test_a_code_no_longer_among_the_choices_is_kept_as_it_is(self):
        [(_label, _old, new)] = readable_changes(Petition, {"kind": [None, "retired-kind"]})
        self.assertEqual(new, "retired-kind")


class SnapshotTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("碧海街道", JurisdictionLevel.STREET)
        cls.community = make_jurisdiction("碧海社区", parent=cls.street)

    def test_a_related_record_is_kept_by_its_text(self):
        before = snapshot(Jurisdiction.objects.get(pk=self.community.pk), ["name", "parent"])
        other = make_jurisdiction("金华街道", JurisdictionLevel.STREET)
        self.community.parent, self.community.name = other, "碧海新社区"
        after = snapshot(self.community, ["name", "parent"])
        self.assertEqual(
            changes_between(before, after), {"name": ["碧海社区", "碧海新社区"], "parent": ["碧海街道", "金华街道"]}
        )

    def test_unchanged_values_are_left_out(self):
        values = snapshot(self.community, ["name", "parent", "level"])
        self.assertEqual(changes_between(values, dict(values)), {})

    def test_a_delete_keeps_every_filled_in_field_and_masks_what_it_is_told_to(self):
        petition = Petition(**petition_data(self.community, received_on=date(2024, 3, 4)))
        kept = deleted_values(petition, ["kind", "summary", "petitioner_id_number_masked", "assigned_department"])
        self.assertEqual(kept["kind"], ["petition", None])
        self.assertEqual(kept["petitioner_id_number_masked"], ["5201**********123X", None])
        self.assertNotIn(ID_WITH_X, str(kept))
        self.assertNotIn("assigned_department", kept)  # blank: nothing to keep

    def test_a_delete_by_default_keeps_the_fields_a_person_edits(self):
        membership = Membership(user=make_user("keeper"), jurisdiction=self.community, role="staff")
        self.assertEqual(
            deleted_values(membership),
            {"user": ["keeper", None], "jurisdiction": [str(self.community), None], "role": ["staff", None]},
        )


class ActorNameTests(TestCase):
    def test_full_name_with_the_login(self):
        self.assertEqual(actor_name(make_user("wang", first_name="王芳")), "王芳（wang）")

    def test_login_alone_when_there_is_no_full_name(self):
        self.assertEqual(actor_name(make_user("li")), "li")

    def test_nobody_for_a_command_run_without_a_user(self):
        self.assertEqual(actor_name(None), "")
