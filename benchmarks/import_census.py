"""Time the census import against a plain django-import-export ModelResource on the same counts.

Run: .venv/bin/python benchmarks/import_census.py [--jurisdictions 2000 --groups 50] [--baseline-rows N]
          [--layouts wide,long] [--database-url postgres://…]

Province scale (issue 11): --jurisdictions 19980 --groups 58 --layouts wide --baseline-rows 2000 (the long layout of a
province is 1.16 M rows, over the readers' row limit). On PostgreSQL: PG_TEST_PORT=… bash scripts/with_postgres.sh
.venv/bin/python benchmarks/import_census.py … (DATABASE_URL is used when --database-url is not given).

It builds a throw-away SQLite database in a temporary directory (the site's own settings, so WAL and
synchronous=NORMAL apply), imports the jurisdictions with import_jurisdictions' engine, writes the files and
prints one table. Each file is imported in a fresh process, as `manage.py import_census FILE` would run, so "peak MB"
(the process's maximum resident memory, VmHWM) is that import's alone, Django included; the rows after the first
give the process's peak so far. "seconds" is wall time from the file on disk to the committed import, done as the
command does it; "fold s" / "fold cpu" the summaries' first fold right after the first import, which the next
dashboard read would otherwise pay (its cpu: this process's plus, on PostgreSQL, the server backend's); "plan + apply"
is the web page's confirmation (it checks the file again, then imports it). "db cpu" is the PostgreSQL backend's CPU
(read from /proc: a server on this machine). "cpu s"
is that process's CPU time over the same span, steadier when other work shares the machine (the database server's
time is not in it).

openpyxl writes strings inline; Excel and WPS write a shared-string table, which openpyxl reads about twice
as fast, so the long layout is also timed as Excel would save it ("xlsx, as Excel saves").
"""

