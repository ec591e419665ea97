from django.db import migrations


def recompute_group_facts(apps, schema_editor):
    """The group counts' facts move from each record's place to its parent's (summaries.specs):
    `rebuild_summaries --if-stale` (right after `migrate` at deployment, and hourly) recomputes those measures alone
    (services.MEASURES_STALE; spelt out here, as a migration keeps what it wrote); pages read the records until then.
    An empty database has nothing to move."""
    alias = schema_editor.connection.alias
    if apps.get_model("communities", "GroupCount").objects.using(alias).exists():
        apps.get_model("summaries", "Stale").objects.using(alias).create(reason="measures:grp.")


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0003_province_code"),
        ("communities", "0014_s20_census_groupcount_record_index"),
    ]

    operations = [migrations.RunPython(recompute_group_facts, migrations.RunPython.noop)]
