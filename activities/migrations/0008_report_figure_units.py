"""The service window's 接件/已办理 and the hotline count people served (人次), as seed 003 writes them, not 件/个."""

from django.db import migrations

# code: (unit migration 0002 gave it, unit the seeds count it in). A unit an office has changed since is kept.
UNITS = {
    "window_cases_received": ("件", "人次"),
    "window_cases_handled": ("件", "人次"),
    "hotline_calls": ("个", "人次"),
}


def forwards(apps, schema_editor):
    MonthlyFigure = apps.get_model("activities", "MonthlyFigure")
    for code, (old, new) in UNITS.items():
        MonthlyFigure.objects.filter(code=code, unit=old).update(unit=new)


# tests/conftest.py reloads reference data through each migration's `load`.
load = forwards


def backwards(apps, schema_editor):
    MonthlyFigure = apps.get_model("activities", "MonthlyFigure")
    for code, (old, new) in UNITS.items():
        MonthlyFigure.objects.filter(code=code, unit=new).update(unit=old)


class Migration(migrations.Migration):
    dependencies = [("activities", "0007_audit_minority_on_field")]

    operations = [migrations.RunPython(forwards, backwards)]
