"""The register imports (activities.registers): reading, every kind of bad row, month locks, re-import, audit."""

import json
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import TestCase

from activities.choices import PetitionStatus, ReturnStatus
from activities.models import Activity, MonthlyReturn, Petition, PetitionStatusChange
from activities.registers import (
    activity_register_apply,
    activity_register_plan,
    parse_date,
    petition_register_apply,
    petition_register_plan,
)
from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import AuditEntry
from tests.activities.factories_activities import make_activity
from tests.activities.factories_petitions import make_petition
from tests.activities.factories_registers import (
    ACTIVITY_HEADER,
    PETITION_HEADER,
    activity_rows,
    id_number,
    petition_rows,
)
from tests.factories import csv_bytes, make_jurisdiction, make_member, xlsx_bytes


def lock(jurisdiction, month):
    MonthlyReturn.objects.create(jurisdiction=jurisdiction, month=month, status=ReturnStatus.APPROVED)


class RegisterTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("金华园街道", JurisdictionLevel.STREET, code="520115001000")
        cls.community = make_jurisdiction("碧海社区", parent=cls.street, code="520115001001")
        cls.sibling = make_jurisdiction("金源社区", parent=cls.street, code="520115001002")
        cls.staff = make_member(cls.community, Role.STAFF, "bihai-staff")
        cls.leader = make_member(cls.street, Role.LEADER, "street-leader")

    def activity_plan(self, rows, *, header=ACTIVITY_HEADER, name="活动台账.xlsx", target=None, actor=None, data=None):
        if data is None:
            data = xlsx_bytes([header, *rows]) if name.endswith(".xlsx") else csv_bytes([header, *rows])
        return activity_register_plan(
            file=data, filename=name, target=target or self.community, actor=actor or self.staff
        )

    def petition_plan(self, rows, *, header=PETITION_HEADER, name="信访台账.xlsx", target=None, actor=None):
        data = xlsx_bytes([header, *rows]) if name.endswith(".xlsx") else csv_bytes([header, *rows])
        return petition_register_plan(
            file=data, filename=name, target=target or self.community, actor=actor or self.staff
        )

    def issues(self, plan):
        return [(i.row, i.column, i.field) for i in plan.issues]


