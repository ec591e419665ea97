"""Small builders for test data: plain functions, no magic."""

import itertools

from django.contrib.auth import get_user_model

from communities.choices import JurisdictionLevel, PopulationKind
from communities.models import EthnicGroup, GroupCount, Jurisdiction, Membership, PopulationRecord

_seq = itertools.count(1)


def make_jurisdiction(name=None, level=JurisdictionLevel.COMMUNITY, parent=None, code=None, **extra):
    jurisdiction = Jurisdiction(name=name or f"辖区{next(_seq)}", level=level, parent=parent, code=code, **extra)
    jurisdiction.save()
    return jurisdiction


def make_tree():
    """Return a district with two streets, each with two communities, coded like real division codes."""
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    streets, communities = [], []
    for s in (1, 2):
        street = make_jurisdiction(f"街道{s}", JurisdictionLevel.STREET, district, code=f"520115{s:03d}000")
        streets.append(street)
        for c in (1, 2):
            communities.append(
                make_jurisdiction(f"街道{s}社区{c}", JurisdictionLevel.COMMUNITY, street, code=f"520115{s:03d}{c:03d}")
            )
    return district, streets, communities


def make_user(username=None, password="pass-12345", **extra):
    User = get_user_model()
    user = User.objects.create_user(username=username or f"user{next(_seq)}", password=password, **extra)
    return user


def make_member(jurisdiction, role="staff", username=None):
    user = make_user(username)
    Membership.objects.create(user=user, jurisdiction=jurisdiction, role=role)
    return user


def group(code_or_name):
    return (
        EthnicGroup.objects.get(code=code_or_name)
        if code_or_name.isdigit()
        else EthnicGroup.objects.get(name=code_or_name)
    )


def make_population(jurisdiction, year, counts, kind=PopulationKind.RESIDENT, **totals):
    """Create a record with `counts` as {group code or name: count}."""
    record = PopulationRecord.objects.create(jurisdiction=jurisdiction, year=year, kind=kind, **totals)
    GroupCount.objects.bulk_create(
        [GroupCount(record=record, ethnic_group=group(key), count=value) for key, value in counts.items()]
    )
    return record


def csv_bytes(rows, encoding="utf-8", delimiter=","):
    """Return `rows` (lists of cells) as the bytes of a CSV file in `encoding`."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, title="Sheet1"):
    """Return `rows` (lists of cells, numbers kept as numbers) as the bytes of a one-sheet .xlsx file."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
