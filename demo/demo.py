"""The demo data set: deterministic, so every run builds the same district and loading it twice changes nothing.

Figures of 碧海社区 are those of seed report 003; the rest are drawn from a seeded random generator.
"""

import random
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from activities.choices import (
    FigureFrequency,
    FundingSource,
    LeadingRole,
    PetitionCategory,
    PetitionChannel,
    PetitionKind,
    PetitionOutcome,
    PetitionStatus,
    PlanLevel,
    ProjectKind,
    ProjectStatus,
    ResponsibilityStatus,
    ReturnStatus,
)
from activities.identity import check_digit
from activities.images import process_photo
from activities.models import (
    Activity,
    ActivityCategory,
    ActivityPhoto,
    CreationPlan,
    Indicator,
    LeadingGroupMember,
    MonthlyFigure,
    MonthlyReturn,
    MonthlyValue,
    Petition,
    PetitionStatusChange,
    PlanBudget,
    PlanMeasure,
    Project,
    ProjectFunding,
    Responsibility,
    YearlyValue,
)
from communities.choices import JurisdictionLevel, PopulationKind, Role
from communities.models import EthnicGroup, GroupCount, Jurisdiction, Membership, PopulationRecord

DEMO_USERS = [
    ("admin", "Demo-admin-2026", "管理员（观山湖区，可进入后台） / administrator"),
    ("leader", "Demo-leader-2026", "领导（观山湖区） / leader of the district"),
    ("staff", "Demo-staff-2026", "工作人员（碧海社区） / staff of 碧海社区"),
    ("staff2", "Demo-staff2-2026", "工作人员（金源社区） / staff of a sibling community"),
]

TREE = [
    ("520000000000", "贵州省", JurisdictionLevel.PROVINCE, None),
    ("520100000000", "贵阳市", JurisdictionLevel.CITY, "520000000000"),
    ("520115000000", "观山湖区", JurisdictionLevel.DISTRICT, "520100000000"),
    ("520115001000", "金华园街道", JurisdictionLevel.STREET, "520115000000"),
    ("520115001001", "碧海社区", JurisdictionLevel.COMMUNITY, "520115001000"),
    ("520115001002", "金源社区", JurisdictionLevel.COMMUNITY, "520115001000"),
    ("520115001003", "金华园社区", JurisdictionLevel.COMMUNITY, "520115001000"),
    ("520115002000", "世纪城街道", JurisdictionLevel.STREET, "520115000000"),
    ("520115002001", "世纪城社区", JurisdictionLevel.COMMUNITY, "520115002000"),
    ("520115002002", "会展城社区", JurisdictionLevel.COMMUNITY, "520115002000"),
    ("520115100000", "朱昌镇", JurisdictionLevel.TOWNSHIP, "520115000000"),
    ("520115100201", "朱昌村", JurisdictionLevel.VILLAGE, "520115100000"),
    ("520115100202", "茶饭村", JurisdictionLevel.VILLAGE, "520115100000"),
]

# 碧海社区 (seed 003): 19 resident minority groups, 1353 people, 2.73% of 49613.
BIHAI_MINORITIES = {
    "土家族": 312,
    "苗族": 296,
    "布依族": 251,
    "侗族": 142,
    "满族": 61,
    "彝族": 58,
    "回族": 52,
    "壮族": 41,
    "水族": 29,
    "仡佬族": 25,
    "白族": 19,
    "蒙古族": 15,
    "瑶族": 13,
    "朝鲜族": 10,
    "藏族": 9,
    "黎族": 8,
    "维吾尔族": 5,
    "哈尼族": 4,
    "纳西族": 3,
}
COMMON_MINORITIES = ["苗族", "布依族", "土家族", "侗族", "彝族", "水族", "仡佬族", "回族", "满族", "白族", "壮族"]

