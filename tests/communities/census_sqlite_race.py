"""Run by tests/communities/test_import_census_sqlite_race.py in a process of its own, on a SQLite file database.

    python -m tests.communities.census_sqlite_race DATABASE_FILE CSV_FILE MODE

The test database of the suite lives in memory, where SQLite locks whole tables between connections instead of
letting readers and one writer go on side by side (WAL), so the race is run here, against a copy of it in a file.
MODE is the transaction mode connections begin with (IMMEDIATE, as the site's settings say, or DEFERRED).

While the import reads its first chunk, another connection writes and commits (it waits for the import's lock);
another connection also holds the write lock when the import begins. Prints one line of JSON: what each one raised.
"""

import json
import os
import sys
import threading
import time


def main(database, csv_path, mode):
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django
    from django.conf import settings

    settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] = mode
    settings.DATABASES["default"]["OPTIONS"]["timeout"] = 10
    django.setup()

    from django.db import connection, transaction

    from communities.importers import census
    from communities.models import Jurisdiction

    errors = {"import": None, "during": None, "before": None}
    holding, others = threading.Event(), []

    def write(key, name, *, hold=0.0):
        try:
            with transaction.atomic():
                Jurisdiction.objects.filter(code="520115000000").update(name=name)
                holding.set()
                time.sleep(hold)
        except Exception as exc:  # noqa: BLE001 — reported to the test
            errors[key] = f"{exc.__class__.__name__}: {exc}"
        finally:
            connection.close()

    real_compare = census._compare

    def compare_while_another_commits(plan, records):
        # The import has read its first rows; another connection writes now, and must wait for it, not break it.
        if not others:
            other = threading.Thread(target=write, args=("during", "写入期间"))
            others.append(other)
            other.start()
            time.sleep(0.5)
        return real_compare(plan, records)

    census._compare = compare_while_another_commits
    # A writer already holds the lock when the import begins: the import waits for it.
    before = threading.Thread(target=write, args=("before", "导入之前"), kwargs={"hold": 0.5})
    before.start()
    holding.wait(5)
    try:
        with open(csv_path, "rb") as handle:
            plan, result = census.census_import(file=handle.read(), filename="census.csv", year=2024)
        if plan.issues:
            errors["import"] = [str(issue) for issue in plan.issues]
    except Exception as exc:  # noqa: BLE001 — reported to the test
        errors["import"] = f"{exc.__class__.__name__}: {exc}"
    before.join(15)
    for other in others:
        other.join(15)
    from communities.models import GroupCount

    print(
        json.dumps(
            {
                "errors": errors,
                "counts": GroupCount.objects.count(),
                "name": Jurisdiction.objects.get(code="520115000000").name,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
