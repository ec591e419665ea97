"""Folding never makes a writer wait, and never waits on one: the journal is insert-only."""

import threading
import time
from datetime import date

from django.db import close_old_connections, connection, transaction
from django.test import TransactionTestCase

from activities.models import Activity, ActivityCategory
from summaries import services
from summaries.models import Delta
from tests.summaries.operations import build_tree


def _activity(place, participants=10):
    return Activity.objects.create(
        jurisdiction=place,
        category=ActivityCategory.objects.first(),
        title="活动",
        date=date(2026, 5, 1),
        participants=participants,
    )


class FoldBesideWritersTests(TransactionTestCase):
    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()
        _district, places = build_tree(streets=1, communities=2)
        self.one, self.two = [p for p in places if p.level == "community"]

    def test_a_fold_beside_an_open_write_neither_waits_nor_loses_it(self):
        wrote, folded = threading.Event(), threading.Event()
        errors = []

        def long_write():
            try:
                with transaction.atomic():
                    _activity(self.one, participants=70)
                    wrote.set()
                    if not folded.wait(15):
                        errors.append("the fold waited for the open write")
            except Exception as exc:  # noqa: BLE001 — reported below
                errors.append(exc)
            finally:
                connection.close()

        writer = threading.Thread(target=long_write)
        writer.start()
        self.assertTrue(wrote.wait(10))
        if connection.vendor == "postgresql":  # SQLite has one writer at a time: there the next waits anyway
            _activity(self.two, participants=5)
        began = time.monotonic()
        services.fold()
        took = time.monotonic() - began
        folded.set()
        writer.join(20)
        close_old_connections()
        self.assertEqual(errors, [])
        self.assertLess(took, 5)
        # The open write's journal rows were not visible to the fold: they wait for the next one, none is lost.
        self.assertTrue(Delta.objects.filter(path=self.one.path).exists())
        services.fold()
        self.assertEqual(services.differences(), [])


class ConcurrentChainWritersTests(TransactionTestCase):
    """Two transactions filing the same place's "latest" figure for different months at once: each computes its
    change of the place's chain from what it sees, so the second must see the first (it waits for it)."""

    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()
        _district, places = build_tree(streets=1, communities=1)
        self.place = places[-1]

    def _file(self, month, value):
        from activities.models import MonthlyFigure, MonthlyReturn, MonthlyValue

        monthly_return = MonthlyReturn.objects.create(jurisdiction=self.place, month=month, status="approved")
        MonthlyValue.objects.create(
            monthly_return=monthly_return, figure=MonthlyFigure.objects.get(code="volunteers"), value=value
        )

    def test_the_chain_stays_equal_to_the_records(self):
        if connection.vendor != "postgresql":
            self.skipTest("SQLite has one writer at a time: a second writer waits for the first's commit anyway")
        self._file(date(2026, 1, 1), 10)
        filed, errors = threading.Event(), []

        def first():
            try:
                with transaction.atomic():
                    self._file(date(2026, 3, 1), 30)
                    filed.set()
                    time.sleep(0.5)  # the other writer runs meanwhile
            except Exception as exc:  # noqa: BLE001 — reported below
                errors.append(exc)
            finally:
                connection.close()

        writer = threading.Thread(target=first)
        writer.start()
        self.assertTrue(filed.wait(10))
        self._file(date(2026, 5, 1), 50)  # waits for the first (the place's chain lock)
        writer.join(20)
        close_old_connections()
        self.assertEqual(errors, [])
        services.fold()
        self.assertEqual(services.differences(), [])
