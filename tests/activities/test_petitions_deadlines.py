"""The deadline engine: Petition.compute_due_on, days_left / days_overdue, overdue() and by_urgency()."""

from datetime import date, timedelta

from django.test import TestCase

from activities.choices import PetitionStatus as S
from activities.models import Petition
from activities.models.petitions import ACCEPTANCE_DAYS, HANDLING_DAYS, MAX_EXTENSION_DAYS, REVIEW_DAYS
from tests.activities.factories_petitions import make_petition
from tests.factories import make_jurisdiction

D = date(2024, 1, 10)


def day(n):
    return D + timedelta(days=n)


class PetitionDeadlineTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.community = make_jurisdiction("碧海社区")

    def test_statutory_constants(self):
        self.assertEqual((ACCEPTANCE_DAYS, HANDLING_DAYS, MAX_EXTENSION_DAYS, REVIEW_DAYS), (15, 60, 30, 30))

    def test_due_date_of_each_status(self):
        cases = [
            ("15 days to decide on acceptance", S.REGISTERED, {}, day(15)),
            ("60 days from acceptance", S.ACCEPTED, {"decided_on": day(3)}, day(63)),
            ("handling keeps the 60 days", S.HANDLING, {"decided_on": day(3)}, day(63)),
            ("extension adds its days", S.EXTENDED, {"decided_on": day(3), "extension_days": 30}, day(93)),
            ("a short extension", S.EXTENDED, {"decided_on": day(3), "extension_days": 7}, day(70)),
            (
                "review: 30 days from the request",
                S.REVIEW,
                {"closed_on": day(40), "review_requested_on": day(50)},
                day(80),
            ),
            (
                "recheck: 30 days from the request",
                S.RECHECK,
                {"closed_on": day(40), "review_requested_on": day(50), "recheck_requested_on": day(75)},
                day(105),
            ),
            ("closed: nothing pending", S.CLOSED, {"closed_on": day(40)}, None),
            ("rejected: nothing pending", S.REJECTED, {"decided_on": day(2)}, None),
        ]
        for label, status, fields, expected in cases:
            with self.subTest(label):
                petition = make_petition(self.community, status=status, received_on=D, **fields)
                self.assertEqual(petition.due_on, expected)
                self.assertEqual(Petition.objects.get(pk=petition.pk).due_on, expected)

    def test_extension_days_count_only_once_extended(self):
        # A case accepted with extension days recorded but not in 延期 keeps the plain 60 days.
        petition = make_petition(self.community, status=S.HANDLING, received_on=D, decided_on=D, extension_days=20)
        self.assertEqual(petition.due_on, day(60))

    def test_due_date_follows_a_status_change_saved_with_update_fields(self):
        petition = make_petition(self.community, received_on=D)
        petition.status, petition.decided_on = S.ACCEPTED, day(5)
        petition.save(update_fields=["status", "decided_on"])
        self.assertEqual(Petition.objects.get(pk=petition.pk).due_on, day(65))

    def test_days_left_and_overdue_on_a_given_today(self):
        petition = make_petition(self.community, received_on=D)  # due day(15)
        cases = [(day(10), 5, None, False), (day(15), 0, None, False), (day(16), -1, 1, True), (day(30), -15, 15, True)]
        for today, left, overdue_days, overdue in cases:
            with self.subTest(today=today):
                self.assertEqual(petition.days_left(today), left)
                self.assertEqual(petition.days_overdue(today), overdue_days)
                self.assertEqual(petition.is_overdue(today), overdue)
                self.assertEqual(Petition.objects.overdue(today).filter(pk=petition.pk).exists(), overdue)

    def test_closed_and_rejected_are_never_overdue(self):
        closed = make_petition(self.community, status=S.CLOSED, received_on=D, closed_on=day(70))
        rejected = make_petition(self.community, status=S.REJECTED, received_on=D)
        far = day(400)
        for petition in (closed, rejected):
            with self.subTest(status=petition.status):
                self.assertIsNone(petition.days_left(far))
                self.assertFalse(petition.is_overdue(far))
        self.assertFalse(Petition.objects.overdue(far).exists())

    def test_by_urgency_puts_overdue_first_then_soonest_due_then_finished(self):
        today = day(20)
        closed = make_petition(self.community, status=S.CLOSED, received_on=day(1), closed_on=day(5))
        soon = make_petition(self.community, received_on=day(8))  # due day(23)
        overdue_long = make_petition(self.community, received_on=day(0))  # due day(15)
        later = make_petition(self.community, status=S.ACCEPTED, received_on=day(1), decided_on=day(2))  # day(62)
        overdue_short = make_petition(self.community, received_on=day(3))  # due day(18)
        ordered = list(Petition.objects.by_urgency())
        self.assertEqual(ordered, [overdue_long, overdue_short, soon, later, closed])
        self.assertEqual(list(Petition.objects.overdue(today).by_urgency()), [overdue_long, overdue_short])
