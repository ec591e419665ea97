from django.db import migrations


def rebuild_at_first_read(apps, schema_editor):
    """The totals kept so far hold no chains of "latest" figures (mv.latest): the next fold rebuilds them all
    (`rebuild_summaries --if-stale` runs right after `migrate` at deployment). An empty database has nothing to add."""
    alias = schema_editor.connection.alias
    if apps.get_model("activities", "MonthlyValue").objects.using(alias).exists():
        apps.get_model("summaries", "Stale").objects.using(alias).create(reason="latest figures")


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0001_initial"),
        ("activities", "0018_dashboard_indexes"),
    ]

    operations = [migrations.RunPython(rebuild_at_first_read, migrations.RunPython.noop)]
