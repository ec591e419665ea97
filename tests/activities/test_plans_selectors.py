"""Plan selectors against numbers computed independently in the test."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.test import TestCase

from activities.models import Responsibility
from activities.selectors.plans import plan_indicator_tree, plan_list, plan_progress, plans_for
from communities.choices import JurisdictionLevel, Role
from communities.figures import share
from tests.activities.factories_plans import (
    make_activity,
    make_budget,
    make_evidence,
    make_indicator,
    make_plan,
    make_responsibility,
)
from tests.factories import make_jurisdiction, make_member, make_tree

TODAY = date(2024, 6, 15)


class PlanProgressTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        _district, _streets, communities = make_tree()
        cls.plan = make_plan(communities[0])
        other = make_plan(communities[0], title="另一方案")
        make_responsibility(make_indicator(other, points=99), deadline=date(2020, 1, 1))
        rng = random.Random(15)
        cls.lines = []  # (indicator code, points, leaf, status, deadline, score)
        cls.leaf_points = Decimal(0)
        cls.leaf_statuses = []
        statuses = ["not_started", "in_progress", "done"]
        for a in range(1, 5):
            first = make_indicator(cls.plan, code=str(a), points=rng.randint(5, 20))
            children = rng.randint(0, 3)
            leaves = [
                make_indicator(cls.plan, code=f"{a}.{b}", parent=first, points=rng.randint(1, 6))
                for b in range(1, children + 1)
            ]
            for leaf in leaves or [first]:
                cls.leaf_points += leaf.points
                line_statuses = []
                for _ in range(rng.randint(0, 3)):
                    status = rng.choice(statuses)
                    deadline = rng.choice(
                        [None, TODAY - timedelta(days=rng.randint(1, 90)), TODAY + timedelta(days=5), TODAY]
                    )
                    score = Decimal(rng.randint(0, 1)) if rng.random() < 0.7 else None
                    make_responsibility(leaf, status=status, deadline=deadline, self_score=score)
                    cls.lines.append((leaf.code, status, deadline, score))
                    line_statuses.append(status)
                cls.leaf_statuses.append(line_statuses)
        make_budget(cls.plan, 2024, "50000", "12345.50")
        make_budget(cls.plan, 2025, "30000", "0")
        make_budget(cls.plan, 2023, "0", "0")

    def _expected_indicator_status(self, statuses):
        if not statuses:
            return "unassigned"
        if all(s == "done" for s in statuses):
            return "done"
        if any(s != "not_started" for s in statuses):
            return "in_progress"
        return "not_started"

    def test_progress_matches_an_independent_count(self):
        with self.assertNumQueries(3):
            progress = plan_progress(plan=self.plan, today=TODAY)
        self.assertEqual(progress["points_total"], self.leaf_points)
        self.assertEqual(progress["indicators"]["scored"], len(self.leaf_statuses))
        expected_status = dict.fromkeys(("unassigned", "not_started", "in_progress", "done"), 0)
        for statuses in self.leaf_statuses:
            expected_status[self._expected_indicator_status(statuses)] += 1
        self.assertEqual({key: n for key, _label, n in progress["indicators"]["by_status"]}, expected_status)
        scores = sum((score for *_rest, score in self.lines if score is not None), Decimal(0))
        self.assertEqual(progress["self_score_total"], scores)
        self.assertEqual(progress["self_score_share"], share(scores, self.leaf_points))
        overdue = [line for line in self.lines if line[2] and line[2] < TODAY and line[1] != "done"]
        self.assertEqual(progress["responsibilities"]["overdue"], len(overdue))
        self.assertEqual(
            sorted((o["indicator_code"], o["deadline"]) for o in progress["overdue"]),
            sorted((code, deadline) for code, _status, deadline, _score in overdue),
        )
        self.assertTrue(all(o["days_overdue"] > 0 for o in progress["overdue"]))
        by_status = {key: n for key, _label, n in progress["responsibilities"]["by_status"]}
        self.assertEqual(by_status, {s: sum(1 for line in self.lines if line[1] == s) for s in by_status})
        self.assertEqual(progress["responsibilities"]["total"], len(self.lines))

    def test_budget_per_year_and_total(self):
        progress = plan_progress(plan=self.plan, today=TODAY)
        self.assertEqual(
            [(b["year"], b["share"]) for b in progress["budgets"]],
            [(2023, None), (2024, Decimal("24.69")), (2025, Decimal("0.00"))],
        )
        self.assertEqual(progress["budget_total"]["amount"], Decimal("80000"))
        self.assertEqual(progress["budget_total"]["share"], share(Decimal("12345.50"), Decimal("80000")))

    def test_an_empty_plan(self):
        progress = plan_progress(plan=make_plan(self.plan.jurisdiction), today=TODAY)
        self.assertEqual((progress["points_total"], progress["self_score_total"]), (0, 0))
        self.assertIsNone(progress["self_score_share"])
        self.assertEqual(progress["budget_total"], {"amount": 0, "spent": 0, "share": None})


class PlansForTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.district_plan = make_plan(cls.district, start_date=date(2022, 1, 1), end_date=date(2023, 12, 31))
        cls.street_plan = make_plan(cls.streets[0], start_date=date(2024, 1, 1))
        cls.own_plan = make_plan(cls.communities[0], start_date=date(2023, 6, 1))
        make_plan(cls.communities[1])
        make_plan(cls.streets[1])

    def test_own_and_ancestors_plans_newest_first(self):
        with self.assertNumQueries(1):
            plans = list(plans_for(jurisdiction=self.communities[0]))
        self.assertEqual(plans, [self.street_plan, self.own_plan, self.district_plan])
        self.assertEqual(list(plans_for(jurisdiction=self.district)), [self.district_plan])

    def test_only_plans_running_on_a_day(self):
        self.assertEqual(
            list(plans_for(jurisdiction=self.communities[0], on=date(2023, 7, 1))), [self.own_plan, self.district_plan]
        )


class PlanListAndTreeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, code="529501001000")
        cls.community = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, cls.street, code="529501001001")
        cls.sibling = make_jurisdiction("乙社区", JurisdictionLevel.COMMUNITY, cls.street, code="529501001002")
        cls.staff = make_member(cls.community, Role.STAFF)
        cls.plan = make_plan(cls.community)
        first = make_indicator(cls.plan, code="1", points=10)
        leaf = make_indicator(cls.plan, code="1.1", parent=first, points=4)
        make_indicator(cls.plan, code="2", points=3)
        make_responsibility(leaf, deadline=date(2024, 1, 1))
        make_responsibility(leaf, deadline=date(2024, 1, 1), status="done")
        make_budget(cls.plan, 2024, 100, 40)
        make_budget(cls.plan, 2025, 50, 5)
        make_evidence(leaf)
        own = make_activity(cls.community, date(2024, 3, 1), title="本社区宣讲")
        foreign = make_activity(cls.sibling, date(2024, 3, 2), title="乙社区联谊")
        own.indicators.add(leaf)
        foreign.indicators.add(leaf)
        make_plan(cls.sibling)

    def test_plan_list_counts(self):
        (plan,) = plan_list(user=self.staff, today=TODAY)
        self.assertEqual(
            (
                plan.indicator_count,
                plan.responsibility_count,
                plan.overdue_count,
                plan.budget_amount,
                plan.budget_spent,
            ),
            (3, 2, 1, Decimal("150"), Decimal("45")),
        )

    def test_tree_in_constant_queries_with_only_visible_activities(self):
        with self.assertNumQueries(9):  # eight, and the user's memberships once
            tree = plan_indicator_tree(plan=self.plan, user=self.staff, today=TODAY)
        self.assertEqual([i.code for i in tree], ["1", "2"])
        (leaf,) = tree[0].children.all()
        self.assertEqual([a.title for a in leaf.activities.all()], ["本社区宣讲"])
        self.assertEqual(len(leaf.evidence_files.all()), 1)
        self.assertEqual(sorted(r.overdue for r in leaf.responsibilities.all()), [False, True])
        self.assertEqual(Responsibility.objects.count(), 2)
