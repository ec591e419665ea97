"""Migration 0014 on existing rows: every project gets a year, funding rows keep their amounts as cash, and a
project may then hold several rows of one source. Runs on SQLite and, with scripts/with_postgres.sh, PostgreSQL."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from tests.migrating import MigrationTestCase

BEFORE = [("activities", "0014_population_figure_report_phrase")]
AFTER = [("activities", "0015_projects_funding_rows")]


class ProjectsMigrationTests(MigrationTestCase):
    def test_existing_projects_get_years_and_their_rows_stay_cash(self):
        old = self.migrate(BEFORE)
        Jurisdiction = old.get_model("communities", "Jurisdiction")
        Project = old.get_model("activities", "Project")
        ProjectFunding = old.get_model("activities", "ProjectFunding")
        village = Jurisdiction.objects.create(name="xx彝族村", level="village", code="530000001001", path="0001")
        started = Project.objects.create(
            jurisdiction=village, name="安居房", kind="housing", total_investment=Decimal("2914.25"),
            start_date=date(2019, 5, 1),
        )  # fmt: skip
        finished = Project.objects.create(
            jurisdiction=village, name="道路", kind="transport", total_investment=Decimal("15"),
            end_date=date(2020, 10, 1),
        )  # fmt: skip
        undated = Project.objects.create(jurisdiction=village, name="水库", kind="water", total_investment=1200)
        ProjectFunding.objects.create(project=started, source="superior", amount=Decimal("1090"))
        ProjectFunding.objects.create(project=started, source="enterprise", amount=Decimal("1600"))

        new = self.migrate(AFTER)
        Project = new.get_model("activities", "Project")
        ProjectFunding = new.get_model("activities", "ProjectFunding")
        years = dict(Project.objects.values_list("pk", "year"))
        entered = Project.objects.get(pk=undated.pk).created_at.year
        self.assertEqual(years, {started.pk: 2019, finished.pk: 2020, undated.pk: entered})
        self.assertEqual(
            sorted(ProjectFunding.objects.values_list("source", "amount", "in_kind", "funder")),
            [("enterprise", Decimal("1600.00"), False, ""), ("superior", Decimal("1090.00"), False, "")],
        )
        # One source, several funders: the old one-row-per-source constraint is gone.
        ProjectFunding.objects.create(project_id=started.pk, source="enterprise", funder="兴云煤矿", amount=1)
        self.assertEqual(ProjectFunding.objects.filter(source="enterprise").count(), 2)
        # The database itself refuses a cash row without an amount and spending beyond the total.
        with self.assertRaises(IntegrityError), transaction.atomic():
            ProjectFunding.objects.create(project_id=started.pk, source="fiscal", amount=None)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Project.objects.filter(pk=finished.pk).update(amount_spent=Decimal("16"))
        ProjectFunding.objects.create(project_id=started.pk, source="self_raised", in_kind=True, description="投工投劳")
