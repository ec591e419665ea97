"""篇2 of seed 003 (a 瑶族 township's schools) as records: students by section, with sex, and teachers.

小学学生899人，其中女生442人，瑶族学生518人，占57.6%，瑶女257人；初中学生304人，其中女生140人，瑶族学生111人，
占36.5%，瑶族女生48人。The male counts are the totals less the female ones, entered as a school would enter them.
"""

from communities.choices import JurisdictionLevel, PopulationKind
from communities.models import GroupCount, PopulationRecord
from tests.factories import group, make_jurisdiction

YEAR = 2024


def make_record(jurisdiction, counts, *, kind=PopulationKind.STUDENT, year=YEAR, section="", **totals):
    """Create a record with `counts` as {group name: (count, male, female)}, through full_clean like a form."""
    record = PopulationRecord(jurisdiction=jurisdiction, year=year, kind=kind, section=section, **totals)
    record.full_clean()
    record.save()
    for name, (count, male, female) in counts.items():
        row = GroupCount(record=record, ethnic_group=group(name), count=count, male=male, female=female)
        row.full_clean()
        row.save()
    return record


def make_township_schools(parent=None, code="431124210000"):
    """Return (township, school): the school's 小学部 and 初中部 students and its teachers for YEAR."""
    township = make_jurisdiction("虎形山瑶族乡", JurisdictionLevel.TOWNSHIP, parent, code=code)
    school = make_jurisdiction("瑶族乡中心学校", JurisdictionLevel.UNIT, township, code=code[:9] + "001")
    make_record(
        school,
        {"瑶族": (518, 261, 257), "汉族": (381, 196, 185)},
        section="小学部",
        residents=899,
        male=457,
        female=442,
    )
    make_record(
        school,
        {"瑶族": (111, 63, 48), "汉族": (193, 101, 92)},
        section="初中部",
        residents=304,
        male=164,
        female=140,
    )
    make_record(
        school,
        {"瑶族": (22, 16, 6), "汉族": (44, 26, 18)},
        kind=PopulationKind.STAFF,
        residents=66,
        male=42,
        female=24,
    )
    return township, school
