"""The province code (base.provinces): one definition, right on every row whatever wrote it, on both databases.

The meta-test: after writes through every path (services and model saves, the admin, bulk statements, raw SQL, the
census and register imports, moves of records and of whole places between trees), every row's province code equals
its jurisdiction's. Runs on SQLite and, with scripts/with_postgres.sh, PostgreSQL.
"""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.forms import modelform_factory
from django.test import TestCase
from django.urls import reverse

from activities.choices import FundingSource, ProjectKind
from activities.models import (
    Activity,
    ActivityCategory,
    MonthlyFigure,
    MonthlyReturn,
    MonthlyValue,
    Project,
    ProjectFunding,
    ReturnCheck,
    ValidationRule,
    YearlyValue,
)
from activities.registers import activity_register_apply, activity_register_plan
from base import provinces
from base.provinces import ProvinceCoded, province_code, province_code_sql
from communities.choices import JurisdictionLevel, Role
from communities.importers.census import census_import_apply, census_import_plan
from communities.models import CountsChecksum, GroupCount, Jurisdiction, PopulationRecord
from tests.activities.factories_petitions import make_petition
from tests.activities.factories_registers import ACTIVITY_HEADER, activity_rows
from tests.communities.test_admin import record_form
from tests.factories import csv_bytes, group, make_jurisdiction, make_member, make_population, make_user
from tests.migrating import MigrationTestCase, before_migrating, old_district_record
from tests.summaries.operations import RandomWrites, build_tree

EXPECTED_TABLES = {
    "activities_activity",
    "activities_activityphoto",
    "activities_petitionstatuschange",
    "activities_projectfunding",
    "activities_returncheck",
    "activities_petition",
    "activities_project",
    "activities_monthlyreturn",
    "activities_monthlyvalue",
    "activities_yearlyvalue",
    "communities_populationrecord",
    "communities_groupcount",
    "communities_countschecksum",
}


def stored_code(obj):
    return type(obj).objects.filter(pk=obj.pk).values_list("province_code", flat=True).get()


class DefinitionTests(TestCase):
    def test_the_code_is_the_root_segment_of_the_path_in_python_and_in_sql(self):
        district = make_jurisdiction("区", JurisdictionLevel.DISTRICT, code="520115000000")
        community = make_jurisdiction("社区", parent=make_jurisdiction("街道", JurisdictionLevel.STREET, district))
        self.assertEqual(province_code(community.path), f"{district.pk:08d}")
        self.assertEqual(province_code(community.path), province_code(district.path))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {province_code_sql('%s')}", [community.path])
            self.assertEqual(cursor.fetchone()[0], province_code(community.path))
        self.assertEqual(province_code(""), "")

    def test_the_large_tables_carry_the_column_and_their_triggers(self):
        coded = {model._meta.db_table for model in provinces.coded_models()}
        self.assertEqual(coded, EXPECTED_TABLES)
        for model in provinces.coded_models():
            with self.subTest(model=model.__name__):
                self.assertTrue(issubclass(model, ProvinceCoded))
                field = model._meta.get_field("province_code")
                self.assertFalse(field.null)
                self.assertFalse(field.editable)
        installed = {table for table, _name in provinces.installed_triggers()}
        # Every table but the group counts (whose writers set it) has its own trigger; the places cascade.
        self.assertEqual(installed, (EXPECTED_TABLES - {"communities_groupcount"}) | {"communities_jurisdiction"})


