"""Time the activities Excel export, streamed (base/exports.py) against the previous in-memory design.

Run: .venv/bin/python benchmarks/export.py [--sizes 10000 100000] [--skip-baseline-above N]

It builds a throw-away SQLite database in a temporary directory, fills one district with N activities (one in
ten proves an indicator, as the export lists them), then runs each export in a fresh child process through the
list view itself (`?format=xlsx`, a district administrator) and reads the whole download, as a browser would.
"peak MB" is the child's peak resident memory (Django and the app included, about 60 MB of it before any row);
"seconds" is wall time from the request to the last byte; "queries" counts SQL statements.

The baseline is the design this replaced, kept below verbatim in spirit: the whole queryset loaded at once, an
ordinary openpyxl workbook built in memory, its bytes in an HttpResponse.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMNS = (("design", 26, "s"), ("rows", 9, ","), ("seconds", 9, ".1f"), ("peak MB", 9, ".0f"), ("queries", 8, ","))


def setup_django(db_path):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unity.settings")
    os.environ.setdefault("DJANGO_EXPORT_MAX_ROWS", "1000000")
    import django

    django.setup()


def build(db_path, rows):
    """Migrate a new database and fill it with `rows` activities under one district; return the admin's name."""
    setup_django(db_path)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from activities.models import Activity, ActivityCategory, CreationPlan, Indicator
    from communities.choices import JurisdictionLevel, Role
    from communities.models import Jurisdiction, Membership

    district = Jurisdiction.objects.create(name="观山湖区", level=JurisdictionLevel.DISTRICT, code="520115000000")
    communities = []
    for s in range(1, 11):
        street = Jurisdiction.objects.create(
            name=f"街道{s}", level=JurisdictionLevel.STREET, parent=district, code=f"520115{s:03d}000"
        )
        for c in range(1, 11):
            communities.append(
                Jurisdiction.objects.create(
                    name=f"街道{s}社区{c}",
                    level=JurisdictionLevel.COMMUNITY,
                    parent=street,
                    code=f"520115{s:03d}{c:03d}",
                )
            )
    admin = get_user_model().objects.create_user("bench-admin", password=None, first_name="管理员")
    Membership.objects.create(user=admin, jurisdiction=district, role=Role.ADMIN)
    plan = CreationPlan.objects.create(
        jurisdiction=district,
        title="创建方案",
        target_title="示范区",
        target_level="city",
        start_date=date(2024, 1, 1),
        end_date=date(2026, 12, 31),
    )
    indicators = [Indicator.objects.create(plan=plan, code=f"{n}", title=f"指标{n}", order=n) for n in range(1, 6)]
    categories = list(ActivityCategory.objects.all())
    start = date(2024, 1, 1)
    batch = []
    for n in range(rows):
        batch.append(
            Activity(
                jurisdiction=communities[n % len(communities)],
                category=categories[n % len(categories)],
                date=start + timedelta(days=n % 700),
                title=f"民族团结进步宣讲活动第{n}场",
                place="社区广场",
                organiser="社区居委会",
                participants=50 + n % 100,
                minority_participants=n % 30,
                posters=n % 20,
                summary="组织辖区各族群众开展民族团结进步主题宣讲，发放宣传手册，解答群众疑问。",
                created_by=admin,
            )
        )
        if len(batch) == 5000:
            Activity.objects.bulk_create(batch)
            batch = []
    Activity.objects.bulk_create(batch)
    through = Activity.indicators.through
    ids = Activity.objects.values_list("pk", flat=True)[::10]
    through.objects.bulk_create(
        [through(activity_id=pk, indicator_id=indicators[i % 5].pk) for i, pk in enumerate(ids)], batch_size=5000
    )
    return admin.username


def baseline_response(view):
    """The previous design: every row in memory, then an in-memory workbook, then its bytes."""
    from io import BytesIO
    from urllib.parse import quote

    from django.http import HttpResponse
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = view.export_columns
    queryset = view.get_export_queryset()
    rows = ([column.value(obj) for column in columns] for obj in queryset)
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "活动"
    headers = [str(column.header) for column in columns]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [max(len(h) * 2, 8) for h in headers]
    for row in rows:
        values = [v.replace(tzinfo=None) if hasattr(v, "tzinfo") and v.tzinfo else v for v in row]
        ws.append(values)
        for i, v in enumerate(values):
            widths[i] = min(max(widths[i], len(str(v or "")) + 2), 60)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('activities.xlsx')}"
    return response


def child(db_path, design, username):
    """Run one export in this process and print its figures as JSON."""
    setup_django(db_path)
    from django.contrib.auth import get_user_model
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import RequestFactory

    from activities.models import Activity
    from activities.views.activities import ActivityListView

    request = RequestFactory().get("/activities/", {"format": "xlsx"})
    request.user = get_user_model().objects.get(username=username)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    queries = []
    rows = Activity.objects.count()
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        started = time.perf_counter()
        if design == "streamed":
            response = ActivityListView.as_view()(request)
        else:
            view = ActivityListView()
            view.setup(request)
            response = baseline_response(view)
        size = sum(len(chunk) for chunk in (response.streaming_content if response.streaming else [response.content]))
        seconds = time.perf_counter() - started
    response.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak": peak_mb, "queries": len(queries), "bytes": size}))


def run_child(db_path, design, username):
    result = subprocess.run(
        [sys.executable, __file__, "--child", design, "--db", str(db_path), "--user", username],
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"{design} export failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def table_row(*values, header=False):
    cells = []
    for value, (_title, width, spec) in zip(values, COLUMNS, strict=True):
        text = str(value) if header or value is None else format(value, spec)
        cells.append(text.ljust(width) if spec == "s" else text.rjust(width))
    return " ".join(cells)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--skip-baseline-above", type=int, default=None, help="time the baseline only up to N rows")
    parser.add_argument("--child", choices=["streamed", "in-memory"], help=argparse.SUPPRESS)
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--user", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build is not None:
        print(build(args.db, args.build))
        return
    if args.child:
        child(args.db, args.child, args.user)
        return
    lines = [table_row(*(title for title, _w, _s in COLUMNS), header=True)]
    lines.append("-" * len(lines[0]))
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
            db_path = Path(tmp) / "bench.sqlite3"
            # The database is built in a child too, so this process stays small and each export starts alike.
            username = subprocess.run(
                [sys.executable, __file__, "--build", str(size), "--db", str(db_path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            designs = ["streamed"]
            if args.skip_baseline_above is None or size <= args.skip_baseline_above:
                designs.append("in-memory")
            for design in designs:
                figures = run_child(db_path, design, username)
                lines.append(
                    table_row(
                        f"{design} ({'base/exports' if design == 'streamed' else 'previous'})",
                        figures["rows"],
                        figures["seconds"],
                        figures["peak"],
                        figures["queries"],
                    )
                )
                print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
