from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import TestCase
from django.urls import reverse

from communities.choices import AuditAction, Role
from communities.models import AuditEntry, GroupCount, Membership, PopulationRecord
from communities.services import audit_record
from tests.factories import group, make_member, make_population, make_tree, make_user


class ScopedAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        make_population(cls.communities[0], 2024, {"苗族": 11})
        make_population(cls.communities[2], 2024, {"瑶族": 22})
        cls.admin = make_member(cls.streets[0], Role.ADMIN, "street-admin")
        cls.admin.is_staff = True
        cls.admin.save()
        cls.admin.user_permissions.set(Permission.objects.filter(content_type__app_label="communities"))

    def test_changelists_show_only_the_admins_subtree(self):
        self.client.force_login(self.admin)
        cases = [
            ("admin:communities_populationrecord_changelist", "街道1社区1", "街道2社区1"),
            ("admin:communities_groupcount_changelist", "苗族", "瑶族"),
            ("admin:communities_jurisdiction_changelist", "街道1社区2", "街道2社区2"),
        ]
        for name, own, foreign in cases:
            with self.subTest(changelist=name):
                response = self.client.get(reverse(name))
                self.assertContains(response, own)
                self.assertNotContains(response, foreign)


def record_form(jurisdiction, residents, counts, record=None):
    """Return the POST data of the record admin form with `counts` as [(group name, count, id or None)]."""
    data = {
        "jurisdiction": jurisdiction.pk,
        "year": 2024,
        "kind": "resident",
        "residents": "" if residents is None else residents,
        "source": "",
        "group_counts-TOTAL_FORMS": len(counts),
        "group_counts-INITIAL_FORMS": sum(1 for *_rest, pk in counts if pk),
        "group_counts-MIN_NUM_FORMS": 0,
        "group_counts-MAX_NUM_FORMS": 1000,
    }
    for index, (name, count, pk, *delete) in enumerate(counts):
        prefix = f"group_counts-{index}-"
        data.update(
            {
                f"{prefix}id": pk or "",
                f"{prefix}record": record.pk if record else "",
                f"{prefix}ethnic_group": group(name).pk,
                f"{prefix}count": count,
            }
        )
        if delete:
            data[f"{prefix}DELETE"] = "on"
    return data


class SuperuserAdminTestCase(TestCase):
    """A district tree and a logged-in superuser, for tests of what the admin itself does."""

    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.superuser = make_user(is_superuser=True, is_staff=True)

    def setUp(self):
        self.client.force_login(self.superuser)


class PopulationRecordAdminGroupTotalTests(SuperuserAdminTestCase):
    """The admin refuses group counts adding up to more than the residents, as the census import does."""

    def add(self, residents, counts):
        url = reverse("admin:communities_populationrecord_add")
        return self.client.post(url, record_form(self.communities[0], residents, counts))

    def change(self, record, residents, counts):
        url = reverse("admin:communities_populationrecord_change", args=[record.pk])
        return self.client.post(url, record_form(record.jurisdiction, residents, counts, record))

    def saved_record(self):
        record = make_population(self.communities[0], 2024, {"汉族": 900, "苗族": 300}, residents=1500)
        han, miao = (record.group_counts.get(ethnic_group__name=name).pk for name in ("汉族", "苗族"))
        return record, han, miao

    def test_adding_a_record_whose_counts_exceed_the_residents_is_refused(self):
        response = self.add(1000, [("汉族", 900, None), ("苗族", 300, None)])
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "各民族人数合计1200人，超过常住人口1000人")
        self.assertFalse(PopulationRecord.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_counts_within_the_residents_or_without_residents_are_saved(self):
        for residents in (1200, None):
            with self.subTest(residents=residents):
                PopulationRecord.objects.all().delete()
                response = self.add(residents, [("汉族", 900, None), ("苗族", 300, None)])
                self.assertEqual(response.status_code, 302)
                self.assertEqual(GroupCount.objects.count(), 2)

    def test_lowering_the_residents_below_the_saved_counts_is_refused(self):
        record, han, miao = self.saved_record()
        response = self.change(record, 1000, [("汉族", 900, han), ("苗族", 300, miao)])
        self.assertContains(response, "各民族人数合计1200人，超过常住人口1000人")
        record.refresh_from_db()
        self.assertEqual(record.residents, 1500)

    def test_raising_a_count_above_the_residents_is_refused(self):
        record, han, miao = self.saved_record()
        response = self.change(record, 1500, [("汉族", 900, han), ("苗族", 601, miao)])
        self.assertContains(response, "各民族人数合计1501人，超过常住人口1500人")
        self.assertEqual(record.group_counts.get(pk=miao).count, 300)

    def test_lowering_residents_and_counts_together_is_judged_by_the_new_counts(self):
        record, han, miao = self.saved_record()
        response = self.change(record, 1000, [("汉族", 700, han), ("苗族", 300, miao)])
        self.assertEqual(response.status_code, 302)
        record.refresh_from_db()
        self.assertEqual(record.residents, 1000)
        response = self.change(record, 700, [("汉族", 700, han), ("苗族", 300, miao, "delete")])
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(record.group_counts.values_list("count", flat=True)), [700])

    def test_counts_must_be_whole_numbers_not_below_zero(self):
        for count in ("-1", "1.5", "abc"):
            with self.subTest(count=count):
                response = self.add(1000, [("汉族", count, None)])
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["inline_admin_formsets"][0].formset.errors[0]["count"])
                self.assertFalse(PopulationRecord.objects.exists())

    def test_the_single_count_admin_refuses_a_count_over_the_residents(self):
        record, _han, miao = self.saved_record()
        url = reverse("admin:communities_groupcount_change", args=[miao])
        data = {"record": record.pk, "ethnic_group": group("苗族").pk, "count": 601, "male": "", "female": ""}
        response = self.client.post(url, data)
        self.assertContains(response, "各民族人数合计1501人，超过常住人口1500人")
        self.assertEqual(self.client.post(url, {**data, "count": 600}).status_code, 302)
        self.assertEqual(GroupCount.objects.get(pk=miao).count, 600)


