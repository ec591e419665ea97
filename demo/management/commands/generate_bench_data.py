"""Generate deterministic benchmark data: python manage.py generate_bench_data --scale {city,province}."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from activities.models import Activity, Petition
from communities.models import Jurisdiction
from demo.benchdata import SCALES, generate


class Command(BaseCommand):
    help = "Generate seeded benchmark data at city (~1,500 jurisdictions) or province (~20,000) scale; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="city")
        parser.add_argument("--seed", type=int, default=20260101)

    def handle(self, *args, scale, seed, **options):
        started = time.perf_counter()
        root, created = generate(scale, today=timezone.localdate(), seed=seed)
        subtree = Jurisdiction.objects.subtree_of(root)
        self.stdout.write(
            f"{scale}: {'generated' if created else 'already present'} in {time.perf_counter() - started:.1f}s — "
            f"{subtree.count()} jurisdictions, {Activity.objects.in_subtree(root).count()} activities, "
            f"{Petition.objects.in_subtree(root).count()} petitions (root {root.code})"
        )
