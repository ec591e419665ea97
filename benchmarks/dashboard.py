"""Dashboard and JSON summary speed at city and province scale, beside the bare SQL floor.

    .venv/bin/python benchmarks/dashboard.py [--scale city|province ...] [--runs 15]
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/dashboard.py

Uses the database DATABASE_URL names (default: benchmarks/bench.sqlite3, kept between runs so the data is
generated once). Prints, per scale and jurisdiction: median and p95 server time of the page and of the
JSON, their SQL query counts, and two bare-SQL references: "records", five hand-written aggregates over the raw
records (what reading records per request would cost at the least, and covering only part of the figures), and
"floor", every SELECT a cold JSON request runs for its figures, replayed bare through a cursor (the fastest honest
SQL for every figure in this design: the database's share, without Django, templates or Python's sums); then the
page/floor and JSON/floor ratios. "warm" is a repeated read (the figures come from the shared cache stamped with the
versions of the subtree's data, reporting/freshness.py); "cold" is the first read after a write in the subtree, what
a leader sees while staff enter records: each cold request follows the insert of one activity in a community of the
subtree, so it includes folding that write into the summary tables and recomputing the board's sections that read
activities (the others, cached per section, still hold); "empty" also empties the cache before each request (the
first read after a deployment or a write to the tree or to site-wide data, which recomputes every section). Also the
JSON's size and the pickled size of the cached entry.

Baseline: the previous design (one token row, the whole dashboard pickled with its model objects in each process's
memory) as measured by this script at commit 6170e7b, kept in benchmarks/baseline/dashboard-<database>.txt; its
page and JSON medians print beside today's ("base").
Targets (issue 11): cold city top page ≤ 100 ms and JSON ≤ 50 ms on both databases; province top on PostgreSQL
page ≤ 300 ms and JSON ≤ 150 ms; warm ≤ 30 ms.
"""

import argparse
import io
import os
import pickle
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'benchmarks' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unity.settings")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
# Benchmark data holds no real person: the development field key will do (settings refuse no key).
os.environ.setdefault("DJANGO_FIELD_KEY", "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA=")

if os.environ["DATABASE_URL"].startswith("postgres"):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from load import ensure_postgres_database  # noqa: E402

    ensure_postgres_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from communities.models import Jurisdiction  # noqa: E402
from demo.benchdata import generate  # noqa: E402
from reporting.freshness import CACHE_ALIAS  # noqa: E402

FLOOR_SQL = [
    # The aggregates the dashboard's figures need, written by hand: the least the database must do.
    """SELECT COUNT(*), SUM(a.participants), SUM(a.minority_participants), SUM(a.posters), SUM(a.handbooks),
              SUM(a.promo_items), SUM(a.light_boxes), SUM(a.online_posts), SUM(a.people_reached)
       FROM activities_activity a JOIN communities_jurisdiction j ON a.jurisdiction_id = j.id
       WHERE j.path LIKE %s AND a.date BETWEEN %s AND %s""",
    """SELECT substr(j.path, 1, %s), COUNT(*), SUM(a.participants)
       FROM activities_activity a JOIN communities_jurisdiction j ON a.jurisdiction_id = j.id
       WHERE j.path LIKE %s AND a.date BETWEEN %s AND %s GROUP BY 1""",
    """SELECT COUNT(*), SUM(CASE WHEN p.status = 'closed' THEN 1 ELSE 0 END)
       FROM activities_petition p JOIN communities_jurisdiction j ON p.jurisdiction_id = j.id
       WHERE j.path LIKE %s AND p.received_on BETWEEN %s AND %s""",
    """SELECT SUM(r.residents), SUM(r.households) FROM communities_populationrecord r
       JOIN communities_jurisdiction j ON r.jurisdiction_id = j.id WHERE j.path LIKE %s AND r.year = %s""",
    """SELECT g.ethnic_group_id, SUM(g.count) FROM communities_groupcount g
       JOIN communities_populationrecord r ON g.record_id = r.id
       JOIN communities_jurisdiction j ON r.jurisdiction_id = j.id
       WHERE j.path LIKE %s AND r.year = %s GROUP BY g.ethnic_group_id""",
]


def floor_ms(jurisdiction, year):
    start, end = f"{year}-01-01", f"{year}-12-31"
    like = jurisdiction.path + "%"
    child_len = (jurisdiction.depth + 2) * 9
    params = [
        [like, start, end],
        [child_len, like, start, end],
        [like, start, end],
        [like, year],
        [like, year],
    ]
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, p in zip(FLOOR_SQL, params, strict=True):
            cursor.execute(sql, p)
            cursor.fetchall()
    return (time.perf_counter() - began) * 1000


# Statements of a request that are not the figures: the session, the user, the shared cache, the freshness version.
NOT_FIGURES = ("django_session", "auth_user", "unity_cache", "reporting_datachange", "summaries_stale")


def figure_statements(client, url, place):
    """Return the SELECT statements a cold request of `url` runs for its figures, with their parameters inlined.

    Replayed bare (`sql_floor_ms`), they are the fastest honest SQL for every figure the page shows in this design:
    what the database must do, without Django, the templates or Python's sums."""
    write_below(place)
    caches[CACHE_ALIAS].clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and not any(t in q["sql"] for t in NOT_FIGURES)
    ]


