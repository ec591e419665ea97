from django.db import migrations


def recompute_record_facts(apps, schema_editor):
    """The population records' facts move from each record's place to its parent's, as the group counts' did in 0004
    (summaries.specs): `rebuild_summaries --if-stale` (right after `migrate` at deployment, and hourly) recomputes
    those measures alone (services.MEASURES_STALE, spelt out here); pages read the records until then. An empty
    database has nothing to move."""
    alias = schema_editor.connection.alias
    if apps.get_model("communities", "PopulationRecord").objects.using(alias).exists():
        apps.get_model("summaries", "Stale").objects.using(alias).create(reason="measures:pop.")


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0004_group_facts_at_parent"),
        ("communities", "0017_groupcount_keys_by_trigger"),
    ]

    operations = [migrations.RunPython(recompute_record_facts, migrations.RunPython.noop)]
