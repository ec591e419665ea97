"""Load an idempotent demo: a district of Guiyang with streets, communities, a school, people and a year of work."""

from django.core.management.base import BaseCommand
from django.db import transaction

from demo.demo import DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent): jurisdictions, population, a year of activities and petitions, a plan."

    def handle(self, *args, **options):
        with transaction.atomic():
            summary = load_demo()
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready: " + summary))
        self.stdout.write("演示账号 / demo logins (http://127.0.0.1:8000/):")
        for username, password, label in DEMO_USERS:
            self.stdout.write(f"  {username:<8} {password:<18} {label}")
