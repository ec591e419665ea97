"""Random writes of every kind the summary triggers must follow: creates, updates, deletes, moves between
jurisdictions, bulk inserts, multi-row updates and raw SQL, with a seeded generator so a failure replays."""

import random
from datetime import date, timedelta

from django.db import connection
from django.db.models import F

from activities.choices import PetitionStatus, ReturnStatus
from activities.models import Activity, ActivityCategory, MonthlyFigure, MonthlyReturn, MonthlyValue, Petition
from communities.choices import JurisdictionLevel
from communities.models import EthnicGroup, GroupCount, PopulationRecord
from tests.factories import make_jurisdiction

STATUSES = list(PetitionStatus.values)
RETURN_STATUSES = list(ReturnStatus.values)


def build_tree(code="520100000000", streets=2, communities=3):
    """A district with `streets` streets of `communities` communities; return (district, [every jurisdiction])."""
    district = make_jurisdiction(f"区{code}", JurisdictionLevel.DISTRICT, code=code)
    places = [district]
    for s in range(1, streets + 1):
        street = make_jurisdiction(f"街道{s}", JurisdictionLevel.STREET, district, code=f"{code[:6]}{s:03d}000")
        places.append(street)
        for c in range(1, communities + 1):
            places.append(
                make_jurisdiction(f"社区{s}-{c}", JurisdictionLevel.COMMUNITY, street, code=f"{code[:6]}{s:03d}{c:03d}")
            )
    return district, places


def _day(rng):
    return date(rng.choice((2025, 2026)), rng.randint(1, 12), rng.randint(1, 28))


