# The data token, moved from `unity` (whose 0001 created the table); state only, the table is kept.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("unity", "0002_move_dataversion_to_reporting")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DataVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("token", models.CharField(max_length=64, verbose_name="数据版本")),
                    ],
                    options={
                        "verbose_name": "数据版本",
                        "verbose_name_plural": "数据版本",
                        "db_table": "unity_dataversion",
                    },
                ),
            ]
        ),
    ]