EVENT_TITLES = {
    "调度会": ["民族团结进步创建工作专题调度会", "创建工作推进调度会"],
    "宣传教育": ["民族团结进步宣传月活动", "民族政策法规进社区宣传", "铸牢中华民族共同体意识主题宣传"],
    "文艺演出": ["“石榴籽”民族团结文艺汇演", "多彩贵州民族歌舞展演"],
    "宣讲": ["民族团结进步政策宣讲", "党的民族理论宣讲进小区"],
    "培训": ["民族工作业务培训", "网格员民族政策培训"],
    "联谊": ["各族群众迎新春联谊会", "“民族团结一家亲”邻里节"],
    "走访慰问": ["走访慰问少数民族困难家庭", "节日慰问少数民族老党员"],
    "志愿服务": ["“五员”志愿服务进楼栋", "少数民族流动人口就业服务"],
    "矛盾排查": ["矛盾纠纷集中排查", "涉民族因素矛盾纠纷专项排查"],
    "学习考察": ["赴外地学习民族团结进步创建经验", "示范社区观摩学习"],
}


def _upsert_tree():
    places = {}
    for code, name, level, parent_code in TREE:
        place = Jurisdiction.objects.filter(code=code).first() or Jurisdiction(code=code)
        place.name, place.level = name, level
        place.parent = places.get(parent_code)
        if code == "520115000000":
            place.area_km2 = Decimal("307.88")
        place.save()
        places[code] = place
    school = Jurisdiction.objects.filter(name="观山湖区第一小学", parent=places["520115001000"]).first()
    if school is None:
        school = Jurisdiction(name="观山湖区第一小学", level=JurisdictionLevel.UNIT, parent=places["520115001000"])
        school.save()
    places["school"] = school
    return places


def _upsert_users(places):
    User = get_user_model()
    homes = {"admin": "520115000000", "leader": "520115000000", "staff": "520115001001", "staff2": "520115001002"}
    roles = {"admin": Role.ADMIN, "leader": Role.LEADER, "staff": Role.STAFF, "staff2": Role.STAFF}
    names = {"admin": "系统管理员", "leader": "王局长", "staff": "李干事", "staff2": "张干事"}
    for username, password, _label in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = names[username]
        user.is_staff = user.is_superuser = username == "admin"
        user.set_password(password)
        user.save()
        Membership.objects.update_or_create(
            user=user, jurisdiction=places[homes[username]], defaults={"role": roles[username]}
        )


def _population(places, groups):
    rng = random.Random(3304)
    records = 0
    for year in (2025, 2026):
        for code, _name, level, _parent in TREE:
            if level not in (JurisdictionLevel.COMMUNITY, JurisdictionLevel.VILLAGE):
                continue
            place = places[code]
            if code == "520115001001":
                growth = 0 if year == 2025 else 412
                minorities = dict(BIHAI_MINORITIES)
                residents, households = 49613 + growth, 13017 + growth // 3
                floating, hardship = 119, (5, 21)
            else:
                residents = rng.randint(6000, 28000)
                households = residents // rng.randint(3, 4)
                share = rng.uniform(0.02, 0.09) if level == JurisdictionLevel.COMMUNITY else rng.uniform(0.2, 0.6)
                minority_total = int(residents * share)
                picks = rng.sample(COMMON_MINORITIES, rng.randint(5, 10))
                weights = [rng.random() + (2 if g in ("苗族", "布依族") else 0) for g in picks]
                minorities = {g: int(minority_total * w / sum(weights)) for g, w in zip(picks, weights, strict=True)}
                floating, hardship = rng.randint(10, 150), (rng.randint(0, 8), 0)
                hardship = (hardship[0], hardship[0] * rng.randint(3, 5))
            counts = {"汉族": residents - sum(minorities.values()), **minorities}
            _save_record(
                place,
                year,
                PopulationKind.RESIDENT,
                groups,
                counts,
                residents=residents,
                households=households,
                floating_minority=floating,
                hardship_households=hardship[0],
                hardship_persons=hardship[1],
            )
            records += 1
        # Seed 003 篇2: 899 pupils, 442 girls, 518 瑶族 (57.6%).
        _save_record(
            places["school"],
            year,
            PopulationKind.STUDENT,
            groups,
            {"瑶族": 518, "汉族": 301, "苗族": 52, "布依族": 28},
            residents=899,
            female=442,
            male=457,
        )
        # 篇2's teachers: 66, 24 women, 22 瑶族.
        _save_record(
            places["school"],
            year,
            PopulationKind.STAFF,
            groups,
            {"瑶族": 22, "汉族": 44},
            residents=66,
            female=24,
            male=42,
        )
        records += 2
    return records


