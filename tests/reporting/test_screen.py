"""The big screen and the display links that open it without a login."""

import json
import re
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from activities.models import Petition, Responsibility
from communities.choices import AuditAction, Role
from communities.models import AuditEntry
from reporting.models import DisplayLink
from reporting.services import display_link_create, display_link_revoke, token_hash
from tests.factories import make_member
from tests.reporting.test_dashboard import build


def _link(district, admin, **extra):
    return display_link_create(
        jurisdiction=district,
        label=extra.pop("label", "一楼大厅"),
        expires_at=extra.pop("expires_at", timezone.now() + timedelta(days=30)),
        actor=admin,
    )


class ScreenTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = build("529831000000", seed=31)
        cls.leader = make_member(cls.district, Role.LEADER, "screen-leader")
        cls.staff = make_member(cls.district.children.first().children.first(), Role.STAFF, "screen-staff")

    def test_the_screen_shows_the_headline_and_refreshes_from_the_json_summary(self):
        self.client.force_login(self.leader)
        response = self.client.get(reverse("screen", args=[self.district.code]), {"year": 2026})
        self.assertEqual(response.status_code, 200)
        summary = self.client.get(reverse("api_summary", args=[self.district.code]), {"year": 2026}).json()
        self.assertContains(response, f'data-figure="activities">{summary["activities"]["count"]}<')
        self.assertContains(response, f'data-url="{reverse("api_summary", args=[self.district.code])}?year=2026"')
        self.assertContains(response, 'data-refresh="180"')
        for name in ("composition", "activities_by_month", "petitions_by_month", "ranking", "plan", "treemap"):
            self.assertContains(response, f'data-chart="{name}"')
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertNotContains(response, "style=")

    def test_refresh_is_bounded(self):
        self.client.force_login(self.leader)
        url = reverse("screen", args=[self.district.code])
        self.assertContains(self.client.get(url, {"refresh": "0"}), 'data-refresh="2"')
        self.assertContains(self.client.get(url, {"refresh": "x"}), 'data-refresh="180"')

    def test_staff_of_a_community_cannot_open_the_districts_screen(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(reverse("screen", args=[self.district.code])).status_code, 404)


class DisplayLinkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = build("529832000000", seed=32)
        cls.admin = make_member(cls.district, Role.ADMIN, "display-admin")
        cls.leader = make_member(cls.district, Role.LEADER, "display-leader")
        # Personal data that must never reach a display link's figures.
        Petition.objects.update(petitioner_name="张三丰", petitioner_id_number="520115199001011234")
        from tests.activities.factories_plans import make_indicator, make_plan, make_responsibility

        plan = make_plan(cls.district, title="创建方案")
        line = make_responsibility(make_indicator(plan, points=5))
        Responsibility.objects.filter(pk=line.pk).update(
            responsible_person="李责任", deadline=timezone.localdate() - timedelta(days=3)
        )

    def test_an_administrator_creates_a_link_and_sees_its_address_once(self):
        self.client.force_login(self.admin)
        url = reverse("display_links", args=[self.district.code])
        response = self.client.post(url, {"label": "大厅展示屏", "days": 30}, follow=True)
        link = DisplayLink.objects.get(jurisdiction=self.district)
        token = re.search(r"/display/([\w-]+)/", response.text).group(1)
        self.assertEqual(link.token_hash, token_hash(token))
        self.assertNotIn(token, json.dumps(list(DisplayLink.objects.values()), default=str))  # only its hash is kept
        self.assertNotContains(self.client.get(url), token)  # shown once
        self.assertTrue(AuditEntry.objects.filter(action=AuditAction.CREATE, object_repr=str(link)).exists())

    def test_a_leader_cannot_make_links(self):
        self.client.force_login(self.leader)
        response = self.client.post(reverse("display_links", args=[self.district.code]), {"label": "x", "days": 3})
        self.assertEqual(response.status_code, 404)
        with self.assertRaises(PermissionDenied):
            _link(self.district, self.leader)

    def test_the_expiry_is_in_the_future_and_within_a_year(self):
        for days in (-1, 400):
            with self.subTest(days=days), self.assertRaises(ValidationError):
                _link(self.district, self.admin, expires_at=timezone.now() + timedelta(days=days))

    def test_the_link_opens_the_screen_logged_out_and_every_use_is_audited(self):
        link, token = _link(self.district, self.admin)
        screen = self.client.get(reverse("display_screen", args=[token]))
        self.assertEqual(screen.status_code, 200)
        self.assertContains(screen, self.district.name)
        self.assertContains(screen, f'data-url="{reverse("display_data", args=[token])}?year=')
        data = self.client.get(reverse("display_data", args=[token]))
        self.assertEqual(data.status_code, 200)
        self.assertEqual(data.json()["jurisdiction"]["code"], self.district.code)
        uses = AuditEntry.objects.filter(action=AuditAction.DISPLAY, object_id=str(link.pk))
        self.assertEqual(uses.count(), 2)
        self.assertEqual({u.jurisdiction_id for u in uses}, {self.district.pk})
        link.refresh_from_db()
        self.assertEqual(link.use_count, 2)
        self.assertIsNotNone(link.last_used_at)

    def test_the_links_figures_hold_no_name_no_id_number_and_no_record(self):
        _link_obj, token = _link(self.district, self.admin)
        text = self.client.get(reverse("display_data", args=[token])).content.decode()
        page = self.client.get(reverse("display_screen", args=[token])).content.decode()
        for body in (text, page):
            self.assertNotIn("张三丰", body)
            self.assertNotIn("李责任", body)
            # No 15- or 18-character ID number, nor a phone number, anywhere.
            self.assertIsNone(re.search(r"\d{17}[\dXx]|\d{15}|1[3-9]\d{9}", body.replace(self.district.code, "")))
        data = json.loads(text)
        self.assertEqual(set(data), {"jurisdiction", "period", "charts"})
        self.assertNotIn("petitions", data)
        self.assertEqual(data["charts"]["headline"]["petitions_received"], Petition.objects.count())

    def test_a_revoked_an_expired_and_an_unknown_link_answer_404(self):
        revoked, revoked_token = _link(self.district, self.admin, label="撤销的")
        display_link_revoke(link=revoked, actor=self.admin)
        expired, expired_token = _link(self.district, self.admin, label="过期的")
        DisplayLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        for token in (revoked_token, expired_token, "not-a-token"):
            with self.subTest(token=token):
                self.assertEqual(self.client.get(reverse("display_screen", args=[token])).status_code, 404)
                self.assertEqual(self.client.get(reverse("display_data", args=[token])).status_code, 404)
        self.assertFalse(AuditEntry.objects.filter(action=AuditAction.DISPLAY).exists())

    def test_revoking_from_the_page(self):
        link, token = _link(self.district, self.admin)
        self.client.force_login(self.admin)
        response = self.client.post(reverse("display_link_revoke", args=[self.district.code, link.pk]))
        self.assertRedirects(response, reverse("display_links", args=[self.district.code]))
        link.refresh_from_db()
        self.assertIsNotNone(link.revoked_at)
        self.client.logout()
        self.assertEqual(self.client.get(reverse("display_screen", args=[token])).status_code, 404)
