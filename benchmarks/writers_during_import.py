"""Small writes by another connection while a long import transaction is open, on the bench database.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/writers_during_import.py [--rows 200000] [--seconds 10]

One thread opens a transaction that bulk-inserts `--rows` activities (as an import does) and stays open for
`--seconds`; meanwhile another thread creates one activity every 0.2 s in autocommit, in another community, and
times each. The import is rolled back at the end, so the bench data is left as it was. With the previous design
(one token row every writer updated) each small write waited for the import to commit; run this same script from
a checkout of the previous commit for the baseline.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'benchmarks' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unity.settings")
os.environ.setdefault("DJANGO_FIELD_KEY", "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA=")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from activities.models import Activity, ActivityCategory  # noqa: E402
from communities.models import Jurisdiction  # noqa: E402


class Rollback(Exception):
    pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    leaves = list(Jurisdiction.objects.filter(level="community").order_by("path")[:2])
    category = ActivityCategory.objects.order_by("pk").first()
    started, done = threading.Event(), threading.Event()
    import_times = {}

    def long_import():
        began = time.perf_counter()
        try:
            with transaction.atomic():
                Activity.objects.bulk_create(
                    (
                        Activity(jurisdiction=leaves[0], date=date(2020, 1, 1), category=category, title=f"导入{n}")
                        for n in range(args.rows)
                    ),
                    batch_size=5000,
                )
                import_times["inserted"] = time.perf_counter() - began
                started.set()
                time.sleep(args.seconds)
                raise Rollback
        except Rollback:
            pass
        finally:
            import_times["open"] = time.perf_counter() - began
            done.set()
            connection.close()

    latencies = []

    def small_writes():
        started.wait()
        while not done.is_set():
            began = time.perf_counter()
            obj = Activity.objects.create(jurisdiction=leaves[1], date=date(2020, 1, 2), category=category, title="小")
            latencies.append((time.perf_counter() - began) * 1000)
            obj.delete()
            time.sleep(0.2)
        connection.close()

    threads = [threading.Thread(target=long_import), threading.Thread(target=small_writes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    print(f"database: {connection.vendor}; import of {args.rows:,} activities open {import_times['open']:.1f}s")
    print(f"small writes during it: {len(latencies)}")
    if latencies:
        print(
            f"median {statistics.median(latencies):.1f} ms, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms,"
            f" longest {latencies[-1]:.1f} ms"
        )


if __name__ == "__main__":
    main()
