"""The admin of activities, categories and projects saves through the services and keeps their rules."""

from datetime import date

from django.contrib.auth.models import Permission
from django.test import TestCase
from django.urls import reverse

from activities.choices import FundingSource, ProjectKind, ReturnStatus
from activities.models import Activity, MonthlyReturn, Project
from communities.choices import AuditAction, Role
from communities.models import AuditEntry
from tests.activities.factories_activities import category, make_activity, make_project, upload
from tests.factories import make_member, make_tree


class ActivityAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.home, cls.sibling = cls.communities[0], cls.communities[1]
        cls.staff = make_member(cls.home, Role.STAFF)
        cls.staff.is_staff = True
        cls.staff.save()
        cls.staff.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="activities",
                content_type__model__in=["activity", "project", "projectfunding", "activityphoto"],
            )
        )

    def setUp(self):
        self.client.force_login(self.staff)

    def activity_data(self, **extra):
        values = {
            "jurisdiction": self.home.pk,
            "date": "2024-05-10",
            "category": category("宣讲").pk,
            "title": "后台录入的宣讲",
            "place": "",
            "organiser": "",
            "participants": "50",
            "minority_participants": "10",
            "posters": "0",
            "handbooks": "0",
            "promo_items": "0",
            "light_boxes": "0",
            "online_posts": "0",
            "people_reached": "0",
            "summary": "",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
            "photos-MIN_NUM_FORMS": "0",
            "photos-MAX_NUM_FORMS": "1000",
        }
        values.update(extra)
        return values

    def test_changelist_shows_only_the_subtree(self):
        make_activity(self.home, title="甲社区活动")
        make_activity(self.sibling, title="乙社区活动")
        response = self.client.get(reverse("admin:activities_activity_changelist"))
        self.assertContains(response, "甲社区活动")
        self.assertNotContains(response, "乙社区活动")

    def test_add_goes_through_the_service_and_is_audited_once(self):
        response = self.client.post(reverse("admin:activities_activity_add"), self.activity_data())
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        activity = Activity.objects.get()
        self.assertEqual(activity.created_by, self.staff)
        self.assertEqual(
            list(AuditEntry.objects.for_object(activity).values_list("action", flat=True)), [AuditAction.CREATE]
        )

    def test_sibling_jurisdiction_is_not_offered_and_locked_month_refused(self):
        response = self.client.post(
            reverse("admin:activities_activity_add"), self.activity_data(jurisdiction=self.sibling.pk)
        )
        self.assertEqual(response.status_code, 200)
        MonthlyReturn.objects.create(jurisdiction=self.home, month=date(2024, 5, 1), status=ReturnStatus.APPROVED)
        response = self.client.post(reverse("admin:activities_activity_add"), self.activity_data())
        self.assertContains(response, "已审核锁定")
        self.assertFalse(Activity.objects.exists())

    def test_photo_inline_is_read_only_with_a_thumbnail(self):
        from activities.services.activities import activity_photo_add

        activity = make_activity(self.home)
        [photo] = activity_photo_add(activity=activity, photos=[(upload(), "合影")], actor=self.staff)
        response = self.client.get(reverse("admin:activities_activity_change", args=[activity.pk]))
        self.assertContains(response, reverse("activities:activity_photo_thumbnail", args=[photo.pk]))
        self.assertNotContains(response, 'name="photos-0-image"')

    def test_project_cash_may_not_exceed_the_total_in_the_admin_too(self):
        data = {
            "jurisdiction": self.home.pk,
            "name": "后台项目",
            "kind": ProjectKind.HOUSING,
            "total_investment": "100",
            "households_served": "1",
            "persons_served": "3",
            "status": "planned",
            "fundings-TOTAL_FORMS": "2",
            "fundings-INITIAL_FORMS": "0",
            "fundings-MIN_NUM_FORMS": "0",
            "fundings-MAX_NUM_FORMS": "1000",
            "fundings-0-source": FundingSource.SUPERIOR,
            "fundings-0-amount": "60",
            "fundings-1-source": FundingSource.FISCAL,
            "fundings-1-amount": "50",
        }
        response = self.client.post(reverse("admin:activities_project_add"), data)
        self.assertContains(response, "资金来源中现金合计 110.00 万元，超过了“总投资（万元）”100.00 万元")
        self.assertFalse(Project.objects.exists())
        data["fundings-1-amount"] = "40"
        response = self.client.post(reverse("admin:activities_project_add"), data)
        self.assertEqual(response.status_code, 302)
        project = Project.objects.get()
        self.assertEqual(project.fundings.count(), 2)
        self.assertEqual(
            AuditEntry.objects.for_object(project).get().changes["fundings"][1], "上级拨款 60.00；本级财政 40.00"
        )

    def test_project_delete_from_the_admin_is_audited(self):
        project = make_project(self.home, [(FundingSource.SUPERIOR, "5")])
        url = reverse("admin:activities_project_delete", args=[project.pk])
        self.client.post(url, {"post": "yes"})
        self.assertFalse(Project.objects.exists())
        self.assertTrue(AuditEntry.objects.filter(object_id=str(project.pk), action=AuditAction.DELETE).exists())

    def test_category_admin_is_for_administrators_only(self):
        self.assertEqual(self.client.get(reverse("admin:activities_activitycategory_changelist")).status_code, 403)
