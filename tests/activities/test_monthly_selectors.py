"""Monthly selectors against totals computed independently in the test."""

import random
from datetime import date

from django.test import TestCase

from activities.choices import ReturnStatus
from activities.models import MonthlyFigure, MonthlyReturn
from activities.selectors.monthly import (
    MISSING,
    approval_queue,
    monthly_figure_totals,
    monthly_overview,
    status_counts,
    this_month_overview,
    unit_statuses,
)
from communities.choices import JurisdictionLevel, Role
from tests.activities.factories_plans import (
    make_activity,
    make_figure,
    make_indicator,
    make_plan,
    make_responsibility,
    make_return,
)
from tests.factories import make_jurisdiction, make_member, make_tree

MONTHS = [date(2024, m, 1) for m in range(1, 7)]


class MonthlyFigureTotalsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyFigure.objects.update(is_active=False)
        cls.district, cls.streets, cls.communities = make_tree()
        cls.calls = make_figure("接听热线", aggregation="sum")
        cls.team = make_figure("队伍人数", aggregation="latest")
        rng = random.Random(20240601)
        cls.rows = []  # (jurisdiction, month, status, calls, team)
        statuses = [ReturnStatus.APPROVED, ReturnStatus.SUBMITTED, ReturnStatus.DRAFT, ReturnStatus.RETURNED]
        for jurisdiction in [*cls.streets, *cls.communities]:
            for month in MONTHS:
                if rng.random() < 0.2:
                    continue  # some months never filed
                status = rng.choice(statuses)
                calls, team = rng.randint(0, 500), rng.randint(1, 40)
                values = {cls.calls: calls}
                if rng.random() < 0.8:
                    values[cls.team] = team
                else:
                    team = None
                make_return(jurisdiction, month, status=status, values=values)
                cls.rows.append((jurisdiction, month, status, calls, team))

    def _expected(self, root, start, end, statuses):
        rows = [r for r in self.rows if r[0].path.startswith(root.path) and start <= r[1] <= end and r[2] in statuses]
        calls = sum(r[3] for r in rows)
        latest = {}
        for jurisdiction, month, _status, _calls, team in rows:
            if team is not None and (jurisdiction.pk not in latest or month > latest[jurisdiction.pk][0]):
                latest[jurisdiction.pk] = (month, team)
        return calls, sum(team for _m, team in latest.values())

    def test_totals_match_an_independent_count(self):
        cases = [
            (self.district, MONTHS[0], MONTHS[-1]),
            (self.streets[0], MONTHS[1], MONTHS[3]),
            (self.communities[3], MONTHS[0], MONTHS[5]),
            (self.streets[1], MONTHS[4], MONTHS[4]),
        ]
        for root, start, end in cases:
            for include_submitted in (False, True):
                statuses = {ReturnStatus.APPROVED} | ({ReturnStatus.SUBMITTED} if include_submitted else set())
                with self.subTest(root=root.name, start=start, end=end, include_submitted=include_submitted):
                    with self.assertNumQueries(3):
                        totals = monthly_figure_totals(
                            jurisdiction=root, start_month=start, end_month=end, include_submitted=include_submitted
                        )
                    got = {t["figure"].pk: t["total"] for t in totals}
                    calls, team = self._expected(root, start, end, statuses)
                    self.assertEqual((got[self.calls.pk], got[self.team.pk]), (calls, team))

    def test_a_range_with_no_returns_gives_zeros_for_every_active_figure(self):
        totals = monthly_figure_totals(
            jurisdiction=self.district, start_month=date(2020, 1, 1), end_month=date(2020, 2, 1)
        )
        self.assertEqual([(t["figure"].name, t["total"]) for t in totals], [("接听热线", 0), ("队伍人数", 0)])


class ReturnStatusTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.month = date(2024, 5, 1)
        make_return(cls.communities[0], cls.month, status=ReturnStatus.APPROVED)
        make_return(cls.communities[1], cls.month, status=ReturnStatus.RETURNED, return_reason="漏填")
        make_return(cls.communities[1], date(2024, 4, 1), status=ReturnStatus.APPROVED)
        make_return(cls.streets[0], cls.month, status=ReturnStatus.SUBMITTED)
        make_return(cls.communities[2], cls.month, status=ReturnStatus.SUBMITTED)

    def test_only_units_that_file_are_listed(self):
        with self.assertNumQueries(3):
            rows = unit_statuses(jurisdiction=self.streets[0], month=date(2024, 5, 20), today=date(2024, 6, 2))
        self.assertEqual(
            [(r.jurisdiction.name, r.status) for r in rows],
            [("街道1社区1", ReturnStatus.APPROVED), ("街道1社区2", ReturnStatus.RETURNED)],
        )
        self.assertEqual([r.is_late for r in rows], [False, False])  # due on 5 June
        rows = unit_statuses(jurisdiction=self.district, month=self.month, today=date(2024, 6, 6))
        self.assertEqual(len(rows), 4)  # the streets' own return does not make them filing units
        self.assertNotIn(self.streets[0], [r.jurisdiction for r in rows])
        self.assertEqual([r.is_late for r in rows], [False, True, False, True])
        self.assertEqual(str(rows[1].status_label), "已退回")

    def test_overview_lists_the_filing_units_and_who_has_not_submitted(self):
        with self.assertNumQueries(3):
            (section,) = monthly_overview(parents=[self.streets[1]], month=self.month, today=date(2024, 6, 6))
        self.assertEqual([r.jurisdiction.name for r in section.rows], ["街道2社区1", "街道2社区2"])
        self.assertEqual([r.jurisdiction.name for r in section.not_submitted], ["街道2社区2"])
        counts = {key: n for key, _label, n in status_counts(section.rows)}
        self.assertEqual(counts, {MISSING: 1, "draft": 0, "returned": 0, "submitted": 1, "approved": 0})
        self.assertEqual(section.late, 1)

    def test_approval_queue_holds_only_returns_strictly_below_the_leader(self):
        street_leader = make_member(self.streets[0], Role.LEADER)
        district_leader = make_member(self.district, Role.LEADER)
        staff = make_member(self.streets[1], Role.STAFF)
        with self.assertNumQueries(2):
            names = [r.jurisdiction.name for r in approval_queue(user=street_leader)]
        self.assertEqual(names, [])  # its own return is not its to approve; 街道2社区1 is not below it
        self.assertEqual(
            sorted(r.jurisdiction.name for r in approval_queue(user=district_leader)), ["街道1", "街道2社区1"]
        )
        self.assertEqual(list(approval_queue(user=staff)), [])

    def test_approval_queue_leaves_out_what_the_leader_submitted_themselves(self):
        district_leader = make_member(self.district, Role.LEADER)
        own = MonthlyReturn.objects.get(jurisdiction__name="街道2社区1", month=self.month)
        MonthlyReturn.objects.filter(pk=own.pk).update(submitted_by=district_leader)
        self.assertEqual([r.jurisdiction.name for r in approval_queue(user=district_leader)], ["街道1"])
        other_leader = make_member(self.district, Role.LEADER)
        self.assertIn(own, list(approval_queue(user=other_leader)))


class ThisMonthTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyFigure.objects.update(is_active=False)
        cls.figure_a = make_figure("甲指标")
        cls.figure_b = make_figure("乙指标")
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, code="529701001000")
        cls.community = make_jurisdiction("社区", JurisdictionLevel.COMMUNITY, cls.street, code="529701001001")
        cls.other = make_jurisdiction("别处", JurisdictionLevel.STREET, code="529701002000")
        cls.staff = make_member(cls.community, Role.STAFF)
        cls.today = date(2024, 6, 12)
        make_return(cls.community, date(2024, 5, 1), values={cls.figure_a: 4})  # the month being filed
        make_return(cls.community, cls.today, values={cls.figure_a: 4, cls.figure_b: 1})  # a draft of June
        for day in (date(2024, 5, 1), date(2024, 5, 31), date(2024, 6, 1)):
            make_activity(cls.community, day)
        make_activity(cls.other, date(2024, 5, 3))
        plan = make_plan(cls.community)
        indicator = make_indicator(plan, points=5)
        cls.due = make_responsibility(indicator, deadline=date(2024, 6, 28))
        cls.overdue = make_responsibility(indicator, deadline=date(2024, 2, 1))
        make_responsibility(indicator, deadline=date(2024, 2, 1), status="done")
        make_responsibility(indicator, deadline=date(2024, 7, 2))

    def test_what_is_left_to_do(self):
        with self.assertNumQueries(9):
            filing, (entry,) = this_month_overview(user=self.staff, today=self.today)
        self.assertEqual((filing.month, filing.due_on), (date(2024, 5, 1), date(2024, 6, 5)))
        self.assertEqual(entry.jurisdiction, self.community)
        self.assertEqual(entry.status.status, "draft")
        self.assertTrue(entry.status.is_late)
        self.assertEqual((entry.activities, entry.petitions), (2, 0))
        self.assertEqual([f.name for f in entry.figures_missing], ["乙指标"])
        self.assertEqual(
            [(r.pk, r.overdue) for r in entry.responsibilities], [(self.overdue.pk, True), (self.due.pk, False)]
        )
