"""Writes of activities, photos, categories and projects: scope, month lock, validation, audit, atomicity."""

from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from activities.choices import FundingSource, ProjectKind, ReturnStatus
from activities.models import Activity, ActivityCategory, ActivityPhoto, CreationPlan, Indicator, MonthlyReturn, Project
from activities.services.activities import (
    activity_create,
    activity_delete,
    activity_photo_add,
    activity_photo_delete,
    activity_update,
    category_create,
    category_update,
    project_create,
    project_delete,
    project_update,
)
from communities.choices import AuditAction, Role
from communities.models import AuditEntry
from tests.activities.factories_activities import category, image_bytes, jpeg_with_gps, make_activity, upload
from tests.factories import make_member, make_tree


def stored_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def audit_of(obj):
    return list(AuditEntry.objects.for_object(obj).order_by("pk"))


def lock_month(jurisdiction, day):
    MonthlyReturn.objects.create(jurisdiction=jurisdiction, month=day.replace(day=1), status=ReturnStatus.APPROVED)


class World(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.home, cls.sibling = cls.communities[0], cls.communities[1]
        cls.staff = make_member(cls.home, Role.STAFF)
        cls.leader = make_member(cls.streets[0], Role.LEADER)
        cls.admin = make_member(cls.district, Role.ADMIN)

    def fields(self, **extra):
        values = {
            "jurisdiction": self.home,
            "date": date(2024, 5, 10),
            "category": category("宣讲"),
            "title": "民族团结进步宣讲进社区",
            "place": "社区活动室",
            "organiser": "社区党委",
            "participants": 120,
            "minority_participants": 35,
            "posters": 20,
            "handbooks": 200,
            "people_reached": 600,
        }
        values.update(extra)
        return values


class ActivityServiceTests(World):
    def test_create_writes_the_activity_and_one_audit_row(self):
        activity = activity_create(actor=self.staff, **self.fields())
        self.assertEqual(activity.created_by, self.staff)
        self.assertEqual((activity.participants, activity.handbooks), (120, 200))
        [entry] = audit_of(activity)
        self.assertEqual((entry.action, entry.user, entry.jurisdiction), (AuditAction.CREATE, self.staff, self.home))
        self.assertEqual(entry.changes["title"], [None, "民族团结进步宣讲进社区"])
        self.assertEqual(entry.changes["category"], [None, "宣讲"])

    def test_update_audits_what_changed(self):
        activity = activity_create(actor=self.staff, **self.fields())
        activity_update(activity=activity, actor=self.staff, participants=150, place="广场")
        activity.refresh_from_db()
        self.assertEqual(activity.participants, 150)
        entry = audit_of(activity)[-1]
        self.assertEqual(entry.action, AuditAction.CHANGE)
        self.assertEqual(entry.changes, {"participants": [120, 150], "place": ["社区活动室", "广场"]})

    def test_delete_removes_it_and_audits(self):
        activity = activity_create(actor=self.staff, **self.fields())
        pk = activity.pk
        activity_delete(activity=activity, actor=self.staff)
        self.assertFalse(Activity.objects.filter(pk=pk).exists())
        self.assertEqual(
            list(AuditEntry.objects.filter(object_id=str(pk)).values_list("action", flat=True).order_by("pk")),
            [AuditAction.CREATE, AuditAction.DELETE],
        )

    def test_the_delete_row_keeps_the_deleted_values(self):
        activity = activity_create(actor=self.staff, **self.fields())
        pk = activity.pk
        activity_delete(activity=activity, actor=self.staff)
        entry = AuditEntry.objects.get(object_id=str(pk), action=AuditAction.DELETE)
        self.assertEqual(entry.changes["title"], ["民族团结进步宣讲进社区", None])
        self.assertEqual(entry.changes["participants"], [120, None])
        self.assertEqual(entry.changes["date"], ["2024-05-10", None])
        self.assertEqual(entry.changes["jurisdiction"], [str(self.home), None])
        self.assertEqual(entry.changes["category"], ["宣讲", None])
        self.assertNotIn("created_by", entry.changes)

    def test_the_creator_is_recorded_on_the_record(self):
        activity = activity_create(actor=self.staff, **self.fields())
        self.assertEqual(Activity.objects.get(pk=activity.pk).created_by, self.staff)

    def test_sibling_jurisdiction_is_refused_and_nothing_written(self):
        with self.assertRaisesMessage(PermissionDenied, "您无权在该辖区录入或修改记录"):
            activity_create(actor=self.staff, photos=[(upload(), "合影")], **self.fields(jurisdiction=self.sibling))
        self.assertFalse(Activity.objects.exists())
        self.assertFalse(ActivityPhoto.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())
        self.assertEqual(stored_files(), [])

    def test_staff_cannot_update_or_delete_a_sibling_activity(self):
        foreign = make_activity(self.sibling, title="乙社区的活动")
        with self.assertRaises(PermissionDenied):
            activity_update(activity=foreign, actor=self.staff, title="改掉")
        with self.assertRaises(PermissionDenied):
            activity_delete(activity=Activity.objects.get(pk=foreign.pk), actor=self.staff)
        self.assertEqual(Activity.objects.get(pk=foreign.pk).title, "乙社区的活动")

    def test_moving_an_activity_to_a_sibling_is_refused(self):
        activity = activity_create(actor=self.staff, **self.fields())
        with self.assertRaises(PermissionDenied):
            activity_update(activity=activity, actor=self.staff, jurisdiction=self.sibling)
        self.assertEqual(Activity.objects.get(pk=activity.pk).jurisdiction, self.home)

    def test_leader_may_record_for_any_community_below(self):
        activity = activity_create(actor=self.leader, **self.fields(jurisdiction=self.sibling))
        self.assertEqual(activity.jurisdiction, self.sibling)

    def test_locked_month_is_refused_with_the_month_named(self):
        lock_month(self.home, date(2024, 5, 1))
        with self.assertRaisesMessage(ValidationError, "2024年5月的月报已审核锁定"):
            activity_create(actor=self.staff, **self.fields())
        self.assertFalse(Activity.objects.exists())

    def test_an_activity_of_a_locked_month_cannot_be_changed_moved_or_deleted(self):
        activity = activity_create(actor=self.staff, **self.fields())
        lock_month(self.home, date(2024, 5, 1))
        cases = {
            "change": lambda a: activity_update(activity=a, actor=self.staff, title="新名称"),
            "move out": lambda a: activity_update(activity=a, actor=self.staff, date=date(2024, 6, 3)),
            "delete": lambda a: activity_delete(activity=a, actor=self.staff),
            "add photo": lambda a: activity_photo_add(activity=a, photos=[(upload(), "")], actor=self.staff),
        }
        for name, write in cases.items():
            with self.subTest(name), self.assertRaisesMessage(ValidationError, "已审核锁定"):
                write(Activity.objects.get(pk=activity.pk))
        self.assertEqual(Activity.objects.get(pk=activity.pk).title, "民族团结进步宣讲进社区")
        self.assertEqual(ActivityPhoto.objects.count(), 0)

    def test_more_minorities_than_participants_is_refused_on_that_field(self):
        with self.assertRaises(ValidationError) as caught:
            activity_create(actor=self.staff, **self.fields(participants=10, minority_participants=11))
        self.assertEqual(
            caught.exception.message_dict["minority_participants"],
            ["其中少数民族人数（11）不能超过参与总人数（10），请核对。"],
        )
        self.assertFalse(Activity.objects.exists())

    def test_unknown_field_is_a_programming_error(self):
        with self.assertRaises(TypeError):
            activity_create(actor=self.staff, colour="red", **self.fields())


class ActivityIndicatorTests(World):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.plan = CreationPlan.objects.create(
            jurisdiction=cls.home,
            title="示范社区创建方案",
            target_title="民族团结进步示范社区",
            target_level="district",
            start_date=date(2024, 1, 1),
            end_date=date(2025, 12, 31),
        )
        cls.indicator = Indicator.objects.create(plan=cls.plan, code="1.1", title="组织领导")
        # Another street's plan: neither the staff's community nor above it.
        cls.street_plan = CreationPlan.objects.create(
            jurisdiction=cls.streets[1],
            title="示范街道创建方案",
            target_title="民族团结进步示范街道",
            target_level="city",
            start_date=date(2024, 1, 1),
            end_date=date(2025, 12, 31),
        )
        cls.street_indicator = Indicator.objects.create(plan=cls.street_plan, code="2.1", title="宣传教育")

    def test_indicators_are_linked_and_audited_in_the_create_row(self):
        activity = activity_create(actor=self.staff, indicators=[self.indicator], **World.fields(self))
        self.assertEqual(list(activity.indicators.all()), [self.indicator])
        [entry] = audit_of(activity)
        self.assertEqual(entry.changes["indicators"], [None, "1.1"])

    def test_indicator_outside_the_actors_scope_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "不属于您所在辖区的创建方案"):
            activity_create(actor=self.staff, indicators=[self.street_indicator], **World.fields(self))
        self.assertFalse(Activity.objects.exists())

    def test_an_indicator_of_a_plan_above_the_actor_is_linked(self):
        # The places below a plan carry it out (base.access): community staff evidence the district's plan.
        district_plan = CreationPlan.objects.create(
            jurisdiction=self.district,
            title="示范区创建方案",
            target_title="民族团结进步示范区",
            target_level="province",
            start_date=date(2024, 1, 1),
            end_date=date(2025, 12, 31),
        )
        above = Indicator.objects.create(plan=district_plan, code="3.1", title="社会治理")
        activity = activity_create(actor=self.staff, indicators=[above], **World.fields(self))
        self.assertEqual(list(activity.indicators.all()), [above])

    def test_update_keeps_indicators_the_actor_cannot_see(self):
        activity = activity_create(
            actor=self.admin, indicators=[self.indicator, self.street_indicator], **World.fields(self)
        )
        activity_update(activity=activity, actor=self.staff, indicators=[])
        self.assertEqual(list(activity.indicators.all()), [self.street_indicator])
        self.assertEqual(audit_of(activity)[-1].changes["indicators"], ["1.1、2.1", "2.1"])


