# The single data token (one hot row every writer updated) gives way to an insert-only change log per path.

from django.db import migrations, models


def drop_token_triggers(apps, schema_editor):
    """Drop the token triggers, which would write to the table removed below (reporting.freshness adds the new)."""
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS unity_bump_data_version() CASCADE")
        elif schema_editor.connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'unity_fresh_%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def create_cache_table(apps, schema_editor):
    """Create the shared dashboard cache's table when the settings keep it in the database."""
    from django.conf import settings
    from django.core.management import call_command

    if any(c["BACKEND"].endswith("DatabaseCache") for c in settings.CACHES.values()):
        call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0004_cockpit_boundaries")]

    operations = [
        migrations.RunPython(drop_token_triggers, migrations.RunPython.noop),
        migrations.CreateModel(
            name="DataChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("path", models.CharField(blank=True, max_length=255, verbose_name="辖区路径")),
                ("weight", models.PositiveBigIntegerField(default=1, verbose_name="变更次数")),
            ],
            options={"verbose_name": "数据变更", "verbose_name_plural": "数据变更"},
        ),
        migrations.AddIndex(
            model_name="datachange",
            index=models.Index(
                fields=["path"], include=("weight",), name="datachange_path_idx", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.DeleteModel(name="DataVersion"),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
