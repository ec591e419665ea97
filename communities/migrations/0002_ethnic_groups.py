"""Load the 56 groups of GB/T 3304 and the two census categories beside them."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "ethnic_groups_gb3304.csv"


def load_groups(apps, schema_editor):
    EthnicGroup = apps.get_model("communities", "EthnicGroup")
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["code"]
            EthnicGroup.objects.update_or_create(
                code=code,
                defaults={
                    "alpha": row["alpha"],
                    "name": row["name"],
                    "romanization": row["romanization"],
                    # Only the 55 recognised groups other than Han count as minorities in census figures.
                    "is_minority": code not in {"01", "97", "98"},
                },
            )


def unload_groups(apps, schema_editor):
    apps.get_model("communities", "EthnicGroup").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]

    operations = [migrations.RunPython(load_groups, unload_groups)]