class PhotoServiceTests(World):
    def test_photos_are_saved_re_encoded_with_thumbnails_and_audited(self):
        activity = activity_create(
            actor=self.staff, photos=[(upload("gps.jpg", jpeg_with_gps()), "宣讲现场")], **self.fields()
        )
        [photo] = activity.photos.all()
        self.assertEqual(
            (photo.caption, photo.uploaded_by, photo.width, photo.height), ("宣讲现场", self.staff, 40, 20)
        )
        self.assertTrue(photo.image.name.endswith(".jpg"))
        with photo.image.open("rb") as handle:
            saved = handle.read()
        self.assertNotIn(b"TestCam", saved)
        self.assertEqual(dict(Image.open(BytesIO(saved)).getexif()), {})
        self.assertTrue(photo.thumbnail.name)
        self.assertEqual(audit_of(activity)[0].changes["photos"], [None, "宣讲现场"])

    def test_a_bad_photo_leaves_no_activity_and_no_files(self):
        with self.assertRaisesMessage(ValidationError, "“notes.jpg”不是有效的 JPEG 或 PNG 照片"):
            activity_create(
                actor=self.staff,
                photos=[(upload("ok.jpg"), "好的"), (upload("notes.jpg", b"hello" * 100), "坏的")],
                **self.fields(),
            )
        self.assertFalse(Activity.objects.exists())
        self.assertFalse(ActivityPhoto.objects.exists())
        self.assertEqual(stored_files(), [])

    def test_add_and_delete_photos_on_an_existing_activity(self):
        activity = activity_create(actor=self.staff, **self.fields())
        added = activity_photo_add(
            activity=activity,
            photos=[(upload("a.jpg"), "一"), (upload("b.png", image_bytes("PNG")), "二")],
            actor=self.staff,
        )
        self.assertEqual([p.caption for p in added], ["一", "二"])
        self.assertEqual(len(stored_files()), 4)
        entry = audit_of(activity)[-1]
        self.assertEqual((entry.action, entry.changes["photos"]), (AuditAction.CHANGE, [None, "一、二"]))

        with self.captureOnCommitCallbacks(execute=True):
            activity_photo_delete(photo=added[0], actor=self.staff)
        self.assertEqual([p.caption for p in activity.photos.all()], ["二"])
        self.assertEqual(len(stored_files()), 2)
        self.assertEqual(audit_of(activity)[-1].changes["photos"], ["一", None])

    def test_sibling_staff_cannot_add_or_delete_photos(self):
        activity = activity_create(actor=self.staff, photos=[(upload(), "")], **self.fields())
        outsider = make_member(self.sibling, Role.STAFF)
        with self.assertRaises(PermissionDenied):
            activity_photo_add(activity=activity, photos=[(upload(), "")], actor=outsider)
        with self.assertRaises(PermissionDenied):
            activity_photo_delete(photo=activity.photos.get(), actor=outsider)
        self.assertEqual(activity.photos.count(), 1)
        self.assertEqual(len(stored_files()), 2)

    def test_deleting_an_activity_removes_its_photo_files_after_commit(self):
        activity = activity_create(actor=self.staff, photos=[(upload(), "")], **self.fields())
        self.assertEqual(len(stored_files()), 2)
        with self.captureOnCommitCallbacks(execute=True):
            activity_delete(activity=activity, actor=self.staff)
        self.assertEqual(stored_files(), [])


