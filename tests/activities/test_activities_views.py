"""Pages of activities, photos, categories and projects: filters, export, forms, confirmations, query counts."""

from datetime import date
from io import BytesIO

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities.choices import FundingSource, ProjectKind, ProjectStatus, ReturnStatus
from activities.models import Activity, ActivityCategory, ActivityPhoto, CreationPlan, Indicator, MonthlyReturn, Project
from activities.services.activities import activity_photo_add
from communities.choices import AuditAction, Role
from communities.models import AuditEntry
from tests.activities.factories_activities import (
    category,
    image_bytes,
    jpeg_with_gps,
    make_activity,
    make_project,
    upload,
)
from tests.factories import make_member, make_tree


def sheet_rows(response):
    workbook = load_workbook(BytesIO(response.getvalue()))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


class PageWorld(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.home, cls.sibling = cls.communities[0], cls.communities[1]
        cls.staff = make_member(cls.home, Role.STAFF)
        cls.leader = make_member(cls.streets[0], Role.LEADER)
        cls.admin = make_member(cls.district, Role.ADMIN)

    def setUp(self):
        self.client.force_login(self.staff)


class ActivityListTests(PageWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.may_speech = make_activity(
            cls.home, date(2024, 5, 10), "宣讲", title="五月宣讲", place="社区广场", participants=80, posters=12
        )
        cls.may_show = make_activity(cls.home, date(2024, 5, 25), "文艺演出", title="团结文艺汇演", organiser="文化站")
        cls.june_visit = make_activity(cls.home, date(2024, 6, 3), "走访慰问", title="走访困难户", summary="石榴籽家园")
        cls.foreign = make_activity(cls.sibling, date(2024, 5, 12), "宣讲", title="乙社区的秘密宣讲")
        cls.url = reverse("activities:activity_list")

    def titles(self, **params):
        response = self.client.get(self.url, params)
        self.assertEqual(response.status_code, 200)
        return [a.title for a in response.context["object_list"]]

    def test_staff_sees_only_their_subtree(self):
        self.assertEqual(self.titles(), ["走访困难户", "团结文艺汇演", "五月宣讲"])
        self.assertNotContains(self.client.get(self.url), "乙社区的秘密宣讲")

    def test_leader_sees_both_communities(self):
        self.client.force_login(self.leader)
        self.assertIn("乙社区的秘密宣讲", self.titles())

    def test_filters(self):
        cases = {
            "category": ({"category": category("宣讲").pk}, ["五月宣讲"]),
            "month": ({"month": "2024-05"}, ["团结文艺汇演", "五月宣讲"]),
            "date range": ({"date_from": "2024-05-20", "date_to": "2024-06-03"}, ["走访困难户", "团结文艺汇演"]),
            "search title": ({"q": "文艺"}, ["团结文艺汇演"]),
            "search place": ({"q": "广场"}, ["五月宣讲"]),
            "search organiser": ({"q": "文化站"}, ["团结文艺汇演"]),
            "search summary": ({"q": "石榴籽"}, ["走访困难户"]),
            "own code": ({"jurisdiction": self.home.code}, ["走访困难户", "团结文艺汇演", "五月宣讲"]),
            "sibling code": ({"jurisdiction": self.sibling.code}, []),
        }
        for name, (params, expected) in cases.items():
            with self.subTest(name):
                self.assertEqual(self.titles(**params), expected)

    def test_has_photos_filter_and_thumbnail(self):
        [photo] = activity_photo_add(activity=self.may_show, photos=[(upload(), "演出")], actor=self.staff)
        self.assertEqual(self.titles(has_photos="1"), ["团结文艺汇演"])
        self.assertEqual(self.titles(has_photos="0"), ["走访困难户", "五月宣讲"])
        response = self.client.get(self.url)
        self.assertContains(response, reverse("activities:activity_photo_thumbnail", args=[photo.pk]))

    def test_bad_filter_values_are_reported_not_a_server_error(self):
        for params in ({"month": "2024-13"}, {"month": "五月"}, {"date_from": "昨天"}, {"category": "abc"}):
            with self.subTest(params=params):
                response = self.client.get(self.url, params)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(len(response.context["object_list"]), 3)
        self.assertContains(self.client.get(self.url, {"month": "2024-13"}), "月份应写成“年-月”")

    def test_query_count_does_not_grow_with_rows(self):
        counts = []
        for total in (3, 30):
            Activity.objects.filter(jurisdiction=self.home).delete()
            for n in range(total):
                activity = make_activity(self.home, date(2024, 5, 1 + n % 28), title=f"活动{n}")
                ActivityPhoto.objects.create(
                    activity=activity, image=f"photos/x{n}.jpg", thumbnail=f"photos/t{n}.jpg", width=4, height=3
                )
            # A fresh user object each time, so the membership lookup is counted both times.
            self.client.force_login(self.staff)
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(self.url)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(len(response.context["object_list"]), min(total, 25))
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])
        self.assertLessEqual(counts[1], 10)