def _save_record(place, year, kind, groups, counts, **totals):
    record, _ = PopulationRecord.objects.update_or_create(
        jurisdiction=place, year=year, kind=kind, defaults={**totals, "source": "演示数据"}
    )
    for name, count in counts.items():
        GroupCount.objects.update_or_create(record=record, ethnic_group=groups[name], defaults={"count": count})


# Seed 003 (篇1): 碧海社区's standing facts, each with the wording the seed gives it.
YEARLY_FACTS = [
    ("planned_households", "规划入住户数", "户", "规划入住{数值}", 20705),
    ("centre_area", "服务中心总面积", "平方米", "社区服务中心总面积{数值}", 5000),
    ("activity_rooms", "活动室", "个", "中心设有{数值}活动室", 10),
    ("service_windows", "便民服务窗口", "个", "便民服务大厅设置{数值}窗口", 13),
    ("art_teams", "文艺队伍", "支", "组建社区民族时装队、舞蹈队等{数值}文艺队伍", 4),
    ("minority_books", "少数民族书籍", "册", "图书室收集少数民族书籍{数值}", 300),
]


def _yearly_facts(places, today):
    community = places["520115001001"]
    for order, (code, name, unit, phrase, value) in enumerate(YEARLY_FACTS, start=100):
        figure, _ = MonthlyFigure.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "report_phrase": phrase,
                "frequency": FigureFrequency.YEARLY,
                "is_optional": True,
                "order": order,
            },
        )
        for year in (today.year - 1, today.year):
            YearlyValue.objects.get_or_create(
                jurisdiction=community, year=year, figure=figure, defaults={"value": value}
            )


def _plan(places):
    district = places["520115000000"]
    plan, created = CreationPlan.objects.get_or_create(
        jurisdiction=district,
        title="观山湖区创建全国民族团结进步示范区工作方案",
        defaults={
            "target_title": "全国民族团结进步示范区",
            "target_level": PlanLevel.NATIONAL,
            "start_date": date(2025, 1, 1),
            "end_date": date(2027, 12, 31),
            "goal": "创建全国民族团结进步示范区",
            "theme": "铸牢中华民族共同体意识",
            "main_line": "促进各民族交往交流交融",
            "highlights": "打造“石榴籽”民族团结进步宣传教育阵地，形成“一社区一品牌”的创建格局。",
            "problems": "一是部分社区创建工作台账不够规范；二是流动少数民族群众服务管理还需加强；"
            "三是宣传教育的覆盖面和针对性有待提高。",
            "next_steps": "一是完善创建工作台账，按测评指标逐项归档；二是加强流动少数民族人口服务管理；"
            "三是持续开展民族团结进步宣传月等主题活动，推动创建工作提质增效。",
        },
    )
    if not created:
        return plan
    for order, (title, text) in enumerate(
        [
            ("健全工作机制", "成立创建工作领导小组，建立专题调度和督查通报制度。"),
            ("强化宣传教育", "开展民族团结进步宣传月、政策宣讲进社区等活动。"),
            ("优化服务管理", "设立少数民族服务窗口，做好流动少数民族群众服务。"),
            ("促进交往交流交融", "开展联谊、志愿服务和文体活动，构建互嵌式社区。"),
            ("维护和谐稳定", "落实矛盾纠纷排查“一日一报”，依法调处涉民族因素矛盾纠纷。"),
        ],
        start=1,
    ):
        PlanMeasure.objects.create(plan=plan, order=order, title=title, description=text)
    for order, (role, name, post) in enumerate(
        [
            (LeadingRole.LEADER, "陈区长", "区人民政府区长"),
            (LeadingRole.DEPUTY, "王局长", "区民宗局局长"),
            (LeadingRole.DEPUTY, "刘书记", "金华园街道党工委书记"),
            (LeadingRole.MEMBER, "赵主任", "区教育局副局长"),
            (LeadingRole.MEMBER, "孙科长", "区民宗局民族工作科科长"),
        ],
        start=1,
    ):
        LeadingGroupMember.objects.create(plan=plan, role=role, name=name, post=post, order=order)
    PlanBudget.objects.create(plan=plan, year=2025, amount=Decimal("800000"), spent=Decimal("760000"))
    PlanBudget.objects.create(plan=plan, year=2026, amount=Decimal("1000000"), spent=Decimal("615000"))
    tree = [
        ("1", "组织领导", [("1.1", "领导小组健全", 5), ("1.2", "专题研究部署", 5), ("1.3", "经费保障到位", 5)]),
        ("2", "宣传教育", [("2.1", "宣传阵地建设", 10), ("2.2", "主题宣传活动", 10), ("2.3", "进学校进社区", 5)]),
        ("3", "服务管理", [("3.1", "少数民族服务窗口", 10), ("3.2", "流动人口服务", 10)]),
        ("4", "交往交流交融", [("4.1", "联谊与志愿服务", 10), ("4.2", "互嵌式社区建设", 10)]),
        ("5", "和谐稳定", [("5.1", "矛盾纠纷排查化解", 10), ("5.2", "信访办理", 10)]),
    ]
    rng = random.Random(111)
    order = 0
    for code, title, children in tree:
        order += 1
        parent = Indicator.objects.create(
            plan=plan, code=code, title=title, order=order, points=sum(p for *_x, p in children)
        )
        for child_code, child_title, points in children:
            order += 1
            indicator = Indicator.objects.create(
                plan=plan,
                parent=parent,
                code=child_code,
                title=child_title,
                points=points,
                order=order,
                content=f"{child_title}达到创建标准",
                criteria="资料齐全、措施落实得满分，缺一项扣1分",
                evidence_requirements="文件、会议记录、活动照片",
            )
            status = rng.choice(list(ResponsibilityStatus.values))
            progress = 100 if status == ResponsibilityStatus.DONE else (0 if status == "not_started" else 60)
            Responsibility.objects.create(
                indicator=indicator,
                lead_department=rng.choice(["区民宗局", "区委宣传部", "区教育局", "区信访局"]),
                cooperating_departments="各街道（镇）",
                responsible_person=rng.choice(["孙科长", "赵主任", "周科长"]),
                deadline=date(2026, rng.randint(3, 12), 28),
                target=f"完成{child_title}各项任务",
                progress=progress,
                status=status,
                self_score=Decimal(points) * Decimal("0.9") if status == ResponsibilityStatus.DONE else None,
            )
    return plan


