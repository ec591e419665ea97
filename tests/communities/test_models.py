from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase

from communities.models import GroupCount
from tests.factories import group, make_jurisdiction, make_population


class PopulationRecordCleanTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.place = make_jurisdiction("示例社区")

    def test_residents_below_the_saved_group_counts_are_refused(self):
        record = make_population(self.place, 2024, {"汉族": 900, "苗族": 300}, residents=1500)
        record.full_clean()
        record.residents = 1000
        with self.assertRaisesMessage(ValidationError, "各民族人数合计1200人，超过常住人口1000人") as ctx:
            record.full_clean()
        self.assertEqual(list(ctx.exception.message_dict), ["residents"])

    def test_residents_equal_to_the_counts_or_not_given_pass(self):
        record = make_population(self.place, 2024, {"汉族": 900, "苗族": 300}, residents=1200)
        record.full_clean()
        record.residents = None
        record.full_clean()

    def test_a_form_checking_the_counts_itself_skips_the_saved_counts(self):
        record = make_population(self.place, 2024, {"汉族": 900}, residents=1000)
        record.residents, record.group_counts_in_form = 10, True
        record.full_clean()


class GroupCountCleanTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.record = make_population(make_jurisdiction("示例社区"), 2024, {"汉族": 900}, residents=1000)

    def test_a_count_taking_the_groups_over_the_residents_is_refused(self):
        count = GroupCount(record=self.record, ethnic_group=group("苗族"), count=101)
        with self.assertRaisesMessage(ValidationError, "各民族人数合计1001人，超过常住人口1000人") as ctx:
            count.full_clean()
        self.assertEqual(list(ctx.exception.message_dict), ["count"])
        count.count = 100
        count.full_clean()

    def test_changing_a_saved_count_does_not_count_it_twice(self):
        han = self.record.group_counts.get()
        han.count = 1000
        han.full_clean()

    def test_counts_are_whole_numbers_not_below_zero(self):
        count = GroupCount(record=self.record, ethnic_group=group("苗族"), count=-1)
        with self.assertRaises(ValidationError) as ctx:
            count.full_clean()
        self.assertIn("count", ctx.exception.message_dict)
        # The database refuses it too, for writes that skip full_clean (imports, bulk inserts).
        with self.assertRaises(IntegrityError), transaction.atomic():
            GroupCount.objects.create(record=self.record, ethnic_group=group("苗族"), count=-1)
