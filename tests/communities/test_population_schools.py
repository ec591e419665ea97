"""Students and teachers: a school's sections, the sex split, and minority totals without a group split (篇2)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase
from django.urls import reverse

from communities.choices import JurisdictionLevel, PopulationKind, Role
from communities.importers.census import census_import_apply, census_import_plan
from communities.models import GroupCount, PopulationRecord
from communities.selectors import children_population, population_summary
from tests.communities.test_admin import record_form
from tests.factories import csv_bytes, group, make_jurisdiction, make_member, make_user
from tests.migrating import MigrationTestCase, before_migrating
from tests.population_seeds import YEAR, make_record, make_township_schools

STUDENT, STAFF = PopulationKind.STUDENT, PopulationKind.STAFF


class SchoolSectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township, cls.school = make_township_schools()

    def students(self, where=None):
        return population_summary(jurisdiction=where or self.school, year=YEAR, kind=STUDENT)

    def test_each_section_has_the_seed_figures(self):
        summary = self.students()
        self.assertEqual([s.section for s in summary.sections], ["小学部", "初中部"])
        primary, junior = summary.sections
        self.assertEqual((primary.population, primary.male, primary.female), (899, 457, 442))
        self.assertEqual((primary.minority_total, primary.minority_share), (518, Decimal("57.6")))
        yao = primary.minority_groups[0]
        self.assertEqual((yao.ethnic_group.name, yao.count, yao.male, yao.female), ("瑶族", 518, 261, 257))
        self.assertEqual((junior.population, junior.female, junior.minority_share), (304, 140, Decimal("36.5")))
        self.assertEqual(junior.minority_groups[0].female, 48)

    def test_the_summary_is_the_total_of_its_sections(self):
        summary = self.students()
        self.assertEqual((summary.population, summary.male, summary.female), (1203, 621, 582))
        self.assertEqual(summary.minority_total, 629)
        self.assertEqual(summary.minority_share, Decimal("52.3"))  # 629 of 1203
        self.assertEqual(summary.record_count, 2)

    def test_sections_roll_up_to_the_township_by_name(self):
        other = make_jurisdiction("村小", JurisdictionLevel.UNIT, self.township)
        make_record(other, {"瑶族": (50, None, None)}, section="小学部", residents=60)
        summary = self.students(self.township)
        self.assertEqual([(s.section, s.population) for s in summary.sections], [("小学部", 959), ("初中部", 304)])
        self.assertEqual(summary.population, 1263)
        # One school gives no sex split: the township's 小学部 has none rather than a partial sum.
        self.assertIsNone(summary.sections[0].male)
        self.assertIsNone(summary.male)

    def test_an_undivided_school_lists_no_sections(self):
        teachers = population_summary(jurisdiction=self.school, year=YEAR, kind=STAFF)
        self.assertEqual(teachers.sections, [])
        self.assertEqual((teachers.population, teachers.female), (66, 24))
        self.assertEqual(teachers.minority_share, Decimal("33.3"))

    def test_a_whole_unit_record_beside_sections_is_listed_apart(self):
        make_record(self.school, {"瑶族": (10, None, None)}, section="", residents=20)
        labels = [s.section_label for s in self.students().sections]
        self.assertEqual(labels, ["小学部", "初中部", "未分学部"])

    def test_the_same_section_twice_is_refused(self):
        duplicate = PopulationRecord(jurisdiction=self.school, year=YEAR, kind=STUDENT, section="小学部")
        with self.assertRaisesMessage(ValidationError, "该辖区该年份已有同类、同学部的人口记录。"):
            duplicate.full_clean()
        with self.assertRaises(IntegrityError), transaction.atomic():
            PopulationRecord.objects.create(jurisdiction=self.school, year=YEAR, kind=STUDENT, section="初中部")

    def test_children_rows_use_the_kinds_decimals(self):
        row = children_population(jurisdiction=self.township, year=YEAR, kind=STUDENT)[0]
        self.assertEqual((row.population, row.minority_total, row.minority_share), (1203, 629, Decimal("52.3")))


class MinorityTotalWithoutSplitTests(TestCase):
    """“教职工70人，少数民族教师38人”: a total whose groups nobody recorded."""

    @classmethod
    def setUpTestData(cls):
        cls.school = make_jurisdiction("种蜂场九年制学校", JurisdictionLevel.UNIT)

    def teachers(self):
        return population_summary(jurisdiction=self.school, year=YEAR, kind=STAFF)

    def test_the_total_is_accepted_and_never_split(self):
        make_record(self.school, {}, kind=STAFF, residents=70, minority_total=38)
        teachers = self.teachers()
        self.assertEqual((teachers.minority_total, teachers.minority_unspecified), (38, 38))
        self.assertEqual(teachers.groups, [])
        self.assertEqual(teachers.minority_group_count, 0)
        self.assertEqual(teachers.minority_share, Decimal("54.3"))

    def test_a_partial_split_leaves_the_rest_unspecified(self):
        make_record(self.school, {"哈萨克族": (22, None, None), "汉族": (32, None, None)}, kind=STAFF, residents=70,
                    minority_total=38)  # fmt: skip
        teachers = self.teachers()
        self.assertEqual((teachers.minority_total, teachers.minority_unspecified), (38, 16))
        self.assertEqual([g.count for g in teachers.minority_groups], [22])
        self.assertEqual(teachers.as_dict()["minority_unspecified"], 16)

    def test_a_minority_total_above_the_record_total_is_refused_naming_the_field(self):
        record = PopulationRecord(jurisdiction=self.school, year=YEAR, kind=STAFF, residents=30, minority_total=38)
        with self.assertRaises(ValidationError) as caught:
            record.full_clean()
        self.assertIn("minority_total", caught.exception.message_dict)
        self.assertEqual(
            caught.exception.message_dict["minority_total"],
            ["少数民族合计38人，超过总人数30人：请核对“少数民族合计”或总人数。"],
        )

    def test_groups_above_the_minority_total_are_refused(self):
        record = make_record(self.school, {}, kind=STAFF, residents=70, minority_total=38)
        row = GroupCount(record=record, ethnic_group=group("哈萨克族"), count=40)
        with self.assertRaisesMessage(ValidationError, "各少数民族人数合计40人，超过“少数民族合计”38人"):
            row.full_clean()
        GroupCount(record=record, ethnic_group=group("汉族"), count=32).full_clean()  # 汉族 is not counted in it


class SchoolCensusImportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.school = make_jurisdiction("实验学校", JurisdictionLevel.UNIT, code="520115001901")

    def plan(self, rows, kind=STUDENT):
        return census_import_plan(file=csv_bytes(rows), filename="school.csv", year=YEAR, kind=kind)

    def test_a_section_column_makes_a_record_per_section(self):
        plan = self.plan(
            [
                ["区划代码", "学部", "总人数", "男", "女", "瑶族", "汉族"],
                ["520115001901", "小学部", "899", "457", "442", "518", "381"],
                ["520115001901", "初中部", "304", "164", "140", "111", "193"],
            ]
        )
        self.assertEqual([str(i) for i in plan.issues], [])
        census_import_apply(plan=plan)
        records = PopulationRecord.objects.filter(jurisdiction=self.school, kind=STUDENT).order_by("section")
        self.assertEqual(
            [(r.section, r.residents, r.female) for r in records], [("初中部", 304, 140), ("小学部", 899, 442)]
        )
        again = self.plan(
            [
                ["区划代码", "学部", "总人数", "男", "女", "瑶族", "汉族"],
                ["520115001901", "小学部", "899", "457", "442", "518", "381"],
                ["520115001901", "初中部", "304", "164", "140", "111", "193"],
            ]
        )
        self.assertEqual(again.counts, {"new": 0, "changed": 0, "unchanged": 2})

    def test_a_minority_total_without_groups_is_imported_as_such(self):
        plan = self.plan([["区划代码", "总人数", "少数民族"], ["520115001901", "70", "38"]], kind=STAFF)
        self.assertEqual([str(i) for i in plan.issues], [])
        census_import_apply(plan=plan)
        record = PopulationRecord.objects.get(jurisdiction=self.school, kind=STAFF)
        self.assertEqual((record.residents, record.minority_total), (70, 38))
        self.assertEqual(population_summary(jurisdiction=self.school, year=YEAR, kind=STAFF).minority_unspecified, 38)

    def test_a_minority_total_above_the_total_is_refused(self):
        plan = self.plan([["区划代码", "总人数", "少数民族"], ["520115001901", "30", "38"]], kind=STAFF)
        self.assertEqual(len(plan.issues), 1)
        issue = plan.issues[0]
        self.assertEqual((issue.row, issue.column), (2, "少数民族"))
        self.assertIn("少数民族人数（38）超过总人数（30）", str(issue))
        self.assertFalse(PopulationRecord.objects.exists())


class SchoolPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = make_jurisdiction("隆回县", JurisdictionLevel.DISTRICT, code="431124000000")
        cls.township, cls.school = make_township_schools(cls.district)
        cls.sibling = make_jurisdiction("另一乡", JurisdictionLevel.TOWNSHIP, cls.district, code="431124211000")
        other_school = make_jurisdiction("另一乡学校", JurisdictionLevel.UNIT, cls.sibling, code="431124211001")
        make_record(other_school, {}, kind=STAFF, residents=70, minority_total=38)
        cls.staff = make_member(cls.township, Role.STAFF, "school-staff")

    def page(self, jurisdiction, **params):
        self.client.force_login(self.staff)
        return self.client.get(reverse("communities:jurisdiction_detail", args=[jurisdiction.code]), params)

    def test_the_page_shows_students_by_section_with_sex_and_teachers(self):
        response = self.page(self.school, year=YEAR)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<dd data-figure="student-population">1203</dd>', html=True)
        self.assertContains(response, '<dd data-figure="student-female">582</dd>', html=True)
        self.assertContains(response, '<dd data-figure="staff-population">66</dd>', html=True)
        body = response.content.decode()
        primary = body[body.index('data-section="student-小学部"') :]
        primary = primary[: primary.index("</tr>")]
        for cell in ("899", "457", "442", "518", "57.6%", "瑶族 518（女 257）"):
            self.assertIn(cell, primary)
        self.assertIn('data-section="student-初中部"', body)
        self.assertIn('data-section="student-total"', body)

    def test_the_kind_chosen_shows_first_with_the_plain_names(self):
        response = self.page(self.school, year=YEAR, kind=STUDENT)
        self.assertContains(response, '<dd data-figure="population">1203</dd>', html=True)
        self.assertContains(response, '<dd data-figure="minority_share">52.3%</dd>', html=True)

    def test_an_unsplit_minority_total_is_flagged(self):
        self.client.force_login(make_member(self.sibling, Role.STAFF, "sibling-staff"))
        school = self.sibling.children.get()
        response = self.client.get(reverse("communities:jurisdiction_detail", args=[school.code]), {"year": YEAR})
        self.assertContains(response, '<dd data-figure="staff-minority_unspecified">38</dd>', html=True)
        self.assertContains(response, "少数民族（分民族不详）")
        self.assertContains(response, '<dd data-figure="staff-minority_share">54.3%</dd>', html=True)

    def test_another_jurisdictions_records_are_not_shown(self):
        response = self.page(self.township, year=YEAR)
        self.assertContains(response, '<dd data-figure="staff-population">66</dd>', html=True)
        self.assertNotContains(response, "分民族不详")
        self.assertEqual(self.page(self.sibling, year=YEAR).status_code, 404)
        self.assertEqual(self.page(self.sibling.children.get(), year=YEAR).status_code, 404)


class SectionMigrationTests(MigrationTestCase):
    """0007 adds sections to existing records (blank: the whole unit) and widens the unique constraint."""

    before = [("communities", "0007_cockpit_audit_display")]
    after = [("communities", "0008_population_sections_minority_total")]

    def setUp(self):
        before_migrating()

    def test_existing_records_become_whole_unit_records(self):
        executor = MigrationExecutor(connection)
        executor.migrate(self.before)
        old_apps = executor.loader.project_state(self.before).apps
        Jurisdiction = old_apps.get_model("communities", "Jurisdiction")
        Record = old_apps.get_model("communities", "PopulationRecord")
        school = Jurisdiction.objects.create(name="学校", level="unit", path="", depth=0)
        Record.objects.create(jurisdiction=school, year=YEAR, kind="student", residents=899)

        executor = MigrationExecutor(connection)
        executor.migrate(self.after)
        new_apps = executor.loader.project_state(self.after).apps
        Record = new_apps.get_model("communities", "PopulationRecord")
        record = Record.objects.get()
        self.assertEqual((record.section, record.minority_total, record.residents), ("", None, 899))
        Record.objects.create(jurisdiction_id=school.pk, year=YEAR, kind="student", section="初中部", residents=304)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Record.objects.create(jurisdiction_id=school.pk, year=YEAR, kind="student", section="初中部")
        with self.assertRaises(IntegrityError), transaction.atomic():
            Record.objects.create(jurisdiction_id=school.pk, year=YEAR, kind="staff", residents=30, minority_total=38)


class SchoolRecordAdminTests(TestCase):
    """The admin takes a section and a minority total, and refuses what cannot be right, naming the field."""

    @classmethod
    def setUpTestData(cls):
        cls.school = make_jurisdiction("种蜂场九年制学校", JurisdictionLevel.UNIT)
        cls.superuser = make_user(is_superuser=True, is_staff=True)

    def setUp(self):
        self.client.force_login(self.superuser)

    def add(self, *, section="", residents=70, minority_total=38, counts=()):
        data = record_form(self.school, residents, list(counts))
        data.update({"kind": STAFF, "year": YEAR, "section": section, "minority_total": minority_total})
        return self.client.post(reverse("admin:communities_populationrecord_add"), data)

    def test_two_sections_and_an_unsplit_total_are_saved(self):
        for section in ("小学部", "初中部"):
            self.assertEqual(self.add(section=section, counts=[("哈萨克族", 20, None)]).status_code, 302)
        records = PopulationRecord.objects.filter(jurisdiction=self.school).order_by("section")
        self.assertEqual([(r.section, r.minority_total) for r in records], [("初中部", 38), ("小学部", 38)])
        teachers = population_summary(jurisdiction=self.school, year=YEAR, kind=STAFF)
        self.assertEqual((teachers.minority_total, teachers.minority_unspecified, len(teachers.sections)), (76, 36, 2))

    def test_minority_groups_above_the_minority_total_are_refused(self):
        response = self.add(counts=[("哈萨克族", 30, None), ("回族", 10, None)])
        self.assertContains(response, "各少数民族人数合计40人，超过“少数民族合计”38人")
        self.assertFalse(PopulationRecord.objects.exists())

    def test_a_minority_total_above_the_total_is_refused_on_its_field(self):
        response = self.add(residents=30)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["adminform"].form.errors["minority_total"],
            ["少数民族合计38人，超过总人数30人：请核对“少数民族合计”或总人数。"],
        )
        self.assertFalse(PopulationRecord.objects.exists())


class SchoolCensusLongLayoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.school = make_jurisdiction("实验学校", JurisdictionLevel.UNIT, code="520115001901")

    def test_the_long_layout_reads_the_section_of_each_row(self):
        rows = [
            ["区划代码", "学部", "民族", "人数", "男", "女"],
            ["520115001901", "小学部", "瑶族", "518", "261", "257"],
            ["520115001901", "小学部", "汉族", "381", "196", "185"],
            ["520115001901", "初中部", "瑶族", "111", "63", "48"],
        ]
        plan = census_import_plan(file=csv_bytes(rows), filename="long.csv", year=YEAR, kind=STUDENT)
        self.assertEqual([str(i) for i in plan.issues], [])
        self.assertEqual(sorted(r.label for r in plan.records), ["实验学校 初中部", "实验学校 小学部"])
        census_import_apply(plan=plan)
        students = population_summary(jurisdiction=self.school, year=YEAR, kind=STUDENT)
        primary, junior = students.sections
        self.assertEqual((primary.section, primary.population, primary.groups[0].female), ("小学部", 899, 257))
        self.assertEqual((junior.section, junior.population), ("初中部", 111))