class EveryWritePathTests(TestCase):
    """Writes through every path, then every row's code is its jurisdiction's (provinces.mismatches is empty)."""

    @classmethod
    def setUpTestData(cls):
        cls.home, cls.home_places = build_tree("520100000000")
        cls.away, cls.away_places = build_tree("530100000000")
        cls.community = cls.home_places[2]
        cls.category = ActivityCategory.objects.first()
        cls.figure = MonthlyFigure.objects.filter(is_active=True).first()
        cls.staff = make_member(cls.community, Role.STAFF, "province-staff")

    def assertAllRight(self):
        self.assertEqual(provinces.mismatches(), {})

    def assertCode(self, obj, place):
        self.assertEqual(stored_code(obj), province_code(place.path))

    def test_the_home_and_away_trees_have_different_codes(self):
        self.assertNotEqual(province_code(self.home.path), province_code(self.away.path))

    def test_model_saves_and_creates_of_every_table(self):
        activity = Activity.objects.create(
            jurisdiction=self.community, category=self.category, title="宣讲", date=date(2026, 3, 1)
        )
        petition = make_petition(self.community)
        project = Project.objects.create(
            jurisdiction=self.community,
            name="项目",
            kind=ProjectKind.choices[0][0],
            year=2026,
            total_investment=10,
            amount_spent=0,
        )
        monthly_return = MonthlyReturn.objects.create(jurisdiction=self.community, month=date(2026, 3, 1))
        value = MonthlyValue.objects.create(monthly_return=monthly_return, figure=self.figure, value=3)
        yearly = YearlyValue.objects.create(jurisdiction=self.community, year=2026, figure=self.figure, value=1)
        record = make_population(self.community, 2026, {"汉族": 10, "苗族": 5})
        funding = ProjectFunding.objects.create(project=project, source=FundingSource.choices[0][0], amount=1)
        rows = [activity, petition, project, monthly_return, value, yearly, record, funding]
        rows += [*record.group_counts.all(), *petition.status_changes.all()]
        self.assertTrue(petition.status_changes.exists())
        for obj in rows:
            with self.subTest(table=obj._meta.db_table):
                self.assertCode(obj, self.community)
                self.assertEqual(obj.province_code, province_code(self.community.path))
        self.assertAllRight()

    def test_saving_a_row_loaded_without_its_parent_and_moved_by_id(self):
        activity = Activity.objects.create(
            jurisdiction=self.community, category=self.category, title="宣讲", date=date(2026, 3, 1)
        )
        loaded = Activity.objects.get(pk=activity.pk)
        loaded.jurisdiction_id = self.away.pk
        loaded.save()
        self.assertCode(activity, self.away)
        loaded.title = "改名"
        loaded.save(update_fields=["title"])
        self.assertCode(activity, self.away)
        self.assertAllRight()

    def test_bulk_creates_updates_and_raw_sql(self):
        Activity.objects.bulk_create(
            Activity(jurisdiction=self.community, category=self.category, title=f"批量{n}", date=date(2026, 4, n))
            for n in range(1, 6)
        )
        record = PopulationRecord.objects.create(jurisdiction=self.community, year=2025)
        GroupCount.objects.bulk_create(
            [GroupCount(record_id=record.pk, ethnic_group=group("汉族"), count=1)]  # parent not loaded
        )
        Activity.objects.filter(jurisdiction=self.community).update(jurisdiction=self.away_places[3])
        self.assertEqual(set(Activity.objects.values_list("province_code", flat=True)), {province_code(self.away.path)})
        other = PopulationRecord.objects.create(jurisdiction=self.away, year=2025)
        GroupCount.objects.filter(record=record).update(record=other)
        self.assertEqual(GroupCount.objects.get().province_code, province_code(self.away.path))
        with connection.cursor() as cursor:
            # Raw SQL that leaves the column out, and raw SQL that writes a wrong code: the triggers correct both.
            cursor.execute(
                "INSERT INTO activities_activity (jurisdiction_id, category_id, title, date, place, organiser, "
                "participants, minority_participants, posters, handbooks, promo_items, light_boxes, online_posts, "
                "people_reached, summary, created_at, updated_at) "
                "VALUES (%s, %s, '原始', %s, '', '', 0, 0, 0, 0, 0, 0, 0, 0, '', %s, %s)",
                [self.community.pk, self.category.pk, date(2026, 5, 1), "2026-05-01 00:00", "2026-05-01 00:00"],
            )
            cursor.execute("UPDATE activities_activity SET province_code = 'wrong' WHERE title = '原始'")
            cursor.execute(
                "UPDATE activities_activity SET jurisdiction_id = %s WHERE title = '批量1'", [self.home_places[5].pk]
            )
        self.assertEqual(Activity.objects.get(title="原始").province_code, province_code(self.community.path))
        self.assertAllRight()

    def test_a_group_count_written_without_its_code_is_refused(self):
        record = PopulationRecord.objects.create(jurisdiction=self.community, year=2025)
        with self.assertRaises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO communities_groupcount (record_id, ethnic_group_id, count) VALUES (%s, %s, 1)",
                [record.pk, group("汉族").pk],
            )

    def test_a_random_mix_of_writes_across_two_trees(self):
        # The summaries' random writes: creates, updates, deletes, moves of records between places (here between
        # the two trees too), bulk statements and raw SQL.
        RandomWrites(self.home_places + self.away_places, seed=11).run(600)
        self.assertGreater(Activity.objects.values("province_code").distinct().count(), 1)
        self.assertAllRight()

    def test_a_place_moved_into_another_tree_takes_its_rows_along(self):
        street = self.home_places[1]
        community = self.home_places[2]
        activity = Activity.objects.create(
            jurisdiction=community, category=self.category, title="宣讲", date=date(2026, 3, 1)
        )
        monthly_return = MonthlyReturn.objects.create(jurisdiction=community, month=date(2026, 3, 1))
        value = MonthlyValue.objects.create(monthly_return=monthly_return, figure=self.figure, value=3)
        rule = ValidationRule.objects.create(name="不超过1", operator="le", right_constant=1)
        rule.left_figures.add(self.figure)
        check = ReturnCheck.objects.get(monthly_return=monthly_return)  # kept by the checks' triggers
        step = make_petition(community).status_changes.first()
        record = make_population(street, 2026, {"汉族": 10})
        count = record.group_counts.get()
        checksum, _created = CountsChecksum.objects.update_or_create(record=record, defaults={"counts": "0" * 32})
        self.assertCode(checksum, self.home)
        staying = make_population(self.home, 2026, {"汉族": 10})
        street.parent = self.away
        street.save()
        for obj in (activity, monthly_return, value, check, step, record, count, checksum):
            with self.subTest(table=obj._meta.db_table):
                self.assertCode(obj, self.away)
        self.assertCode(staying, self.home)
        self.assertAllRight()
        # And back.
        street.parent = self.home
        street.save()
        self.assertCode(count, self.home)
        self.assertAllRight()

    def test_the_admin_with_its_inline_group_counts(self):
        superuser = make_user(is_superuser=True, is_staff=True)
        self.client.force_login(superuser)
        response = self.client.post(
            reverse("admin:communities_populationrecord_add"),
            record_form(self.community, 1000, [("汉族", 900, None), ("苗族", 50, None)]),
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(GroupCount.objects.count(), 2)
        self.assertAllRight()

    def test_the_census_import(self):
        leaves = [p for p in self.home_places if p.level == JurisdictionLevel.COMMUNITY][:2]
        rows = [["区划代码", "地区名称", "常住人口", "汉族", "苗族"]] + [
            [place.code, place.name, "100", "90", "10"] for place in leaves
        ]
        plan = census_import_plan(file=csv_bytes(rows), filename="census.csv", year=2024)
        self.assertEqual([str(i) for i in plan.issues], [])
        result = census_import_apply(plan=plan)
        self.assertEqual(result.new, 2)
        self.assertEqual(
            set(GroupCount.objects.values_list("province_code", flat=True)), {province_code(self.home.path)}
        )
        # A changed re-import rewrites counts of existing records.
        rows[1][3], rows[1][4] = "80", "20"
        census_import_apply(plan=census_import_plan(file=csv_bytes(rows), filename="census.csv", year=2024))
        self.assertEqual(GroupCount.objects.filter(count=20).count(), 1)
        self.assertAllRight()

    def test_the_activity_register_import(self):
        data = csv_bytes([ACTIVITY_HEADER, *activity_rows(5)])
        plan = activity_register_plan(file=data, filename="活动台账.csv", target=self.community, actor=self.staff)
        self.assertEqual(list(plan.issues), [])
        activity_register_apply(plan=plan, actor=self.staff)
        self.assertEqual(Activity.objects.filter(province_code=province_code(self.community.path)).count(), 5)
        self.assertAllRight()


class WidenedUniqueConstraintTests(TestCase):
    """The unique keys carry the province code (Citus needs it) and the forms still give their own message."""

    @classmethod
    def setUpTestData(cls):
        cls.community = make_jurisdiction("社区", code="520115001001")
        cls.figure = MonthlyFigure.objects.filter(is_active=True).first()

    def test_a_form_is_refused_with_the_constraints_message(self):
        MonthlyReturn.objects.create(jurisdiction=self.community, month=date(2026, 3, 1))
        YearlyValue.objects.create(jurisdiction=self.community, year=2026, figure=self.figure, value=1)
        PopulationRecord.objects.create(jurisdiction=self.community, year=2026)
        cases = [
            (
                MonthlyReturn,
                {"jurisdiction": self.community.pk, "month": "2026-03-01", "status": "draft"},
                "该辖区该月已有月报。",
            ),
            (
                YearlyValue,
                {"jurisdiction": self.community.pk, "year": 2026, "figure": self.figure.pk, "value": "2"},
                "该辖区该年度已填写此指标。",
            ),
            (
                PopulationRecord,
                {"jurisdiction": self.community.pk, "year": 2026, "kind": "resident", "section": ""},
                "该辖区该年份已有同类、同学部的人口记录。",
            ),
        ]
        for model, data, message in cases:
            with self.subTest(model=model.__name__):
                form = modelform_factory(model, fields=list(data))(data)
                self.assertFalse(form.is_valid())
                self.assertIn(message, str(form.errors))

    def test_full_clean_of_a_new_row_finds_the_clash(self):
        MonthlyReturn.objects.create(jurisdiction=self.community, month=date(2026, 3, 1))
        duplicate = MonthlyReturn(jurisdiction_id=self.community.pk, month=date(2026, 3, 1))
        with self.assertRaisesMessage(Exception, "该辖区该月已有月报。"):
            duplicate.full_clean()

    def test_the_database_refuses_a_duplicate(self):
        MonthlyReturn.objects.create(jurisdiction=self.community, month=date(2026, 3, 1))
        with self.assertRaises(IntegrityError), transaction.atomic():
            MonthlyReturn.objects.create(jurisdiction=self.community, month=date(2026, 3, 1))


class InSubtreeTests(TestCase):
    def test_the_subtree_filter_names_the_province_and_finds_the_same_rows(self):
        home, home_places = build_tree("520100000000", streets=1, communities=2)
        category = ActivityCategory.objects.first()
        for place in home_places:
            Activity.objects.create(jurisdiction=place, category=category, title="宣讲", date=date(2026, 3, 1))
        street = home_places[1]
        rows = Activity.objects.in_subtree(street)
        self.assertIn('"province_code" =', str(rows.query).replace("activities_activity.", ""))
        self.assertEqual(set(rows.values_list("jurisdiction_id", flat=True)), {p.pk for p in home_places if p != home})
        self.assertEqual(MonthlyValue.objects.in_subtree(street).count(), 0)
        # Every distributed table a subtree query joins names the province (Citus prunes each of them).
        sql = str(MonthlyValue.objects.in_subtree(street).query)
        self.assertIn('"activities_monthlyvalue"."province_code" =', sql)
        self.assertIn('"activities_monthlyreturn"."province_code" =', sql)


class MigrationFillsExistingRowsTests(MigrationTestCase):
    """The migrations fill the existing rows (one UPDATE per table) on a database that holds some."""

    before = [("communities", "0010_security_sign_in_audit"), ("activities", "0018_dashboard_indexes")]

    def test_existing_checksum_rows_get_their_records_code(self):
        old = self.migrate([("communities", "0015_groupcount_no_group_index")])
        record = old_district_record(old)
        old.get_model("communities", "CountsChecksum").objects.create(record=record, counts="0" * 32)

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        self.assertEqual(list(CountsChecksum.objects.values_list("province_code", flat=True)), [record.province_code])

    def test_existing_rows_get_their_province_code(self):
        before_migrating()
        executor = MigrationExecutor(connection)
        executor.migrate(self.before)
        old = executor.loader.project_state(self.before).apps
        OldJurisdiction = old.get_model("communities", "Jurisdiction")
        root = OldJurisdiction.objects.create(name="区", level="district", code="520115000000")
        root.path = f"{root.pk:08d}/"
        root.save()
        child = OldJurisdiction.objects.create(name="社区", level="community", parent=root, depth=1)
        child.path = f"{root.path}{child.pk:08d}/"
        child.save()
        record = old.get_model("communities", "PopulationRecord").objects.create(jurisdiction=child, year=2024)
        old.get_model("communities", "GroupCount").objects.create(
            record=record, ethnic_group=old.get_model("communities", "EthnicGroup").objects.first(), count=3
        )
        category = old.get_model("activities", "ActivityCategory").objects.first()
        old.get_model("activities", "Activity").objects.create(
            jurisdiction=child, category=category, title="宣讲", date=date(2026, 3, 1)
        )
        figure = old.get_model("activities", "MonthlyFigure").objects.first()
        monthly_return = old.get_model("activities", "MonthlyReturn").objects.create(
            jurisdiction=child, month=date(2026, 3, 1)
        )
        old.get_model("activities", "MonthlyValue").objects.create(
            monthly_return=monthly_return, figure=figure, value=Decimal(2)
        )

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        provinces.install_triggers(plan=True)
        expected = province_code(Jurisdiction.objects.get(pk=child.pk).path)
        self.assertEqual(expected, f"{root.pk:08d}")
        for model in (PopulationRecord, GroupCount, Activity, MonthlyReturn, MonthlyValue):
            with self.subTest(model=model.__name__):
                self.assertEqual(list(model.objects.values_list("province_code", flat=True)), [expected])
        self.assertEqual(provinces.mismatches(), {})
