"""The abstract pieces every record shares: its bookkeeping columns and a check whose refusal names a field."""

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.test import SimpleTestCase, TestCase

from activities.models import Activity, CreationPlan, MonthlyReturn, Petition, Project, Responsibility
from base.models import FieldCheckConstraint, TrackedModel
from communities.models import PopulationRecord


class TrackedModelTests(SimpleTestCase):
    def test_every_record_that_keeps_bookkeeping_takes_it_from_the_one_base(self):
        for model in (Activity, Petition, Project, CreationPlan, Responsibility, MonthlyReturn, PopulationRecord):
            with self.subTest(model=model.__name__):
                self.assertTrue(issubclass(model, TrackedModel))
                names = {field.name for field in model._meta.fields}
                self.assertLessEqual({"created_by", "created_at", "updated_at"}, names)

    def test_the_creator_is_not_a_form_field(self):
        self.assertFalse(Activity._meta.get_field("created_by").editable)


class FieldCheckConstraintTests(TestCase):
    # Django checks a constraint's condition with a query (SELECT 1 WHERE …), so this needs the database.
    constraint = FieldCheckConstraint(
        condition=Q(minority_participants__lte=F("participants")),
        name="test_minority_within_participants",
        field="minority_participants",
        violation_error_message="%(minority_participants)s > %(participants)s",
    )

    def test_a_refusal_sits_on_its_field_with_the_records_values(self):
        with self.assertRaises(ValidationError) as caught:
            self.constraint.validate(Activity, Activity(participants=10, minority_participants=12))
        self.assertEqual(caught.exception.message_dict, {"minority_participants": ["12 > 10"]})

    def test_a_record_within_the_rule_passes(self):
        self.constraint.validate(Activity, Activity(participants=10, minority_participants=10))

    def test_it_survives_a_migration_round_trip(self):
        path, args, kwargs = self.constraint.deconstruct()
        self.assertEqual(path, "base.models.FieldCheckConstraint")
        self.assertEqual(FieldCheckConstraint(*args, **kwargs), self.constraint)
        self.assertNotEqual(FieldCheckConstraint(*args, **{**kwargs, "field": "participants"}), self.constraint)
