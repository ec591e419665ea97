"""What is due on fixed dates (issue #14's "Done when"), read from the same selectors as the pages."""

from datetime import date

from django.test import TestCase

from activities.choices import ReturnStatus
from base.periods import year_period
from reminders.choices import ReminderKind
from reminders.selectors import (
    approval_reminders,
    late_units_reminders,
    lockout_reminders,
    petition_reminders,
    responsibility_reminders,
    return_reminders,
    returned_reminders,
)
from reporting.selectors import jurisdiction_dashboard
from tests.activities.factories_petitions import make_petition
from tests.activities.factories_plans import make_return

from .world import World


def _for(reminders, user):
    return [r for r in reminders if user in r.recipients]


class MonthlyReturnReminderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = World()

    def test_on_the_2nd_staff_without_last_months_return_is_reminded(self):
        mine = _for(return_reminders(date(2026, 12, 2)), self.w.staff)
        self.assertEqual([r.kind for r in mine], [ReminderKind.RETURN_DUE])
        self.assertIn("碧海社区", mine[0].title)
        self.assertIn("2026年11月", mine[0].title)
        self.assertEqual(mine[0].link, "/monthly/520115001001/2026-11/")

    def test_not_before_three_days_ahead(self):
        self.assertEqual(return_reminders(date(2026, 12, 1)), [])

    def test_a_submitted_return_is_not_reminded(self):
        make_return(self.w.bihai, date(2026, 11, 1), status=ReturnStatus.SUBMITTED)
        self.assertEqual(_for(return_reminders(date(2026, 12, 2)), self.w.staff), [])
        self.assertEqual(len(_for(return_reminders(date(2026, 12, 2)), self.w.staff2)), 1)

    def test_the_day_after_the_due_date_it_is_late(self):
        mine = _for(return_reminders(date(2026, 12, 6)), self.w.staff)
        self.assertEqual([(r.kind, r.occasion) for r in mine], [(ReminderKind.RETURN_LATE, "late")])

    def test_each_staff_hears_of_their_own_unit_only(self):
        for reminder in return_reminders(date(2026, 12, 6)):
            names = {u.username for u in reminder.recipients}
            self.assertEqual(names, {"staff"} if "碧海" in reminder.title else {"staff2"})

    def test_a_return_sent_back_reaches_its_submitter(self):
        make_return(
            self.w.bihai,
            date(2026, 10, 1),
            status=ReturnStatus.RETURNED,
            submitted_by=self.w.staff,
            reviewed_at="2026-11-30T10:00:00+08:00",
            return_reason="请核实",
        )
        mine = _for(returned_reminders(date(2026, 12, 1)), self.w.staff)
        self.assertEqual([r.kind for r in mine], [ReminderKind.RETURN_RETURNED])
        self.assertIn("请核实", mine[0].body)
        self.assertEqual(_for(returned_reminders(date(2026, 12, 1)), self.w.staff2), [])


class LeaderReminderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = World()
        make_return(cls.w.bihai, date(2026, 11, 1), status=ReturnStatus.SUBMITTED, submitted_by=cls.w.staff)

    def test_on_the_6th_the_digest_lists_exactly_the_late_communities_of_the_dashboard(self):
        day = date(2026, 12, 6)
        board = jurisdiction_dashboard(jurisdiction=self.w.district, period=year_period(2026), today=day)
        late_on_dashboard = [row.jurisdiction.name for row in board.returns if row.is_late]
        self.assertEqual(late_on_dashboard, ["金源社区"])
        digests = _for(late_units_reminders(day), self.w.leader)
        self.assertEqual(len(digests), 1, "one digest, not one message per community")
        listed = [line.removeprefix("- ") for line in digests[0].body.splitlines() if line.startswith("- ")]
        self.assertEqual(listed, late_on_dashboard)

    def test_a_superuser_with_a_role_hears_of_the_places_of_that_role(self):
        from communities.models import Membership
        from tests.factories import make_user

        root = make_user("root", is_superuser=True, is_staff=True)
        Membership.objects.create(user=root, jurisdiction=self.w.street, role="leader")
        digests = _for(late_units_reminders(date(2026, 12, 6)), root)
        self.assertEqual([d.subject for d in digests], [f"late:{self.w.street.pk}:2026-11"])

    def test_no_digest_before_the_due_date_has_passed(self):
        self.assertEqual(late_units_reminders(date(2026, 12, 5)), [])

    def test_returns_waiting_for_approval(self):
        mine = _for(approval_reminders(date(2026, 12, 3)), self.w.leader)
        self.assertEqual(len(mine), 1)
        self.assertIn("1份月报", mine[0].title)
        self.assertIn("碧海社区", mine[0].body)
        self.assertEqual(_for(approval_reminders(date(2026, 12, 3)), self.w.staff), [])


class PetitionReminderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = World()
        cls.petition = make_petition(cls.w.bihai, received_on=date(2026, 11, 20), created_by=cls.w.staff)

    def test_twelve_days_after_registration_without_a_decision(self):
        # 信访工作条例 第二十二条: 15 days to decide; the reminder comes 3 days before.
        mine = _for(petition_reminders(date(2026, 12, 2)), self.w.staff)
        self.assertEqual([r.kind for r in mine], [ReminderKind.PETITION_DUE])
        self.assertIn("受理期限", mine[0].title)
        self.assertEqual(mine[0].link, self.petition.get_absolute_url())
        self.assertEqual(petition_reminders(date(2026, 12, 1)), [], "eleven days: not yet")

    def test_when_the_limit_passes(self):
        mine = _for(petition_reminders(date(2026, 12, 6)), self.w.staff)
        self.assertEqual([(r.kind, r.occasion) for r in mine], [(ReminderKind.PETITION_OVERDUE, "overdue:2026-12-05")])
        self.assertEqual(petition_reminders(date(2026, 12, 13)), [], "told when it passes, not every day after")

    def test_a_decided_case_is_reminded_of_the_handling_limit_instead(self):
        from activities.choices import PetitionStatus

        handled = make_petition(
            self.w.bihai,
            status=PetitionStatus.ACCEPTED,
            received_on=date(2026, 10, 1),
            decided_on=date(2026, 10, 5),
            created_by=self.w.staff,
        )
        reminder = next(r for r in petition_reminders(date(2026, 12, 2)) if r.subject == f"petition:{handled.pk}")
        self.assertEqual(reminder.occasion, "due:2026-12-04")  # 60 days after the decision (第三十四条)
        self.assertIn("办理期限", reminder.title)

    def test_nobody_in_the_sibling_community_is_told(self):
        self.assertEqual(_for(petition_reminders(date(2026, 12, 2)), self.w.staff2), [])

    def test_a_case_nobody_touched_goes_to_the_people_of_its_place(self):
        imported = make_petition(self.w.jinyuan, received_on=date(2026, 11, 20))
        reminder = next(r for r in petition_reminders(date(2026, 12, 2)) if r.subject == f"petition:{imported.pk}")
        self.assertEqual([u.username for u in reminder.recipients], ["staff2"])


class ResponsibilityAndLockoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = World().everything_in_bihai()

    def test_due_within_seven_days_and_overdue(self):
        mine = _for(responsibility_reminders(date(2026, 12, 2)), self.w.staff)
        self.assertEqual(
            sorted(r.kind for r in mine), [ReminderKind.RESPONSIBILITY_DUE, ReminderKind.RESPONSIBILITY_OVERDUE]
        )
        self.assertEqual(_for(responsibility_reminders(date(2026, 12, 2)), self.w.staff2), [])
        self.assertEqual(
            [r.subject for r in responsibility_reminders(date(2026, 11, 28))],
            [f"responsibility:{self.w.overdue_responsibility.pk}"],
            "the other is eight days ahead",
        )
        self.assertEqual(responsibility_reminders(date(2026, 12, 14)), [], "a week after: the robots' digest goes on")

    def test_the_responsible_person_by_name(self):
        from tests.factories import make_user

        person = make_user("zhangsan", first_name="张三")
        from communities.models import Membership

        # Staff of the street above: not told as a writer of the plan's place, only as the person named.
        Membership.objects.create(user=person, jurisdiction=self.w.street, role="staff")
        overdue = next(
            r
            for r in responsibility_reminders(date(2026, 12, 2))
            if r.subject == f"responsibility:{self.w.overdue_responsibility.pk}"
        )
        self.assertIn(person, overdue.recipients)

    def test_a_lockout_reaches_the_administrators_of_the_place(self):
        reminders = lockout_reminders(date(2026, 12, 2))
        self.assertEqual([u.username for u in reminders[0].recipients], ["admin"])
        self.assertIn("staff", reminders[0].title)
        self.assertEqual(lockout_reminders(date(2026, 12, 10)), [])