class CategoryServiceTests(World):
    def test_administrator_creates_and_deactivates_with_audit(self):
        created = category_create(actor=self.admin, name="民族节庆", report_section="publicity", order=20)
        category_update(category=created, actor=self.admin, is_active=False)
        created.refresh_from_db()
        self.assertFalse(created.is_active)
        self.assertEqual([e.action for e in audit_of(created)], [AuditAction.CREATE, AuditAction.CHANGE])
        self.assertEqual(audit_of(created)[-1].changes, {"is_active": [True, False]})

    def test_staff_and_leaders_may_not(self):
        for user in (self.staff, self.leader):
            with self.subTest(user=user.username), self.assertRaisesMessage(PermissionDenied, "只有管理员"):
                category_create(actor=user, name="新类别")
        self.assertFalse(ActivityCategory.objects.filter(name="新类别").exists())

    def test_duplicate_name_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            category_create(actor=self.admin, name="宣讲")
        self.assertIn("name", caught.exception.message_dict)


class ProjectServiceTests(World):
    def project_fields(self, **extra):
        values = {
            "jurisdiction": self.home,
            "name": "碧海社区饮水安全工程",
            "kind": ProjectKind.WATER,
            "total_investment": Decimal("150.00"),
            "households_served": 320,
            "persons_served": 1100,
        }
        values.update(extra)
        return values

    def test_create_writes_project_and_fundings_with_one_audit_row(self):
        project = project_create(
            actor=self.staff,
            fundings=[(FundingSource.SUPERIOR, Decimal("100")), (FundingSource.SELF_RAISED, Decimal("50"))],
            **self.project_fields(),
        )
        self.assertEqual(
            sorted(project.fundings.values_list("source", "amount")),
            [(FundingSource.SELF_RAISED, Decimal("50.00")), (FundingSource.SUPERIOR, Decimal("100.00"))],
        )
        [entry] = audit_of(project)
        self.assertEqual(entry.action, AuditAction.CREATE)
        self.assertEqual(entry.changes["fundings"], [None, "上级拨款 100.00；群众自筹 50.00"])

    def test_cash_above_the_total_is_refused_naming_the_field_and_both_sums(self):
        message = "资金来源中现金合计 160.00 万元，超过了“总投资（万元）”150.00 万元"
        with self.assertRaisesMessage(ValidationError, message):
            project_create(
                actor=self.staff,
                fundings=[(FundingSource.SUPERIOR, "100"), (FundingSource.FISCAL, "60")],
                **self.project_fields(),
            )
        self.assertFalse(Project.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_cash_below_the_total_is_accepted_and_the_rest_is_unspecified(self):
        project = project_create(
            actor=self.staff,
            fundings=[(FundingSource.SUPERIOR, "100"), (FundingSource.FISCAL, "40")],
            **self.project_fields(),
        )
        project = Project.objects.prefetch_related("fundings").get(pk=project.pk)
        self.assertEqual(project.unspecified_amount, Decimal("10.00"))

    def test_several_rows_of_one_source_each_with_its_funder(self):
        companies = [("打厂沟煤矿", "50"), ("大炭沟煤矿", "30"), ("小河沟煤矿", "20")]
        project = project_create(
            actor=self.staff,
            fundings=[{"source": FundingSource.ENTERPRISE, "funder": f, "amount": a} for f, a in companies],
            **self.project_fields(),
        )
        self.assertEqual(
            list(project.fundings.order_by("pk").values_list("funder", "amount")),
            [(f, Decimal(a)) for f, a in companies],
        )
        [entry] = audit_of(project)
        self.assertEqual(
            entry.changes["fundings"][1],
            "企业捐资（打厂沟煤矿） 50.00；企业捐资（大炭沟煤矿） 30.00；企业捐资（小河沟煤矿） 20.00",
        )

    def test_in_kind_rows_need_no_amount_and_are_not_counted_against_the_total(self):
        project = project_create(
            actor=self.staff,
            fundings=[
                (FundingSource.SUPERIOR, "150"),
                {"source": FundingSource.SELF_RAISED, "funder": "村民", "in_kind": True, "description": "投工投劳"},
                {"source": FundingSource.SELF_RAISED, "in_kind": True, "description": "土地", "amount": "30"},
            ],
            **self.project_fields(),
        )
        self.assertEqual(project.fundings.filter(in_kind=True).count(), 2)
        self.assertIsNone(project.fundings.get(description="投工投劳").amount)

    def test_cash_row_without_amount_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "现金出资须填写金额"):
            project_create(
                actor=self.staff, fundings=[{"source": FundingSource.SUPERIOR, "amount": None}], **self.project_fields()
            )
        self.assertFalse(Project.objects.exists())

    def test_amount_spent_above_the_total_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "已完成投资（200.00 万元）不能超过总投资（150.00 万元）"):
            project_create(actor=self.staff, fundings=[], **self.project_fields(amount_spent=Decimal("200")))
        self.assertFalse(Project.objects.exists())

    def test_year_defaults_to_the_start_date_then_to_this_year_and_may_be_given(self):
        cases = {
            "start date": ({"start_date": date(2021, 3, 1)}, 2021),
            "none": ({}, timezone.localdate().year),
            "given": ({"start_date": date(2021, 3, 1), "year": 2022}, 2022),
        }
        for name, (extra, year) in cases.items():
            with self.subTest(name):
                project = project_create(actor=self.staff, **self.project_fields(name=name, **extra))
                self.assertEqual(project.year, year)

    def test_update_replaces_fundings_atomically(self):
        project = project_create(actor=self.staff, fundings=[(FundingSource.SUPERIOR, "150")], **self.project_fields())
        with self.assertRaises(ValidationError):
            project_update(
                project=project,
                actor=self.staff,
                total_investment=Decimal("180"),
                fundings=[(FundingSource.SUPERIOR, "150"), (FundingSource.ENTERPRISE, "40")],
            )
        project = Project.objects.get(pk=project.pk)
        self.assertEqual(project.total_investment, Decimal("150.00"))
        self.assertEqual(list(project.fundings.values_list("source", flat=True)), [FundingSource.SUPERIOR])

        project_update(
            project=project,
            actor=self.staff,
            total_investment=Decimal("200"),
            fundings=[(FundingSource.SUPERIOR, "150"), (FundingSource.ENTERPRISE, "50")],
        )
        self.assertEqual(sum(project.fundings.values_list("amount", flat=True)), Decimal("200"))
        entry = audit_of(project)[-1]
        self.assertEqual(entry.changes["total_investment"], ["150.00", "200.00"])
        self.assertEqual(entry.changes["fundings"], ["上级拨款 150.00", "上级拨款 150.00；企业捐资 50.00"])

    def test_lowering_the_total_below_the_cash_alone_is_refused(self):
        project = project_create(actor=self.staff, fundings=[(FundingSource.SUPERIOR, "150")], **self.project_fields())
        with self.assertRaisesMessage(ValidationError, "现金合计 150.00 万元，超过了“总投资（万元）”120.00 万元"):
            project_update(project=project, actor=self.staff, total_investment=Decimal("120"))
        project_update(project=project, actor=self.staff, total_investment=Decimal("180"))
        self.assertEqual(Project.objects.get(pk=project.pk).total_investment, Decimal("180.00"))

    def test_sibling_is_refused_and_nothing_written(self):
        with self.assertRaises(PermissionDenied):
            project_create(
                actor=self.staff,
                fundings=[(FundingSource.SUPERIOR, "150")],
                **self.project_fields(jurisdiction=self.sibling),
            )
        self.assertFalse(Project.objects.exists())

    def test_delete_audits(self):
        project = project_create(actor=self.staff, fundings=[(FundingSource.SUPERIOR, "150")], **self.project_fields())
        pk = project.pk
        project_delete(project=project, actor=self.staff)
        self.assertFalse(Project.objects.filter(pk=pk).exists())
        self.assertEqual(AuditEntry.objects.filter(object_id=str(pk), action=AuditAction.DELETE).count(), 1)
