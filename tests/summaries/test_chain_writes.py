"""A write of one monthly value or return costs its triggers the same whatever the other places hold.

The chains of "latest" figures are rebuilt around each write (summaries.triggers.chain_delta). SQLite's row
triggers once read every value of the table for each value updated or deleted (the state before the write, a
UNION ALL, was materialised whole), and every value of the figure for each value inserted: a city's twelve months
of returns took more than half an hour to insert.
"""

from contextlib import contextmanager
from datetime import date
from unittest import skipUnless

from django.db import connection
from django.test import TestCase

from activities.models import MonthlyFigure, MonthlyReturn, MonthlyValue
from summaries import services
from tests.summaries.operations import build_tree

MONTHS = [date(2026, m, 1) for m in range(1, 7)]


@skipUnless(connection.vendor == "sqlite", "counts SQLite's virtual machine steps")
class OneWriteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        _district, places = build_tree(streets=2, communities=6)
        communities = [p for p in places if p.level == "community"]
        cls.place, cls.others = communities[0], communities[1:]
        cls.figures = list(MonthlyFigure.objects.filter(is_active=True).order_by("pk"))
        cls.latest = MonthlyFigure.objects.get(code="volunteers")
        cls.fill([cls.place], MONTHS[:3])

    @classmethod
    def fill(cls, places, months):
        for place in places:
            for month in months:
                monthly_return = MonthlyReturn.objects.create(jurisdiction=place, month=month, status="approved")
                MonthlyValue.objects.bulk_create(
                    MonthlyValue(monthly_return=monthly_return, figure=f, value=i) for i, f in enumerate(cls.figures)
                )

    @contextmanager
    def steps(self):
        """Count the virtual machine steps (in thousands) the block's statements and their triggers take."""
        counted = [0]

        def count():
            counted[0] += 1
            return 0

        connection.ensure_connection()
        connection.connection.set_progress_handler(count, 1000)
        try:
            yield counted
        finally:
            connection.connection.set_progress_handler(None, 1000)

    def write(self, month, n):
        """Steps of an update, an insert and a delete of the place's value of a "latest" figure in `month`."""
        monthly_return = MonthlyReturn.objects.get(jurisdiction=self.place, month=month)
        value = MonthlyValue.objects.get(monthly_return=monthly_return, figure=self.latest)
        costs = {}
        with self.steps() as counted:
            MonthlyValue.objects.filter(pk=value.pk).update(value=n)
        costs["update value"] = counted[0]
        with self.steps() as counted:
            MonthlyValue.objects.filter(pk=value.pk).delete()
        costs["delete value"] = counted[0]
        with self.steps() as counted:
            MonthlyValue.objects.create(monthly_return=monthly_return, figure=self.latest, value=n)
        costs["insert value"] = counted[0]
        with self.steps() as counted:
            MonthlyReturn.objects.filter(pk=monthly_return.pk).update(status="submitted")
        costs["update return"] = counted[0]
        MonthlyReturn.objects.filter(pk=monthly_return.pk).update(status="approved")
        return costs

    def test_the_cost_does_not_grow_with_other_places_values(self):
        alone = self.write(MONTHS[1], 40)
        self.fill(self.others, MONTHS)  # 11 places × 6 months: 22 times the place's own returns
        among_others = self.write(MONTHS[1], 41)
        for write, steps in alone.items():
            with self.subTest(write=write):
                self.assertLess(among_others[write], steps * 1.5 + 5, (alone, among_others))
        self.assertEqual(services.differences(), [])
