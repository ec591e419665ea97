"""Move the change log behind the dashboard cache into per-path totals: python manage.py compact_data_changes"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from reporting.freshness import compact_changes, tidy_changes
from reporting.models import DataChange
from summaries.services import fold_in_batches, rebuild, tidy_journal


class Command(BaseCommand):
    help = (
        "Move the rows the triggers logged into per-path totals (each path's own weight and its subtree's), so reading "
        "a subtree's version reads a row per topic and the few rows logged since; rebuild the summaries' "
        "totals if they are marked stale (on SQLite a rebuild holds the write lock while it runs); fold their journal "
        "into them in batches and vacuum it. Versions do not move. Run it hourly."
    )

    def handle(self, *args, **options):
        removed = compact_changes()
        tidy_changes(removed)
        rebuild(if_stale=True)  # totals marked stale (a place moved): readers never rebuild, they read the records
        fold_in_batches()  # what an import's own fold left, in batches that each free the database
        tidy_journal()
        self.stdout.write(
            _("已合并数据变更记录：删除 %(removed)s 行，剩余 %(left)s 行。")
            % {"removed": removed, "left": DataChange.objects.count()}
        )