def _activities(places, plan, today):
    communities = [
        places[c] for c, _n, lvl, _p in TREE if lvl in (JurisdictionLevel.COMMUNITY, JurisdictionLevel.VILLAGE)
    ]
    streets = [places["520115001000"], places["520115002000"], places["520115100000"]]
    categories = {c.name: c for c in ActivityCategory.objects.all()}
    rng = random.Random(56)
    start = date(today.year - 1, today.month, 1)
    rows = []
    day = start
    while day <= today:
        for place in communities + streets:
            for _n in range(rng.randint(1, 4)):
                name = rng.choice(list(EVENT_TITLES))
                participants = rng.randint(15, 260) if name != "调度会" else rng.randint(8, 30)
                publicity = name in ("宣传教育", "宣讲", "文艺演出")
                rows.append(
                    Activity(
                        jurisdiction=place,
                        plan=plan,
                        category=categories[name],
                        date=day + timedelta(days=rng.randint(0, 26)),
                        title=rng.choice(EVENT_TITLES[name]),
                        place=f"{place.name}新时代文明实践站",
                        organiser=place.name,
                        participants=participants,
                        minority_participants=int(participants * rng.uniform(0.05, 0.4)),
                        posters=rng.randint(20, 300) if publicity else 0,
                        handbooks=rng.randint(20, 200) if publicity else 0,
                        promo_items=rng.randint(50, 400) if publicity else 0,
                        light_boxes=rng.randint(0, 4) if publicity else 0,
                        online_posts=rng.randint(0, 6),
                        people_reached=participants * rng.randint(2, 12),
                        summary=f"{place.name}组织开展{name}活动，各族群众积极参与。",
                    )
                )
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    rows = [a for a in rows if a.date <= today]
    Activity.objects.bulk_create(rows)
    return len(rows)