class ActivityRegisterTests(RegisterTestCase):
    def test_five_hundred_rows_import_in_one_apply_with_an_audit_row_each(self):
        plan = self.activity_plan(activity_rows(500))
        self.assertEqual(list(plan.issues), [])
        self.assertEqual(plan.counts, {"new": 500, "changed": 0, "unchanged": 0})
        self.assertFalse(Activity.objects.exists())

        result = activity_register_apply(plan=plan, actor=self.staff)

        self.assertEqual((result.new, result.changed, result.unchanged), (500, 0, 0))
        activities = Activity.objects.filter(jurisdiction=self.community)
        self.assertEqual(activities.count(), 500)
        first = activities.get(title="民族团结主题活动1")
        self.assertEqual(
            (first.date, first.place, first.category.name, first.participants, first.minority_participants),
            (date(2024, 1, 2), "活动室0", "宣讲", 40, 10),
        )
        self.assertEqual(first.posters, 5)
        self.assertEqual(first.handbooks, 0)
        self.assertEqual(first.created_by, self.staff)
        rows = AuditEntry.objects.filter(action=AuditAction.IMPORT)
        self.assertEqual(rows.count(), 501)
        entry = AuditEntry.objects.for_object(first).get()
        self.assertEqual(entry.user, self.staff)
        self.assertEqual(entry.changes["title"], [None, "民族团结主题活动1"])
        self.assertIn("第2行", entry.note)
        summary = AuditEntry.objects.for_object(self.community).get()
        self.assertEqual(summary.changes["new"], 500)
        self.assertEqual(summary.jurisdiction, self.community)

    def test_importing_the_same_file_again_changes_nothing(self):
        rows = activity_rows(30)
        activity_register_apply(plan=self.activity_plan(rows), actor=self.staff)
        before = (Activity.objects.count(), AuditEntry.objects.count())

        again = self.activity_plan(rows)

        self.assertEqual(again.counts, {"new": 0, "changed": 0, "unchanged": 30})
        self.assertFalse(again.will_write)
        activity_register_apply(plan=again, actor=self.staff)
        self.assertEqual((Activity.objects.count(), AuditEntry.objects.count()), before)

    def test_a_matched_row_updates_only_the_columns_the_file_has(self):
        stored = make_activity(
            self.community, date(2024, 3, 5), "宣讲", title="政策宣讲", place="会议室", participants=20, handbooks=7
        )
        header = ["活动名称", "日期", "地点", "类别", "参与人数"]
        # The key is compared with spaces and full-width forms folded.
        plan = self.activity_plan([["政策 宣讲", "2024/3/5", "会议室", "宣讲", "35"]], header=header)

        self.assertEqual(plan.counts["changed"], 1)
        self.assertEqual(plan.rows[0].change_texts, [("参与人数", "20", "35")])
        activity_register_apply(plan=plan, actor=self.staff)
        stored.refresh_from_db()
        self.assertEqual((stored.participants, stored.handbooks, stored.title), (35, 7, "政策宣讲"))
        entry = AuditEntry.objects.for_object(stored).get()
        self.assertEqual(entry.changes, {"participants": [20, 35]})

    def test_header_synonyms_a_title_row_and_units_are_read(self):
        header = ["序号", "活动主题", "活动日期", "活动地点", "活动类型", "参加人数", "少数民族人数", "宣传手册（册）"]
        rows = [
            ["碧海社区2024年民族团结活动台账"],
            header,
            ["1", "联谊会", "2024年4月1日", "广场", "联谊", "80", "30", "100"],
        ]
        plan = activity_register_plan(
            file=xlsx_bytes(rows), filename="台账.xlsx", target=self.community, actor=self.staff
        )
        self.assertEqual(list(plan.issues), [])
        (row,) = plan.rows
        self.assertEqual(row.row, 3)
        activity = row.instance
        self.assertEqual((activity.title, activity.date, activity.category.name), ("联谊会", date(2024, 4, 1), "联谊"))
        self.assertEqual((activity.participants, activity.minority_participants, activity.handbooks), (80, 30, 100))
        self.assertEqual(plan.ignored_headers, ["序号"])

    def test_excel_date_cells_and_day_numbers_are_read(self):
        rows = [
            ["a", date(2024, 3, 5), "宣讲", 3],
            ["b", datetime(2024, 3, 6, 0, 0), "宣讲", 4.0],
            ["c", 45357, "宣讲", None],
        ]
        plan = self.activity_plan(rows, header=["活动名称", "日期", "类别", "参与人数"])
        self.assertEqual(list(plan.issues), [])
        self.assertEqual(
            [(r.instance.date, r.instance.participants) for r in plan.rows],
            [(date(2024, 3, 5), 3), (date(2024, 3, 6), 4), (date(2024, 3, 6), 0)],
        )

    def test_csv_in_gbk_and_in_utf8_with_bom(self):
        rows = [ACTIVITY_HEADER, *activity_rows(3)]
        for encoding in ("gbk", "utf-8-sig"):
            with self.subTest(encoding=encoding):
                plan = self.activity_plan(None, name="台账.csv", data=csv_bytes(rows, encoding))
                self.assertEqual(list(plan.issues), [])
                self.assertEqual([r.instance.title for r in plan.rows][:1], ["民族团结主题活动1"])
                self.assertEqual(plan.counts["new"], 3)

    def test_a_bad_date_an_unknown_category_and_a_locked_month_are_refused_whole(self):
        lock(self.community, date(2024, 2, 1))
        rows = activity_rows(4)
        rows[0][2] = "2024-13-40"  # row 2
        rows[1][4] = "广场舞"  # row 3
        rows[2][2] = "2024-02-10"  # row 4, in the approved month
        rows[3][6] = "99"  # row 5: more minority participants than participants

        plan = self.activity_plan(rows)

        self.assertEqual(
            self.issues(plan),
            [
                (2, "日期（C列）", "日期"),
                (3, "类别（E列）", "类别"),
                (4, "日期（C列）", "日期"),
                (5, "其中少数民族（人）（G列）", "其中少数民族（人）"),
            ],
        )
        messages = [issue.message for issue in plan.issues]
        self.assertIn("“2024-13-40”无法识别", messages[0])
        self.assertIn("活动类别“广场舞”不存在", messages[1])
        self.assertIn("2024年2月的月报已审核锁定", messages[2])
        self.assertIn("碧海社区", messages[2])
        self.assertFalse(plan.will_write)
        with self.assertRaisesMessage(ValidationError, "文件中有 4 处错误"):
            activity_register_apply(plan=plan, actor=self.staff)
        self.assertFalse(Activity.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_a_locked_month_does_not_refuse_rows_already_stored_unchanged(self):
        rows = activity_rows(2)
        activity_register_apply(plan=self.activity_plan(rows), actor=self.staff)
        lock(self.community, date(2024, 1, 1))
        plan = self.activity_plan(rows)
        self.assertEqual(list(plan.issues), [])
        self.assertEqual(plan.counts["unchanged"], 2)

    def test_a_month_approved_after_the_preview_is_refused_at_apply(self):
        plan = self.activity_plan(activity_rows(2))
        lock(self.community, date(2024, 1, 1))
        with self.assertRaisesMessage(ValidationError, "2024年1月"):
            activity_register_apply(plan=plan, actor=self.staff)
        self.assertFalse(Activity.objects.exists())

    def test_another_jurisdictions_code_reads_as_an_unknown_one(self):
        rows = [*activity_rows(1, code="520115001002"), *activity_rows(1, code="520115999999")]
        plan = self.activity_plan(rows)
        self.assertEqual(self.issues(plan), [(2, "辖区代码（A列）", "辖区"), (3, "辖区代码（A列）", "辖区")])
        self.assertIn("不是所选辖区“碧海社区”或其下级辖区的代码", plan.issues[0].message)
        self.assertEqual(
            plan.issues[0].message.replace("520115001002", "X"), plan.issues[1].message.replace("520115999999", "X")
        )

    def test_a_leader_imports_rows_into_the_communities_below_by_code(self):
        rows = [*activity_rows(1, code="520115001001"), *activity_rows(1, code="520115001002.0")]
        rows[1][1] = "另一个活动"
        plan = self.activity_plan(rows, target=self.street, actor=self.leader)
        self.assertEqual(list(plan.issues), [])
        self.assertEqual([r.instance.jurisdiction for r in plan.rows], [self.community, self.sibling])

    def test_a_target_outside_the_actors_scope_is_refused(self):
        plan = self.activity_plan(activity_rows(1), target=self.sibling)
        self.assertEqual([i.message for i in plan.issues], ["请选择您可以录入记录的辖区（辖区代码）。"])
        good = self.activity_plan(activity_rows(1))
        outsider = make_member(self.sibling, Role.STAFF)
        with self.assertRaises(PermissionDenied):
            activity_register_apply(plan=good, actor=outsider)
        auditor = make_member(self.community, Role.AUDITOR)
        self.assertFalse(self.activity_plan(activity_rows(1), actor=auditor).is_valid)

    def test_duplicate_rows_missing_columns_and_an_empty_file(self):
        rows = activity_rows(2)
        rows[1] = list(rows[0])
        plan = self.activity_plan(rows)
        self.assertEqual(self.issues(plan), [(3, "日期（C列）", "日期")])
        self.assertIn("与第2行是同一项活动", plan.issues[0].message)

        plan = self.activity_plan([["x", "2024-01-01"]], header=["活动名称", "日期", "地点"])
        self.assertEqual([(i.row, i.message) for i in plan.issues], [(1, "缺少必需的列：类别。")])

        plan = self.activity_plan([])
        self.assertEqual([i.message for i in plan.issues], ["文件中没有记录：表头下面是空的。"])

    def test_future_dates_negative_counts_and_overlong_names(self):
        rows = activity_rows(3)
        rows[0][2] = "2999-01-01"
        rows[1][5] = "-3"
        rows[2][1] = "长" * 201
        plan = self.activity_plan(rows)
        self.assertEqual(
            self.issues(plan),
            [(2, "日期（C列）", "日期"), (3, "参与人数（F列）", "参与人数"), (4, "活动名称（B列）", "活动名称")],
        )

    def test_two_stored_activities_with_one_key_are_not_guessed_between(self):
        for _i in range(2):
            make_activity(self.community, date(2024, 1, 2), "宣讲", title="民族团结主题活动1", place="活动室0")
        plan = self.activity_plan(activity_rows(1))
        self.assertEqual(self.issues(plan), [(2, "日期（C列）", "日期")])
        self.assertIn("已有2条", plan.issues[0].message)


class PetitionRegisterTests(RegisterTestCase):
    def test_five_hundred_cases_import_encrypted_with_their_history(self):
        plan = self.petition_plan(petition_rows(500))
        self.assertEqual(list(plan.issues), [])
        self.assertEqual(plan.counts["new"], 500)

        petition_register_apply(plan=plan, actor=self.staff)

        self.assertEqual(Petition.objects.count(), 500)
        statuses = {s: Petition.objects.filter(status=s).count() for s in PetitionStatus.values}
        self.assertEqual((statuses["registered"], statuses["accepted"], statuses["closed"]), (167, 167, 166))
        closed = Petition.objects.get(petitioner_name="王2")
        self.assertEqual((closed.outcome, closed.outcome_text), ("resolved", "已协调解决"))
        self.assertEqual(
            list(closed.status_changes.values_list("from_status", "to_status")),
            [("", "registered"), ("registered", "accepted"), ("accepted", "closed")],
        )
        self.assertIsNone(closed.due_on)
        registered = Petition.objects.get(petitioner_name="王0")
        self.assertEqual(registered.due_on, date(2024, 1, 17))
        self.assertEqual(PetitionStatusChange.objects.count(), 500 + 333 + 166)
        # Stored encrypted, found by the keyed hash only.
        self.assertEqual(
            list(Petition.objects.with_id_number(id_number(7))), [Petition.objects.get(petitioner_name="王7")]
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT petitioner_id_number FROM activities_petition")
            raw = [value for (value,) in cursor.fetchall()]
        self.assertFalse(any(id_number(i) in value for i, value in enumerate(raw)))
        # The audit trail keeps the masked number only.
        trail = json.dumps([e.changes for e in AuditEntry.objects.all()], ensure_ascii=False)
        self.assertNotIn(id_number(7), trail)
        self.assertIn("5201**********", trail)
        self.assertEqual(AuditEntry.objects.filter(action=AuditAction.IMPORT).count(), 501)

    def test_importing_the_same_file_again_changes_nothing(self):
        rows = petition_rows(20)
        petition_register_apply(plan=self.petition_plan(rows), actor=self.staff)
        before = (Petition.objects.count(), PetitionStatusChange.objects.count(), AuditEntry.objects.count())
        again = self.petition_plan(rows)
        self.assertEqual(again.counts, {"new": 0, "changed": 0, "unchanged": 20})
        petition_register_apply(plan=again, actor=self.staff)
        after = (Petition.objects.count(), PetitionStatusChange.objects.count(), AuditEntry.objects.count())
        self.assertEqual(after, before)

    def test_a_case_entered_by_hand_is_matched_by_its_id_number(self):
        stored = make_petition(
            self.community, received_on=date(2024, 1, 2), category="urban", petitioner_id_number=id_number(0)
        )
        plan = self.petition_plan(petition_rows(1))
        (row,) = plan.rows
        self.assertEqual(row.status, "changed")
        self.assertEqual(row.existing, stored)
        labels = [label for label, _old, _new in row.change_texts]
        self.assertEqual(labels, ["信访人姓名", "联系电话", "主要诉求"])
        # The preview shows personal data masked, old and new.
        self.assertEqual(row.change_texts[0][1:], ("张**", "王*"))
        petition_register_apply(plan=plan, actor=self.staff)
        stored.refresh_from_db()
        self.assertEqual((stored.petitioner_name, stored.status), ("王0", PetitionStatus.REGISTERED))
        self.assertEqual(AuditEntry.objects.for_object(stored).get().changes["petitioner_name"], ["张**", "王*"])

    def test_a_bad_date_an_unknown_category_a_wrong_check_digit_and_a_locked_month(self):
        lock(self.community, date(2024, 1, 1))
        rows = petition_rows(5, start=date(2024, 2, 1))
        rows[0][1] = "2024-02-30"  # row 2
        rows[1][6] = "物业纠纷"  # row 3
        rows[2][3] = id_number(2)[:-1] + ("0" if id_number(2)[-1] != "0" else "1")  # row 4
        rows[3][1] = "2024-01-15"  # row 5, in the approved month
        plan = self.petition_plan(rows)
        self.assertEqual(
            self.issues(plan),
            [
                (2, "登记日期（B列）", "登记日期"),
                (3, "类别（G列）", "问题类别"),
                (4, "身份证号（D列）", "身份证号码"),
                (5, "登记日期（B列）", "登记日期"),
            ],
        )
        messages = [issue.message for issue in plan.issues]
        self.assertIn("“物业纠纷”不是可选的值", messages[1])
        self.assertEqual(messages[2], "身份证号码校验位不正确，请核对后重新输入。")
        self.assertIn("2024年1月的月报已审核锁定", messages[3])
        self.assertNotIn(rows[2][3], " ".join(str(i) for i in plan.issues))
        self.assertFalse(Petition.objects.exists())

    def test_choices_by_chinese_label_or_a_common_word_and_flags(self):
        header = ["登记日期", "信访人", "身份证号码", "信访形式", "问题类别", "反映问题", "群体性", "人数", "类型"]
        rows = [
            ["2024-05-06", "赵六", "", "12345", "邻里纠纷", "噪音扰民", "是", "3", "矛盾纠纷"],
            ["2024-05-06", "钱七", "", "网上", "劳动社保", "拖欠工资", "否", "", ""],
            ["2024-05-06", "孙八", "", "来访", "劳动社保", "拖欠工资", "是", "1", ""],
        ]
        plan = self.petition_plan(rows, header=header)
        self.assertEqual(self.issues(plan), [(4, "人数（H列）", "人数")])
        first, second = (r.instance for r in plan.rows)
        self.assertEqual((first.channel, first.category, first.is_group, first.persons, first.kind),
                         ("phone", "neighbour", True, 3, "dispute"))  # fmt: skip
        self.assertEqual((second.channel, second.persons, second.kind), ("online", 1, "petition"))

    def test_rows_without_an_id_number_are_keyed_by_name_and_request(self):
        header = ["登记日期", "来访人", "渠道", "类别", "主要诉求"]
        rows = [
            ["2024-05-06", "赵六", "来访", "邻里纠纷", "噪音扰民"],
            ["2024-05-06", "赵六", "来访", "邻里纠纷", "噪音 扰民"],
            ["2024-05-06", "钱七", "来访", "邻里纠纷", "噪音扰民"],
        ]
        plan = self.petition_plan(rows, header=header)
        self.assertEqual(self.issues(plan), [(3, "登记日期（A列）", "登记日期")])
        self.assertIn("与第2行是同一件事项", plan.issues[0].message)

    def test_dates_of_handling_must_follow_registration(self):
        rows = petition_rows(3)
        rows[0][8] = "2023-12-01"
        rows[1][9] = "2024-01-03"  # after registration (01-03) but before acceptance (01-04)
        rows[2][10] = "化解"
        rows[2][9] = ""
        plan = self.petition_plan(rows)
        self.assertEqual(
            self.issues(plan),
            [
                (2, "受理日期（I列）", "受理（不予受理）日期"),
                (3, "办结日期（J列）", "办结日期"),
                (4, "办结方式（K列）", "办结方式"),
            ],
        )


class ParseDateTests(TestCase):
    def test_the_ways_registers_write_a_date(self):
        for text in (
            "2024-03-05",
            "2024/3/5",
            "2024.03.05",
            "2024年3月5日",
            "20240305",
            "45356",
            "2024-03-05 00:00:00",
        ):
            with self.subTest(text=text):
                self.assertEqual(parse_date(text), date(2024, 3, 5))
        for text in ("2024-02-30", "3/5", "明天", "2024-3"):
            with self.subTest(text=text):
                self.assertIsNone(parse_date(text))
