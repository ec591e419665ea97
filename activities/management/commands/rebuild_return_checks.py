"""Recompute every monthly return's validation counts from the values and the rules:
python manage.py rebuild_return_checks

The triggers keep them in step with every write; this is for a database restored or edited with its triggers off.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ...return_checks import rebuild


class Command(BaseCommand):
    help = (
        "Recompute from scratch how many validation rules each monthly return breaks (the counts the dashboard "
        "reads); the database triggers keep them current otherwise."
    )

    def handle(self, *args, **options):
        rows = rebuild()
        self.stdout.write(_("已重新校验全部月报：%(rows)d份月报违反校验规则。") % {"rows": rows})
