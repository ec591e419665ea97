"""Data the work-report tests share: seed 003's 碧海社区, and a street with a full plan and a year of records."""

from datetime import date, timedelta
from decimal import Decimal

from django.test import TestCase

from activities import choices
from activities.models import (
    Activity,
    ActivityCategory,
    CreationPlan,
    Indicator,
    LeadingGroupMember,
    MonthlyFigure,
    MonthlyReturn,
    MonthlyValue,
    Petition,
    PlanBudget,
    PlanMeasure,
    Project,
    Responsibility,
)
from communities.choices import JurisdictionLevel
from demo.demo import BIHAI_MINORITIES
from tests.factories import make_jurisdiction, make_population

TODAY = date(2026, 11, 23)
YEAR = 2026


def approved_return(jurisdiction, month, values):
    """Create an approved monthly return with {figure code: value}."""
    monthly_return = MonthlyReturn.objects.create(
        jurisdiction=jurisdiction, month=month, status=choices.ReturnStatus.APPROVED
    )
    figures = {f.code: f for f in MonthlyFigure.objects.filter(code__in=values)}
    MonthlyValue.objects.bulk_create(
        [MonthlyValue(monthly_return=monthly_return, figure=figures[c], value=Decimal(v)) for c, v in values.items()]
    )
    return monthly_return


def petitions(jurisdiction, *, received, closed, start=date(YEAR, 1, 5), kind=choices.PetitionKind.PETITION, **extra):
    """Create `received` cases, the first `closed` of them closed (resolved), the rest still being handled."""
    rows = []
    for n in range(received):
        day = start + timedelta(days=n % 280)
        is_closed = n < closed
        rows.append(
            Petition(
                jurisdiction=jurisdiction,
                kind=kind,
                received_on=day,
                channel="visit",
                category="other",
                summary="诉求",
                petitioner_name="某某",
                decided_on=day,
                status=choices.PetitionStatus.CLOSED if is_closed else choices.PetitionStatus.HANDLING,
                closed_on=day + timedelta(days=5) if is_closed else None,
                outcome=choices.PetitionOutcome.RESOLVED if is_closed else "",
                **extra,
            )
        )
    Petition.objects.bulk_create(rows)


def bihai_world():
    """Seed 003's 碧海社区: 49613 residents, 13017 households, 19 minority groups of 1353 people, 356/346 cases."""
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    street = make_jurisdiction("金华园街道", JurisdictionLevel.STREET, district, code="520115001000")
    community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, street, code="520115001001")
    assert sum(BIHAI_MINORITIES.values()) == 1353 and len(BIHAI_MINORITIES) == 19
    make_population(
        community,
        YEAR,
        {"汉族": 49613 - 1353, **BIHAI_MINORITIES},
        residents=49613,
        households=13017,
        floating_minority=119,
        hardship_households=5,
        hardship_persons=21,
    )
    petitions(community, received=356, closed=346)
    approved_return(
        community,
        date(YEAR, 6, 1),
        {
            "window_consultations": 32895,
            "window_cases_received": 25462,
            "window_cases_handled": 25452,
            "hotline_calls": 2409,
        },
    )
    return community


def category(name):
    return ActivityCategory.objects.get(name=name)


