"""Time and weigh the refusal of hostile files by each importer, and the reader's engine on a real-size sheet.

Run: .venv/bin/python benchmarks/import_limits.py [--skip-engines]

Each hostile file (a sheet inflating to 500 MB, the same bomb with a directory that lies about its size,
a truncated .xlsx, a tiny .xlsx whose two cells span the whole sheet, a 1,000,000-row CSV) is given to the
census, indicator and jurisdiction importers the way their pages and commands call them, each in a fresh
process on a throw-away SQLite database, so "peak MB" is that process's maximum resident size (ru_maxrss)
including Django itself; "base MB" is the same figure just before the file is read. Targets (issue 10):
refused in under 2 s, peak under 200 MB.

The engine table reads a 100,000-row census sheet (long layout, 7 columns) with the shared reader (calamine
behind the zip guard) and with openpyxl's read-only mode, which the importers used before.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IMPORTERS = ("census", "indicators", "jurisdictions")
TARGET_SECONDS, TARGET_MB = 2.0, 200


def setup_django(database):
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    # A throw-away database on this machine: the development settings, not the production refusal of a missing key.
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unity.settings")
    import django

    django.setup()


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(directory):
    """Write the hostile files and a migrated database with a district and a creation plan."""
    setup_django(directory / "bench.sqlite3")
    from tests.base.hostile_files import forged_xlsx_bomb, truncated_xlsx, write_million_row_csv, xlsx_bomb

    files = {
        "xlsx bomb (500 MB sheet)": ("bomb.xlsx", xlsx_bomb()),
        "forged bomb (size lie)": ("forged.xlsx", forged_xlsx_bomb()),
        "truncated xlsx": ("truncated.xlsx", truncated_xlsx()),
    }
    files["two far cells (A1, XFD1048576)"] = ("corners.xlsx", _corners())
    # References calamine reads and lays out as written, which the check read only as `r="A1"` before stop 26.
    files["far cell written r='zzzzz2'"] = ("lower.xlsx", _far_reference(b"<c r='zzzzz2'><v>2</v></c>"))
    files["far cell in row 10^11"] = ("row11.xlsx", _far_reference(b'<c r="A99999999999"><v>2</v></c>'))
    for name, data in files.values():
        (directory / name).write_bytes(data)
    write_million_row_csv(directory / "million.csv")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from activities.models import CreationPlan
    from communities.choices import JurisdictionLevel
    from communities.models import Jurisdiction

    district = Jurisdiction.objects.create(name="观山湖区", level=JurisdictionLevel.DISTRICT, code="520115000000")
    plan = CreationPlan.objects.create(
        jurisdiction=district, title="创建方案", target_title="示范区", start_date="2026-01-01", end_date="2026-12-31"
    )
    labels = {label: name for label, (name, _data) in files.items()}
    labels["1,000,000-row CSV"] = "million.csv"
    return labels, plan.pk


def _far_reference(cell):
    from tests.base.hostile_files import xlsx_with_sheet

    return xlsx_with_sheet(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2">' + cell + b"</row>")


def _corners():
    """Return a tiny .xlsx whose two cells span the whole sheet: a dense reader would lay out 17 billion cells."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "代码"
    workbook.active["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure(importer, path, database, plan_id):
    """Run in a child process: refuse `path` with `importer`; print the figures as JSON."""
    setup_django(database)
    from activities.models import CreationPlan
    from activities.services.plans import indicators_import
    from communities.importers.census import census_import_plan
    from communities.importers.jurisdictions import jurisdiction_import_plan
    from communities.models import Jurisdiction, PopulationRecord

    creation_plan = CreationPlan.objects.get(pk=plan_id)
    base = rss_mb()
    start = time.perf_counter()
    path = Path(path)
    if importer == "census":
        plan = census_import_plan(file=path, filename=path.name, year=2024)
    elif importer == "indicators":
        plan = indicators_import(plan=creation_plan, file=path, filename=path.name, actor=None, dry_run=True)
    else:
        plan = jurisdiction_import_plan(file=path, filename=path.name)
    seconds = time.perf_counter() - start
    issues = list(plan.issues)
    written = PopulationRecord.objects.count() + Jurisdiction.objects.count() - 1 + creation_plan.indicators.count()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "base": base,
                "peak": rss_mb(),
                "refused": bool(issues) and not written,
                "message": issues[0].message if issues else "",
            },
            ensure_ascii=False,
        )
    )


def run_child(*args):
    output = subprocess.run(
        [sys.executable, __file__, "--child", *map(str, args)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def engines(directory):
    """Return [(engine, rows, seconds, cpu)] for reading a 100,000-row sheet with each engine."""
    from openpyxl import Workbook, load_workbook

    from base.spreadsheets import read_sheet

    path = directory / "long.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["区划代码", "地区名称", "年份", "民族", "人数", "常住人口", "户数"])
    for index in range(100_000):
        sheet.append([f"520115{index // 50:06d}", f"社区{index // 50}", 2024, "汉族", index % 997, None, None])
    workbook.save(path)
    results = []

    def timed(name, read):
        wall, cpu = time.perf_counter(), time.process_time()
        rows = read()
        results.append((name, rows, time.perf_counter() - wall, time.process_time() - cpu))

    timed("calamine + zip guard (the reader)", lambda: len(read_sheet(path).rows))

    def openpyxl_read_only():
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            return sum(1 for _row in book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()

    timed("openpyxl read-only (before)", openpyxl_read_only)
    return results


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        measure(*sys.argv[2:4], sys.argv[4], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-engines", action="store_true", help="only the hostile files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        files, plan_id = prepare(directory)
        database = directory / "bench.sqlite3"
        print(f"{'file':<32} {'importer':<14} {'seconds':>8} {'base MB':>8} {'peak MB':>8}  {'refused':<8} message")
        worst_seconds = worst_peak = 0
        for label, filename in files.items():
            for importer in IMPORTERS:
                result = run_child(importer, directory / filename, database, plan_id)
                worst_seconds = max(worst_seconds, result["seconds"])
                worst_peak = max(worst_peak, result["peak"])
                print(
                    f"{label:<32} {importer:<14} {result['seconds']:>8.3f} {result['base']:>8.0f} "
                    f"{result['peak']:>8.0f}  {'yes' if result['refused'] else 'NO':<8} {result['message'][:40]}"
                )
        verdict = "met" if worst_seconds < TARGET_SECONDS and worst_peak < TARGET_MB else "MISSED"
        print(
            f"\nworst: {worst_seconds:.3f} s, {worst_peak:.0f} MB peak "
            f"(targets < {TARGET_SECONDS:g} s, < {TARGET_MB} MB: {verdict})"
        )
        if not args.skip_engines:
            print(f"\n{'engine, 100,000-row sheet':<36} {'rows':>8} {'seconds':>8} {'cpu s':>7}")
            for engine, rows, seconds, cpu in engines(directory):
                print(f"{engine:<36} {rows:>8,} {seconds:>8.2f} {cpu:>7.2f}")


if __name__ == "__main__":
    main()
