"""Builders for plans, indicators, responsibilities, evidence and monthly returns: plain functions."""

import itertools
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile

from activities.choices import LeadingRole, PlanLevel, ResponsibilityStatus, ReturnStatus
from activities.models import (
    Activity,
    ActivityCategory,
    CreationPlan,
    EvidenceFile,
    Indicator,
    LeadingGroupMember,
    MonthlyFigure,
    MonthlyReturn,
    MonthlyValue,
    PlanBudget,
    PlanMeasure,
    Responsibility,
)

_seq = itertools.count(1)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_plan(jurisdiction, title=None, **extra):
    values = {
        "title": title or f"创建方案{next(_seq)}",
        "target_title": "民族团结进步示范社区",
        "target_level": PlanLevel.CITY,
        "start_date": date(2024, 1, 1),
        "end_date": date(2026, 12, 31),
        "goal": "创成市级示范社区",
    }
    values.update(extra)
    return CreationPlan.objects.create(jurisdiction=jurisdiction, **values)


def make_indicator(plan, code=None, title=None, parent=None, points=0, **extra):
    n = next(_seq)
    return Indicator.objects.create(
        plan=plan,
        parent=parent,
        code=code or f"X{n}",
        title=title or f"指标{n}",
        points=Decimal(str(points)),
        order=extra.pop("order", n),
        **extra,
    )


def make_responsibility(indicator, **extra):
    values = {"lead_department": "社区党委", "responsible_person": "张三", "status": ResponsibilityStatus.NOT_STARTED}
    values.update(extra)
    if values["status"] == ResponsibilityStatus.DONE:
        values.setdefault("progress", 100)
    return Responsibility.objects.create(indicator=indicator, **values)


def make_evidence(indicator, title="会议记录", content=PDF_BYTES, name="记录.pdf", responsibility=None):
    evidence = EvidenceFile(indicator=indicator, responsibility=responsibility, title=title)
    evidence.file.save(name, ContentFile(content), save=False)
    evidence.save()
    return evidence


def make_budget(plan, year, amount, spent=0):
    return PlanBudget.objects.create(plan=plan, year=year, amount=Decimal(str(amount)), spent=Decimal(str(spent)))


def make_member_of_group(plan, name, role=LeadingRole.MEMBER, post=""):
    return LeadingGroupMember.objects.create(plan=plan, name=name, role=role, post=post)


def make_measure(plan, title, order=1):
    return PlanMeasure.objects.create(plan=plan, title=title, order=order)


def make_figure(name=None, unit="件", aggregation="sum", **extra):
    n = next(_seq)
    return MonthlyFigure.objects.create(
        code=f"fig_{n}", name=name or f"月报指标{n}", unit=unit, aggregation=aggregation, **extra
    )


def make_return(jurisdiction, month, status=ReturnStatus.DRAFT, values=None, **extra):
    """Create a return for the month of `month` with `values` as {figure: number}."""
    monthly_return = MonthlyReturn.objects.create(
        jurisdiction=jurisdiction, month=month.replace(day=1), status=status, **extra
    )
    MonthlyValue.objects.bulk_create(
        [MonthlyValue(monthly_return=monthly_return, figure=f, value=v) for f, v in (values or {}).items()]
    )
    return monthly_return


def make_activity(jurisdiction, day, title=None, **extra):
    category = ActivityCategory.objects.order_by("pk").first() or ActivityCategory.objects.create(name="宣传教育")
    return Activity.objects.create(
        jurisdiction=jurisdiction, date=day, category=category, title=title or f"活动{next(_seq)}", **extra
    )