class RandomWrites:
    def __init__(self, places, seed=1):
        self.rng = random.Random(seed)
        self.places = places
        self.leaves = [p for p in places if p.level == JurisdictionLevel.COMMUNITY]
        self.categories = list(ActivityCategory.objects.all())
        self.figures = list(MonthlyFigure.objects.filter(is_active=True))
        self.groups = list(EthnicGroup.objects.order_by("pk")[:8])

    def place(self):
        return self.rng.choice(self.leaves if self.rng.random() < 0.85 else self.places)

    def run(self, count):
        kinds = [
            (self.new_activity, 5),
            (self.change_activity, 4),
            (self.delete_activity, 1),
            (self.new_petition, 4),
            (self.change_petition, 4),
            (self.delete_petition, 1),
            (self.new_return, 3),
            (self.change_return, 3),
            (self.delete_return, 1),
            (self.set_value, 4),
            (self.delete_value, 1),
            (self.new_record, 2),
            (self.change_record, 2),
            (self.delete_record, 0.5),
            (self.set_count, 3),
            (self.delete_count, 0.5),
            (self.bulk, 0.3),
            (self.raw_sql, 0.3),
        ]
        functions, weights = zip(*kinds, strict=True)
        for _ in range(count):
            self.rng.choices(functions, weights)[0]()

    # activities

    def new_activity(self):
        Activity.objects.create(
            jurisdiction=self.place(),
            category=self.rng.choice(self.categories),
            title="活动",
            date=_day(self.rng),
            participants=self.rng.randint(50, 300),
            minority_participants=self.rng.randint(0, 50),
            posters=self.rng.randint(0, 9),
            handbooks=self.rng.randint(0, 9),
            online_posts=self.rng.randint(0, 3),
            people_reached=self.rng.randint(0, 999),
        )

    def _pick(self, model):
        pk = model.objects.order_by("?").values_list("pk", flat=True).first()
        return model.objects.get(pk=pk) if pk else None

    def change_activity(self):
        activity = self._pick(Activity)
        if activity is None:
            return
        field = self.rng.choice(("date", "participants", "jurisdiction", "category", "people_reached"))
        value = {
            "date": _day(self.rng),
            "participants": self.rng.randint(activity.minority_participants, 300),
            "jurisdiction": self.place(),
            "category": self.rng.choice(self.categories),
            "people_reached": self.rng.randint(0, 999),
        }[field]
        setattr(activity, field, value)
        activity.save()

    def delete_activity(self):
        activity = self._pick(Activity)
        if activity:
            activity.delete()

    # petitions

    def _petition_fields(self):
        rng = self.rng
        received = _day(rng)
        status = rng.choice(STATUSES)
        closed = status == PetitionStatus.CLOSED
        return {
            "jurisdiction": self.place(),
            "kind": rng.choice(("petition", "dispute")),
            "received_on": received,
            "channel": rng.choice(("visit", "letter", "phone", "online")),
            "category": rng.choice(("other", "land", "labor")),
            "is_group": rng.random() < 0.2,
            "persons": rng.randint(1, 30),
            "ethnic_factor": rng.random() < 0.3,
            "status": status,
            "decided_on": received + timedelta(days=rng.randint(0, 40)) if rng.random() < 0.8 else None,
            "closed_on": received + timedelta(days=rng.randint(0, 90)) if closed else None,
            "outcome": rng.choice(("resolved", "replied")) if closed else "",
            "mediated_on": received + timedelta(days=rng.randint(0, 60)) if rng.random() < 0.4 else None,
            "agreement_reached": rng.choice((None, True, False)),
            "due_on": received + timedelta(days=rng.randint(15, 90)) if rng.random() < 0.9 else None,
        }

    def new_petition(self):
        Petition.objects.create(summary="诉求", petitioner_name="某某", **self._petition_fields())

    def change_petition(self):
        petition = self._pick(Petition)
        if petition is None:
            return
        fields = self._petition_fields()
        # Dates move together (a case is decided and closed after it is received); the rest one by one.
        dated = ("received_on", "decided_on", "closed_on", "mediated_on", "due_on", "status", "outcome")
        if self.rng.random() < 0.4:
            chosen = dated
        else:
            chosen = self.rng.sample([n for n in sorted(fields) if n not in dated], self.rng.randint(1, 3))
        for name in chosen:
            setattr(petition, name, fields[name])
        petition.save()

    def delete_petition(self):
        petition = self._pick(Petition)
        if petition:
            petition.delete()

    # monthly returns and values

    def new_return(self):
        place, month = self.place(), _day(self.rng).replace(day=1)
        if not MonthlyReturn.objects.filter(jurisdiction=place, month=month).exists():
            MonthlyReturn.objects.create(jurisdiction=place, month=month, status=self.rng.choice(RETURN_STATUSES))

    def change_return(self):
        monthly_return = self._pick(MonthlyReturn)
        if monthly_return is None:
            return
        if self.rng.random() < 0.8:
            monthly_return.status = self.rng.choice(RETURN_STATUSES)
        else:  # moved to another place (or month) with its values
            place, month = self.place(), _day(self.rng).replace(day=1)
            if MonthlyReturn.objects.filter(jurisdiction=place, month=month).exists():
                return
            monthly_return.jurisdiction, monthly_return.month = place, month
        monthly_return.save()

    def delete_return(self):
        monthly_return = self._pick(MonthlyReturn)
        if monthly_return:
            monthly_return.values.all().delete()
            monthly_return.delete()

    def set_value(self):
        monthly_return = self._pick(MonthlyReturn)
        if monthly_return is None:
            return
        MonthlyValue.objects.update_or_create(
            monthly_return=monthly_return,
            figure=self.rng.choice(self.figures),
            defaults={"value": self.rng.randint(0, 500) + self.rng.choice((0, 0.5, 0.25))},
        )

    def delete_value(self):
        value = self._pick(MonthlyValue)
        if value:
            value.delete()

    # population records and their group counts

    def _maybe(self, low, high):
        return self.rng.randint(low, high) if self.rng.random() < 0.8 else None

    def new_record(self):
        fields = {
            "jurisdiction": self.place(),
            "year": self.rng.choice((2025, 2026)),
            "kind": self.rng.choice(("resident", "resident", "student", "staff")),
            "section": self.rng.choice(("", "", "小学部", "初中部")),
        }
        if PopulationRecord.objects.filter(**fields).exists():
            return
        residents = self._maybe(5_000, 9_000)
        record = PopulationRecord.objects.create(
            **fields,
            residents=residents,
            households=self._maybe(100, 3000),
            male=self._maybe(0, 2000),
            female=self._maybe(0, 2000),
            hardship_persons=self._maybe(0, 30),
            minority_total=self._maybe(0, 900) if self.rng.random() < 0.3 else None,
        )
        GroupCount.objects.bulk_create(
            GroupCount(record=record, ethnic_group=g, count=self.rng.randint(0, 400), male=self._maybe(0, 100))
            for g in self.rng.sample(self.groups, self.rng.randint(0, len(self.groups)))
        )

    def change_record(self):
        record = self._pick(PopulationRecord)
        if record is None:
            return
        change = self.rng.choice(("residents", "minority_total", "section", "year", "kind", "jurisdiction", "male"))
        value = {
            "residents": self._maybe(5_000, 9_000),
            "minority_total": self._maybe(0, 900),
            "section": self.rng.choice(("", "小学部", "初中部")),
            "year": self.rng.choice((2025, 2026)),
            "kind": self.rng.choice(("resident", "student", "staff")),
            "jurisdiction": self.place(),
            "male": self._maybe(0, 2000),
        }[change]
        setattr(record, change, value)
        clash = PopulationRecord.objects.filter(
            jurisdiction=record.jurisdiction, year=record.year, kind=record.kind, section=record.section
        ).exclude(pk=record.pk)
        if not clash.exists():
            record.save()

    def delete_record(self):
        record = self._pick(PopulationRecord)
        if record:
            record.delete()

    def set_count(self):
        record = self._pick(PopulationRecord)
        if record is None:
            return
        count = self.rng.randint(0, 400)
        GroupCount.objects.update_or_create(
            record=record,
            ethnic_group=self.rng.choice(self.groups),
            defaults={"count": count, "male": self._maybe(0, count // 2), "female": self._maybe(0, count // 2)},
        )

    def delete_count(self):
        count = self._pick(GroupCount)
        if count:
            count.delete()

    # statements that write many rows at once, and writes around the models

    def bulk(self):
        place = self.place()
        Activity.objects.bulk_create(
            Activity(
                jurisdiction=place,
                category=self.rng.choice(self.categories),
                title="批量",
                date=_day(self.rng),
                participants=self.rng.randint(0, 100),
            )
            for _ in range(self.rng.randint(2, 20))
        )
        Activity.objects.filter(jurisdiction=place).update(participants=F("participants") + self.rng.randint(0, 50))
        Petition.objects.filter(
            jurisdiction=self.place(), status=PetitionStatus.HANDLING, received_on__lte=date(2026, 12, 1)
        ).update(status=PetitionStatus.CLOSED, closed_on=date(2026, 12, 1), outcome="resolved")

    def raw_sql(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE activities_activity SET jurisdiction_id = %s WHERE id IN "
                "(SELECT id FROM activities_activity ORDER BY id LIMIT 3)",
                [self.place().pk],
            )
            cursor.execute(
                "DELETE FROM activities_monthlyvalue WHERE id IN (SELECT MIN(id) FROM activities_monthlyvalue)"
            )
