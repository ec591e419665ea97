"""The declared list filters: each narrows, none widens past the user's scope, pages and exports keep them."""

from datetime import date, timedelta
from io import BytesIO

from django.test import RequestFactory, TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities.choices import PetitionCategory, PetitionKind, PetitionStatus, PlanLevel, ProjectKind
from activities.choices import ResponsibilityStatus as RS
from activities.filtersets import PetitionFilterSet
from activities.models import Petition
from communities.choices import Role
from tests.activities.factories_activities import make_activity, make_project
from tests.activities.factories_petitions import make_petition
from tests.activities.factories_plans import make_indicator, make_plan, make_responsibility
from tests.factories import make_member, make_tree


def export_rows(response):
    return list(load_workbook(BytesIO(response.getvalue())).active.iter_rows(min_row=2, values_only=True))


class ListWorld(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.home, cls.sibling, cls.far = cls.communities[0], cls.communities[1], cls.communities[2]
        cls.staff = make_member(cls.home, Role.STAFF)
        cls.leader = make_member(cls.streets[0], Role.LEADER)

    def setUp(self):
        self.client.force_login(self.staff)

    def names(self, url, attribute, **params):
        response = self.client.get(url, params)
        self.assertEqual(response.status_code, 200)
        return sorted(getattr(row, attribute) for row in response.context["object_list"])


class ProjectFilterTests(ListWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_project(cls.home, name="安居房", kind=ProjectKind.HOUSING)
        make_project(cls.home, name="双语学校", kind=ProjectKind.EDUCATION, summary="民族团结教育")
        make_project(cls.sibling, name="别人的项目", kind=ProjectKind.EDUCATION)
        cls.url = reverse("activities:project_list")

    def test_each_filter_narrows_and_another_subtree_gives_nothing(self):
        cases = {
            "none": ({}, ["双语学校", "安居房"]),
            "kind": ({"kind": ProjectKind.EDUCATION}, ["双语学校"]),
            "search": ({"q": "团结"}, ["双语学校"]),
            "own code": ({"jurisdiction": self.home.code}, ["双语学校", "安居房"]),
            "sibling code": ({"jurisdiction": self.sibling.code}, []),
            "unknown code": ({"jurisdiction": "999999999999"}, []),
            "bad kind": ({"kind": "castle"}, ["双语学校", "安居房"]),
        }
        for name, (params, expected) in cases.items():
            with self.subTest(name):
                self.assertEqual(self.names(self.url, "name", **params), expected)

    def test_bad_choice_is_reported(self):
        response = self.client.get(self.url, {"kind": "castle"})
        self.assertContains(response, "（该条件未使用）")

    def test_export_respects_filters_and_scope(self):
        # The last row is the totals row of the same filtered projects.
        rows = export_rows(self.client.get(self.url, {"kind": ProjectKind.EDUCATION, "format": "xlsx"}))
        self.assertEqual([r[3] for r in rows[:-1]], ["双语学校"])
        self.assertTrue(rows[-1][0].startswith("合计（1个项目"))
        self.client.force_login(self.leader)
        rows = export_rows(self.client.get(self.url, {"jurisdiction": self.sibling.code, "format": "xlsx"}))
        self.assertEqual([r[3] for r in rows[:-1]], ["别人的项目"])


class PlanFilterTests(ListWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_plan(cls.home, title="市级方案", target_level=PlanLevel.CITY)
        make_plan(cls.home, title="区级方案", target_level=PlanLevel.DISTRICT)
        make_plan(cls.far, title="远方的方案", target_level=PlanLevel.CITY)
        cls.url = reverse("activities:plan_list")

    def test_each_filter_narrows_and_another_subtree_gives_nothing(self):
        cases = {
            "level": ({"level": PlanLevel.CITY}, ["市级方案"]),
            "search": ({"q": "区级"}, ["区级方案"]),
            "other street's code": ({"jurisdiction": self.far.code}, []),
            "district code above the user": ({"jurisdiction": self.district.code}, []),
        }
        for name, (params, expected) in cases.items():
            with self.subTest(name):
                self.assertEqual(self.names(self.url, "title", **params), expected)

    def test_export_respects_filters(self):
        rows = export_rows(self.client.get(self.url, {"level": PlanLevel.DISTRICT, "format": "xlsx"}))
        self.assertEqual([r[0] for r in rows], ["区级方案"])


class ResponsibilityFilterTests(ListWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.plan = make_plan(cls.home)
        indicator = make_indicator(cls.plan, code="1.1", title="领导小组")
        yesterday = timezone.localdate() - timedelta(days=1)
        make_responsibility(indicator, lead_department="党委", deadline=yesterday)
        make_responsibility(indicator, lead_department="居委会", cooperating_departments="党委", status=RS.DONE)
        make_responsibility(indicator, lead_department="团委", status=RS.IN_PROGRESS, target="青年宣讲")
        cls.url = reverse("activities:responsibility_list", args=[cls.plan.pk])

    def test_each_filter_narrows(self):
        cases = {
            "status": ({"status": RS.DONE}, ["居委会"]),
            "department, lead or cooperating": ({"department": "党委"}, ["党委", "居委会"]),
            "overdue": ({"overdue": "1"}, ["党委"]),
            "search": ({"q": "青年"}, ["团委"]),
        }
        for name, (params, expected) in cases.items():
            with self.subTest(name):
                self.assertEqual(self.names(self.url, "lead_department", **params), expected)

    def test_export_respects_filters(self):
        rows = export_rows(self.client.get(self.url, {"status": RS.IN_PROGRESS, "format": "xlsx"}))
        self.assertEqual([r[4] for r in rows], ["团委"])

    def test_another_subtree_plan_is_404_with_or_without_filters(self):
        other = make_plan(self.far)
        url = reverse("activities:responsibility_list", args=[other.pk])
        for params in ({}, {"format": "xlsx"}, {"status": RS.DONE}):
            with self.subTest(params=params):
                self.assertEqual(self.client.get(url, params).status_code, 404)


class PetitionFilterSetTests(ListWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        long_ago = date(2024, 3, 4)
        cls.lift = make_petition(cls.home, summary="电梯故障", category=PetitionCategory.URBAN, received_on=long_ago)
        cls.wage = make_petition(
            cls.home, summary="讨薪", category=PetitionCategory.LABOUR, is_group=True, persons=5, received_on=long_ago
        )
        cls.fresh = make_petition(cls.home, summary="今天的事", received_on=timezone.localdate(), ethnic_factor=True)
        cls.closed = make_petition(cls.home, summary="已办结", status=PetitionStatus.CLOSED, received_on=long_ago)

    def found(self, **params):
        request = RequestFactory().get("/", params)
        request.user = self.staff
        filterset = PetitionFilterSet(request.GET, queryset=Petition.objects.for_user(self.staff), request=request)
        return set(filterset.qs)

    def test_each_filter(self):
        cases = [
            ({"category": PetitionCategory.LABOUR}, {self.wage}),
            ({"month": "2024-03"}, {self.lift, self.wage, self.closed}),
            ({"month": "2024-04"}, set()),
            ({"overdue": "on"}, {self.lift, self.wage}),
            ({"is_group": "1"}, {self.wage}),
            ({"ethnic_factor": "1"}, {self.fresh}),
            ({"ethnic_factor": "0"}, {self.lift, self.wage, self.closed}),
            ({"kind": PetitionKind.DISPUTE}, set()),
            ({"q": "讨薪"}, {self.wage}),
            ({"jurisdiction": self.sibling.code}, set()),
        ]
        for params, expected in cases:
            with self.subTest(params=params):
                self.assertEqual(self.found(**params), expected)

    def test_an_end_before_the_start_is_an_error_and_the_end_is_unused(self):
        request = RequestFactory().get("/", {"received_from": "2024-03-05", "received_to": "2024-03-01"})
        request.user = self.staff
        filterset = PetitionFilterSet(request.GET, queryset=Petition.objects.for_user(self.staff), request=request)
        self.assertIn("received_to", filterset.errors)
        self.assertEqual(set(filterset.qs), {self.fresh})

    def test_personal_data_is_not_searchable(self):
        self.assertEqual(self.found(q="张三丰"), set())


class PaginationKeepsFiltersTests(ListWorld):
    def test_page_links_keep_the_filters_and_drop_the_export(self):
        for n in range(30):
            make_activity(self.home, date(2024, 5, 1 + n % 28), "宣讲", title=f"宣讲{n}")
        make_activity(self.home, date(2024, 5, 1), "文艺演出", title="演出")
        url = reverse("activities:activity_list")
        response = self.client.get(url, {"month": "2024-05", "q": "宣讲"})
        self.assertContains(response, "?month=2024-05&amp;q=%E5%AE%A3%E8%AE%B2&amp;page=2")
        self.assertContains(response, "?month=2024-05&amp;q=%E5%AE%A3%E8%AE%B2&amp;format=xlsx")
        second = self.client.get(url, {"month": "2024-05", "q": "宣讲", "page": "2"})
        self.assertEqual(len(second.context["object_list"]), 5)
        self.assertContains(second, "?month=2024-05&amp;q=%E5%AE%A3%E8%AE%B2&amp;page=1")
        # The export link of page 2 exports every page, not page 2.
        self.assertContains(second, "?month=2024-05&amp;q=%E5%AE%A3%E8%AE%B2&amp;format=xlsx")
        rows = export_rows(self.client.get(url, {"month": "2024-05", "q": "宣讲", "page": "2", "format": "xlsx"}))
        self.assertEqual(len(rows), 30)
