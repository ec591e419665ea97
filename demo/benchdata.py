"""Deterministic benchmark data at city (~1,500 jurisdictions) or province (~20,000) scale.

Five years of monthly activities and petitions, a population record per jurisdiction per year, a plan
with indicators, and the last twelve months of monthly returns. Written with bulk inserts.
"""

import random
from datetime import date, timedelta

from django.db import connection, transaction

from activities.choices import (
    OPEN_PETITION_STATUSES,
    PetitionCategory,
    PetitionChannel,
    PetitionOutcome,
    PetitionStatus,
    ResponsibilityStatus,
    ReturnStatus,
)
from activities.models import (
    Activity,
    ActivityCategory,
    CreationPlan,
    Indicator,
    MonthlyFigure,
    MonthlyReturn,
    MonthlyValue,
    Petition,
    Responsibility,
)
from communities.choices import JurisdictionLevel, PopulationKind
from communities.models import EthnicGroup, GroupCount, Jurisdiction, PopulationRecord, path_segment

# (root code, fan-out per level below the root, levels)
SCALES = {
    "city": {
        "root": ("980100000000", "基准市", JurisdictionLevel.CITY),
        "fanout": [(10, JurisdictionLevel.DISTRICT), (12, JurisdictionLevel.STREET), (12, JurisdictionLevel.COMMUNITY)],
    },
    "province": {
        "root": ("990000000000", "基准省", JurisdictionLevel.PROVINCE),
        "fanout": [
            (9, JurisdictionLevel.CITY),
            (10, JurisdictionLevel.DISTRICT),
            (12, JurisdictionLevel.STREET),
            (17, JurisdictionLevel.COMMUNITY),
        ],
    },
}
YEARS = 5
# Per leaf jurisdiction and month: city scale gives ≈100,000 activities and ≈20,000 petitions over 5 years.
ACTIVITIES_PER_LEAF_MONTH = 1.15
PETITIONS_PER_LEAF_MONTH = 0.23


def _child_code(parent_code, level_index, n):
    # Division codes: 2 digits province, 2 city, 2 district, 3 street, 3 community.
    spans = {0: (2, 4), 1: (4, 6), 2: (6, 9), 3: (9, 12)}
    start, end = spans[level_index]
    width = end - start
    return parent_code[:start] + f"{n:0{width}d}" + "0" * (12 - end)


def expected_jurisdictions(scale):
    total, width = 1, 1
    for fan, _level in SCALES[scale]["fanout"]:
        width *= fan
        total += width
    return total


def _build_tree(scale):
    config = SCALES[scale]
    code, name, level = config["root"]
    root = Jurisdiction(code=code, name=name, level=level)
    root.save()
    parents = [root]
    depth_offset = len(SCALES[scale]["fanout"]) == 3  # a city root's children start at the district span
    for index, (fan, child_level) in enumerate(config["fanout"]):
        span_index = index + (1 if depth_offset else 0)
        children = []
        for parent in parents:
            for n in range(1, fan + 1):
                children.append(
                    Jurisdiction(
                        code=_child_code(parent.code, span_index, n),
                        name=f"{parent.name[:6]}{child_level.label}{n}",
                        level=child_level,
                        parent=parent,
                        path="",
                    )
                )
        Jurisdiction.objects.bulk_create(children, batch_size=2000)
        # Paths need the new primary keys; fetch them back by code and set paths in bulk.
        by_code = {j.code: j for j in Jurisdiction.objects.filter(code__in=[c.code for c in children])}
        parent_paths = {p.pk: (p.path, p.depth) for p in parents}
        for child in by_code.values():
            ppath, pdepth = parent_paths[child.parent_id]
            child.path, child.depth = ppath + path_segment(child.pk), pdepth + 1
        Jurisdiction.objects.bulk_update(list(by_code.values()), ["path", "depth"], batch_size=2000)
        parents = list(by_code.values())
    return root, parents


