from datetime import date
from decimal import Decimal
from io import StringIO

from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory, TestCase, override_settings

from activities.choices import ProjectStatus
from activities.models import Activity, ActivityPhoto, MonthlyReturn, Petition, Project, ProjectFunding
from activities.selectors.projects import project_figures
from communities.models import GroupCount, Jurisdiction, PopulationRecord
from communities.selectors import population_summary
from demo.demo import DEMO_USERS, load_demo


class LoadDemoTests(TestCase):
    def counts(self):
        models = (
            Jurisdiction,
            PopulationRecord,
            GroupCount,
            Activity,
            Petition,
            MonthlyReturn,
            ActivityPhoto,
            Project,
            ProjectFunding,
        )
        return [m.objects.count() for m in models]

    def test_loading_twice_changes_nothing(self):
        load_demo(today=date(2026, 11, 23))
        first = self.counts()
        load_demo(today=date(2026, 11, 23))
        self.assertEqual(self.counts(), first)
        self.assertGreater(first[3], 200)
        # Projects as seed 篇4 records them: years, named funders, labour in kind, a planned one counted apart.
        figures = project_figures(queryset=Project.objects.filter(year=2026))
        self.assertEqual((figures.under_way.count, figures.planned_projects.count), (1, 1))
        self.assertEqual(figures.by_status[ProjectStatus.PLANNED].total_investment, Decimal("80.00"))
        self.assertEqual(figures.under_way.by_source[-1].label, "未列明来源")
        self.assertEqual(figures.under_way.by_source[-1].amount, Decimal("13.50"))
        self.assertEqual(figures.in_kind_rows, 2)
        self.assertTrue(ProjectFunding.objects.filter(funder="朱昌建材公司").exists())

    def test_bihai_community_has_the_seed_003_figures(self):
        load_demo(today=date(2026, 11, 23))
        summary = population_summary(jurisdiction=Jurisdiction.objects.get(code="520115001001"), year=2025)
        self.assertEqual((summary.population, summary.households), (49613, 13017))
        self.assertEqual((summary.minority_total, summary.minority_group_count), (1353, 19))
        self.assertEqual(summary.minority_share, Decimal("2.73"))

    def test_command_prints_working_logins(self):
        out = StringIO()
        call_command("load_demo", "--force", stdout=out)
        for username, password, _label in DEMO_USERS:
            self.assertIn(password, out.getvalue())
            request = RequestFactory().post("/login/")
            self.assertIsNotNone(authenticate(request, username=username, password=password))

    @override_settings(DEBUG=False)
    def test_command_refuses_without_debug_unless_forced(self):
        with self.assertRaisesMessage(CommandError, "--force"):
            call_command("load_demo", stdout=StringIO())
        self.assertFalse(Jurisdiction.objects.filter(code="520115000000").exists())
        self.assertFalse(get_user_model().objects.filter(username="admin").exists())

    @override_settings(DEBUG=True)
    def test_command_runs_with_debug_on(self):
        call_command("load_demo", stdout=StringIO())
        self.assertTrue(get_user_model().objects.filter(username="admin", is_superuser=True).exists())
