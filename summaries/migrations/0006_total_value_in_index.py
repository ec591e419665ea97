from django.db import migrations, models

OLD = models.UniqueConstraint(fields=("node", "measure", "month", "key"), name="summaries_total_uniq")
NEW = models.UniqueConstraint(
    fields=("node", "measure", "month", "key"), include=("value",), name="summaries_total_uniq"
)


def _swap(old, new):
    def swap(apps, schema_editor):
        # PostgreSQL only: SQLite has no non-key columns in an index, and would copy the whole table to change
        # nothing.
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model("summaries", "Total")
        schema_editor.remove_constraint(model, old)
        schema_editor.add_constraint(model, new)

    return swap


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0005_record_facts_at_parent"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="total", name="summaries_total_uniq"),
                migrations.AddConstraint(model_name="total", constraint=NEW),
            ],
            database_operations=[migrations.RunPython(_swap(OLD, NEW), _swap(NEW, OLD))],
        ),
    ]