def sql_floor_ms(statements):
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
    return (time.perf_counter() - began) * 1000


def baseline(vendor):
    """Return {(scale, label, cache): (page median, json median)} of the previous design, when measured."""
    path = ROOT / "benchmarks" / "baseline" / f"dashboard-{vendor}.txt"
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 10 and parts[0] in ("city", "province") and parts[-1].endswith("x"):
            cache_at = next(i for i, p in enumerate(parts) if p in ("warm", "cold"))
            label = " ".join(parts[1:cache_at])
            found[(parts[0], label, parts[cache_at])] = (parts[cache_at + 1], parts[cache_at + 4])
            if parts[cache_at] == "cold":  # the previous design recomputed everything after any write
                found[(parts[0], label, "empty")] = found[(parts[0], label, "cold")]
    return found


def entry_size(place, year):
    """Return the pickled size of the cached dashboard entry of `place` (what a cache read unpickles)."""
    from base import plain
    from base.periods import year_period
    from reporting.selectors import _compute_dashboard

    board = _compute_dashboard(jurisdiction=place, period=year_period(year), today=timezone.localdate())
    return len(pickle.dumps({"version": 0, "as_of": timezone.now(), "value": plain.dump(board)}))


def _pad(text, width):
    """Pad to a display width: a Chinese character takes two columns."""
    shown = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
    return text + " " * max(0, width - shown)


def write_below(place):
    """Record one activity in a community of `place`'s subtree: what a member of staff does all day."""
    from activities.models import Activity, ActivityCategory

    community = Jurisdiction.objects.subtree_of(place).filter(level="community").order_by("?").first()
    Activity.objects.create(
        jurisdiction=community,
        category=ActivityCategory.objects.first(),
        title="基准测试活动",
        date=timezone.localdate().replace(day=1),
        participants=30,
    )


def timed(client, url, runs, cache="warm", place=None):
    times = []
    cold = cache != "warm"
    client.get(url)
    for _ in range(runs):
        if cold:
            # Cold: the first read after a write in the subtree (the write makes the sections reading it stale).
            write_below(place)
        if cache == "empty":
            caches[CACHE_ALIAS].clear()
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    if cold:
        write_below(place)
    if cache == "empty":
        caches[CACHE_ALIAS].clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, len(ctx.captured_queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", action="append", choices=["city", "province"])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    scales = args.scale or ["city"]
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True})
    client = Client()
    client.force_login(user)
    year = timezone.localdate().year
    vendor = connection.vendor
    print(f"database: {vendor}; runs per figure: {args.runs}; year {year}")
    base = baseline(vendor)
    header = (
        f"{'scale':<9}{'jurisdiction':<26}{'cache':<6}{'page med':>10}{'base':>10}{'page p95':>10}{'page q':>8}"
        f"{'json med':>10}{'base':>10}{'json p95':>10}{'json q':>8}{'json KB':>9}{'entry KB':>9}"
        f"{'records':>9}{'floor':>9}{'page/floor':>12}{'json/floor':>12}"
    )
    print(header)
    print("-" * len(header))
    for scale in scales:
        began = time.perf_counter()
        root, created = generate(scale, today=timezone.localdate())
        if created:
            print(f"({scale} data generated in {time.perf_counter() - began:.0f}s)")
        began = time.perf_counter()
        call_command("rebuild_summaries", "--if-stale", stdout=io.StringIO())  # as a deployment does
        call_command("compact_data_changes", stdout=io.StringIO())  # as its hourly timer does
        print(f"(summaries brought up to date in {time.perf_counter() - began:.1f}s)")
        client.force_login(user)  # afresh: generating a province outlasts the session's idle timeout
        street = Jurisdiction.objects.subtree_of(root).filter(level="street").order_by("path").first()
        for label, place in (("top " + root.name, root), ("street " + street.name, street)):
            records = statistics.median(floor_ms(place, year) for _ in range(args.runs))
            json_url = f"/api/v1/jurisdictions/{place.code}/summary/?year={year}"
            statements = figure_statements(client, json_url, place)
            floor = statistics.median(sql_floor_ms(statements) for _ in range(args.runs))
            json_kb = len(client.get(json_url).content) / 1024
            entry_kb = entry_size(place, year) / 1024
            for cache in ("warm", "cold", "empty"):
                page = timed(client, f"/dashboard/{place.code}/?year={year}", args.runs, cache, place)
                api = timed(client, json_url, args.runs, cache, place)
                page_base, json_base = base.get((scale, label, cache), ("—", "—"))
                print(
                    f"{scale:<9}{_pad(label, 26)}{cache:<6}{page[0]:>8.1f}ms{page_base:>10}{page[1]:>8.1f}ms"
                    f"{page[2]:>8}{api[0]:>8.1f}ms{json_base:>10}{api[1]:>8.1f}ms{api[2]:>8}{json_kb:>9.1f}"
                    f"{entry_kb:>9.1f}{records:>7.1f}ms{floor:>7.1f}ms{page[0] / floor:>11.1f}x{api[0] / floor:>11.1f}x"
                )


if __name__ == "__main__":
    main()
