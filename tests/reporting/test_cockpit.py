"""The cockpit's chart data (reporting/cockpit.py) against figures recomputed here from the rows."""

import json
import re
from datetime import date
from decimal import Decimal
from html import unescape

from django.core.cache import caches
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from activities.models import Activity, Petition
from base.periods import year_period
from communities.choices import JurisdictionLevel, Role
from communities.models import EthnicGroup
from reporting.cockpit import TOP_GROUPS, cockpit_data, share_text
from reporting.freshness import CACHE_ALIAS
from reporting.selectors import jurisdiction_dashboard
from tests.factories import make_jurisdiction, make_member, make_population
from tests.reporting.test_dashboard import TODAY, build


class ShareTextTests(SimpleTestCase):
    def test_a_share_too_small_to_show_reads_below_a_hundredth(self):
        # 3 people of 49,613 round to 0.00: the page says "<0.01%", never "0.00%".
        self.assertEqual(share_text(Decimal("0.00"), 3), "<0.01%")
        self.assertEqual(share_text(Decimal("0.004")), "<0.01%")

    def test_nobody_reads_zero_and_an_unknown_share_a_dash(self):
        self.assertEqual(share_text(Decimal("0.00"), 0), "0.00%")
        self.assertEqual(share_text(None), "—")
        self.assertEqual(share_text(Decimal("13.66"), 2392), "13.66%")


class CompositionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.place = make_jurisdiction("构成社区", JurisdictionLevel.COMMUNITY, code="529820001001")
        minorities = list(EthnicGroup.objects.filter(is_minority=True).order_by("code")[:19])
        counts = {"汉族": 49000}
        # 19 groups of falling size, the smallest one of 3 people (a share that rounds to 0.00%).
        for i, group in enumerate(minorities):
            counts[group.name] = 3 if i == 18 else 400 - i * 20
        cls.counts = counts
        cls.minorities = minorities
        make_population(cls.place, 2026, counts, residents=sum(counts.values()))
        cls.board = jurisdiction_dashboard(jurisdiction=cls.place, period=year_period(2026), today=TODAY)
        cls.data = cockpit_data(cls.board)

    def test_every_minority_person_is_in_the_chart_the_tail_as_other(self):
        rows = self.data["composition"]
        self.assertEqual(len(rows), TOP_GROUPS + 1)
        self.assertEqual(sum(r["count"] for r in rows), self.board.population.minority_total)
        other = rows[-1]
        self.assertTrue(other.get("other"))
        self.assertIn("9", other["name"])  # 其他（9个民族）
        expected_tail = sorted((self.counts[g.name] for g in self.minorities), reverse=True)[TOP_GROUPS:]
        self.assertEqual(other["count"], sum(expected_tail))

    def test_the_groups_are_largest_first_with_their_shares(self):
        rows = self.data["composition"][:TOP_GROUPS]
        self.assertEqual([r["count"] for r in rows], sorted((r["count"] for r in rows), reverse=True))
        self.assertEqual(rows[0]["share_text"], f"{self.board.population.groups[1].share_of_residents}%")

    def test_a_group_of_three_people_is_not_zero_percent(self):
        place = make_jurisdiction("小族社区", JurisdictionLevel.COMMUNITY, code="529820001003")
        make_population(place, 2026, {"汉族": 70000, "苗族": 500, "布依族": 3}, residents=70503)
        board = jurisdiction_dashboard(jurisdiction=place, period=year_period(2026), today=TODAY)
        small = next(g for g in board.population.groups if g.count == 3)
        self.assertEqual(small.share_of_residents, Decimal("0.00"))  # what the old chart printed as "0.00%"
        rows = {r["name"]: r for r in cockpit_data(board)["composition"]}
        self.assertEqual(rows["布依族"]["share_text"], "<0.01%")
        self.assertEqual(rows["苗族"]["share_text"], "0.71%")

    def test_no_minority_population_gives_an_empty_chart(self):
        place = make_jurisdiction("汉族社区", JurisdictionLevel.COMMUNITY, code="529820001002")
        make_population(place, 2026, {"汉族": 100}, residents=100)
        board = jurisdiction_dashboard(jurisdiction=place, period=year_period(2026), today=TODAY)
        self.assertEqual(cockpit_data(board)["composition"], [])


class MonthsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = build("529821000000", seed=21)
        cls.board = jurisdiction_dashboard(jurisdiction=cls.district, period=year_period(2026), today=TODAY)
        cls.data = cockpit_data(cls.board)

    def test_every_month_of_the_period_is_a_row(self):
        self.assertEqual([m["month"] for m in self.data["months"]], [f"2026-{m:02d}" for m in range(1, 13)])

    def test_activities_this_year_and_the_same_months_last_year(self):
        for row in self.data["months"]:
            year, month = int(row["month"][:4]), int(row["month"][5:])
            with self.subTest(month=row["month"]):
                now = Activity.objects.filter(date__year=year, date__month=month)
                before = Activity.objects.filter(date__year=year - 1, date__month=month)
                self.assertEqual(row["activities"], now.count())
                self.assertEqual(row["activities_last_year"], before.count())
                self.assertEqual(row["participants_last_year"], sum(a.participants for a in before))
        # build() holds last year's activities in June 2025 only: 999 participants per community.
        june = next(m for m in self.data["months"] if m["month"] == "2026-06")
        self.assertEqual(june["participants_last_year"], 999 * 4)

    def test_petitions_by_month_add_up_to_the_periods_figures(self):
        months = self.data["months"]
        self.assertEqual(sum(m["petitions_received"] for m in months), self.board.petitions["received"])
        self.assertEqual(sum(m["petitions_closed"] for m in months), self.board.petitions["closed"])
        for row in months:
            with self.subTest(month=row["month"]):
                received = Petition.objects.filter(received_on__year=2026, received_on__month=int(row["month"][5:]))
                self.assertEqual(row["petitions_received"], received.count())
                self.assertEqual(row["petitions_overdue"], received.overdue(TODAY).count())
                if row["petitions_received"]:
                    closed = row["petitions_closed"] * 100 / row["petitions_received"]
                    self.assertAlmostEqual(row["closure_rate"], closed, delta=0.05)
                else:
                    self.assertIsNone(row["closure_rate"])

    def test_a_quarter_has_three_months(self):
        from base.periods import period_from_params

        board = jurisdiction_dashboard(
            jurisdiction=self.district, period=period_from_params({"year": "2026", "quarter": "2"}), today=TODAY
        )
        self.assertEqual([m["month"] for m in cockpit_data(board)["months"]], ["2026-04", "2026-05", "2026-06"])


class RankingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = build("529822000000", seed=22)
        cls.board = jurisdiction_dashboard(jurisdiction=cls.district, period=year_period(2026), today=TODAY)
        cls.data = cockpit_data(cls.board)

    def test_each_child_has_the_figures_it_can_be_ranked_by(self):
        for row, child in zip(self.data["ranking"], self.board.ranking, strict=True):
            with self.subTest(child=row["name"]):
                self.assertEqual(row["code"], child.jurisdiction.code)
                per_1000 = round(child.activities * 1000 / child.population, 2)
                self.assertAlmostEqual(row["activities_per_1000"], per_1000, places=2)
                self.assertEqual(row["minority_share"], float(child.minority_share))
                # On 23 November the October returns are late; build() submits the first community's only.
                self.assertEqual(row["late_returns"], 1)
                self.assertEqual(row["overdue"], child.overdue)

    def test_the_headline_is_the_boards_figures(self):
        h = self.data["headline"]
        self.assertEqual(h["activities"], self.board.activities.count)
        self.assertEqual(h["petitions_overdue"], self.board.petitions["overdue"])
        self.assertEqual(h["returns_late"], self.board.returns_late)


class DashboardChartsPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = build("529823000000", seed=23)
        cls.leader = make_member(cls.district, Role.LEADER, "cockpit-leader")

    def _page_data(self, response):
        match = re.search(r'<script id="cockpit-data" type="application/json">(.*?)</script>', response.text, re.S)
        return json.loads(unescape(match.group(1)))

    def test_the_page_charts_and_the_json_summary_are_one_value(self):
        self.client.force_login(self.leader)
        page = self.client.get(reverse("dashboard_jurisdiction", args=[self.district.code]), {"year": 2026})
        data = self.client.get(reverse("api_summary", args=[self.district.code]), {"year": 2026}).json()
        self.assertEqual(self._page_data(page), data["charts"])
        self.assertEqual(data["charts"]["headline"]["activities"], data["activities"]["count"])

    def test_every_chart_has_its_data_table_and_no_inline_script(self):
        self.client.force_login(self.leader)
        page = self.client.get(reverse("dashboard_jurisdiction", args=[self.district.code]), {"year": 2026})
        for name in ("composition", "activities_by_month", "participants_by_month", "categories", "ranking"):
            self.assertContains(page, f'data-chart="{name}"')
        self.assertContains(page, 'id="months-table"')
        self.assertContains(page, "vendor/echarts/echarts.min.js")
        main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
        self.assertNotIn("<svg", main)  # the server draws no chart any more (the header's bell icon is not a chart)
        # Every <script> is either JSON data or loaded from static/.
        for tag in re.findall(r"<script[^>]*>", page.text):
            self.assertTrue('type="application/json"' in tag or "src=" in tag, tag)
        self.assertNotContains(page, "style=")

    def test_month_links_filter_the_page(self):
        self.client.force_login(self.leader)
        page = self.client.get(reverse("dashboard_jurisdiction", args=[self.district.code]), {"year": 2026})
        self.assertContains(page, 'href="?from=2026-03&amp;to=2026-03"')
        month = self.client.get(
            reverse("dashboard_jurisdiction", args=[self.district.code]), {"from": "2026-03", "to": "2026-03"}
        )
        self.assertEqual([m["month"] for m in self._page_data(month)["months"]], ["2026-03"])

    def test_the_charts_cost_no_query_per_child(self):
        # Two extra series (last year's months, petitions by month) are one query each, whatever the tree.
        small = build("529824000000", streets=1, communities=1, seed=24)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        counts = []
        for district in (small, self.district):
            caches[CACHE_ALIAS].clear()
            with CaptureQueriesContext(connection) as ctx:
                cockpit_data(jurisdiction_dashboard(jurisdiction=district, period=year_period(2026), today=TODAY))
            counts.append(len(ctx.captured_queries))
        self.assertEqual(counts[0], counts[1])


class PetitionMonthsSelectorTests(TestCase):
    def test_cases_are_grouped_by_the_month_they_were_received(self):
        from activities.choices import PetitionStatus
        from activities.selectors.trends import petition_counts_by_month
        from tests.activities.factories_petitions import make_petition

        place = make_jurisdiction("信访社区", JurisdictionLevel.COMMUNITY, code="529825001001")
        make_petition(place, received_on=date(2026, 1, 31), status=PetitionStatus.CLOSED, closed_on=date(2026, 2, 3))
        make_petition(place, received_on=date(2026, 2, 1))
        make_petition(place, received_on=date(2026, 2, 10), status=PetitionStatus.CLOSED, closed_on=date(2026, 4, 1))
        months = petition_counts_by_month(
            jurisdiction=place, start=date(2026, 1, 1), end=date(2026, 3, 31), today=TODAY
        )
        self.assertEqual(months[date(2026, 1, 1)]["received"], 1)
        self.assertEqual(months[date(2026, 1, 1)]["closed"], 1)
        # Closed after the period's end: not closed within it, as in petition_figures.
        self.assertEqual(months[date(2026, 2, 1)], {"received": 2, "closed": 0, "overdue": 1})