def street_world():
    """A street office with its own plan, two communities and a year of activities, cases and returns."""
    district = make_jurisdiction("云岩区", JurisdictionLevel.DISTRICT, code="520103000000")
    street = make_jurisdiction(
        "中华街道", JurisdictionLevel.STREET, district, code="520103001000", area_km2=Decimal("3.25")
    )
    east = make_jurisdiction("东风社区", JurisdictionLevel.COMMUNITY, street, code="520103001001")
    west = make_jurisdiction("西湖社区", JurisdictionLevel.COMMUNITY, street, code="520103001002")
    make_population(
        east,
        YEAR,
        {"汉族": 11000, "苗族": 620, "布依族": 310, "侗族": 70},
        residents=12000,
        households=4100,
        floating_minority=40,
        hardship_households=3,
        hardship_persons=11,
    )
    make_population(
        west,
        YEAR,
        {"汉族": 8500, "苗族": 300, "土家族": 150, "回族": 50},
        residents=9000,
        households=3050,
        floating_minority=25,
        hardship_households=2,
        hardship_persons=7,
    )
    plan = CreationPlan.objects.create(
        jurisdiction=street,
        title="中华街道创建民族团结进步示范街道工作方案",
        target_title="民族团结进步示范街道",
        target_level=choices.PlanLevel.CITY,
        start_date=date(2025, 1, 1),
        end_date=date(2027, 12, 31),
        goal="创建民族团结进步示范街道。",
        theme="团结共建邻里亲、同心紧系中华情",
        main_line="铸牢中华民族共同体意识",
        highlights="打造“石榴籽”民族文化宣传阵地。",
        problems="一是辖区各族群众参与度不足。\n二是创建力量分散、合力不强。",
        next_steps="聘请专业老师开展民族工作业务培训。",
    )
    for order, title in enumerate(["党建引领奏响民族团结“主旋律”", "平安建设筑牢民族团结“安全阀”"], start=1):
        PlanMeasure.objects.create(plan=plan, order=order, title=title, description=f"举措{order}的内容")
    LeadingGroupMember.objects.create(
        plan=plan, role=choices.LeadingRole.LEADER, name="张书记", post="街道党工委书记", order=1
    )
    LeadingGroupMember.objects.create(
        plan=plan, role=choices.LeadingRole.DEPUTY, name="李主任", post="办事处主任", order=2
    )
    LeadingGroupMember.objects.create(
        plan=plan, role=choices.LeadingRole.MEMBER, name="王科长", post="社会事务科科长", order=3
    )
    PlanBudget.objects.create(plan=plan, year=YEAR, amount=Decimal("250000"), spent=Decimal("180000"))
    first = Indicator.objects.create(plan=plan, code="1", title="组织领导", points=10, order=1)
    done = Indicator.objects.create(plan=plan, parent=first, code="1.1", title="领导小组健全", points=6, order=2)
    late = Indicator.objects.create(plan=plan, parent=first, code="1.2", title="专题研究部署", points=4, order=3)
    Responsibility.objects.create(
        indicator=done,
        lead_department="党政办",
        status=choices.ResponsibilityStatus.DONE,
        progress=100,
        self_score=Decimal("5.5"),
        deadline=date(YEAR, 6, 30),
    )
    Responsibility.objects.create(
        indicator=late,
        lead_department="社会事务科",
        status=choices.ResponsibilityStatus.IN_PROGRESS,
        deadline=date(YEAR, 3, 31),
    )
    activities = [
        (east, "调度会", date(YEAR, 2, 10), 18, 3, {}),
        (street, "调度会", date(YEAR, 5, 12), 22, 4, {}),
        (
            east,
            "宣传教育",
            date(YEAR, 5, 20),
            260,
            90,
            {"posters": 300, "handbooks": 1200, "promo_items": 450, "light_boxes": 6, "online_posts": 12},
        ),
        (west, "文艺演出", date(YEAR, 9, 28), 410, 150, {"people_reached": 26000}),
        (west, "矛盾排查", date(YEAR, 7, 3), 35, 8, {}),
        (street, "学习考察", date(YEAR, 4, 16), 12, 2, {}),
        (east, "志愿服务", date(YEAR, 8, 8), 40, 9, {}),
        (east, "宣传教育", date(YEAR - 1, 12, 20), 999, 99, {"posters": 77}),
    ]
    for place, name, day, participants, minority, extra in activities:
        Activity.objects.create(
            jurisdiction=place,
            plan=plan,
            category=category(name),
            date=day,
            title=f"{name}活动",
            place=f"{place.name}活动室",
            participants=participants,
            minority_participants=minority,
            **extra,
        )
    petitions(east, received=9, closed=7)
    petitions(west, received=3, closed=3, is_group=True, persons=12)
    petitions(west, received=4, closed=3, kind=choices.PetitionKind.DISPUTE, agreement_reached=True)
    Petition.objects.create(
        jurisdiction=east,
        received_on=date(YEAR, 3, 1),
        channel="letter",
        category="other",
        summary="不属于受理范围",
        petitioner_name="某某",
        decided_on=date(YEAR, 3, 3),
        status=choices.PetitionStatus.REJECTED,
    )
    for place in (east, west):
        approved_return(
            place,
            date(YEAR, 3, 1),
            {"window_consultations": 800, "window_cases_received": 500, "window_cases_handled": 480, "volunteers": 12},
        )
    Project.objects.create(
        jurisdiction=west,
        name="西湖社区就业服务站",
        kind=choices.ProjectKind.EMPLOYMENT,
        total_investment=Decimal("36.50"),
        households_served=80,
        persons_served=260,
        status=choices.ProjectStatus.COMPLETED,
        year=YEAR,
    )
    return street


class ReportWorldTests(TestCase):
    """The builders make what the report tests assume."""

    def test_bihai_world_matches_seed_003(self):
        community = bihai_world()
        self.assertEqual(Petition.objects.filter(jurisdiction=community).count(), 356)
        self.assertEqual(
            Petition.objects.filter(jurisdiction=community, status=choices.PetitionStatus.CLOSED).count(), 346
        )