def _population(rng, jurisdictions, leaves, first_year):
    groups = list(EthnicGroup.objects.all())
    han = next(g for g in groups if g.code == "01")
    minorities = [g for g in groups if g.is_minority]
    leaf_ids = {j.pk for j in leaves}
    records = []
    for year in range(first_year, first_year + YEARS):
        for j in jurisdictions:
            if j.pk not in leaf_ids:
                continue
            residents = rng.randint(3000, 30000)
            records.append(
                PopulationRecord(
                    jurisdiction=j,
                    year=year,
                    kind=PopulationKind.RESIDENT,
                    residents=residents,
                    households=residents // 3,
                    floating_minority=rng.randint(0, 200),
                    hardship_households=rng.randint(0, 8),
                    hardship_persons=rng.randint(0, 30),
                    source="bench",
                )
            )
    PopulationRecord.objects.bulk_create(records, batch_size=5000)
    ids = PopulationRecord.objects.filter(source="bench", jurisdiction__in=leaves).values_list("pk", "residents")
    counts = []
    for pk, residents in ids:
        picks = rng.sample(minorities, 14)
        total = 0
        for g in picks:
            n = rng.randint(5, max(6, residents // 60))
            total += n
            counts.append(GroupCount(record_id=pk, ethnic_group=g, count=n))
        counts.append(GroupCount(record_id=pk, ethnic_group=han, count=max(residents - total, 0)))
        if len(counts) > 50000:
            GroupCount.objects.bulk_create(counts, batch_size=10000)
            counts = []
    GroupCount.objects.bulk_create(counts, batch_size=10000)


def _activities_and_petitions(rng, leaves, start, today):
    categories = list(ActivityCategory.objects.all())
    channels, kinds = PetitionChannel.values, PetitionCategory.values
    batch, petitions = [], []
    month = start
    while month <= today:
        for leaf in leaves:
            n = int(ACTIVITIES_PER_LEAF_MONTH) + (rng.random() < ACTIVITIES_PER_LEAF_MONTH % 1)
            for _i in range(n):
                participants = rng.randint(10, 300)
                batch.append(
                    Activity(
                        jurisdiction=leaf,
                        category=rng.choice(categories),
                        date=min(month + timedelta(days=rng.randint(0, 27)), today),
                        title="基准活动",
                        participants=participants,
                        minority_participants=participants // rng.randint(3, 10),
                        posters=rng.randint(0, 50),
                        handbooks=rng.randint(0, 50),
                        promo_items=rng.randint(0, 80),
                        light_boxes=rng.randint(0, 2),
                        online_posts=rng.randint(0, 3),
                        people_reached=participants * 3,
                    )
                )
            if rng.random() < PETITIONS_PER_LEAF_MONTH:
                received = min(month + timedelta(days=rng.randint(0, 27)), today)
                closed = (today - received).days > 30 and rng.random() < 0.96
                petition = Petition(
                    jurisdiction=leaf,
                    received_on=received,
                    channel=rng.choice(channels),
                    category=rng.choice(kinds),
                    summary="基准信访",
                    petitioner_name="基准",
                    status=PetitionStatus.CLOSED if closed else rng.choice(OPEN_PETITION_STATUSES[:3]),
                    decided_on=received + timedelta(days=2),
                    closed_on=received + timedelta(days=rng.randint(5, 30)) if closed else None,
                    outcome=PetitionOutcome.RESOLVED if closed else "",
                    is_group=rng.random() < 0.05,
                )
                if petition.status == PetitionStatus.REGISTERED:
                    petition.decided_on = None
                petition.due_on = petition.compute_due_on()
                petitions.append(petition)
        if len(batch) > 40000:
            Activity.objects.bulk_create(batch, batch_size=5000)
            batch = []
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    Activity.objects.bulk_create(batch, batch_size=5000)
    Petition.objects.bulk_create(petitions, batch_size=5000)


def _plan_and_returns(rng, root, leaves, today):
    plan = CreationPlan.objects.create(
        jurisdiction=root,
        title="基准创建方案",
        target_title="示范",
        target_level="city",
        start_date=date(today.year - 1, 1, 1),
        end_date=date(today.year + 1, 12, 31),
    )
    for i in range(1, 6):
        parent = Indicator.objects.create(plan=plan, code=str(i), title=f"一级指标{i}", points=20, order=i * 10)
        for k in range(1, 4):
            child = Indicator.objects.create(
                plan=plan, parent=parent, code=f"{i}.{k}", title=f"二级指标{i}.{k}", points=5, order=i * 10 + k
            )
            done = rng.random() < 0.5
            Responsibility.objects.create(
                indicator=child,
                lead_department="基准部门",
                responsible_person="基准",
                deadline=today - timedelta(days=rng.randint(-90, 90)),
                status=ResponsibilityStatus.DONE if done else ResponsibilityStatus.IN_PROGRESS,
                progress=100 if done else 50,
            )
    figures = list(MonthlyFigure.objects.filter(is_active=True))
    month = date(today.year - 1, today.month, 1)
    while month < today.replace(day=1):
        returns = [MonthlyReturn(jurisdiction=leaf, month=month, status=ReturnStatus.APPROVED) for leaf in leaves]
        MonthlyReturn.objects.bulk_create(returns, batch_size=5000)
        created = MonthlyReturn.objects.filter(month=month, jurisdiction__in=leaves).values_list("pk", flat=True)
        MonthlyValue.objects.bulk_create(
            [
                MonthlyValue(monthly_return_id=pk, figure=f, value=rng.randint(0, 500))
                for pk in created
                for f in figures
            ],
            batch_size=10000,
        )
        # As autovacuum would between two months of returns: without statistics PostgreSQL read each new value's
        # chain of "latest" figures through every value of the figure (a city's month of values 1.5 s, the third
        # month's 6.7 s, growing).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE activities_monthlyvalue")
            cursor.execute("ANALYZE activities_monthlyreturn")
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def bench_root(scale):
    return Jurisdiction.objects.filter(code=SCALES[scale]["root"][0]).first()


def generate(scale, *, today, seed=20260101, stdout=None):
    """Build the scale's data unless it is already complete; return the root jurisdiction."""
    root = bench_root(scale)
    if root and Jurisdiction.objects.subtree_of(root).count() == expected_jurisdictions(scale):
        return root, False
    rng = random.Random(seed)
    with transaction.atomic():
        if root is not None:
            _delete(root)
        root, leaves = _build_tree(scale)
        jurisdictions = list(Jurisdiction.objects.subtree_of(root))
        _population(rng, jurisdictions, leaves, today.year - YEARS + 1)
        _activities_and_petitions(rng, leaves, date(today.year - YEARS + 1, 1, 1), today)
        _plan_and_returns(rng, root, leaves, today)
    # Fresh statistics, as a database in service would have: without them the planners guess badly.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return root, True


def _delete(root):
    subtree = Jurisdiction.objects.subtree_of(root)
    MonthlyValue.objects.filter(monthly_return__jurisdiction__in=subtree).delete()
    MonthlyReturn.objects.filter(jurisdiction__in=subtree).delete()
    Activity.objects.filter(jurisdiction__in=subtree).delete()
    Petition.objects.filter(jurisdiction__in=subtree).delete()
    CreationPlan.objects.filter(jurisdiction__in=subtree).delete()
    PopulationRecord.objects.filter(jurisdiction__in=subtree).delete()
    # Children before parents: the parent foreign key protects.
    for depth in sorted(set(subtree.values_list("depth", flat=True)), reverse=True):
        Jurisdiction.objects.filter(path__startswith=root.path, depth=depth).delete()
