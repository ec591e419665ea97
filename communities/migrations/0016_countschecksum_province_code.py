from django.db import migrations, models


def fill(apps, schema_editor):
    """Each record's checksum row takes its record's province code (base.provinces gives the definition); the
    table has no trigger of its own yet, so one plain UPDATE."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE communities_countschecksum SET province_code = COALESCE((SELECT p.province_code FROM "
            "communities_populationrecord p WHERE p.id = communities_countschecksum.record_id), '')"
        )


def drop_trigger(apps, schema_editor):
    """Migrating back: the province-code trigger (base.provinces) names the column about to go; it goes first."""
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute('DROP FUNCTION IF EXISTS "province_communities_countschecksum_set"() CASCADE')
        elif conn.vendor == "sqlite":
            for what in ("insert", "update"):
                cursor.execute(f'DROP TRIGGER IF EXISTS "province_communities_countschecksum_{what}"')


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0015_groupcount_no_group_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="countschecksum",
            name="province_code",
            field=models.CharField(
                db_default="",
                default="",
                editable=False,
                help_text="所属辖区树根节点的编号，按省分布数据时的分片键，由系统填写。",
                max_length=8,
                verbose_name="省级代码",
            ),
        ),
        migrations.RunPython(fill, drop_trigger),
    ]
