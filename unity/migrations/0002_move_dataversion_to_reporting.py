# The data token moved to the `reporting` app: its table stays, only Django's record of its owner changes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("unity", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="DataVersion")]),
    ]
