"""Work report generation time at city scale: a street office and the city at the top.

    .venv/bin/python benchmarks/work_report.py [--scale city|province ...] [--runs 7]
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/work_report.py

Uses the database DATABASE_URL names (default: benchmarks/bench.sqlite3, kept between runs so the data is
generated once by `demo.benchdata.generate`). Prints per jurisdiction the median and p95 of the whole
download (the .docx view, as a leader's browser gets it) with its SQL query count, and the median of each
step: the dashboard's figures, the report's text, the Word rendering. Target: ≤ 2 s for the download.
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
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from base.periods import year_period  # noqa: E402
from communities.models import Jurisdiction  # noqa: E402
from demo.benchdata import generate  # noqa: E402
from reporting.report import build_report  # noqa: E402
from reporting.report.docx import docx_bytes  # noqa: E402
from reporting.selectors import jurisdiction_dashboard  # noqa: E402

TARGET_MS = 2000


def _pad(text, width):
    """Pad to a display width: a Chinese character takes two columns."""
    shown = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
    return text + " " * max(0, width - shown)


def _ms(began):
    return (time.perf_counter() - began) * 1000


def steps(place, period, runs):
    """Median time of each step, called directly: figures, text, Word."""
    figures, text, word = [], [], []
    for _ in range(runs):
        began = time.perf_counter()
        board = jurisdiction_dashboard(jurisdiction=place, period=period)
        figures.append(_ms(began))
        began = time.perf_counter()
        content = build_report(board)
        text.append(_ms(began))
        began = time.perf_counter()
        docx_bytes(content)
        word.append(_ms(began))
    return statistics.median(figures), statistics.median(text), statistics.median(word)


def download(client, url, runs):
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        times.append(_ms(began))
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        size = len(client.get(url).content)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, len(ctx.captured_queries), size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", action="append", choices=["city", "province"])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    scales = args.scale or ["city"]
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True})
    client = Client()
    client.force_login(user)
    year = timezone.localdate().year
    period = year_period(year)
    print(f"database: {connection.vendor}; runs: {args.runs}; year {year}; target ≤ {TARGET_MS} ms per download")
    header = (
        f"{'scale':<9}{'jurisdiction':<22}{'docx med':>10}{'docx p95':>10}{'queries':>9}{'size':>8}"
        f"{'figures':>10}{'text':>8}{'word':>8}{'target':>8}"
    )
    print(header)
    print("-" * len(header))
    for scale in scales:
        began = time.perf_counter()
        root, created = generate(scale, today=timezone.localdate())
        if created:
            print(f"({scale} data generated in {time.perf_counter() - began:.0f}s)")
        street = Jurisdiction.objects.subtree_of(root).filter(level="street").order_by("path").first()
        for label, place in (("street " + street.name, street), ("top " + root.name, root)):
            url = reverse("work_report_docx", args=[place.code]) + f"?year={year}"
            median, p95, queries, size = download(client, url, args.runs)
            figures, text, word = steps(place, period, args.runs)
            verdict = "ok" if median <= TARGET_MS else "SLOW"
            print(
                f"{scale:<9}{_pad(label, 22)}{median:>8.0f}ms{p95:>8.0f}ms{queries:>9}{size // 1024:>6}KB"
                f"{figures:>8.0f}ms{text:>6.1f}ms{word:>6.0f}ms{verdict:>8}"
            )


if __name__ == "__main__":
    main()
