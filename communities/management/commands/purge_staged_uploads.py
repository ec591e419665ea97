"""Remove uploads staged for an import preview and never confirmed: python manage.py purge_staged_uploads."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from base.staging import max_age_seconds, purge_staged_uploads


class Command(BaseCommand):
    help = "Remove staged import uploads older than a day (STAGED_UPLOAD_MAX_AGE seconds); run it daily."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age", type=int, default=None, metavar="SECONDS", help="默认 86400（一天）或 STAGED_UPLOAD_MAX_AGE"
        )

    def handle(self, *args, max_age, **options):
        removed = purge_staged_uploads(max_age=max_age)
        hours = (max_age if max_age is not None else max_age_seconds()) / 3600
        self.stdout.write(
            _("已删除 %(n)s 个超过 %(hours)s 小时未确认的导入文件。") % {"n": removed, "hours": f"{hours:g}"}
        )