class ActivityExportTests(PageWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.street_community = cls.communities[2]
        make_activity(
            cls.home,
            date(2024, 5, 10),
            "宣讲",
            title="五月宣讲",
            participants=120,
            minority_participants=35,
            posters=20,
            handbooks=200,
            promo_items=150,
            light_boxes=2,
            online_posts=3,
            people_reached=600,
        )
        make_activity(cls.home, date(2024, 6, 1), "宣讲", title="六月宣讲")
        make_activity(cls.sibling, date(2024, 5, 11), "宣讲", title="乙社区五月宣讲")
        cls.url = reverse("activities:activity_list")

    def test_export_has_every_field_and_only_the_filtered_rows(self):
        response = self.client.get(self.url, {"month": "2024-05", "format": "xlsx"})
        self.assertEqual(response.status_code, 200)
        header, *rows = sheet_rows(response)
        self.assertEqual(
            header[:16],
            [
                "辖区",
                "区划代码",
                "日期",
                "类别",
                "活动名称",
                "地点",
                "组织单位",
                "参与人数",
                "其中少数民族（人）",
                "海报（份）",
                "手册（份）",
                "宣传品（份）",
                "灯箱（个）",
                "推送（条）",
                "覆盖人数",
                "活动简介",
            ],
        )
        self.assertEqual([r[4] for r in rows], ["五月宣讲"])
        self.assertEqual(rows[0][7:15], [120, 35, 20, 200, 150, 2, 3, 600])
        self.assertEqual(rows[0][1], self.home.code)

    def test_sibling_rows_never_appear_in_any_export(self):
        for params in ({}, {"jurisdiction": self.sibling.code}, {"q": "乙社区"}, {"month": "2024-05"}):
            with self.subTest(params=params):
                rows = sheet_rows(self.client.get(self.url, {**params, "format": "xlsx"}))[1:]
                self.assertNotIn("乙社区五月宣讲", [r[4] for r in rows])

    def test_leader_export_of_one_community(self):
        self.client.force_login(self.leader)
        rows = sheet_rows(self.client.get(self.url, {"jurisdiction": self.sibling.code, "format": "xlsx"}))[1:]
        self.assertEqual([r[4] for r in rows], ["乙社区五月宣讲"])


class ActivityFormTests(PageWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.plan = CreationPlan.objects.create(
            jurisdiction=cls.home,
            title="甲社区创建方案",
            target_title="示范社区",
            target_level="district",
            start_date=date(2024, 1, 1),
            end_date=date(2025, 12, 31),
        )
        cls.indicator = Indicator.objects.create(plan=cls.plan, code="3.2", title="宣传教育活动")
        sibling_plan = CreationPlan.objects.create(
            jurisdiction=cls.sibling,
            title="乙社区创建方案",
            target_title="示范社区",
            target_level="district",
            start_date=date(2024, 1, 1),
            end_date=date(2025, 12, 31),
        )
        cls.foreign_indicator = Indicator.objects.create(plan=sibling_plan, code="9.9", title="乙社区指标")
        cls.retired = ActivityCategory.objects.create(name="已停用类别", is_active=False)
        cls.url = reverse("activities:activity_create")

    def data(self, **extra):
        values = {
            "jurisdiction": self.home.pk,
            "date": "2024-05-10",
            "category": category("宣讲").pk,
            "title": "民族团结进步宣讲",
            "place": "社区活动室",
            "organiser": "社区党委",
            "participants": "120",
            "minority_participants": "35",
            "posters": "20",
            "handbooks": "200",
            "promo_items": "0",
            "light_boxes": "0",
            "online_posts": "1",
            "people_reached": "600",
            "summary": "",
        }
        values.update(extra)
        return values

    def test_form_offers_only_the_users_scope_and_preselects_it(self):
        response = self.client.get(self.url)
        form = response.context["form"]
        self.assertEqual(list(form.fields["jurisdiction"].queryset), [self.home])
        self.assertEqual(form["jurisdiction"].value(), self.home.pk)
        self.assertEqual(form["date"].value(), timezone.localdate())
        self.assertNotIn(self.retired, form.fields["category"].queryset)
        self.assertEqual(list(form.fields["indicators"].queryset), [self.indicator])
        self.assertContains(response, 'multiple accept="image/jpeg,image/png')

    def test_leader_chooses_among_the_street_and_its_communities(self):
        self.client.force_login(self.leader)
        form = self.client.get(self.url).context["form"]
        self.assertEqual(set(form.fields["jurisdiction"].queryset), {self.streets[0], self.home, self.sibling})
        self.assertEqual(form["jurisdiction"].value(), self.streets[0].pk)

    def test_create_with_photos_and_captions(self):
        photos = [upload("a.jpg", jpeg_with_gps()), upload("b.png", image_bytes("PNG"), "image/png")]
        response = self.client.post(
            self.url,
            {**self.data(indicators=[self.indicator.pk], photo_captions="宣讲现场\n合影"), "photos": photos},
        )
        activity = Activity.objects.get()
        self.assertRedirects(response, reverse("activities:activity_detail", args=[activity.pk]))
        self.assertEqual([p.caption for p in activity.photos.all()], ["宣讲现场", "合影"])
        self.assertEqual(list(activity.indicators.all()), [self.indicator])
        self.assertEqual((activity.created_by, activity.handbooks, activity.people_reached), (self.staff, 200, 600))
        self.assertEqual(AuditEntry.objects.for_object(activity).get().action, AuditAction.CREATE)

    def test_blank_publicity_counts_mean_zero(self):
        blanks = dict.fromkeys(["minority_participants", "posters", "handbooks", "people_reached"], "")
        response = self.client.post(self.url, self.data(**blanks))
        activity = Activity.objects.get()
        self.assertRedirects(response, reverse("activities:activity_detail", args=[activity.pk]))
        self.assertEqual((activity.minority_participants, activity.posters, activity.people_reached), (0, 0, 0))

    def test_minorities_over_participants_error_is_on_the_field(self):
        response = self.client.post(self.url, self.data(participants="10", minority_participants="12"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].errors["minority_participants"],
            ["其中少数民族人数（12）不能超过参与总人数（10），请核对。"],
        )
        self.assertFalse(Activity.objects.exists())

    def test_sibling_jurisdiction_and_indicator_are_not_valid_choices(self):
        response = self.client.post(
            self.url, self.data(jurisdiction=self.sibling.pk, indicators=[self.foreign_indicator.pk])
        )
        errors = response.context["form"].errors
        self.assertIn("jurisdiction", errors)
        self.assertIn("indicators", errors)
        self.assertFalse(Activity.objects.exists())

    def test_renamed_exe_is_refused_in_the_form_with_its_name(self):
        exe = upload("照片.jpg", b"MZ\x90\x00" + b"\x00" * 300)
        response = self.client.post(self.url, {**self.data(), "photos": [exe]})
        self.assertEqual(response.status_code, 200)
        self.assertIn("“照片.jpg”是可执行程序", response.context["form"].errors["photos"][0])
        self.assertFalse(Activity.objects.exists())

    def test_other_errors_tell_that_photos_must_be_chosen_again(self):
        response = self.client.post(self.url, {**self.data(title=""), "photos": [upload()]})
        self.assertContains(response, "请重新选择照片")

    def test_locked_month_is_shown_in_the_form(self):
        MonthlyReturn.objects.create(jurisdiction=self.home, month=date(2024, 5, 1), status=ReturnStatus.APPROVED)
        response = self.client.post(self.url, self.data())
        self.assertEqual(response.status_code, 200)
        self.assertIn("2024年5月的月报已审核锁定", response.context["form"].errors["date"][0])
        self.assertFalse(Activity.objects.exists())

    def test_edit_changes_the_activity_and_adds_photos(self):
        activity = make_activity(self.home, date(2024, 5, 10), title="旧名称")
        url = reverse("activities:activity_update", args=[activity.pk])
        self.assertEqual(self.client.get(url).context["form"]["title"].value(), "旧名称")
        response = self.client.post(url, {**self.data(title="新名称"), "photos": [upload()]})
        self.assertRedirects(response, reverse("activities:activity_detail", args=[activity.pk]))
        activity.refresh_from_db()
        self.assertEqual((activity.title, activity.photos.count()), ("新名称", 1))
        entry = AuditEntry.objects.for_object(activity).get()
        self.assertEqual(entry.changes["title"], ["旧名称", "新名称"])

    def test_edit_page_of_a_locked_month_says_so(self):
        activity = make_activity(self.home, date(2024, 5, 10))
        MonthlyReturn.objects.create(jurisdiction=self.home, month=date(2024, 5, 1), status=ReturnStatus.APPROVED)
        url = reverse("activities:activity_update", args=[activity.pk])
        self.assertContains(self.client.get(url), "2024年5月的月报已审核锁定")
        response = self.client.post(url, self.data(title="改不了"))
        self.assertIn("已审核锁定", response.context["form"].errors["date"][0])


class ActivityDetailAndDeleteTests(PageWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = make_activity(cls.home, date(2024, 5, 10), title="石榴籽宣讲", participants=88)

    def test_detail_shows_figures_photos_and_history(self):
        [photo] = activity_photo_add(activity=self.activity, photos=[(upload(), "宣讲现场")], actor=self.staff)
        response = self.client.get(reverse("activities:activity_detail", args=[self.activity.pk]))
        self.assertContains(response, "石榴籽宣讲")
        self.assertContains(response, '<dd data-figure="participants">88</dd>', html=True)
        self.assertContains(response, reverse("activities:activity_photo_image", args=[photo.pk]))
        self.assertContains(response, "宣讲现场")
        self.assertContains(response, "变更记录")
        self.assertContains(response, "新增照片 1 张")

    def test_photo_file_is_served_as_jpeg_to_the_subtree_only(self):
        [photo] = activity_photo_add(activity=self.activity, photos=[(upload(), "")], actor=self.staff)
        for name in ("activities:activity_photo_image", "activities:activity_photo_thumbnail"):
            with self.subTest(name):
                response = self.client.get(reverse(name, args=[photo.pk]))
                self.assertEqual((response.status_code, response["Content-Type"]), (200, "image/jpeg"))
                self.assertEqual(b"".join(response.streaming_content)[:2], b"\xff\xd8")
        self.client.force_login(make_member(self.sibling, Role.STAFF))
        self.assertEqual(self.client.get(reverse("activities:activity_photo_image", args=[photo.pk])).status_code, 404)

    def test_delete_asks_first_then_deletes(self):
        url = reverse("activities:activity_delete", args=[self.activity.pk])
        self.assertContains(self.client.get(url), "确认删除")
        self.assertTrue(Activity.objects.filter(pk=self.activity.pk).exists())
        self.assertRedirects(self.client.post(url), reverse("activities:activity_list"))
        self.assertFalse(Activity.objects.filter(pk=self.activity.pk).exists())

    def test_delete_of_a_locked_month_is_refused_on_the_page(self):
        MonthlyReturn.objects.create(jurisdiction=self.home, month=date(2024, 5, 1), status=ReturnStatus.APPROVED)
        url = reverse("activities:activity_delete", args=[self.activity.pk])
        self.assertContains(self.client.get(url), "已审核锁定")
        response = self.client.post(url)
        self.assertContains(response, "已审核锁定")
        self.assertTrue(Activity.objects.filter(pk=self.activity.pk).exists())

    def test_photo_add_and_delete_pages(self):
        add_url = reverse("activities:activity_photo_add", args=[self.activity.pk])
        response = self.client.post(
            add_url, {"photos": [upload("x.png", image_bytes("PNG"))], "photo_captions": "合影"}
        )
        self.assertRedirects(response, reverse("activities:activity_detail", args=[self.activity.pk]) + "#photos")
        photo = self.activity.photos.get()
        self.assertEqual(photo.caption, "合影")

        response = self.client.post(add_url, {"photos": [upload("bad.gif", image_bytes("GIF"))]}, follow=True)
        self.assertContains(response, "“bad.gif”是 GIF 文件")
        self.assertEqual(self.activity.photos.count(), 1)

        delete_url = reverse("activities:activity_photo_delete", args=[photo.pk])
        self.assertContains(self.client.get(delete_url), "确定要从活动")
        self.client.post(delete_url)
        self.assertFalse(self.activity.photos.exists())


class CategoryPageTests(PageWorld):
    def test_staff_and_leaders_get_403(self):
        category_pk = ActivityCategory.objects.first().pk
        urls = [
            reverse("activities:category_list"),
            reverse("activities:category_create"),
            reverse("activities:category_update", args=[category_pk]),
        ]
        for user in (self.staff, self.leader):
            self.client.force_login(user)
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)
                    self.assertEqual(self.client.post(url, {"name": "x"}).status_code, 403)

    def test_administrator_adds_and_deactivates_a_category(self):
        self.client.force_login(self.admin)
        self.assertContains(self.client.get(reverse("activities:category_list")), "调度会")
        response = self.client.post(
            reverse("activities:category_create"),
            {"name": "民族节庆", "report_section": "publicity", "order": "30", "is_active": "on"},
        )
        self.assertRedirects(response, reverse("activities:category_list"))
        created = ActivityCategory.objects.get(name="民族节庆")
        self.client.post(
            reverse("activities:category_update", args=[created.pk]),
            {"name": "民族节庆", "report_section": "publicity", "order": "30"},
        )
        created.refresh_from_db()
        self.assertFalse(created.is_active)
        self.client.force_login(self.staff)
        form = self.client.get(reverse("activities:activity_create")).context["form"]
        self.assertNotIn(created, form.fields["category"].queryset)


class ProjectPageTests(PageWorld):
    def data(self, total="150", fundings=(("superior", "100"), ("self_raised", "50")), **extra):
        values = {
            "jurisdiction": self.home.pk,
            "name": "饮水安全工程",
            "kind": ProjectKind.WATER,
            "total_investment": total,
            "households_served": "320",
            "persons_served": "1100",
            "status": ProjectStatus.IN_PROGRESS,
            "start_date": "2024-03-01",
            "end_date": "",
            "summary": "",
            "fundings-TOTAL_FORMS": str(len(fundings) + 1),
            "fundings-INITIAL_FORMS": "0",
            "fundings-MIN_NUM_FORMS": "0",
            "fundings-MAX_NUM_FORMS": "1000",
        }
        for n, (source, amount) in enumerate(fundings):
            values[f"fundings-{n}-source"] = source
            values[f"fundings-{n}-amount"] = amount
        values.update(extra)
        return values

    def test_form_preselects_the_users_jurisdiction(self):
        form = self.client.get(reverse("activities:project_create")).context["form"]
        self.assertEqual(form["jurisdiction"].value(), self.home.pk)
        self.assertEqual(list(form.fields["jurisdiction"].queryset), [self.home])

    def test_create_with_fundings(self):
        response = self.client.post(reverse("activities:project_create"), self.data())
        project = Project.objects.get()
        self.assertRedirects(response, reverse("activities:project_detail", args=[project.pk]))
        self.assertEqual(
            sorted(project.fundings.values_list("source", flat=True)),
            sorted([FundingSource.SUPERIOR, FundingSource.SELF_RAISED]),
        )
        detail = self.client.get(reverse("activities:project_detail", args=[project.pk]))
        self.assertContains(detail, "群众自筹")
        self.assertContains(detail, "变更记录")

    def test_cash_above_the_total_is_shown_naming_the_field(self):
        response = self.client.post(reverse("activities:project_create"), self.data(total="140"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "资金来源中现金合计 150.00 万元，超过了“总投资（万元）”140.00 万元")
        self.assertFalse(Project.objects.exists())

    def test_cash_below_the_total_is_saved_and_the_rest_shown_as_unspecified(self):
        response = self.client.post(reverse("activities:project_create"), self.data(total="160"))
        project = Project.objects.get()
        self.assertRedirects(response, reverse("activities:project_detail", args=[project.pk]))
        detail = self.client.get(reverse("activities:project_detail", args=[project.pk]))
        self.assertContains(
            detail, '<tr data-funding="unspecified"><td>未列明来源</td><td>—</td><td>现金</td><td class="num">10</td>'
        )

    def test_two_rows_of_one_source_with_funders_and_an_in_kind_row(self):
        data = self.data(
            fundings=(("enterprise", "100"), ("enterprise", "50"), ("self_raised", "")),
            **{
                "fundings-0-funder": "打厂沟煤矿",
                "fundings-1-funder": "大炭沟煤矿",
                "fundings-2-in_kind": "on",
                "fundings-2-description": "投工投劳",
            },
        )
        response = self.client.post(reverse("activities:project_create"), data)
        project = Project.objects.get()
        self.assertRedirects(response, reverse("activities:project_detail", args=[project.pk]))
        self.assertEqual(
            list(project.fundings.order_by("pk").values_list("funder", "in_kind", "amount")),
            [("打厂沟煤矿", False, 100), ("大炭沟煤矿", False, 50), ("", True, None)],
        )

    def test_cash_row_without_amount_is_marked_on_its_row(self):
        response = self.client.post(
            reverse("activities:project_create"), self.data(fundings=(("superior", "100"), ("fiscal", "")))
        )
        self.assertContains(response, "现金出资须填写金额")
        self.assertFalse(Project.objects.exists())

    def test_year_left_empty_takes_the_start_dates(self):
        self.client.post(reverse("activities:project_create"), self.data(year=""))
        self.assertEqual(Project.objects.get().year, 2024)

    def test_form_offers_funding_rows_and_the_add_button_for_the_script(self):
        response = self.client.get(reverse("activities:project_create"))
        self.assertContains(response, 'name="fundings-0-funder"')
        self.assertContains(response, 'name="fundings-1-in_kind"')
        self.assertContains(response, "data-add-funding")
        self.assertContains(response, "js/activities.js")

    def test_edit_replaces_fundings(self):
        project = make_project(self.home, [(FundingSource.SUPERIOR, "150")], name="旧项目")
        funding = project.fundings.get()
        data = self.data(
            total="200",
            fundings=(("superior", "150"), ("enterprise", "50")),
            **{"fundings-INITIAL_FORMS": "1", "fundings-0-id": str(funding.pk), "fundings-0-project": str(project.pk)},
        )
        response = self.client.post(reverse("activities:project_update", args=[project.pk]), data)
        self.assertRedirects(response, reverse("activities:project_detail", args=[project.pk]))
        project.refresh_from_db()
        self.assertEqual(project.total_investment, 200)
        self.assertEqual(
            sorted(project.fundings.values_list("source", "amount")),
            [(FundingSource.ENTERPRISE, 50), (FundingSource.SUPERIOR, 150)],
        )

    def test_delete_asks_first(self):
        project = make_project(self.home, [(FundingSource.SUPERIOR, "10")])
        url = reverse("activities:project_delete", args=[project.pk])
        self.assertContains(self.client.get(url), "确认删除")
        self.assertRedirects(self.client.post(url), reverse("activities:project_list"))
        self.assertFalse(Project.objects.exists())

    def test_list_filters_and_export(self):
        make_project(self.home, [(FundingSource.SUPERIOR, "10")], name="安居工程", kind=ProjectKind.HOUSING)
        make_project(
            self.home,
            [(FundingSource.FISCAL, "5"), (FundingSource.SELF_RAISED, "1.5")],
            name="学校改造",
            kind=ProjectKind.EDUCATION,
            status=ProjectStatus.COMPLETED,
        )
        make_project(self.sibling, [(FundingSource.SUPERIOR, "10")], name="乙社区项目", kind=ProjectKind.HOUSING)
        url = reverse("activities:project_list")
        cases = {
            "all": ({}, {"安居工程", "学校改造"}),
            "kind": ({"kind": "housing"}, {"安居工程"}),
            "status": ({"status": "completed"}, {"学校改造"}),
            "sibling code": ({"jurisdiction": self.sibling.code}, set()),
        }
        for name, (params, expected) in cases.items():
            with self.subTest(name):
                response = self.client.get(url, params)
                self.assertEqual({p.name for p in response.context["object_list"]}, expected)
        header, *rows, totals = sheet_rows(self.client.get(url, {"kind": "education", "format": "xlsx"}))
        self.assertEqual([r[header.index("项目名称")] for r in rows], ["学校改造"])
        self.assertEqual(totals[header.index("总投资（万元）")], 6.5)
        self.assertIn("本级财政（万元）", header)
        self.assertEqual(rows[0][header.index("本级财政（万元）")], 5)
        self.assertEqual(rows[0][header.index("群众自筹（万元）")], 1.5)
        self.assertIsNone(rows[0][header.index("上级拨款（万元）")])

    def test_list_query_count_does_not_grow_with_rows(self):
        counts = []
        for total in (3, 30):
            Project.objects.all().delete()
            for n in range(total):
                make_project(self.home, [(FundingSource.SUPERIOR, "10"), (FundingSource.FISCAL, "2")], name=f"项目{n}")
            self.client.force_login(self.staff)
            with CaptureQueriesContext(connection) as queries:
                self.client.get(reverse("activities:project_list"))
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])
