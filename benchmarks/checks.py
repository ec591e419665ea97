"""The dashboard's count of validation violations, and the cold dashboard computation it is part of.

    .venv/bin/python benchmarks/checks.py [--scale city|province] [--runs 7]
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/checks.py

Uses the database DATABASE_URL names (default: benchmarks/bench.sqlite3, generated once as benchmarks/dashboard.py
does). Prints, for the top of the scale over the current year: the median time of `violation_count` (what the
dashboard calls), of the full list `violations` (what the 数据校验 page shows), of the whole cold dashboard
computation (`_compute_dashboard`, no cache involved), and checks that the count equals the list's length.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'benchmarks' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unity.settings")
os.environ.setdefault("DJANGO_FIELD_KEY", "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA=")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from activities.selectors.validation import violation_count, violations  # noqa: E402
from base.periods import year_period  # noqa: E402
from demo.benchdata import generate  # noqa: E402
from reporting.selectors import _compute_dashboard  # noqa: E402


def median_ms(call, runs):
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="city", choices=["city", "province"])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    root, _created = generate(args.scale, today=today)
    period = year_period(today.year)
    where = {"jurisdiction": root, "start_month": period.start, "end_month": period.end}
    count_ms, count = median_ms(lambda: violation_count(**where), args.runs)
    with CaptureQueriesContext(connection) as ctx:
        violation_count(**where)
    list_ms, found = median_ms(lambda: violations(**where), max(1, args.runs // 2))
    board_ms, _board = median_ms(
        lambda: _compute_dashboard(jurisdiction=root, period=period, today=today), max(1, args.runs // 2)
    )
    print(f"database: {connection.vendor}; scale {args.scale}; top {root.name}; year {today.year}")
    print(f"violation_count    {count_ms:9.1f} ms  {len(ctx.captured_queries)} queries  = {count}")
    print(f"violations (list)  {list_ms:9.1f} ms  = {len(found)} items")
    print(f"_compute_dashboard {board_ms:9.1f} ms  (cold: no cache)")
    print("count == len(list):", count == len(found))


if __name__ == "__main__":
    main()
