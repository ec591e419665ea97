from django.db import migrations


def rebuild_at_first_read(apps, schema_editor):
    """The group counts' facts move from each record's place to its parent's (summaries.specs): the next fold
    (`rebuild_summaries --if-stale` runs right after `migrate` at deployment) recomputes those measures alone
    (services.MEASURES_STALE; spelt out here, as a migration keeps what it wrote). An empty database has nothing to
    move."""
    alias = schema_editor.connection.alias
    if apps.get_model("communities", "GroupCount").objects.using(alias).exists():
        apps.get_model("summaries", "Stale").objects.using(alias).create(reason="measures:grp.")


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0003_province_code"),
        ("communities", "0014_s20_census_groupcount_record_index"),
    ]

    operations = [migrations.RunPython(rebuild_at_first_read, migrations.RunPython.noop)]
