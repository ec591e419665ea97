"""Time the register imports (活动台账, 信访台账): preview, confirm and a re-import of the same file.

Run: .venv/bin/python benchmarks/import_registers.py [--rows 500] [--format xlsx|csv]

It builds a throw-away SQLite database in a temporary directory (the site's own settings), a community and a staff
member, writes each register with `--rows` rows and times what the web pages do: the preview reads, checks and
compares the file; the confirm reads it again and writes it in one transaction (what the user waits for after
pressing 确认导入); the re-import previews the same file, which then changes nothing. "rows/s" is rows over the wall
time of the step; "cpu s" is this process's CPU time, steadier when other work shares the machine.
"""

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500, help="rows in each register (default 500)")
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    return parser.parse_args()


def setup_django(directory):
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unity.settings")
    # Benchmark data holds no real person: the development field key will do.
    os.environ.setdefault("DJANGO_FIELD_KEY", "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA=")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@contextmanager
def measured():
    from django.db import connection

    figures = {"queries": 0}

    def count(execute, sql, params, many, context):
        figures["queries"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        wall, cpu = time.perf_counter(), time.process_time()
        yield figures
        figures["seconds"] = time.perf_counter() - wall
        figures["cpu"] = time.process_time() - cpu


def id_number(i):
    from activities.identity import check_digit

    body = f"5201021980{i:07d}"
    return body + check_digit(body)


def activity_register(n):
    start = date(2024, 1, 2)
    header = ["活动名称", "日期", "地点", "类别", "参与人数", "其中少数民族（人）", "海报（份）", "活动简介"]
    rows = [
        [f"民族团结主题活动{i + 1}", (start + timedelta(days=i % 360)).isoformat(), f"活动室{i % 7}", "宣讲",
         40 + i % 30, 10, 5, "宣讲民族团结进步政策"]
        for i in range(n)
    ]  # fmt: skip
    return header, rows


def petition_register(n):
    start = date(2024, 1, 2)
    header = [
        "登记日期",
        "来访人",
        "身份证号",
        "联系电话",
        "渠道",
        "类别",
        "主要诉求",
        "受理日期",
        "办结日期",
        "办结方式",
    ]
    rows = []
    for i in range(n):
        day = start + timedelta(days=i % 360)
        closed = (day + timedelta(days=10)).isoformat() if i % 2 else ""
        rows.append(
            [day.isoformat(), f"王{i}", id_number(i), f"1380000{i % 10000:04d}", "来访", "城建物业", f"诉求{i}",
             (day + timedelta(days=1)).isoformat(), closed, "化解" if closed else ""]
        )  # fmt: skip
    return header, rows


def to_bytes(header, rows, fmt):
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows])
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        from django.contrib.auth import get_user_model

        from activities.registers import (
            activity_register_apply,
            activity_register_plan,
            petition_register_apply,
            petition_register_plan,
        )
        from communities.choices import JurisdictionLevel, Role
        from communities.models import Jurisdiction, Membership

        street = Jurisdiction.objects.create(name="金华园街道", level=JurisdictionLevel.STREET, code="520115001000")
        community = Jurisdiction.objects.create(name="碧海社区", parent=street, code="520115001001")
        user = get_user_model().objects.create_user("bench-staff")
        Membership.objects.create(user=user, jurisdiction=community, role=Role.STAFF)

        print(f"{'register':10} {'step':10} {'rows':>6} {'seconds':>8} {'cpu s':>6} {'rows/s':>8} {'queries':>8}")
        for name, build, plan_of, apply in (
            ("activities", activity_register, activity_register_plan, activity_register_apply),
            ("petitions", petition_register, petition_register_plan, petition_register_apply),
        ):
            data = to_bytes(*build(args.rows), args.format)
            filename = f"{name}.{args.format}"

            def plan():
                return plan_of(file=data, filename=filename, target=community, actor=user)  # noqa: B023

            steps = []
            with measured() as figures:
                previewed = plan()
            assert previewed.is_valid, [str(i) for i in list(previewed.issues)[:5]]
            steps.append(("preview", figures))
            with measured() as figures:
                result = apply(plan=plan(), actor=user)
            assert result.new == args.rows, result
            steps.append(("confirm", figures))
            with measured() as figures:
                again = plan()
            assert again.counts["unchanged"] == args.rows and not again.will_write
            steps.append(("re-import", figures))
            for step, figures in steps:
                rate = args.rows / figures["seconds"]
                print(
                    f"{name:10} {step:10} {args.rows:>6} {figures['seconds']:>8.2f} {figures['cpu']:>6.2f} "
                    f"{rate:>8,.0f} {figures['queries']:>8}"
                )


if __name__ == "__main__":
    main()
