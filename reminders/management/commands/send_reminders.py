"""Send the reminders due on a day: in the site, by e-mail, to group robots. Run it hourly (deploy/)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders.services import reminders_send


class Command(BaseCommand):
    help = "计算指定日期（默认今天）到期的提醒并发送；重复运行不会重复发送。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD，默认今天")
        parser.add_argument("--dry-run", action="store_true", help="只列出将要发送的提醒，不发送、不记录")

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: expected YYYY-MM-DD, got {options['date']!r}") from exc
        summary = reminders_send(today=today, dry_run=options["dry_run"])
        if options["dry_run"]:
            for who, title in summary.planned:
                self.stdout.write(f"{who}\t{title}")
        prefix = "dry run: would send" if options["dry_run"] else "sent"
        self.stdout.write(
            f"{prefix} {summary.in_app} notifications, {summary.email} e-mails, {summary.digests} digests "
            f"({summary.queued} queued), {summary.robot} robot messages; {summary.failed} failed, "
            f"{summary.refused} refused outside the recipient's subtree, {summary.purged} old notifications removed"
        )
        if summary.failed:
            self.stderr.write(f"{summary.failed} deliveries failed (see the log); the next run tries them again")
