"""The dashboard's figures against numbers computed here, independently, from the rows."""

import json
import random
from datetime import date, timedelta

from django.core.cache import caches
from django.test import TestCase
from django.urls import reverse

from activities.choices import PetitionStatus, ReturnStatus
from activities.models import Activity, ActivityCategory, MonthlyReturn, Petition
from base.periods import year_period
from communities.choices import JurisdictionLevel, Role
from communities.figures import share
from communities.models import Membership
from reporting.freshness import CACHE_ALIAS
from reporting.selectors import jurisdiction_dashboard
from tests.factories import make_jurisdiction, make_member, make_population

TODAY = date(2026, 11, 23)


def build(district_code, streets=2, communities=2, seed=1):
    """Make a district with rows whose figures the test can recompute; return the district."""
    rng = random.Random(seed)
    district = make_jurisdiction(f"区{district_code}", JurisdictionLevel.DISTRICT, code=district_code)
    categories = list(ActivityCategory.objects.all())
    for s in range(1, streets + 1):
        street = make_jurisdiction(
            f"街道{s}", JurisdictionLevel.STREET, district, code=f"{district_code[:6]}{s:03d}000"
        )
        for c in range(1, communities + 1):
            community = make_jurisdiction(
                f"社区{s}-{c}", JurisdictionLevel.COMMUNITY, street, code=f"{district_code[:6]}{s:03d}{c:03d}"
            )
            residents = rng.randint(2000, 9000)
            minority = rng.randint(50, 900)
            make_population(community, 2026, {"汉族": residents - minority, "苗族": minority}, residents=residents)
            make_population(community, 2025, {"汉族": residents - minority}, residents=residents - 10)
            for _ in range(rng.randint(2, 6)):
                participants = rng.randint(10, 200)
                Activity.objects.create(
                    jurisdiction=community,
                    category=rng.choice(categories),
                    title="活动",
                    date=date(2026, rng.randint(1, 11), rng.randint(1, 28)),
                    participants=participants,
                    minority_participants=participants // 4,
                    posters=rng.randint(0, 30),
                )
            Activity.objects.create(
                jurisdiction=community,
                category=categories[0],
                title="去年的活动",
                date=date(2025, 6, 1),
                participants=999,
            )
            for _ in range(rng.randint(1, 5)):
                received = date(2026, rng.randint(1, 10), rng.randint(1, 28))
                closed = rng.random() < 0.7
                Petition.objects.create(
                    jurisdiction=community,
                    received_on=received,
                    channel="visit",
                    category="other",
                    summary="诉求",
                    petitioner_name="某某",
                    decided_on=received,
                    status=PetitionStatus.CLOSED if closed else PetitionStatus.HANDLING,
                    closed_on=received + timedelta(days=10) if closed else None,
                    outcome="resolved" if closed else "",
                )
            MonthlyReturn.objects.create(
                jurisdiction=community,
                month=date(2026, 10, 1),  # on 23 November the communities file October's return
                status=ReturnStatus.SUBMITTED if c == 1 else ReturnStatus.DRAFT,
            )
    return district


class DashboardFiguresTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = build("529801000000")
        cls.board = jurisdiction_dashboard(jurisdiction=cls.district, period=year_period(2026), today=TODAY)

    def test_population_matches_the_records(self):
        from communities.models import GroupCount, PopulationRecord

        records = PopulationRecord.objects.filter(year=2026)
        residents = sum(r.residents for r in records)
        minority = sum(g.count for g in GroupCount.objects.filter(record__year=2026, ethnic_group__name="苗族"))
        self.assertEqual(self.board.population.population, residents)
        self.assertEqual(self.board.population.minority_total, minority)
        self.assertEqual(self.board.population.minority_share, share(minority, residents))
        self.assertEqual(self.board.population_previous.minority_total, 0)

    def test_activities_match_the_rows_of_the_period(self):
        rows = [a for a in Activity.objects.all() if a.date.year == 2026]
        self.assertEqual(self.board.activities.count, len(rows))
        self.assertEqual(self.board.activities.participants, sum(a.participants for a in rows))
        self.assertEqual(self.board.activities.posters, sum(a.posters for a in rows))
        self.assertEqual(sum(m.count for m in self.board.activities_by_month), len(rows))

    def test_petitions_match_the_rows(self):
        rows = list(Petition.objects.all())
        closed = [p for p in rows if p.status == PetitionStatus.CLOSED]
        self.assertEqual(self.board.petitions["received"], len(rows))
        self.assertEqual(self.board.petitions["closed"], len(closed))
        self.assertEqual(self.board.petitions["closure_rate"], share(len(closed), len(rows), places=1))

    def test_ranking_rows_equal_each_childs_own_dashboard(self):
        for row in self.board.ranking:
            with self.subTest(child=row.jurisdiction.name):
                child = jurisdiction_dashboard(jurisdiction=row.jurisdiction, period=year_period(2026), today=TODAY)
                self.assertEqual(row.population, child.population.population)
                self.assertEqual(row.minority_share, child.population.minority_share)
                self.assertEqual(row.activities, child.activities.count)
                self.assertEqual(row.participants, child.activities.participants)
                self.assertEqual(row.petitions_received, child.petitions["received"])
                self.assertEqual(row.closure_rate, child.petitions["closure_rate"])
        self.assertEqual(sum(r.activities for r in self.board.ranking), self.board.activities.count)

    def test_monthly_returns_list_every_community(self):
        self.assertEqual(len(self.board.returns), 4)
        counts = {key: n for key, _label, n in self.board.returns_summary}
        self.assertEqual(counts[ReturnStatus.SUBMITTED], 2)
        self.assertEqual(counts[ReturnStatus.DRAFT], 2)

    def test_drafts_past_the_due_date_are_late_and_submitted_ones_are_not(self):
        self.assertEqual(self.board.returns_month, date(2026, 10, 1))
        self.assertEqual(self.board.returns_due_on, date(2026, 11, 5))
        late = {r.jurisdiction.name for r in self.board.returns if r.is_late}
        self.assertEqual(late, {r.jurisdiction.name for r in self.board.returns if r.status == ReturnStatus.DRAFT})
        self.assertEqual(self.board.returns_late, 2)
        data = self.board.as_dict()["monthly_returns"]
        self.assertEqual((data["month"], data["due_on"], data["late"]), ("2026-10", "2026-11-05", 2))

    def test_before_the_due_date_nothing_is_late(self):
        board = jurisdiction_dashboard(jurisdiction=self.district, period=year_period(2026), today=date(2026, 11, 5))
        self.assertEqual(board.returns_late, 0)
        self.assertEqual(board.returns_month, date(2026, 10, 1))

    def test_a_past_period_shows_its_last_month(self):
        board = jurisdiction_dashboard(jurisdiction=self.district, period=year_period(2025), today=TODAY)
        self.assertEqual(board.returns_month, date(2025, 12, 1))
        self.assertEqual(board.returns_late, 4)  # no return at all for December 2025


class DashboardQueryCountTests(TestCase):
    """The number of queries is the same for a district of 1 community and one of 20, cold or cached."""

    @classmethod
    def setUpTestData(cls):
        cls.small = build("529802000000", streets=1, communities=1, seed=2)
        cls.large = build("529803000000", streets=4, communities=5, seed=3)
        cls.leader = make_member(cls.small, Role.LEADER, "count-leader")
        Membership.objects.create(user=cls.leader, jurisdiction=cls.large, role=Role.LEADER)

    def count(self, call):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            call()
        return len(ctx.captured_queries)

    def test_the_selector_does_not_grow_with_the_tree(self):
        counts = []
        for district in (self.small, self.large):
            caches[CACHE_ALIAS].clear()
            counts.append(
                self.count(
                    lambda d=district: jurisdiction_dashboard(jurisdiction=d, period=year_period(2026), today=TODAY)
                )
            )
        self.assertEqual(counts[0], counts[1])
        caches[CACHE_ALIAS].clear()
        with self.assertNumQueries(counts[0]):
            jurisdiction_dashboard(jurisdiction=self.large, period=year_period(2026), today=TODAY)
        with self.assertNumQueries(1):  # cached: only the data's token is read
            jurisdiction_dashboard(jurisdiction=self.large, period=year_period(2026), today=TODAY)

    def test_the_first_read_after_an_activity_does_not_grow_with_the_tree_and_reads_less(self):
        def read(district):
            return jurisdiction_dashboard(jurisdiction=district, period=year_period(2026), today=TODAY)

        counts = []
        for district in (self.small, self.large):
            caches[CACHE_ALIAS].clear()
            everything = self.count(lambda d=district: read(d))
            community = district.children.first().children.first()
            Activity.objects.create(
                jurisdiction=community, category=ActivityCategory.objects.first(), title="新活动", date=date(2026, 5, 1)
            )
            counts.append(self.count(lambda d=district: read(d)))
            self.assertLess(counts[-1], everything)  # the plan, the projects, the returns... are kept
            self.assertEqual(
                read(district).activities.count, Activity.objects.in_subtree(district).filter(date__year=2026).count()
            )
        self.assertEqual(counts[0], counts[1])

    def test_the_page_and_the_json_do_not_grow_with_the_tree(self):
        self.client.force_login(self.leader)
        for name, url in (
            ("page", lambda d: reverse("dashboard_jurisdiction", args=[d.code]) + "?year=2026"),
            ("json", lambda d: reverse("api_summary", args=[d.code]) + "?year=2026"),
        ):
            with self.subTest(name):
                counts = []
                for district in (self.small, self.large):
                    caches[CACHE_ALIAS].clear()
                    counts.append(self.count(lambda d=district, u=url: self.client.get(u(d))))
                self.assertEqual(counts[0], counts[1])


class DashboardPageAndJsonTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = build("529804000000", seed=4)
        cls.leader = make_member(cls.district, Role.LEADER, "dash-leader")
        street = cls.district.children.first()
        cls.street_staff = make_member(street.children.first(), Role.STAFF, "dash-staff")

    def test_page_and_json_show_the_same_figures(self):
        self.client.force_login(self.leader)
        page = self.client.get(reverse("dashboard_jurisdiction", args=[self.district.code]), {"year": 2026})
        data = self.client.get(reverse("api_summary", args=[self.district.code]), {"year": 2026}).json()
        self.assertContains(page, f'data-figure="activities">{data["activities"]["count"]}<')
        self.assertContains(page, f'data-figure="petitions_received">{data["petitions"]["received"]}<')
        self.assertContains(page, f'data-figure="minority_share">{data["population"]["minority_share"]}%<')
        self.assertEqual(len(data["ranking"]), 2)
        self.assertEqual(sum(r["activities"] for r in data["ranking"]), data["activities"]["count"])

    def test_drill_down_links_to_each_child(self):
        self.client.force_login(self.leader)
        page = self.client.get(reverse("dashboard_jurisdiction", args=[self.district.code]), {"year": 2026})
        for child in self.district.children.all():
            self.assertContains(page, reverse("dashboard_jurisdiction", args=[child.code]))

    def test_json_period_range_and_bad_period(self):
        self.client.force_login(self.leader)
        url = reverse("api_summary", args=[self.district.code])
        data = self.client.get(url, {"from": "2026-03", "to": "2026-04"}).json()
        expected = Activity.objects.filter(date__gte=date(2026, 3, 1), date__lte=date(2026, 4, 30)).count()
        self.assertEqual(data["activities"]["count"], expected)
        response = self.client.get(url, {"from": "2026-13"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("2026-03", json.loads(response.content)["error"])

    def test_staff_sees_own_community_only_and_404_above(self):
        self.client.force_login(self.street_staff)
        own = self.street_staff.memberships.get().jurisdiction
        self.assertEqual(self.client.get(reverse("api_summary", args=[own.code])).status_code, 200)
        self.assertEqual(self.client.get(reverse("api_summary", args=[self.district.code])).status_code, 404)
        self.assertEqual(self.client.get(reverse("api_summary", args=["000000000000"])).status_code, 404)

    def test_expired_session_gets_401_json_not_a_page(self):
        response = self.client.get(reverse("api_summary", args=[self.district.code]))
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "请先登录。")


class NavigationTests(TestCase):
    def test_staff_are_not_offered_administrators_pages(self):
        district = build("529805000000", streets=1, communities=1, seed=5)
        staff = make_member(district.children.first().children.first(), Role.STAFF, "nav-staff")
        admin = make_member(district, Role.ADMIN, "nav-admin")
        self.client.force_login(staff)
        page = self.client.get(reverse("home"))
        self.assertContains(page, reverse("dashboard"))
        self.assertNotContains(page, reverse("communities:census_import"))
        self.client.force_login(admin)
        self.assertContains(self.client.get(reverse("home")), reverse("communities:census_import"))


class BoardFragmentTests(TestCase):
    """The figures' part of the page is rendered once per state of the figures and kept (reporting.views.dashboard):
    a write shows at once, and each reader still gets the page for their period, language and rights."""

    @classmethod
    def setUpTestData(cls):
        from tests.activities.factories_plans import make_indicator, make_plan, make_responsibility

        cls.district = build("529806000000", seed=6)
        cls.street = cls.district.children.order_by("code").first()
        plan = make_plan(cls.district)  # shown on the street's board too
        make_responsibility(make_indicator(plan), deadline=date(2026, 1, 31), responsible_person="王责任")
        cls.leader = make_member(cls.district, Role.LEADER, "fragment-leader")
        cls.street_staff = make_member(cls.street, Role.STAFF, "fragment-staff")

    def setUp(self):
        caches[CACHE_ALIAS].clear()

    def page(self, user, place=None, language="zh-hans", **query):
        from django.conf import settings

        self.client.force_login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = self.client.get(reverse("dashboard_jurisdiction", args=[(place or self.street).code]), query)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def rendered(self):
        from unittest import mock

        from reporting import views

        return mock.patch.object(views, "render_to_string", wraps=views.render_to_string)

    def activities_shown(self, html):
        return int(html.split('data-figure="activities">')[1].split("<")[0])

    def test_a_second_read_of_the_same_figures_is_not_rendered_again(self):
        first = self.page(self.leader, year=2026)
        with self.rendered() as render:
            second = self.page(self.leader, year=2026)
        self.assertEqual(render.call_count, 0)
        board = lambda html: html.split('id="population"')[1].split("</main>")[0]  # noqa: E731
        self.assertEqual(board(second), board(first))  # the rest differs: fresh CSRF tokens in the forms

    def test_a_write_shows_on_the_next_page(self):
        before = self.activities_shown(self.page(self.leader, year=2026))
        Activity.objects.create(
            jurisdiction=self.street.children.first(),
            category=ActivityCategory.objects.first(),
            title="新活动",
            date=date(2026, 5, 1),
            participants=10,
        )
        with self.rendered() as render:
            self.assertEqual(self.activities_shown(self.page(self.leader, year=2026)), before + 1)
        self.assertEqual(render.call_count, 1)
        # The newer HTML replaced the older: one entry for the page, however many writes.
        kept = [key for key in caches[CACHE_ALIAS]._cache if ":html:" in key]  # the tests' in-memory cache
        self.assertEqual(len(kept), 1, kept)

    def test_a_query_string_varied_at_will_makes_no_new_entry(self):
        self.page(self.leader, year=2026)
        with self.rendered() as render:
            html = self.page(self.leader, year=2026, anything="1", utm="x")
        self.assertEqual(render.call_count, 0)
        self.assertNotIn("anything=", html.split('id="population"')[1].split("</main>")[0])
        self.assertEqual(len([key for key in caches[CACHE_ALIAS]._cache if ":html:" in key]), 1)

    def test_the_names_are_shown_to_those_who_may_see_them_only(self):
        for user, shown in ((self.leader, True), (self.street_staff, False), (self.leader, True)):
            with self.subTest(user=user.username):
                self.assertEqual("王责任" in self.page(user, year=2026), shown)

    def test_the_period_and_the_language_asked_for(self):
        whole_year = self.activities_shown(self.page(self.leader, year=2026))
        first_quarter = self.activities_shown(self.page(self.leader, year=2026, quarter=1))
        expected = Activity.objects.filter(
            jurisdiction__path__startswith=self.street.path, date__gte=date(2026, 1, 1), date__lte=date(2026, 3, 31)
        ).count()
        self.assertEqual(first_quarter, expected)
        self.assertLess(first_quarter, whole_year)
        self.assertIn("活动开展", self.page(self.leader, year=2026))
        english = self.page(self.leader, language="en", year=2026)
        self.assertIn("Activities", english)
        self.assertNotIn("活动开展", english)

    def test_another_release_of_the_templates_renders_again(self):
        from unittest import mock

        self.page(self.leader, year=2026)
        with mock.patch("reporting.freshness.release", return_value="next"), self.rendered() as render:
            self.page(self.leader, year=2026)
        self.assertEqual(render.call_count, 1)
