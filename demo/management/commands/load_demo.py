"""Load an idempotent demo: a district of Guiyang with streets, communities, a school, people and a year of work."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.demo import DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent): jurisdictions, population, a year of activities and petitions, a plan."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="load even with DJANGO_DEBUG off (the demo creates a superuser with a published password)",
        )

    def handle(self, *args, **options):
        # The demo's logins and passwords are printed in the README: on a production database they would be a
        # superuser anyone can use.
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DJANGO_DEBUG 未开启：演示数据会创建密码公开的超级用户 admin，不应载入生产数据库。"
                "确需载入请加 --force。 / DJANGO_DEBUG is off: the demo creates the superuser admin with a published"
                " password. Refusing; pass --force to load it anyway."
            )
        with transaction.atomic():
            summary = load_demo()
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready: " + summary))
        self.stdout.write("演示账号 / demo logins (http://127.0.0.1:8000/):")
        for username, password, label in DEMO_USERS:
            self.stdout.write(f"  {username:<8} {password:<18} {label}")
