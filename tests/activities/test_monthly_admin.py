"""The admin of monthly figures: deletes go through the service and are written to the audit trail."""

from datetime import date

from django.contrib.auth.models import Permission
from django.test import TestCase
from django.urls import reverse

from activities.models import MonthlyFigure
from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import AuditEntry
from tests.activities.factories_plans import make_figure, make_return
from tests.factories import make_jurisdiction, make_member


class MonthlyFigureAdminDeleteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        district = make_jurisdiction("区", JurisdictionLevel.DISTRICT, code="529301000000")
        cls.community = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, district, code="529301001001")
        cls.admin = make_member(district, Role.ADMIN)
        cls.admin.is_staff = True
        cls.admin.save()
        cls.admin.user_permissions.set(Permission.objects.filter(content_type__model="monthlyfigure"))

    def setUp(self):
        self.client.force_login(self.admin)

    def deletes_of(self, figure_pk):
        return AuditEntry.objects.filter(
            action=AuditAction.DELETE, content_type__model="monthlyfigure", object_id=str(figure_pk)
        )

    def test_deleting_one_figure_is_audited(self):
        figure = make_figure("临时指标")
        response = self.client.post(reverse("admin:activities_monthlyfigure_delete", args=[figure.pk]), {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(MonthlyFigure.objects.filter(pk=figure.pk).exists())
        entry = self.deletes_of(figure.pk).get()
        self.assertEqual(entry.user, self.admin)
        self.assertEqual(entry.object_repr, "临时指标（件）")
        self.assertEqual(entry.changes["name"], ["临时指标", None])

    def test_bulk_delete_writes_one_audit_row_per_figure(self):
        figures = [make_figure("临时一"), make_figure("临时二")]
        response = self.client.post(
            reverse("admin:activities_monthlyfigure_changelist"),
            {"action": "delete_selected", "_selected_action": [f.pk for f in figures], "post": "yes"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(MonthlyFigure.objects.filter(pk__in=[f.pk for f in figures]).exists())
        for figure in figures:
            with self.subTest(figure=figure.name):
                self.assertEqual(self.deletes_of(figure.pk).count(), 1)

    def test_a_figure_with_values_is_kept_and_nothing_is_audited(self):
        figure = make_figure("已填指标")
        make_return(self.community, date(2024, 3, 1), values={figure: 3})
        self.client.post(reverse("admin:activities_monthlyfigure_delete", args=[figure.pk]), {"post": "yes"})
        self.client.post(
            reverse("admin:activities_monthlyfigure_changelist"),
            {"action": "delete_selected", "_selected_action": [figure.pk], "post": "yes"},
        )
        self.assertTrue(MonthlyFigure.objects.filter(pk=figure.pk).exists())
        self.assertFalse(self.deletes_of(figure.pk).exists())
