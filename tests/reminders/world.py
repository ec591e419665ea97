"""A small district for the reminder tests: 碧海社区 and its sibling 金源社区 under one street, with their people."""

from datetime import date, datetime

from django.db import models
from django.utils import timezone

from activities.choices import ReturnStatus
from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import AuditEntry
from communities.services import audit_record, import_refusal_record
from tests.activities.factories_petitions import ID_WITH_X, make_petition
from tests.activities.factories_plans import make_indicator, make_plan, make_responsibility, make_return
from tests.factories import make_jurisdiction, make_member

PETITIONER = "张三丰"  # the factories' petitioner: must never appear in a reminder
PHONE = "13812345678"


class World:
    def __init__(self):
        self.district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
        self.street = make_jurisdiction("金华园街道", JurisdictionLevel.STREET, self.district, code="520115001000")
        self.bihai = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, self.street, code="520115001001")
        self.jinyuan = make_jurisdiction("金源社区", JurisdictionLevel.COMMUNITY, self.street, code="520115001002")
        self.staff = make_member(self.bihai, Role.STAFF, "staff")
        self.staff2 = make_member(self.jinyuan, Role.STAFF, "staff2")
        self.leader = make_member(self.district, Role.LEADER, "leader")
        self.admin = make_member(self.district, Role.ADMIN, "admin")
        for user, email in (
            (self.staff, "staff@example.cn"),
            (self.staff2, "staff2@example.cn"),
            (self.leader, "leader@example.cn"),
            (self.admin, "admin@example.cn"),
        ):
            user.email = email
            user.save(update_fields=["email"])

    def everything_in_bihai(self):
        """One record of every reminder kind in 碧海社区 (the return for November 2026 is simply missing)."""
        self.returned = make_return(
            self.bihai,
            date(2026, 10, 1),
            status=ReturnStatus.RETURNED,
            submitted_by=self.staff,
            reviewed_at=timezone.make_aware(datetime(2026, 11, 28, 10, 0)),
            return_reason="服务窗口人次与上月差异过大，请核实",
        )
        self.submitted = make_return(
            self.bihai, date(2026, 9, 1), status=ReturnStatus.SUBMITTED, submitted_by=self.staff
        )
        self.petition = make_petition(
            self.bihai,
            received_on=date(2026, 11, 20),
            summary=f"{PETITIONER}反映电梯故障",
            petitioner_id_number=ID_WITH_X,
        )
        self.late_petition = make_petition(self.bihai, received_on=date(2026, 11, 16), summary="逾期未受理")
        plan = make_plan(self.bihai, title="碧海社区创建方案")
        indicator = make_indicator(plan, code="A1", points=5)
        self.responsibility = make_responsibility(indicator, deadline=date(2026, 12, 6), responsible_person="")
        self.overdue_responsibility = make_responsibility(indicator, deadline=date(2026, 11, 30))
        self.lockout = audit_record(
            actor=None,
            action=AuditAction.LOCKOUT,
            obj=self.staff,
            jurisdiction=self.bihai,
            changes={"username": [None, "staff"]},
            note="登录失败次数过多",
        )
        # The lock happened on the day the tests look at (the trail refuses updates; only a test moves its clock).
        models.QuerySet.update(
            AuditEntry.objects.filter(pk=self.lockout.pk), created_at=timezone.make_aware(datetime(2026, 12, 2, 9))
        )
        self.import_refused = import_refusal_record(
            actor=self.admin, filename="碧海社区人口.xlsx", errors=2, what="人口导入", jurisdiction=self.bihai
        )
        models.QuerySet.update(
            AuditEntry.objects.filter(pk=self.import_refused.pk),
            created_at=timezone.make_aware(datetime(2026, 12, 2, 10)),
        )
        return self