# Which of the district plan's indicators an activity of each category evidences (佐证).
CATEGORY_INDICATORS = {
    "调度会": ["1.1", "1.2", "1.3"],
    "宣传教育": ["2.1", "2.2"],
    "文艺演出": ["2.2"],
    "宣讲": ["2.3"],
    "培训": ["2.3"],
    "走访慰问": ["3.1"],
    "志愿服务": ["3.2", "4.1"],
    "联谊": ["4.1", "4.2"],
    "学习考察": ["4.2"],
    "矛盾排查": ["5.1", "5.2"],
}
# The demo's community staff and the communities they record for.
RECORDERS = {"staff": "520115001001", "staff2": "520115001002"}
LEDGER_SHARE = 0.4


def _demo_photo(rng, text):
    """Return a small JPEG standing in for a photo of the activity, through the same processing as an upload."""
    image = Image.new("RGB", (480, 320), tuple(rng.randint(120, 230) for _c in range(3)))
    draw = ImageDraw.Draw(image)
    for _n in range(6):
        x, y = rng.randint(0, 440), rng.randint(0, 280)
        draw.ellipse((x, y, x + rng.randint(20, 80), y + rng.randint(20, 80)), fill=(rng.randint(0, 255), 60, 60))
    draw.text((12, 290), text, fill=(255, 255, 255))
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return process_photo(ContentFile(buffer.getvalue(), name="demo.jpg"))


def _ledger_evidence(plan):
    """Link a share of the staff's community activities to the district plan's indicators, each with a photo.

    The community staff carry out the district's plan: their activities, recorded by them, are its 台账. Every
    indicator with a responsibility gets at least one. Done once: a plan whose indicators already have
    activities is left alone, so a second load changes nothing.
    """
    indicators = {i.code: i for i in Indicator.objects.filter(plan=plan, responsibilities__isnull=False).distinct()}
    if not indicators or Activity.indicators.through.objects.filter(indicator__plan=plan).exists():
        return
    User = get_user_model()
    rng = random.Random(13)
    uncovered = set(indicators)
    for username, code in RECORDERS.items():
        staff = User.objects.get(username=username)
        activities = Activity.objects.filter(jurisdiction__code=code).select_related("category").order_by("date", "pk")
        for activity in activities:
            codes = [c for c in CATEGORY_INDICATORS.get(activity.category.name, []) if c in indicators]
            if not codes or (rng.random() >= LEDGER_SHARE and not uncovered.intersection(codes)):
                continue
            uncovered.difference_update(codes)
            Activity.objects.filter(pk=activity.pk).update(created_by=staff)
            activity.indicators.set([indicators[c] for c in codes])
            processed = _demo_photo(rng, f"{activity.date:%Y-%m-%d}")
            photo = ActivityPhoto(
                activity=activity,
                uploaded_by=staff,
                caption=f"{activity.title}现场",
            )
            photo.image.save("photo.jpg", ContentFile(processed.content), save=False)
            photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
            # Saving the file resets the dimension fields; the processed photo knows them.
            photo.width, photo.height = processed.width, processed.height
            photo.save()