import argparse
import csv
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMNS = (
    ("import", 32, "s"),
    ("rows", 9, ","),
    ("counts", 11, ","),
    ("read s", 8, ".2f"),
    ("seconds", 9, ".2f"),
    ("cpu s", 7, ".2f"),
    ("db cpu", 7, ".2f"),
    ("counts/s", 10, ",.0f"),
    ("queries", 8, ","),
    ("peak MB", 8, ",.0f"),
    ("fold s", 8, ".2f"),
    ("fold cpu", 9, ".2f"),
    ("vs baseline", 12, ""),
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jurisdictions", type=int, default=2000, help="communities in the file (default 2000)")
    parser.add_argument("--groups", type=int, default=50, help="ethnic groups per community (default 50, max 58)")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=0,
        help="time the import-export baseline on the first N counts only (default: all; it takes minutes)",
    )
    parser.add_argument("--seed", type=int, default=3304)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="an empty database to import into instead of a throw-away SQLite file (default: $DATABASE_URL if set)",
    )
    parser.add_argument("--layouts", default="wide,long", help="layouts to write and time (default wide,long)")
    parser.add_argument("--no-web", action="store_true", help="skip the web page's plan + apply of each file")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="import each file this many times, from empty tables, and print the medians (default 1)",
    )
    # Internal: import one file in this (fresh) process and print its figures as JSON.
    parser.add_argument("--import-one", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--expected-counts", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=("first", "again", "web"), help=argparse.SUPPRESS)
    return parser.parse_args()


def setup_django(directory, database_url=None, *, migrate=True):
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{directory / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unity.settings")
    # Benchmark data holds no real person: the development field key will do (settings refuse no key).
    os.environ.setdefault("DJANGO_FIELD_KEY", "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA=")
    # With DEBUG on, Django keeps the text of every statement: the memory measured would be the debug log's.
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def measured():
    """Yield a dict that receives the wall and CPU seconds and the SQL statements of the block."""
    from django.db import connection

    counter = QueryCounter()
    figures = {}
    server = server_cpu()
    reset_peak()
    with connection.execute_wrapper(counter):
        wall, cpu = time.perf_counter(), time.process_time()
        yield figures
        figures["seconds"] = time.perf_counter() - wall
        figures["cpu"] = time.process_time() - cpu
    figures["queries"] = counter.count
    if server is not None:
        figures["db_cpu"] = server_cpu() - server


def server_cpu():
    """Return the CPU seconds of this connection's PostgreSQL backend so far (a server on this machine), else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def build_tree(n_communities):
    """Create a district, streets of 100 communities each, and the communities, through import_jurisdictions."""
    from communities.importers.jurisdictions import jurisdiction_import_apply, jurisdiction_import_plan

    lines = ["代码,名称,级别,上级代码", "520115000000,观山湖区,区县,"]
    codes = []
    for index in range(n_communities):
        street, community = divmod(index, 100)
        if community == 0:
            lines.append(f"520115{street + 1:03d}000,街道{street + 1},街道,")
        code = f"520115{street + 1:03d}{community + 1:03d}"
        codes.append(code)
        lines.append(f"{code},街道{street + 1}社区{community + 1},社区,")
    with measured() as figures:
        plan = jurisdiction_import_plan(file="\n".join(lines).encode(), filename="tree.csv")
        assert not plan.issues, [str(i) for i in plan.issues[:5]]
        jurisdiction_import_apply(plan=plan)
    figures["rows"] = len(lines) - 1
    return codes, figures


def make_data(codes, n_groups, seed):
    from communities.models import EthnicGroup

    rng = random.Random(seed)
    groups = list(EthnicGroup.objects.order_by("code")[:n_groups])
    data = []
    for code in codes:
        counts = [rng.randint(0, 5000) if g.code == "01" else rng.randint(0, 300) for g in groups]
        data.append((code, sum(counts) + rng.randint(0, 50), rng.randint(100, 3000), counts))
    return groups, data


def write_files(directory, groups, data, year, layouts=("wide", "long")):
    """Write each layout as .csv (UTF-8 with BOM) and .xlsx; return [(label, path, rows)]."""
    wide_header = ["区划代码", "年份", "常住人口", "户数", *[g.name for g in groups]]
    wide_rows = [[code, year, residents, households, *counts] for code, residents, households, counts in data]
    long_header = ["区划代码", "年份", "民族", "人数", "常住人口"]
    long_rows = (
        [code, year, g.name, count, residents if i == 0 else None]
        for code, residents, _households, counts in data
        for i, (g, count) in enumerate(zip(groups, counts, strict=True))
    )
    long_rows = list(long_rows) if "long" in layouts else []
    files = []
    for layout, header, rows in (("wide", wide_header, wide_rows), ("long", long_header, long_rows)):
        if layout not in layouts:
            continue
        path = directory / f"{layout}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows([["" if v is None else v for v in row] for row in rows])
        files.append((f"{layout} .csv", path, len(rows)))
        xlsx = write_xlsx(directory / f"{layout}.xlsx", header, rows)
        files.append((f"{layout} .xlsx", xlsx, len(rows)))
        if layout == "long":
            files.append((f"{layout} .xlsx, as Excel saves", with_shared_strings(xlsx), len(rows)))
    return files


def write_xlsx(path, header, rows):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人口")
    sheet.append(header)
    for row in rows:
        sheet.append([int(v) if isinstance(v, str) and v.isdigit() else v for v in row])
    workbook.save(path)
    return path


_INLINE = re.compile(rb'<c r="([A-Z]+\d+)"( s="\d+")? t="inlineStr"><is><t>(.*?)</t></is></c>')


def with_shared_strings(path):
    """Return a copy of an openpyxl-written .xlsx with its strings in a shared-string table, as Excel writes."""
    strings = {}

    def shared(match):
        index = strings.setdefault(match.group(3), len(strings))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2) or b"", index)

    target = path.with_name(f"{path.stem}-shared.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = _INLINE.sub(shared, body)
            elif item.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            copy.writestr(item, body)
        table = b"".join(b"<si><t>%s</t></si>" % text for text in strings)
        copy.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" count="%d" uniqueCount="%d">%s</sst>' % (len(strings), len(strings), table),
        )
    return target


def clear_population():
    from django.db import models

    from communities.models import AuditEntry, GroupCount, PopulationRecord

    GroupCount.objects.all().delete()
    PopulationRecord.objects.all().delete()
    # The benchmark's own throw-away database: the trail's guard against deletion is bypassed on purpose here.
    models.QuerySet.delete(AuditEntry.objects.all())


def time_read(path):
    """Return the seconds the shared reader takes to go through every row of `path`."""
    from base.spreadsheets import read_rows

    start = time.perf_counter()
    read_rows(path, path.name)
    return time.perf_counter() - start


def time_ours(path, year, expected_counts, database_url, web=True):
    """Import `path` into an empty population table, then again, in a fresh process; return (first, again, web)."""
    clear_population()
    from summaries.services import fold

    # Untimed: the deletion's journal rows are folded here, so the import's first fold folds only its own.
    fold(wait=True)
    from django.db import connection

    connection.close()  # SQLite: leave the database to the importing process
    figures = {"web": None}
    # Each import in a process of its own: its memory peak is its own, not what an import before it left behind.
    for phase in ("first", "again", *(("web",) if web else ())):
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--import-one",
                str(path),
                "--phase",
                phase,
                "--year",
                str(year),
                "--expected-counts",
                str(expected_counts),
                "--database-url",
                database_url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures.update(json.loads(output.strip().splitlines()[-1]))
    return figures["first"], figures["again"], figures["web"]


def import_one(path, year, expected_counts, phase):
    """In this fresh process, import `path` as the command does ("first", then its first fold), or again unchanged
    ("again"), or anew as the web page's confirm does, plan then apply ("web"); print the figures as a line of JSON."""
    from communities.models import GroupCount

    if phase == "web":
        clear_population()
    with measured() as figures:
        result = _plan_then_apply(path, year) if phase == "web" else _command_import(path, year)
    figures["peak"] = peak_mb()
    assert GroupCount.objects.count() == expected_counts, GroupCount.objects.count()
    if phase == "first":
        figures["fold"] = time_first_fold()
    if phase == "again":
        assert result.new == result.changed == 0, result
    print(json.dumps({phase: figures}))


def median_figures(runs):
    """Return the figures of `runs` (dicts of one phase, None when the phase was not run) as their medians, figure by
    figure; the fold's (wall, cpu) pair included."""
    if runs[0] is None:
        return None
    return {key: _median([run[key] for run in runs]) for key in runs[0]}


def _median(values):
    if isinstance(values[0], list | tuple):
        return [_median(list(column)) for column in zip(*values, strict=True)]
    return statistics.median(values)


def time_first_fold():
    """Return (wall, cpu) seconds of the summaries' first fold after the import: what the leader's next read pays.

    "cpu" is this process's and, on PostgreSQL, its backend's (the fold is nearly all the server's work)."""
    from summaries.services import fold

    server = server_cpu()
    wall, cpu = time.perf_counter(), time.process_time()
    assert fold(wait=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if server is not None:
        cpu += server_cpu() - server
    return wall, cpu


def _command_import(path, year):
    """Import as `manage.py import_census` does: one reading since the streamed import, plan then apply before."""
    from communities.importers import census

    if not hasattr(census, "census_import"):
        return _plan_then_apply(path, year)
    plan, result = census.census_import(file=path, filename=path.name, year=year)
    assert not plan.issues, [str(i) for i in plan.issues[:5]]
    return result


def _plan_then_apply(path, year):
    from communities.importers.census import census_import_apply, census_import_plan

    plan = census_import_plan(file=path, filename=path.name, year=year)
    assert not plan.issues, [str(i) for i in plan.issues[:5]]
    return census_import_apply(plan=plan)


def reset_peak():
    """Start the high-water mark of this process's memory again from its size now (Linux: clear_refs 5), so that each
    import's peak is its own and not the largest of the imports before it in the same process."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def peak_mb():
    """Return this process's highest resident memory since the last `reset_peak`, in MB."""
    # VmHWM belongs to the process's own memory since it started this program. ru_maxrss would not do: Linux carries
    # it over from the parent through fork and exec, so every child would report at least the parent's size.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_baseline(data, groups, year, limit):
    """Import the same counts with a plain ModelResource; the records are created beforehand, untimed."""
    import tablib
    from import_export import fields, resources
    from import_export.widgets import ForeignKeyWidget

    from communities.models import EthnicGroup, GroupCount, Jurisdiction, PopulationRecord

    class GroupCountResource(resources.ModelResource):
        record = fields.Field(attribute="record", column_name="record", widget=ForeignKeyWidget(PopulationRecord))
        ethnic_group = fields.Field(
            attribute="ethnic_group", column_name="ethnic_group", widget=ForeignKeyWidget(EthnicGroup, "code")
        )

        class Meta:
            model = GroupCount

    clear_population()
    ids = dict(Jurisdiction.objects.values_list("code", "pk"))
    records = PopulationRecord.objects.bulk_create(
        [
            PopulationRecord(jurisdiction_id=ids[code], year=year, residents=residents)
            for code, residents, _h, _c in data
        ]
    )
    dataset = tablib.Dataset(headers=["id", "record", "ethnic_group", "count"])
    for record, (_code, _residents, _households, counts) in zip(records, data, strict=True):
        for g, count in zip(groups, counts, strict=True):
            dataset.append(["", record.pk, g.code, count])
    total = len(dataset)
    if limit and limit < total:
        dataset = dataset.subset(rows=range(limit))
    with measured() as figures:
        result = GroupCountResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    figures["rows"] = len(dataset)
    figures["total"] = total
    return figures


def table_row(*values, header=False):
    cells = []
    for (title, width, spec), value in zip(COLUMNS, values, strict=True):
        text = "" if value is None else format(value, "" if header else spec)
        cells.append(text.ljust(width) if title == "import" else text.rjust(width))
    return "".join(cells).rstrip()


def main():
    args = parse_args()
    if args.import_one:
        setup_django(None, args.database_url, migrate=False)
        import_one(Path(args.import_one), args.year, args.expected_counts, args.phase)
        return
    with tempfile.TemporaryDirectory(prefix="census-bench-") as tmp:
        directory = Path(tmp)
        setup_django(directory, args.database_url)
        database_url = os.environ["DATABASE_URL"]
        codes, tree = build_tree(args.jurisdictions)
        groups, data = make_data(codes, min(args.groups, 58), args.seed)
        n_counts = len(codes) * len(groups)
        files = write_files(directory, groups, data, args.year, args.layouts.split(","))
        baseline = time_baseline(data, groups, args.year, args.baseline_rows)
        baseline_rate = baseline["rows"] / baseline["seconds"]

        lines = [table_row(*(title for title, _w, _s in COLUMNS), header=True)]
        lines.append("-" * len(lines[0]))
        spreads = []
        for label, path, rows in files:
            read_seconds = time_read(path)
            runs = [time_ours(path, args.year, n_counts, database_url, web=not args.no_web) for _ in range(args.repeat)]
            first, again, web = (median_figures([run[phase] for run in runs]) for phase in range(3))
            if args.repeat > 1:
                spreads.append(
                    f"{label}: seconds of each run, first import "
                    + ", ".join(f"{run[0]['seconds']:.2f}" for run in runs)
                    + "; unchanged re-import "
                    + ", ".join(f"{run[1]['seconds']:.2f}" for run in runs)
                )
            for name, figures, read in (
                (f"ours {label}", first, read_seconds),
                ("  re-import, unchanged", again, None),
                ("  plan + apply (web confirm)", web, None),
            ):
                if figures is None:
                    continue
                rate = n_counts / figures["seconds"]
                fold_wall, fold_cpu = figures.get("fold", (None, None))
                lines.append(
                    table_row(
                        name,
                        rows,
                        n_counts,
                        read,
                        figures["seconds"],
                        figures["cpu"],
                        figures.get("db_cpu"),
                        rate,
                        figures["queries"],
                        figures["peak"],
                        fold_wall,
                        fold_cpu,
                        f"{rate / baseline_rate:.1f}x",
                    )
                )
        partial = baseline["rows"] != baseline["total"]
        lines.append(
            table_row(
                "import-export ModelResource" + (" *" if partial else ""),
                baseline["rows"],
                baseline["rows"],
                None,
                baseline["seconds"],
                baseline["cpu"],
                None,
                baseline_rate,
                baseline["queries"],
                None,
                None,
                None,
                "1.0x",
            )
        )
        if partial:
            lines.append(f"* timed on the first {baseline['rows']:,} of {baseline['total']:,} counts")
        lines.append(
            f"import_jurisdictions: {tree['rows']:,} jurisdictions in {tree['seconds']:.2f} s, "
            f"{tree['queries']} queries"
        )
        if spreads:
            lines.append(f"medians of {args.repeat} runs (the host's speed varies from one minute to the next):")
            lines.extend(spreads)
        print("\n".join(lines))


if __name__ == "__main__":
    main()
