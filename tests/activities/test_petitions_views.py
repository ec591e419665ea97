"""Tests of the petition pages and admin: masking everywhere, reveal, lookup, forms, steps, export, query counts."""

from datetime import date, timedelta
from io import BytesIO

from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from activities.choices import PetitionKind, ReturnStatus
from activities.choices import PetitionStatus as S
from activities.models import MonthlyReturn, Petition
from activities.services import petitions as services
from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import AuditEntry, Membership
from tests.activities.factories_petitions import ID_DIGIT, ID_WITH_X, make_petition, petition_data
from tests.factories import make_jurisdiction, make_member, make_user

MASKED_ID = "5201**********123X"
PHONE, MASKED_PHONE = "13812345678", "138****5678"


class PetitionPagesWorld(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
        cls.street = make_jurisdiction("碧海街道", JurisdictionLevel.STREET, cls.district, code="520115001000")
        cls.community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001001")
        cls.sibling = make_jurisdiction("金华社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001002")
        cls.staff = make_member(cls.community, Role.STAFF, "v-staff")
        cls.leader = make_member(cls.street, Role.LEADER, "v-leader")
        cls.petition = make_petition(cls.community, summary="电梯长期故障", received_on=date(2024, 3, 4))

    def detail_url(self, petition=None):
        return reverse("activities:petition_detail", args=[(petition or self.petition).pk])


class PetitionListViewTests(PetitionPagesWorld):
    def test_list_masks_personal_data_and_marks_overdue(self):
        self.client.force_login(self.staff)
        response = self.client.get(reverse("activities:petition_list"))
        self.assertContains(response, "张**")
        self.assertContains(response, MASKED_PHONE)
        self.assertContains(response, MASKED_ID)
        for secret in (ID_WITH_X, PHONE, "张三丰"):
            self.assertNotContains(response, secret)
        self.assertContains(response, 'class="overdue"')
        self.assertContains(response, "超期")

    def test_days_left_for_a_case_not_yet_due(self):
        make_petition(self.community, received_on=date.today(), summary="今天登记")
        self.client.force_login(self.staff)
        response = self.client.get(reverse("activities:petition_list"), {"q": "今天登记"})
        self.assertContains(response, "剩余15天")

    def test_filters_and_search(self):
        dispute = make_petition(
            self.community, kind=PetitionKind.DISPUTE, summary="邻里噪音纠纷", received_on=date(2024, 5, 2)
        )
        closed = make_petition(self.community, status=S.CLOSED, summary="已办结的诉求", received_on=date(2024, 5, 3))
        self.client.force_login(self.staff)
        url = reverse("activities:petition_list")
        cases = [
            ({"kind": "dispute"}, {dispute}),
            ({"status": "closed"}, {closed}),
            ({"month": "2024-03"}, {self.petition}),
            ({"received_from": "2024-05-01", "received_to": "2024-05-02"}, {dispute}),
            ({"overdue": "on"}, {self.petition, dispute}),
            ({"q": "噪音"}, {dispute}),
            ({"q": "城建"}, {self.petition, dispute, closed}),
            ({"jurisdiction": "520115001001"}, {self.petition, dispute, closed}),
            ({"jurisdiction": "520115001002"}, set()),
        ]
        for params, expected in cases:
            with self.subTest(params=params):
                response = self.client.get(url, params)
                self.assertEqual(set(response.context["petitions"]), expected)

    def test_invalid_filter_is_shown_and_ignored(self):
        self.client.force_login(self.staff)
        response = self.client.get(reverse("activities:petition_list"), {"month": "三月", "received_from": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "月份应写成")
        self.assertEqual(list(response.context["petitions"]), [self.petition])

    def test_sibling_cases_are_not_listed(self):
        make_petition(self.sibling, summary="金华社区的诉求")
        self.client.force_login(self.staff)
        response = self.client.get(reverse("activities:petition_list"))
        self.assertNotContains(response, "金华社区的诉求")
        self.client.force_login(self.leader)
        self.assertContains(self.client.get(reverse("activities:petition_list")), "金华社区的诉求")

    def test_query_count_does_not_grow_with_rows(self):
        self.client.force_login(self.staff)
        url = reverse("activities:petition_list")
        counts = []
        for total in (3, 30):
            Petition.objects.exclude(pk=self.petition.pk).delete()
            for i in range(total - 1):
                make_petition(self.community if i % 2 else self.sibling, summary=f"诉求{i}", history=False)
            self.client.get(url)  # warm the session and content-type caches
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            counts.append(len(ctx.captured_queries))
        self.assertEqual(counts[0], counts[1])
        with self.assertNumQueries(counts[0]):
            self.client.get(url)

    def test_excel_export_is_masked_and_filtered(self):
        make_petition(self.community, kind=PetitionKind.DISPUTE, summary="邻里纠纷", petitioner_id_number=ID_DIGIT)
        make_petition(self.sibling, summary="金华社区的诉求")
        self.client.force_login(self.staff)
        response = self.client.get(reverse("activities:petition_list"), {"kind": "petition", "format": "xlsx"})
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(BytesIO(response.getvalue())).active
        rows = list(sheet.iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        self.assertEqual(len(body), 1)
        record = dict(zip(header, body[0], strict=True))
        self.assertEqual(record["主要诉求"], "电梯长期故障")
        self.assertEqual(record["信访人"], "张**")
        self.assertEqual(record["联系电话"], MASKED_PHONE)
        self.assertEqual(record["身份证号码"], MASKED_ID)
        self.assertTrue(record["剩余/超期"].startswith("超期"))
        text = str(rows)
        for secret in (ID_WITH_X, ID_DIGIT, PHONE, "张三丰"):
            self.assertNotIn(secret, text)


class PetitionDetailViewTests(PetitionPagesWorld):
    def test_detail_masks_name_phone_and_id_and_offers_the_next_steps(self):
        self.client.force_login(self.staff)
        response = self.client.get(self.detail_url())
        self.assertContains(response, '<dd data-personal="name" class="masked">张**</dd>', html=True)
        self.assertNotContains(response, "张三丰")
        self.assertContains(response, MASKED_ID)
        self.assertContains(response, MASKED_PHONE)
        self.assertNotContains(response, ID_WITH_X)
        self.assertNotContains(response, PHONE)
        steps = [form.to_status for form in response.context["transition_forms"]]
        self.assertEqual(steps, [S.ACCEPTED, S.REJECTED])
        self.assertContains(response, 'data-step="registered"')
        self.assertNotContains(response, "查看完整信息")  # staff may not reveal

    def test_leader_sees_the_reveal_button(self):
        self.client.force_login(self.leader)
        self.assertContains(self.client.get(self.detail_url()), "查看完整信息")


class PetitionRevealViewTests(PetitionPagesWorld):
    def test_leader_reveals_and_the_reveal_is_audited(self):
        self.client.force_login(self.leader)
        response = self.client.post(reverse("activities:petition_reveal", args=[self.petition.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, ID_WITH_X)
        self.assertContains(response, PHONE)
        self.assertContains(response, "张三丰")  # the name is revealed together with the numbers
        self.assertIn("no-store", response["Cache-Control"])
        entry = AuditEntry.objects.get(action=AuditAction.REVEAL)
        self.assertEqual((entry.user, entry.object_id), (self.leader, str(self.petition.pk)))
        # The detail afterwards is masked again.
        again = self.client.get(self.detail_url())
        self.assertNotContains(again, ID_WITH_X)
        self.assertNotContains(again, "张三丰")

    def test_staff_gets_403_and_nothing_is_logged(self):
        self.client.force_login(self.staff)
        response = self.client.post(reverse("activities:petition_reveal", args=[self.petition.pk]))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(AuditEntry.objects.exists())

    def test_reveal_is_post_only(self):
        self.client.force_login(self.leader)
        self.assertEqual(
            self.client.get(reverse("activities:petition_reveal", args=[self.petition.pk])).status_code, 405
        )


class PetitionLookupViewTests(PetitionPagesWorld):
    def test_leader_looks_up_by_id_number_in_a_post(self):
        self.client.force_login(self.leader)
        url = reverse("activities:petition_lookup")
        self.assertContains(self.client.get(url), 'method="post"')
        response = self.client.post(url, {"id_number": ID_WITH_X.lower()})
        self.assertEqual(list(response.context["results"]), [self.petition])
        self.assertContains(response, "电梯长期故障")
        self.assertEqual(AuditEntry.objects.filter(action=AuditAction.REVEAL).count(), 1)

    def test_invalid_number_is_explained(self):
        self.client.force_login(self.leader)
        response = self.client.post(reverse("activities:petition_lookup"), {"id_number": ID_WITH_X[:-1] + "0"})
        self.assertContains(response, "校验位不正确")
        self.assertFalse(AuditEntry.objects.exists())

    def test_staff_gets_403(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(reverse("activities:petition_lookup")).status_code, 403)
        self.assertEqual(
            self.client.post(reverse("activities:petition_lookup"), {"id_number": ID_WITH_X}).status_code, 403
        )


class PetitionFormViewTests(PetitionPagesWorld):
    def form_data(self, **overrides):
        data = {
            "jurisdiction": self.community.pk,
            "kind": "petition",
            "received_on": "2024-04-02",
            "channel": "visit",
            "category": "urban",
            "persons": "1",
            "summary": "路灯不亮",
            "petitioner_name": "李四",
            "phone": "13900001111",
            "id_number": ID_DIGIT,
            "agreement_reached": "unknown",
        }
        data.update(overrides)
        return data

    def test_register_through_the_form(self):
        self.client.force_login(self.staff)
        response = self.client.post(reverse("activities:petition_create"), self.form_data())
        petition = Petition.objects.get(summary="路灯不亮")
        self.assertRedirects(response, self.detail_url(petition))
        self.assertEqual((petition.petitioner_id_number, petition.petitioner_phone), (ID_DIGIT, "13900001111"))
        self.assertEqual(petition.status, S.REGISTERED)

    def test_errors_are_in_chinese_and_nothing_is_written(self):
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("activities:petition_create"),
            self.form_data(id_number="52010219800101", is_group="on", persons="1"),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "身份证号码应为18位，当前为14位")
        self.assertFalse(Petition.objects.filter(summary="路灯不亮").exists())
        response = self.client.post(reverse("activities:petition_create"), self.form_data(is_group="on", persons="1"))
        self.assertContains(response, "群体性事项的人数应至少为2人")
        self.assertFalse(Petition.objects.filter(summary="路灯不亮").exists())

    def test_another_subtree_is_not_offered_and_refused(self):
        self.client.force_login(self.staff)
        response = self.client.get(reverse("activities:petition_create"))
        self.assertNotContains(response, "金华社区")
        response = self.client.post(reverse("activities:petition_create"), self.form_data(jurisdiction=self.sibling.pk))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Petition.objects.filter(summary="路灯不亮").exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_edit_form_never_contains_the_phone_or_id_number(self):
        self.client.force_login(self.staff)
        url = reverse("activities:petition_update", args=[self.petition.pk])
        response = self.client.get(url)
        self.assertNotContains(response, ID_WITH_X)
        self.assertNotContains(response, PHONE)
        self.assertContains(response, MASKED_ID)
        data = self.form_data(summary="电梯已修复一半", phone="", id_number="", received_on="2024-03-04")
        self.assertRedirects(self.client.post(url, data), self.detail_url())
        self.petition.refresh_from_db()
        self.assertEqual((self.petition.summary, self.petition.petitioner_id_number), ("电梯已修复一半", ID_WITH_X))
        self.assertEqual(self.petition.petitioner_phone, PHONE)
        self.client.post(url, self.form_data(id_number=ID_DIGIT, received_on="2024-03-04"))
        self.petition.refresh_from_db()
        self.assertEqual(self.petition.petitioner_id_number, ID_DIGIT)

    def test_edit_in_a_locked_month_explains_why(self):
        MonthlyReturn.objects.create(jurisdiction=self.community, month=date(2024, 3, 1), status=ReturnStatus.APPROVED)
        self.client.force_login(self.staff)
        url = reverse("activities:petition_update", args=[self.petition.pk])
        response = self.client.post(url, self.form_data(summary="改", received_on="2024-03-04"))
        self.assertContains(response, "2024年3月的月报已审核锁定")
        response = self.client.post(reverse("activities:petition_delete", args=[self.petition.pk]))
        self.assertContains(response, "已审核锁定")
        self.assertTrue(Petition.objects.filter(pk=self.petition.pk).exists())


class PetitionTransitionViewTests(PetitionPagesWorld):
    def test_accept_then_close(self):
        self.client.force_login(self.staff)
        url = reverse("activities:petition_transition", args=[self.petition.pk])
        response = self.client.post(url, {"to_status": "accepted", "accepted-on_date": "2024-03-06"})
        self.assertRedirects(response, self.detail_url())
        response = self.client.post(
            url,
            {
                "to_status": "closed",
                "closed-on_date": "2024-03-20",
                "closed-outcome": "resolved",
                "closed-outcome_text": "物业已更换电梯部件",
            },
            follow=True,
        )
        self.assertContains(response, "已办理：办结")
        self.petition.refresh_from_db()
        self.assertEqual((self.petition.status, self.petition.outcome), (S.CLOSED, "resolved"))
        self.assertContains(response, 'data-step="closed"')

    def test_errors_reopen_the_step_with_the_message(self):
        self.client.force_login(self.staff)
        url = reverse("activities:petition_transition", args=[self.petition.pk])
        response = self.client.post(url, {"to_status": "rejected", "rejected-on_date": "2024-03-06"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "这个字段是必填项")
        self.assertEqual(response.context["open_status"], "rejected")
        far = (date.today() + timedelta(days=2)).isoformat()
        response = self.client.post(url, {"to_status": "accepted", "accepted-on_date": far})
        self.assertContains(response, "不能预先登记")

    def test_illegal_step_is_refused_with_both_statuses_named(self):
        self.client.force_login(self.staff)
        url = reverse("activities:petition_transition", args=[self.petition.pk])
        data = {
            "to_status": "closed",
            "closed-on_date": "2024-03-20",
            "closed-outcome": "resolved",
            "closed-outcome_text": "x",
        }
        response = self.client.post(url, data)
        self.assertContains(response, "处于“登记”状态的事项不能转为“办结”")
        self.petition.refresh_from_db()
        self.assertEqual(self.petition.status, S.REGISTERED)

    def test_transition_is_post_only(self):
        self.client.force_login(self.staff)
        url = reverse("activities:petition_transition", args=[self.petition.pk])
        self.assertEqual(self.client.get(url).status_code, 405)


class PetitionDeleteViewTests(PetitionPagesWorld):
    def test_confirm_then_delete(self):
        self.client.force_login(self.staff)
        url = reverse("activities:petition_delete", args=[self.petition.pk])
        self.assertContains(self.client.get(url), "确认删除")
        self.assertTrue(Petition.objects.filter(pk=self.petition.pk).exists())
        self.assertRedirects(self.client.post(url), reverse("activities:petition_list"))
        self.assertFalse(Petition.objects.filter(pk=self.petition.pk).exists())


class PetitionAdminTests(PetitionPagesWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.superuser = make_user("v-admin", is_staff=True, is_superuser=True)
        cls.desk = make_member(cls.community, Role.STAFF, "v-desk")
        cls.desk.is_staff = True
        cls.desk.save()
        cls.desk.user_permissions.set(Permission.objects.filter(codename__endswith="_petition"))
        cls.other = make_petition(cls.sibling, summary="金华社区的诉求", petitioner_id_number=ID_DIGIT)

    def test_changelist_masks_and_is_scoped(self):
        self.client.force_login(self.desk)
        response = self.client.get(reverse("admin:activities_petition_changelist"))
        self.assertContains(response, MASKED_ID)
        self.assertContains(response, MASKED_PHONE)
        self.assertContains(response, "张**")
        for secret in (ID_WITH_X, PHONE, "张三丰"):
            self.assertNotContains(response, secret)
        self.assertNotContains(response, "金华社区")

    def test_change_form_never_renders_the_phone_or_id_number(self):
        self.client.force_login(self.superuser)
        response = self.client.get(reverse("admin:activities_petition_change", args=[self.petition.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, MASKED_ID)
        self.assertNotContains(response, ID_WITH_X)
        self.assertNotContains(response, PHONE)
        self.assertContains(response, 'name="new_id_number"')

    def test_admin_save_goes_through_the_service(self):
        self.client.force_login(self.desk)
        url = reverse("admin:activities_petition_change", args=[self.petition.pk])
        form = self.client.get(url).context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.update({"new_id_number": ID_DIGIT, "new_phone": "", "summary": "后台修改"})
        data["agreement_reached"] = "unknown"
        data.update({"status_changes-TOTAL_FORMS": "1", "status_changes-INITIAL_FORMS": "1"})
        data.update({"status_changes-MIN_NUM_FORMS": "0", "status_changes-MAX_NUM_FORMS": "1000"})
        data["status_changes-0-id"] = str(self.petition.status_changes.get().pk)
        data["status_changes-0-petition"] = str(self.petition.pk)
        data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
        response = self.client.post(url, data)
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", None) and response.context["adminform"].form.errors
        )
        self.petition.refresh_from_db()
        self.assertEqual((self.petition.summary, self.petition.petitioner_id_number), ("后台修改", ID_DIGIT))
        self.assertEqual(self.petition.petitioner_phone, PHONE)
        entry = AuditEntry.objects.for_object(self.petition).get(action=AuditAction.CHANGE)
        self.assertNotIn(ID_DIGIT, str(entry.changes))

    def test_admin_refuses_a_bad_id_number_and_a_locked_month(self):
        MonthlyReturn.objects.create(jurisdiction=self.community, month=date(2024, 3, 1), status=ReturnStatus.APPROVED)
        self.client.force_login(self.desk)
        url = reverse("admin:activities_petition_change", args=[self.petition.pk])
        form = self.client.get(url).context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
        data.update({"new_id_number": ID_WITH_X[:-1] + "1", "agreement_reached": "unknown"})
        data.update({"status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0"})
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "校验位不正确")
        data["new_id_number"] = ""
        response = self.client.post(url, data)
        self.assertContains(response, "已审核锁定")

    def test_admin_add_registers_through_the_service(self):
        self.client.force_login(self.desk)
        data = {
            "jurisdiction": self.community.pk,
            "kind": "dispute",
            "received_on": "2024-04-02",
            "channel": "phone",
            "category": "neighbour",
            "persons": "1",
            "summary": "楼上漏水纠纷",
            "petitioner_name": "王五",
            "new_phone": "13700001111",
            "new_id_number": ID_DIGIT,
            "agreement_reached": "unknown",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        }
        response = self.client.post(reverse("admin:activities_petition_add"), data)
        self.assertEqual(response.status_code, 302)
        petition = Petition.objects.get(summary="楼上漏水纠纷")
        self.assertEqual(
            (petition.status, petition.petitioner_id_number, petition.created_by), (S.REGISTERED, ID_DIGIT, self.desk)
        )
        self.assertEqual(petition.status_changes.count(), 1)
        self.assertEqual(AuditEntry.objects.for_object(petition).get().action, AuditAction.CREATE)

    def test_admin_delete_is_refused_in_a_locked_month(self):
        MonthlyReturn.objects.create(jurisdiction=self.community, month=date(2024, 3, 1), status=ReturnStatus.APPROVED)
        self.client.force_login(self.desk)
        response = self.client.post(
            reverse("admin:activities_petition_delete", args=[self.petition.pk]), {"post": "yes"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Petition.objects.filter(pk=self.petition.pk).exists())


class PetitionHistoryPageTests(PetitionPagesWorld):
    """The change history (变更记录) on a case's page: labels a person reads, and who did it."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.desk = make_user("desk-wang", first_name="王芳")
        Membership.objects.create(user=cls.desk, jurisdiction=cls.community, role=Role.STAFF)
        data = petition_data(cls.community, summary="路灯不亮", received_on=date(2024, 3, 5))
        cls.registered = services.petition_register(data=data, actor=cls.desk)

    def history(self, language="zh-hans"):
        self.client.force_login(self.leader)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return self.client.get(self.detail_url(self.registered))

    def test_field_and_choice_labels_in_chinese(self):
        response = self.history()
        for shown in (
            "<strong>类型</strong>：— → 信访",
            "<strong>来源渠道</strong>：— → 来访",
            "<strong>群体性</strong>：— → 否",
        ):
            self.assertContains(response, shown)
        for code in ("<strong>kind</strong>", "<strong>channel</strong>", "→ petition", "→ visit", "→ False"):
            self.assertNotContains(response, code)

    def test_field_and_choice_labels_in_english(self):
        response = self.history("en")
        self.assertContains(response, "<strong>Type</strong>：— → Petition")
        self.assertContains(response, "<strong>Group matter</strong>：— → No")
        self.assertNotContains(response, "→ petition")

    def test_personal_numbers_stay_masked_in_the_history(self):
        response = self.history()
        self.assertContains(response, "<strong>身份证号码</strong>：— → " + MASKED_ID)
        self.assertNotContains(response, ID_WITH_X)

    def test_the_actor_is_still_named_after_their_login_is_deleted(self):
        self.desk.delete()
        entry = AuditEntry.objects.for_object(self.registered).get()
        self.assertIsNone(entry.user)
        self.assertEqual(entry.actor_name, "王芳（desk-wang）")
        self.assertContains(self.history(), "<td>王芳（desk-wang）</td>", html=True)
