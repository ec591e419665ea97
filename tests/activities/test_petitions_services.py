"""Tests of activities/services/petitions.py: the lifecycle, its statutory rules, scope and the month lock."""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase

from activities.choices import PETITION_TRANSITIONS, PetitionKind, PetitionOutcome, ReturnStatus
from activities.choices import PetitionStatus as S
from activities.models import MonthlyReturn, Petition, PetitionStatusChange
from activities.services.petitions import (
    petition_delete,
    petition_lookup_by_id_number,
    petition_register,
    petition_reveal,
    petition_transition,
    petition_update,
)
from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import AuditEntry
from tests.activities.factories_petitions import ID_DIGIT, ID_OTHER, ID_WITH_X, make_petition, petition_data
from tests.factories import make_jurisdiction, make_member

D = date(2024, 3, 4)


def day(n):
    return D + timedelta(days=n)


class PetitionWorld(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("碧海街道", JurisdictionLevel.STREET, code="520115001000")
        cls.community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001001")
        cls.sibling = make_jurisdiction("金华社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001002")
        cls.staff = make_member(cls.community, Role.STAFF, "pet-staff")
        cls.leader = make_member(cls.street, Role.LEADER, "pet-leader")
        cls.sibling_staff = make_member(cls.sibling, Role.STAFF, "pet-sibling")

    def register(self, **overrides):
        return petition_register(data=petition_data(self.community, **overrides), actor=self.staff)

    def move(self, petition, to_status, on, **fields):
        return petition_transition(petition=petition, to_status=to_status, on_date=on, actor=self.staff, **fields)


class PetitionRegisterTests(PetitionWorld):
    def test_register_writes_the_case_its_first_step_and_an_audit_row(self):
        petition = self.register()
        self.assertEqual(petition.status, S.REGISTERED)
        self.assertEqual(petition.due_on, day(15))
        self.assertEqual(petition.created_by, self.staff)
        step = petition.status_changes.get()
        self.assertEqual((step.from_status, step.to_status, step.changed_on), ("", S.REGISTERED, D))
        entry = AuditEntry.objects.for_object(petition).get()
        self.assertEqual(entry.action, AuditAction.CREATE)
        self.assertEqual(entry.jurisdiction, self.community)

    def test_audit_row_keeps_only_masked_personal_data(self):
        petition = self.register()
        entry = AuditEntry.objects.for_object(petition).get()
        text = str(entry.changes)
        self.assertNotIn(ID_WITH_X, text)
        self.assertNotIn("13812345678", text)
        self.assertIn("5201**********123X", text)
        self.assertIn("138****5678", text)

    def test_id_number_is_normalised_to_upper_case(self):
        petition = self.register(petitioner_id_number=" " + ID_WITH_X.lower() + " ")
        self.assertEqual(petition.petitioner_id_number, ID_WITH_X)

    def test_bad_id_number_is_refused_with_nothing_written(self):
        with self.assertRaises(ValidationError) as ctx:
            self.register(petitioner_id_number=ID_WITH_X[:-1] + "1")
        self.assertIn("校验位", str(ctx.exception.message_dict["petitioner_id_number"]))
        self.assertFalse(Petition.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_group_case_needs_two_persons_and_future_date_is_refused(self):
        with self.assertRaises(ValidationError) as ctx:
            self.register(is_group=True, persons=1, received_on=date.today() + timedelta(days=3))
        self.assertIn("persons", ctx.exception.message_dict)
        self.assertIn("received_on", ctx.exception.message_dict)

    def test_agreement_reached_needs_its_content(self):
        with self.assertRaisesMessage(ValidationError, "请填写调解协议内容"):
            self.register(kind=PetitionKind.DISPUTE, agreement_reached=True)

    def test_out_of_scope_jurisdiction_is_refused_with_nothing_written(self):
        with self.assertRaises(PermissionDenied):
            petition_register(data=petition_data(self.sibling), actor=self.staff)
        self.assertFalse(Petition.objects.exists())
        self.assertFalse(PetitionStatusChange.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())


class PetitionUpdateTests(PetitionWorld):
    def test_update_changes_details_and_audits_masked(self):
        petition = self.register()
        petition_update(
            petition=petition, data={"summary": "电梯已停用两月", "petitioner_id_number": ID_DIGIT}, actor=self.staff
        )
        petition.refresh_from_db()
        self.assertEqual(petition.summary, "电梯已停用两月")
        self.assertEqual(petition.petitioner_id_number, ID_DIGIT)
        entry = AuditEntry.objects.for_object(petition).filter(action=AuditAction.CHANGE).get()
        self.assertEqual(entry.changes["summary"][1], "电梯已停用两月")
        self.assertEqual(entry.changes["petitioner_id_number_masked"], ["5201**********123X", "5201**********1235"])
        self.assertNotIn(ID_DIGIT, str(entry.changes))
        self.assertEqual(entry.note, "身份证号码已更正")

    def test_update_refuses_status_fields(self):
        petition = self.register()
        with self.assertRaises(ValueError):
            petition_update(petition=petition, data={"status": S.CLOSED}, actor=self.staff)

    def test_moving_into_another_subtree_rolls_back(self):
        petition = self.register()
        with self.assertRaises(PermissionDenied):
            petition_update(petition=petition, data={"jurisdiction": self.sibling}, actor=self.staff)
        petition.refresh_from_db()
        self.assertEqual(petition.jurisdiction, self.community)
        self.assertEqual(AuditEntry.objects.filter(action=AuditAction.CHANGE).count(), 0)

    def test_staff_of_another_subtree_cannot_update_or_move_or_delete(self):
        petition = self.register()
        with self.assertRaises(PermissionDenied):
            petition_update(petition=petition, data={"summary": "x"}, actor=self.sibling_staff)
        with self.assertRaises(PermissionDenied):
            petition_transition(petition=petition, to_status=S.ACCEPTED, on_date=day(1), actor=self.sibling_staff)
        with self.assertRaises(PermissionDenied):
            petition_delete(petition=petition, actor=self.sibling_staff)
        petition.refresh_from_db()
        self.assertEqual((petition.summary, petition.status), (petition_data(self.community)["summary"], S.REGISTERED))
        self.assertEqual(petition.status_changes.count(), 1)
        self.assertEqual(AuditEntry.objects.count(), 1)

    def test_delete_removes_the_case_and_history_and_audits(self):
        petition = self.register()
        pk = petition.pk
        petition_delete(petition=petition, actor=self.staff)
        self.assertFalse(Petition.objects.filter(pk=pk).exists())
        self.assertFalse(PetitionStatusChange.objects.filter(petition_id=pk).exists())
        self.assertTrue(AuditEntry.objects.filter(object_id=str(pk), action=AuditAction.DELETE).exists())

    def test_the_delete_row_keeps_the_case_with_personal_numbers_masked(self):
        petition = self.register()
        pk = petition.pk
        petition_delete(petition=petition, actor=self.staff)
        entry = AuditEntry.objects.get(object_id=str(pk), action=AuditAction.DELETE)
        self.assertEqual(entry.changes["summary"], [petition.summary, None])
        self.assertEqual(entry.changes["jurisdiction"], [str(self.community), None])
        self.assertEqual(entry.changes["status"], [S.REGISTERED, None])
        self.assertEqual(entry.changes["petitioner_id_number_masked"], ["5201**********123X", None])
        self.assertNotIn(ID_WITH_X, str(entry.changes))
        self.assertNotIn(petition.petitioner_phone, str(entry.changes))


class PetitionLifecycleTests(PetitionWorld):
    def test_every_legal_transition(self):
        extra = {
            S.REJECTED: {"rejection_reason": "不属于受理范围"},
            S.HANDLING: {"assigned_department": "住建局"},
            S.EXTENDED: {"extension_days": 20, "extension_reason": "需多部门会商"},
            S.CLOSED: {"outcome": PetitionOutcome.RESOLVED, "outcome_text": "已修复"},
            S.RECHECK: {"review_replied_on": day(60)},
        }
        # A start status and dates from which each of its allowed moves is legal.
        starts = {
            S.REGISTERED: {},
            S.ACCEPTED: {"decided_on": day(2)},
            S.HANDLING: {"decided_on": day(2), "assigned_department": "住建局"},
            S.EXTENDED: {"decided_on": day(2), "extension_days": 10, "extension_reason": "复杂"},
            S.CLOSED: {"closed_on": day(40)},
            S.REVIEW: {"closed_on": day(40), "review_requested_on": day(50)},
            S.RECHECK: {"closed_on": day(40), "review_requested_on": day(50), "review_replied_on": day(55)},
        }
        count = 0
        for from_status, targets in PETITION_TRANSITIONS.items():
            for to_status in targets:
                with self.subTest(from_status=from_status, to_status=to_status):
                    petition = make_petition(self.community, status=from_status, **starts[from_status])
                    on = day(61) if from_status in (S.REVIEW, S.RECHECK) else day(45)
                    if from_status == S.REGISTERED or to_status == S.EXTENDED:
                        on = day(10)
                    petition = self.move(petition, to_status, on, **extra.get(to_status, {}))
                    petition.refresh_from_db()
                    self.assertEqual(petition.status, to_status)
                    step = petition.status_changes.latest("pk")
                    self.assertEqual((step.from_status, step.to_status, step.changed_on), (from_status, to_status, on))
                    self.assertEqual(step.changed_by, self.staff)
                    audit = AuditEntry.objects.for_object(petition).get()
                    self.assertEqual(audit.changes["status"], [from_status, to_status])
                    count += 1
        self.assertEqual(count, sum(len(t) for t in PETITION_TRANSITIONS.values()))

    def test_illegal_transitions_name_both_statuses(self):
        cases = [
            (S.REGISTERED, S.CLOSED, "处于“登记”状态的事项不能转为“办结”"),
            (S.REGISTERED, S.HANDLING, "处于“登记”状态的事项不能转为“办理中”"),
            (S.REJECTED, S.ACCEPTED, "处于“不予受理”状态的事项不能转为“受理”；可转为：无（已终结）"),
            (S.EXTENDED, S.EXTENDED, "处于“延期”状态的事项不能转为“延期”"),
            (S.CLOSED, S.RECHECK, "处于“办结”状态的事项不能转为“复核”；可转为：复查"),
            (S.HANDLING, S.REGISTERED, "处于“办理中”状态的事项不能转为“登记”"),
        ]
        for from_status, to_status, message in cases:
            with self.subTest(from_status=from_status, to_status=to_status):
                petition = make_petition(self.community, status=from_status)
                with self.assertRaisesMessage(ValidationError, message):
                    self.move(petition, to_status, day(5), extension_days=5, extension_reason="x")
                petition.refresh_from_db()
                self.assertEqual(petition.status, from_status)
        self.assertFalse(AuditEntry.objects.exists())
        self.assertFalse(PetitionStatusChange.objects.exclude(to_status=S.REGISTERED).exists())

    def test_full_life_with_review_and_recheck(self):
        petition = self.register()
        self.move(petition, S.ACCEPTED, day(3), assigned_department="住建局")
        self.move(petition, S.HANDLING, day(5))
        petition = self.move(petition, S.EXTENDED, day(60), extension_days=30, extension_reason="需第三方鉴定")
        self.assertEqual(petition.due_on, day(3 + 60 + 30))
        petition = self.move(petition, S.CLOSED, day(80), outcome=PetitionOutcome.REPLIED, outcome_text="出具意见书")
        self.assertIsNone(petition.due_on)
        petition = self.move(petition, S.REVIEW, day(110))
        self.assertEqual(petition.due_on, day(140))
        petition = self.move(petition, S.RECHECK, day(135), review_replied_on=day(120))
        self.assertEqual(petition.due_on, day(165))
        petition = self.move(petition, S.CLOSED, day(150), outcome=PetitionOutcome.RESOLVED, outcome_text="复核维持")
        self.assertEqual(
            list(petition.status_changes.values_list("to_status", flat=True)),
            [S.REGISTERED, S.ACCEPTED, S.HANDLING, S.EXTENDED, S.CLOSED, S.REVIEW, S.RECHECK, S.CLOSED],
        )
        self.assertEqual(AuditEntry.objects.for_object(petition).count(), 8)
        # After a recheck the matter is final (第三十六条).
        with self.assertRaisesMessage(ValidationError, "不再受理复查请求"):
            self.move(petition, S.REVIEW, day(155))

    def test_closing_a_review_answers_it(self):
        petition = make_petition(self.community, status=S.REVIEW, closed_on=day(40), review_requested_on=day(50))
        petition = self.move(petition, S.CLOSED, day(70), outcome=PetitionOutcome.REPLIED, outcome_text="维持原意见")
        self.assertEqual((petition.closed_on, petition.review_replied_on), (day(70), day(70)))
        with self.assertRaisesMessage(ValidationError, "不能再次申请复查"):
            self.move(petition, S.REVIEW, day(75))

    def test_rejection_needs_a_reason(self):
        petition = self.register()
        with self.assertRaisesMessage(ValidationError, "不予受理须写明理由"):
            self.move(petition, S.REJECTED, day(2))
        petition = self.move(petition, S.REJECTED, day(2), rejection_reason="属于诉讼程序处理的事项")
        self.assertEqual((petition.decided_on, petition.due_on), (day(2), None))

    def test_handling_needs_a_department(self):
        petition = make_petition(self.community, status=S.ACCEPTED, decided_on=day(1))
        with self.assertRaisesMessage(ValidationError, "转入办理须填写承办部门"):
            self.move(petition, S.HANDLING, day(2))

    def test_extension_rules(self):
        petition = make_petition(self.community, status=S.HANDLING, decided_on=day(1))
        with self.assertRaises(ValidationError) as ctx:
            self.move(petition, S.EXTENDED, day(20), extension_days=31)
        self.assertIn("extension_days", ctx.exception.message_dict)
        self.assertIn("extension_reason", ctx.exception.message_dict)
        with self.assertRaisesMessage(ValidationError, "届满后不能再延期"):
            self.move(petition, S.EXTENDED, day(62), extension_days=10, extension_reason="复杂")
        # Once only: a case already extended (e.g. extended, then its status was recorded wrongly) is refused.
        again = make_petition(self.community, status=S.ACCEPTED, decided_on=day(1), extension_days=10)
        with self.assertRaisesMessage(ValidationError, "只能延长一次"):
            self.move(again, S.EXTENDED, day(20), extension_days=5, extension_reason="复杂")

    def test_close_needs_outcome_text_and_a_date_after_acceptance(self):
        petition = make_petition(self.community, status=S.HANDLING, decided_on=day(10))
        with self.assertRaises(ValidationError) as ctx:
            self.move(petition, S.CLOSED, day(12), outcome="other")
        self.assertEqual(set(ctx.exception.message_dict), {"outcome", "outcome_text"})
        with self.assertRaisesMessage(ValidationError, "不能早于登记日期"):
            self.move(petition, S.CLOSED, day(-1), outcome=PetitionOutcome.RESOLVED, outcome_text="x")
        with self.assertRaisesMessage(ValidationError, "办结日期不能早于受理日期"):
            self.move(petition, S.CLOSED, day(5), outcome=PetitionOutcome.RESOLVED, outcome_text="x")

    def test_dates_cannot_go_back_or_ahead(self):
        petition = self.register()
        self.move(petition, S.ACCEPTED, day(5))
        with self.assertRaisesMessage(ValidationError, "不能早于上一办理环节的日期"):
            self.move(petition, S.HANDLING, day(4), assigned_department="住建局")
        with self.assertRaisesMessage(ValidationError, "晚于今天"):
            self.move(petition, S.HANDLING, date.today() + timedelta(days=1), assigned_department="住建局")

    def test_review_within_30_days_of_the_reply(self):
        petition = make_petition(self.community, status=S.CLOSED, closed_on=day(40))
        with self.assertRaisesMessage(ValidationError, "信访工作条例第三十五条"):
            self.move(petition, S.REVIEW, day(71))
        petition = self.move(petition, S.REVIEW, day(70))
        self.assertEqual(petition.review_requested_on, day(70))

    def test_recheck_within_30_days_of_the_review_opinion(self):
        petition = make_petition(self.community, status=S.REVIEW, closed_on=day(40), review_requested_on=day(50))
        with self.assertRaisesMessage(ValidationError, "信访工作条例第三十六条"):
            self.move(petition, S.RECHECK, day(91), review_replied_on=day(60))
        with self.assertRaisesMessage(ValidationError, "复查意见答复日期不能早于申请复查日期"):
            self.move(petition, S.RECHECK, day(60), review_replied_on=day(45))
        with self.assertRaisesMessage(ValidationError, "请填写复查意见的书面答复日期"):
            self.move(petition, S.RECHECK, day(60))
        petition = self.move(petition, S.RECHECK, day(90), review_replied_on=day(60))
        self.assertEqual((petition.review_replied_on, petition.recheck_requested_on), (day(60), day(90)))

    def test_blank_extra_fields_do_not_erase_recorded_values(self):
        petition = make_petition(
            self.community,
            status=S.HANDLING,
            kind=PetitionKind.DISPUTE,
            mediator="李调解",
            assigned_department="司法所",
        )
        petition = self.move(
            petition, S.CLOSED, day(20), outcome=PetitionOutcome.RESOLVED, outcome_text="达成协议", mediator=""
        )
        self.assertEqual(petition.mediator, "李调解")


class PetitionMonthLockTests(PetitionWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        MonthlyReturn.objects.create(jurisdiction=cls.community, month=date(2024, 3, 1), status=ReturnStatus.APPROVED)

    def test_register_update_delete_in_an_approved_month_are_refused(self):
        with self.assertRaisesMessage(ValidationError, "2024年3月的月报已审核锁定"):
            self.register()
        april = self.register(received_on=date(2024, 4, 2))
        with self.assertRaisesMessage(ValidationError, "已审核锁定"):
            petition_update(petition=april, data={"received_on": date(2024, 3, 30)}, actor=self.staff)
        locked = make_petition(self.community)
        with self.assertRaisesMessage(ValidationError, "已审核锁定"):
            petition_update(petition=locked, data={"summary": "改"}, actor=self.staff)
        with self.assertRaisesMessage(ValidationError, "已审核锁定"):
            petition_delete(petition=locked, actor=self.staff)
        self.assertTrue(Petition.objects.filter(pk=locked.pk).exists())
        self.assertEqual(Petition.objects.count(), 2)

    def test_a_step_dated_in_an_approved_month_is_refused_a_later_one_is_not(self):
        petition = make_petition(self.community)
        with self.assertRaisesMessage(ValidationError, "已审核锁定"):
            self.move(petition, S.ACCEPTED, date(2024, 3, 10))
        petition = self.move(petition, S.ACCEPTED, date(2024, 4, 1))
        self.assertEqual(petition.status, S.ACCEPTED)


class PetitionRevealTests(PetitionWorld):
    def test_leader_reveals_and_it_is_logged(self):
        petition = make_petition(self.community)
        values = petition_reveal(petition=petition, actor=self.leader)
        self.assertEqual(values["petitioner_id_number"], ID_WITH_X)
        entry = AuditEntry.objects.for_object(petition).get()
        self.assertEqual(
            (entry.action, entry.user, entry.jurisdiction), (AuditAction.REVEAL, self.leader, self.community)
        )

    def test_staff_may_not_reveal(self):
        petition = make_petition(self.community)
        with self.assertRaises(PermissionDenied):
            petition_reveal(petition=petition, actor=self.staff)
        self.assertFalse(AuditEntry.objects.exists())

    def test_lookup_by_id_number_within_scope_logs_each_found(self):
        mine = make_petition(self.community, petitioner_id_number=ID_OTHER)
        make_petition(self.community, petitioner_id_number=ID_DIGIT)
        elsewhere = make_jurisdiction("外区社区")
        make_petition(elsewhere, petitioner_id_number=ID_OTHER)
        found = petition_lookup_by_id_number(id_number=ID_OTHER.lower(), actor=self.leader)
        self.assertEqual(found, [mine])
        self.assertEqual(list(AuditEntry.objects.values_list("object_id", "action")), [(str(mine.pk), "reveal")])
        with self.assertRaises(PermissionDenied):
            petition_lookup_by_id_number(id_number=ID_OTHER, actor=self.staff)
