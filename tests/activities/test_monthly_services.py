"""The monthly return's life: the grid, submit, approve, send back, reopen, and the month lock."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import TestCase

from activities.choices import ReturnStatus
from activities.models import Activity, ActivityCategory, MonthlyFigure, MonthlyReturn
from activities.services import monthly as services
from activities.services.common import month_is_locked, save_scoped
from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import AuditEntry
from tests.activities.factories_plans import make_figure, make_return
from tests.factories import make_jurisdiction, make_member

MONTH = date(2024, 3, 1)


class MonthlyWorld:
    @classmethod
    def build(cls, target):
        target.district = make_jurisdiction("区", JurisdictionLevel.DISTRICT, code="529801000000")
        target.street = make_jurisdiction("街道", JurisdictionLevel.STREET, target.district, code="529801001000")
        target.community = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, target.street, code="529801001001")
        target.sibling = make_jurisdiction("乙社区", JurisdictionLevel.COMMUNITY, target.street, code="529801001002")
        target.staff = make_member(target.community, Role.STAFF)
        target.sibling_staff = make_member(target.sibling, Role.STAFF)
        target.community_leader = make_member(target.community, Role.LEADER)
        target.leader = make_member(target.street, Role.LEADER)
        target.admin = make_member(target.district, Role.ADMIN)
        # Only the figures of the test: the migration's defaults are switched off.
        MonthlyFigure.objects.update(is_active=False)
        target.calls = make_figure("接听热线", unit="个")
        target.cases = make_figure("调处纠纷", unit="件")


class MonthlyGridTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyWorld.build(cls)

    def test_save_creates_a_draft_with_the_values_and_an_audit_row(self):
        r = services.monthly_save(
            jurisdiction=self.community,
            month=date(2024, 3, 17),
            values={self.calls: 12, self.cases: 0},
            actor=self.staff,
        )
        self.assertEqual(r.month, MONTH)
        self.assertEqual(r.status, ReturnStatus.DRAFT)
        self.assertEqual({v.figure.name: int(v.value) for v in r.values.all()}, {"接听热线": 12, "调处纠纷": 0})
        entry = AuditEntry.objects.for_object(r).get()
        self.assertEqual(entry.changes["接听热线"], [None, 12])

    def test_save_updates_and_clears_values(self):
        services.monthly_save(jurisdiction=self.community, month=MONTH, values={self.calls: 12}, actor=self.staff)
        r = services.monthly_save(
            jurisdiction=self.community, month=MONTH, values={self.calls: None, self.cases: 4}, actor=self.staff
        )
        self.assertEqual({v.figure_id: int(v.value) for v in r.values.all()}, {self.cases.pk: 4})
        self.assertEqual(AuditEntry.objects.for_object(r).count(), 2)

    def test_bad_values_name_the_figure_and_save_nothing(self):
        for raw in (-1, "3.5", "abc", 10**13):
            with self.subTest(raw=raw):
                with self.assertRaisesMessage(ValidationError, "“调处纠纷”应填写不小于0的整数"):
                    services.monthly_save(
                        jurisdiction=self.community,
                        month=MONTH,
                        values={self.calls: 5, self.cases: raw},
                        actor=self.staff,
                    )
                self.assertFalse(MonthlyReturn.objects.filter(jurisdiction=self.community).exists())

    def test_every_bad_value_is_reported(self):
        with self.assertRaises(ValidationError) as caught:
            services.monthly_save(
                jurisdiction=self.community, month=MONTH, values={self.calls: -2, self.cases: "x"}, actor=self.staff
            )
        self.assertEqual(len(caught.exception.messages), 2)

    def test_staff_of_another_community_cannot_fill(self):
        with self.assertRaises(PermissionDenied):
            services.monthly_save(
                jurisdiction=self.community, month=MONTH, values={self.calls: 1}, actor=self.sibling_staff
            )

    def test_a_future_month_cannot_be_filled(self):
        with self.assertRaisesMessage(ValidationError, "不能提前填报"):
            services.monthly_save(
                jurisdiction=self.community, month=date(2999, 1, 1), values={self.calls: 1}, actor=self.staff
            )


class MonthlyStateMachineTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyWorld.build(cls)

    def _submitted(self, jurisdiction=None, actor=None):
        r = services.monthly_save(
            jurisdiction=jurisdiction or self.community,
            month=MONTH,
            values={self.calls: 3, self.cases: 1},
            actor=actor or self.staff,
        )
        return services.monthly_submit(monthly_return=r, actor=actor or self.staff)

    def _status(self, r):
        r.refresh_from_db()
        return r.status

    def test_submit_needs_every_active_figure(self):
        r = services.monthly_save(jurisdiction=self.community, month=MONTH, values={self.calls: 3}, actor=self.staff)
        with self.assertRaisesMessage(ValidationError, "还有1项指标未填写：调处纠纷"):
            services.monthly_submit(monthly_return=r, actor=self.staff)
        self.assertEqual(self._status(r), ReturnStatus.DRAFT)

    def test_full_path_submit_approve_reopen(self):
        r = self._submitted()
        self.assertEqual(r.status, ReturnStatus.SUBMITTED)
        self.assertEqual(r.submitted_by, self.staff)
        services.monthly_approve(monthly_return=r, actor=self.leader)
        self.assertEqual(self._status(r), ReturnStatus.APPROVED)
        self.assertTrue(month_is_locked(jurisdiction=self.community, day=date(2024, 3, 20)))
        services.monthly_reopen(monthly_return=r, reason="热线数字有误", actor=self.leader)
        r.refresh_from_db()
        self.assertEqual((r.status, r.reopen_reason), (ReturnStatus.DRAFT, "热线数字有误"))
        self.assertFalse(month_is_locked(jurisdiction=self.community, day=date(2024, 3, 20)))
        notes = list(AuditEntry.objects.for_object(r).order_by("pk").values_list("note", flat=True))
        self.assertEqual(notes, ["填报数据", "上报", "审核通过", "重新开放：热线数字有误"])

    def test_returned_then_corrected_and_resubmitted(self):
        r = self._submitted()
        services.monthly_send_back(monthly_return=r, reason="调处纠纷漏报", actor=self.leader)
        r.refresh_from_db()
        self.assertEqual((r.status, r.return_reason), (ReturnStatus.RETURNED, "调处纠纷漏报"))
        services.monthly_save(jurisdiction=self.community, month=MONTH, values={self.cases: 2}, actor=self.staff)
        services.monthly_submit(monthly_return=r, actor=self.staff)
        self.assertEqual(self._status(r), ReturnStatus.SUBMITTED)

    def test_double_submit_says_so_and_changes_nothing(self):
        r = self._submitted()
        entries = AuditEntry.objects.count()
        with self.assertRaisesMessage(ValidationError, "无需重复上报"):
            services.monthly_submit(monthly_return=r, actor=self.staff)
        self.assertEqual(self._status(r), ReturnStatus.SUBMITTED)
        self.assertEqual(AuditEntry.objects.count(), entries)

    def test_approving_a_return_that_is_not_submitted(self):
        r = services.monthly_save(jurisdiction=self.community, month=MONTH, values={self.calls: 3}, actor=self.staff)
        with self.assertRaisesMessage(ValidationError, "只能审核“已上报”的月报"):
            services.monthly_approve(monthly_return=r, actor=self.leader)
        self.assertEqual(self._status(r), ReturnStatus.DRAFT)

    def test_who_may_not_review(self):
        r = self._submitted()
        cases = {
            "staff": self.staff,
            "leader of the same community": self.community_leader,
            "staff of a sibling": self.sibling_staff,
        }
        for label, actor in cases.items():
            for step, kwargs in (
                (services.monthly_approve, {}),
                (services.monthly_send_back, {"reason": "x"}),
            ):
                with self.subTest(actor=label, step=step.__name__), self.assertRaises(PermissionDenied):
                    step(monthly_return=r, actor=actor, **kwargs)
        self.assertEqual(self._status(r), ReturnStatus.SUBMITTED)

    def test_a_leader_cannot_approve_their_own_jurisdictions_return(self):
        r = self._submitted(jurisdiction=self.street, actor=self.leader)
        with self.assertRaisesMessage(PermissionDenied, "本级人员不能审核本级月报"):
            services.monthly_approve(monthly_return=r, actor=self.leader)
        services.monthly_approve(monthly_return=r, actor=self.admin)
        self.assertEqual(self._status(r), ReturnStatus.APPROVED)

    def test_reasons_are_required(self):
        r = self._submitted()
        for reason in ("", "   ", None):
            with self.subTest(reason=reason), self.assertRaisesMessage(ValidationError, "请填写退回理由"):
                services.monthly_send_back(monthly_return=r, reason=reason, actor=self.leader)
        self.assertEqual(self._status(r), ReturnStatus.SUBMITTED)
        services.monthly_approve(monthly_return=r, actor=self.leader)
        with self.assertRaisesMessage(ValidationError, "请填写重新开放理由"):
            services.monthly_reopen(monthly_return=r, reason="", actor=self.leader)
        self.assertEqual(self._status(r), ReturnStatus.APPROVED)

    def test_staff_cannot_reopen(self):
        r = self._submitted()
        services.monthly_approve(monthly_return=r, actor=self.leader)
        with self.assertRaises(PermissionDenied):
            services.monthly_reopen(monthly_return=r, reason="想改", actor=self.staff)

    def test_an_approved_or_submitted_grid_cannot_be_edited(self):
        r = self._submitted()
        with self.assertRaisesMessage(ValidationError, "已上报，不能再修改"):
            services.monthly_save(jurisdiction=self.community, month=MONTH, values={self.calls: 9}, actor=self.staff)
        services.monthly_approve(monthly_return=r, actor=self.leader)
        with self.assertRaisesMessage(ValidationError, "已审核，不能再修改"):
            services.monthly_save(jurisdiction=self.community, month=MONTH, values={self.calls: 9}, actor=self.staff)
        self.assertEqual(int(r.values.get(figure=self.calls).value), 3)

    def test_reopening_a_return_that_is_not_approved(self):
        r = self._submitted()
        with self.assertRaisesMessage(ValidationError, "只能重新开放“已审核”的月报"):
            services.monthly_reopen(monthly_return=r, reason="x", actor=self.leader)


class MonthLockTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyWorld.build(cls)
        cls.category = ActivityCategory.objects.order_by("pk").first()

    def _save(self, activity, actor=None):
        with transaction.atomic():
            return save_scoped(obj=activity, actor=actor or self.staff, fields=("title", "date"))

    def test_a_locked_month_refuses_activity_writes_until_reopened(self):
        make_return(self.community, MONTH, status=ReturnStatus.SUBMITTED, values={self.calls: 1, self.cases: 1})
        r = MonthlyReturn.objects.get(jurisdiction=self.community)
        services.monthly_approve(monthly_return=r, actor=self.leader)
        activity = Activity(jurisdiction=self.community, date=date(2024, 3, 8), category=self.category, title="宣讲")
        with self.assertRaisesMessage(ValidationError, "2024年3月的月报已审核锁定"):
            self._save(activity)
        self.assertFalse(Activity.objects.exists())
        # Another community's month is not locked by this one.
        self._save(
            Activity(jurisdiction=self.sibling, date=date(2024, 3, 8), category=self.category, title="联谊"),
            self.sibling_staff,
        )
        services.monthly_reopen(monthly_return=r, reason="补录活动", actor=self.leader)
        self._save(activity)
        self.assertTrue(Activity.objects.filter(jurisdiction=self.community).exists())

    def test_a_submitted_month_is_not_locked(self):
        make_return(self.community, MONTH, status=ReturnStatus.SUBMITTED)
        self.assertFalse(month_is_locked(jurisdiction=self.community, day=MONTH))

    def test_a_communitys_approved_return_locks_the_cells_and_units_below_it_that_file_none(self):
        grid = make_jurisdiction("一号网格", JurisdictionLevel.GRID, self.community)
        school = make_jurisdiction("甲社区小学", JurisdictionLevel.UNIT, self.community)
        school_grid = make_jurisdiction("小学网格", JurisdictionLevel.GRID, school)
        filing_grid = make_jurisdiction("自报网格", JurisdictionLevel.GRID, self.community)
        sibling_grid = make_jurisdiction("乙社区网格", JurisdictionLevel.GRID, self.sibling)
        make_return(self.community, MONTH, status=ReturnStatus.APPROVED)
        make_return(filing_grid, MONTH, status=ReturnStatus.DRAFT)
        day = date(2024, 3, 9)
        for place, locked in [
            (self.community, True),
            (grid, True),
            (school, True),
            (school_grid, True),
            (filing_grid, False),
            (self.sibling, False),
            (sibling_grid, False),
        ]:
            with self.subTest(place=place.name), self.assertNumQueries(1):
                self.assertEqual(month_is_locked(jurisdiction=place, day=day), locked)
        self.assertFalse(month_is_locked(jurisdiction=grid, day=date(2024, 4, 9)))

    def test_a_grid_cells_own_approved_return_locks_it_under_an_open_community(self):
        grid = make_jurisdiction("一号网格", JurisdictionLevel.GRID, self.community)
        make_return(self.community, MONTH, status=ReturnStatus.DRAFT)
        make_return(grid, MONTH, status=ReturnStatus.APPROVED)
        self.assertTrue(month_is_locked(jurisdiction=grid, day=MONTH))
        self.assertFalse(month_is_locked(jurisdiction=self.community, day=MONTH))

    def test_a_streets_approved_return_does_not_lock_its_communities(self):
        # A community files its own return; not having filed one yet must not freeze its records.
        make_return(self.street, MONTH, status=ReturnStatus.APPROVED)
        self.assertTrue(month_is_locked(jurisdiction=self.street, day=MONTH))
        self.assertFalse(month_is_locked(jurisdiction=self.community, day=MONTH))

    def test_a_grid_cells_activity_is_refused_in_its_communitys_approved_month(self):
        grid = make_jurisdiction("一号网格", JurisdictionLevel.GRID, self.community)
        make_return(self.community, MONTH, status=ReturnStatus.APPROVED)
        activity = Activity(jurisdiction=grid, date=date(2024, 3, 8), category=self.category, title="网格宣讲")
        with self.assertRaisesMessage(ValidationError, "2024年3月的月报已审核锁定"):
            self._save(activity)
        self.assertFalse(Activity.objects.exists())


class FigureDeleteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyWorld.build(cls)

    def test_an_unused_figure_is_deleted_with_an_audit_row(self):
        figure = make_figure("临时指标")
        pk = figure.pk
        services.figure_delete(figure=figure, actor=self.admin)
        self.assertFalse(MonthlyFigure.objects.filter(pk=pk).exists())
        entry = AuditEntry.objects.get(content_type__model="monthlyfigure", object_id=str(pk))
        self.assertEqual((entry.action, entry.user), (AuditAction.DELETE, self.admin))

    def test_a_figure_with_values_is_kept(self):
        make_return(self.community, MONTH, values={self.calls: 1})
        with self.assertRaisesMessage(ValidationError, "已有填报数据，不能删除"):
            services.figure_delete(figure=self.calls, actor=self.admin)
        self.assertTrue(MonthlyFigure.objects.filter(pk=self.calls.pk).exists())

    def test_only_administrators_delete_figures(self):
        figure = make_figure("临时指标")
        with self.assertRaises(PermissionDenied):
            services.figure_delete(figure=figure, actor=self.leader)
        self.assertTrue(MonthlyFigure.objects.filter(pk=figure.pk).exists())