def _petitions(places, today):
    rng = random.Random(2022)
    communities = [
        places[c] for c, _n, lvl, _p in TREE if lvl in (JurisdictionLevel.COMMUNITY, JurisdictionLevel.VILLAGE)
    ]
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡", "明华强芳丽军勇艳杰娟敏静"
    created = 0
    for n in range(140):
        received = today - timedelta(days=rng.randint(0, 360))
        petition = Petition(
            jurisdiction=rng.choice(communities),
            kind=PetitionKind.DISPUTE if n % 4 == 0 else PetitionKind.PETITION,
            received_on=received,
            channel=rng.choice(list(PetitionChannel.values)),
            is_group=rng.random() < 0.08,
            ethnic_factor=rng.random() < 0.1,
            category=rng.choice(list(PetitionCategory.values)),
            summary=rng.choice(
                [
                    "反映小区物业服务问题",
                    "邻里噪音纠纷",
                    "咨询少数民族子女入学政策",
                    "反映拖欠务工工资",
                    "房屋漏水引发邻里纠纷",
                    "反映征收补偿问题",
                ]
            ),
            petitioner_name=rng.choice(surnames) + rng.choice(given) + rng.choice(given),
            petitioner_phone=f"13{rng.randint(100000000, 999999999)}",
            assigned_department=rng.choice(["社区居委会", "街道综治中心", "区人社局", "区住建局"]),
        )
        first17 = (
            f"520115{rng.randint(1960, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
        )
        petition.petitioner_id_number = first17 + check_digit(first17)
        petition.persons = rng.randint(5, 30) if petition.is_group else 1
        history = []
        age = (today - received).days
        if age > 3 or rng.random() < 0.5:
            petition.status, petition.decided_on = PetitionStatus.ACCEPTED, received + timedelta(days=rng.randint(1, 5))
            history.append((PetitionStatus.REGISTERED, PetitionStatus.ACCEPTED, petition.decided_on))
            if age > 20 and rng.random() < 0.97:
                petition.status = PetitionStatus.CLOSED
                petition.closed_on = min(petition.decided_on + timedelta(days=rng.randint(3, 50)), today)
                petition.outcome = PetitionOutcome.RESOLVED if rng.random() < 0.8 else PetitionOutcome.REPLIED
                petition.outcome_text = (
                    "经调解，双方达成一致意见。" if petition.outcome == "resolved" else "已书面答复信访人。"
                )
                history.append((PetitionStatus.ACCEPTED, PetitionStatus.CLOSED, petition.closed_on))
        if petition.kind == PetitionKind.DISPUTE:
            petition.mediator = rng.choice(["周调解员", "吴调解员"])
            petition.mediated_on = petition.decided_on
            petition.agreement_reached = petition.status == PetitionStatus.CLOSED
        petition.save()
        PetitionStatusChange.objects.bulk_create(
            [PetitionStatusChange(petition=petition, from_status=a, to_status=b, changed_on=d) for a, b, d in history]
        )
        created += 1
    return created


def _project(place, name, fundings, **fields):
    """Create one project with its funding rows unless `place` already has a project of that name."""
    if Project.objects.filter(jurisdiction=place, name=name).exists():
        return
    project = Project.objects.create(jurisdiction=place, name=name, **fields)
    ProjectFunding.objects.bulk_create(ProjectFunding(project=project, **row) for row in fundings)


def _projects(places):
    # Shaped like seed 篇4: funders named, several companies under one source, residents' labour in kind, cash that
    # leaves part of the total unnamed (未列明来源), and a planned project with its preparatory spending.
    _project(
        places["520115001001"],
        "碧海社区少数民族群众就业服务站",
        [
            {"source": FundingSource.SUPERIOR, "amount": Decimal("30.00")},
            {"source": FundingSource.FISCAL, "amount": Decimal("15.00")},
        ],
        kind=ProjectKind.EMPLOYMENT,
        year=2025,
        total_investment=Decimal("45.00"),
        amount_spent=Decimal("45.00"),
        households_served=120,
        persons_served=380,
        status=ProjectStatus.COMPLETED,
        start_date=date(2025, 3, 1),
        end_date=date(2025, 9, 30),
    )
    _project(
        places["520115100201"],
        "朱昌村安全饮水巩固提升工程",
        [
            {"source": FundingSource.SUPERIOR, "amount": Decimal("100.00")},
            {"source": FundingSource.ENTERPRISE, "funder": "朱昌建材公司", "amount": Decimal("8.00")},
            {"source": FundingSource.ENTERPRISE, "funder": "观山湖农业合作社", "amount": Decimal("5.00")},
            {"source": FundingSource.SELF_RAISED, "funder": "村民", "in_kind": True, "description": "投工投劳"},
        ],
        kind=ProjectKind.WATER,
        year=2026,
        total_investment=Decimal("126.50"),
        amount_spent=Decimal("80.00"),
        households_served=410,
        persons_served=1530,
        status=ProjectStatus.IN_PROGRESS,
        start_date=date(2026, 4, 1),
    )
    _project(
        places["520115100201"],
        "朱昌村民族团结广场",
        [
            {"source": FundingSource.SUPERIOR, "amount": Decimal("60.00")},
            {"source": FundingSource.SELF_RAISED, "funder": "村民", "in_kind": True, "description": "捐出土地"},
        ],
        kind=ProjectKind.CULTURE,
        year=2026,
        total_investment=Decimal("80.00"),
        amount_spent=Decimal("3.00"),
        status=ProjectStatus.PLANNED,
    )


