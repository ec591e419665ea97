"""Remove audit rows past the retention period: python manage.py purge_audit --before YYYY-MM-DD."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import AUDIT_RETENTION_DAYS, AuditEntry


class Command(BaseCommand):
    help = f"Delete audit rows written before a day at least {AUDIT_RETENTION_DAYS} days ago; refuse a later day."

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: delete rows written before this day")

    def handle(self, *args, before, **options):
        try:
            day = date.fromisoformat(before)
        except ValueError:
            raise CommandError(_("日期“%(value)s”无效，应为 YYYY-MM-DD。") % {"value": before}) from None
        try:
            deleted, _by_model = AuditEntry.objects.purge_before(day, today=timezone.localdate())
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(_("已清理 %(count)s 条操作记录。") % {"count": deleted}))