class AuditedAdminDeleteTests(SuperuserAdminTestCase):
    """Deletes from the admin leave an audit row per object, whether one at a time or from the changelist."""

    def setUp(self):
        super().setUp()
        self.records = [make_population(c, 2024, {"汉族": 1}) for c in self.communities[:3]]

    def deletes(self, model):
        return AuditEntry.objects.filter(
            action=AuditAction.DELETE, content_type=ContentType.objects.get_for_model(model)
        )

    def test_a_single_delete_is_audited(self):
        record = self.records[0]
        url = reverse("admin:communities_populationrecord_delete", args=[record.pk])
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 302)
        entry = self.deletes(PopulationRecord).get()
        self.assertEqual((entry.object_id, entry.user), (str(record.pk), self.superuser))

    def test_the_delete_selected_action_audits_every_object(self):
        chosen = self.records[:2]
        response = self.client.post(
            reverse("admin:communities_populationrecord_changelist"),
            {"action": "delete_selected", "_selected_action": [r.pk for r in chosen], "post": "yes"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(PopulationRecord.objects.all()), [self.records[2]])
        entries = self.deletes(PopulationRecord)
        self.assertEqual(sorted(entries.values_list("object_id", flat=True)), sorted(str(r.pk) for r in chosen))
        for entry, record in zip(entries.order_by("object_id"), sorted(chosen, key=lambda r: str(r.pk)), strict=True):
            with self.subTest(record=record.pk):
                self.assertEqual((entry.user, entry.object_repr), (self.superuser, str(record)))

    def test_bulk_deletes_of_other_audited_models_are_audited_too(self):
        members = [make_member(self.streets[0], Role.STAFF), make_member(self.streets[1], Role.STAFF)]
        memberships = list(Membership.objects.filter(user__in=members))
        self.client.post(
            reverse("admin:communities_membership_changelist"),
            {"action": "delete_selected", "_selected_action": [m.pk for m in memberships], "post": "yes"},
        )
        self.assertFalse(Membership.objects.filter(user__in=members).exists())
        self.assertEqual(self.deletes(Membership).count(), 2)


class AuditEntryAdminTests(TestCase):
    """An audit row in the admin reads like the history on the record's page."""

    def test_the_change_page_shows_labels_not_codes(self):
        district, _streets, communities = make_tree()
        admin_user = make_user("root-reader", is_superuser=True, is_staff=True)
        membership = Membership.objects.create(user=make_user("li"), jurisdiction=communities[0], role=Role.STAFF)
        entry = audit_record(
            actor=admin_user,
            action=AuditAction.CREATE,
            obj=membership,
            jurisdiction=communities[0],
            changes={"role": [None, Role.STAFF]},
        )
        self.client.force_login(admin_user)
        response = self.client.get(reverse("admin:communities_auditentry_change", args=[entry.pk]))
        self.assertContains(response, "角色：— → 工作人员")
        self.assertNotContains(response, "role：")