def _monthly(places, today):
    rng = random.Random(12)
    figures = list(MonthlyFigure.objects.filter(is_active=True, frequency=FigureFrequency.MONTHLY))
    leader = get_user_model().objects.get(username="leader")
    reporters = [
        places[c] for c, _n, lvl, _p in TREE if lvl in (JurisdictionLevel.COMMUNITY, JurisdictionLevel.VILLAGE)
    ]
    month = date(today.year - 1, today.month, 1)
    this_month = today.replace(day=1)
    now = timezone.now()
    while month <= this_month:
        for place in reporters:
            current = month == this_month
            if current and rng.random() < 0.5:
                continue
            status = ReturnStatus.DRAFT if current else ReturnStatus.APPROVED
            # Draw the values before looking in the database, so a second run draws the same sequence.
            values = _figure_values(rng, figures)
            monthly_return, created = MonthlyReturn.objects.get_or_create(
                jurisdiction=place,
                month=month,
                defaults={
                    "status": status,
                    "submitted_at": None if current else now,
                    "reviewed_at": None if current else now,
                    "reviewed_by": None if current else leader,
                },
            )
            # A demo loaded before the rules existed is brought in line with them: same draws, same values.
            stored = {v.figure_id: v for v in monthly_return.values.all()} if not created else {}
            MonthlyValue.objects.bulk_create(
                [
                    MonthlyValue(monthly_return=monthly_return, figure=f, value=v)
                    for f, v in values.items()
                    if f.pk not in stored
                ]
            )
            changed = [stored[f.pk] for f, v in values.items() if f.pk in stored and stored[f.pk].value != v]
            for row in changed:
                row.value = next(v for f, v in values.items() if f.pk == row.figure_id)
            MonthlyValue.objects.bulk_update(changed, ["value"])
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)


FIGURE_RANGES = {
    "window_consultations": (600, 1800),
    "window_cases_received": (400, 1200),
    "window_cases_handled": (390, 1190),
    "hotline_calls": (40, 120),
    "hotline_handled": (35, 120),
    "screening_person_times": (30, 90),
    "mediation_cases": (1, 8),
    "mediation_successes": (0, 8),
    "volunteers": (40, 60),
}

# The default validation rules (activities migration 0011): each figure here is at most the one it names.
CAPPED_BY = {
    "window_cases_received": "window_consultations",
    "window_cases_handled": "window_cases_received",
    "hotline_handled": "hotline_calls",
    "mediation_successes": "mediation_cases",
}


def _figure_values(rng, figures):
    """Draw one return's values, then hold them to the default rules (handled ≤ received ≤ consultations …)."""
    drawn = {f.code: Decimal(rng.randint(*FIGURE_RANGES.get(f.code, (0, 50)))) for f in figures}
    for code, cap in CAPPED_BY.items():  # in dependency order: received is capped before handled reads it
        if code in drawn and cap in drawn:
            drawn[code] = min(drawn[code], drawn[cap])
    return {f: drawn[f.code] for f in figures}


def load_demo(today=None):
    """Build or refresh the demo; return a one-line summary."""
    today = today or timezone.localdate()
    places = _upsert_tree()
    groups = {g.name: g for g in EthnicGroup.objects.all()}
    _upsert_users(places)
    records = _population(places, groups)
    plan = _plan(places)
    demo_places = list(places.values())
    if not Activity.objects.filter(jurisdiction__in=demo_places).exists():
        _activities(places, plan, today)
    _ledger_evidence(plan)
    if not Petition.objects.filter(jurisdiction__in=demo_places).exists():
        _petitions(places, today)
    _projects(places)
    _monthly(places, today)
    _yearly_facts(places, today)
    return (
        f"{len(places)} 个辖区, {records} 条人口记录, "
        f"{Activity.objects.filter(jurisdiction__in=demo_places).count()} 项活动, "
        f"{Petition.objects.filter(jurisdiction__in=demo_places).count()} 件信访, "
        f"{Indicator.objects.filter(plan=plan).count()} 项测评指标"
    )
