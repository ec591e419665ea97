"""Site-wide pages and headers: the health check, error pages, the Content Security Policy, no-store."""

import re
from pathlib import Path
from unittest import mock

from django.db import OperationalError
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from tests.activities.factories_petitions import make_petition
from tests.activities.factories_plans import make_evidence, make_indicator, make_plan
from tests.factories import make_jurisdiction, make_member

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


class HealthzTests(TestCase):
    def test_200_without_login_when_the_database_answers(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok\n")

    def test_503_when_the_database_does_not_answer(self):
        with mock.patch("unity.views.connection.cursor", side_effect=OperationalError("connection refused")):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertNotIn(b"connection refused", response.content)

    @override_settings(SECURE_SSL_REDIRECT=True)
    def test_answers_plain_http_while_everything_else_redirects_to_https(self):
        self.assertEqual(self.client.get("/healthz").status_code, 200)
        self.assertEqual(self.client.get(reverse("login")).status_code, 301)


@override_settings(ROOT_URLCONF="tests.unity.error_urls", DEBUG=False)
class ErrorPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_member(make_jurisdiction("碧海社区", code="520115001001"), username="staff")

    def setUp(self):
        self.client = Client(raise_request_exception=False)
        self.client.force_login(self.user)

    def test_each_error_page_is_chinese_with_the_navigation_and_no_internals(self):
        cases = {
            "/fail/400/": (400, "请求有误"),
            "/fail/403/": (403, "无权访问"),
            "/no/such/page/": (404, "页面不存在"),
            "/fail/500/": (500, "服务器出错"),
        }
        for url, (status, heading) in cases.items():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, status)
                self.assertContains(response, heading, status_code=status)
                self.assertContains(response, 'class="site-nav"', status_code=status)
                self.assertContains(response, reverse("activities:activity_list"), status_code=status)
                body = response.content.decode()
                for leak in ("internal detail", "Traceback", "Forbidden", "Not Found", "Server Error"):
                    self.assertNotIn(leak, body)

    def test_an_anonymous_visitor_gets_the_page_without_the_navigation(self):
        response = Client().get("/no/such/page/")
        self.assertContains(response, "页面不存在", status_code=404)
        self.assertNotContains(response, 'class="site-nav"', status_code=404)

    def test_the_500_page_renders_even_when_the_navigation_cannot(self):
        with mock.patch("unity.context_processors.navigation", side_effect=OperationalError("db gone")):
            response = self.client.get("/fail/500/")
        self.assertContains(response, "服务器出错", status_code=500)

    def test_a_csrf_failure_is_explained_in_chinese(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("login"), {"username": "x", "password": "y"})
        self.assertContains(response, "页面已过期", status_code=403)


class ContentSecurityPolicyTests(TestCase):
    def test_every_page_sends_a_policy_without_unsafe_inline(self):
        response = self.client.get(reverse("login"))
        policy = response["Content-Security-Policy"]
        self.assertIn("script-src 'self'", policy)
        self.assertIn("style-src 'self'", policy)
        self.assertIn("object-src 'none'", policy)
        self.assertIn("frame-ancestors 'none'", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertNotIn("unsafe-eval", policy)

    def test_no_template_holds_inline_script_style_or_handler(self):
        inline = {
            "script without src": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>"),
            "style attribute": re.compile(r"\sstyle\s*="),
            "style element": re.compile(r"<style\b"),
            "event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
            "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
        }
        for template in TEMPLATES.rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            for what, pattern in inline.items():
                with self.subTest(template=str(template.relative_to(TEMPLATES)), what=what):
                    self.assertIsNone(pattern.search(text))


class NoStoreTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.community = make_jurisdiction("碧海社区", code="520115001001")
        cls.staff = make_member(cls.community, role="leader", username="leader")
        cls.petition = make_petition(cls.community)

    def setUp(self):
        self.client.force_login(self.staff)

    def test_pages_with_personal_data_are_not_stored(self):
        urls = [
            reverse("activities:petition_list"),
            reverse("activities:petition_detail", args=[self.petition.pk]),
            reverse("admin:index"),
        ]
        for url in urls:
            with self.subTest(url=url):
                response = self.client.get(url, follow=False)
                self.assertIn("no-store", response["Cache-Control"])
        reveal = self.client.post(reverse("activities:petition_reveal", args=[self.petition.pk]))
        self.assertIn("no-store", reveal["Cache-Control"])

    def test_other_pages_may_be_cached_by_the_browser(self):
        response = self.client.get(reverse("activities:activity_list"))
        self.assertNotIn("no-store", response.get("Cache-Control", ""))


@override_settings(MEDIA_ACCEL_PREFIX="/protected/")
class ProtectedMediaTests(TestCase):
    """With nginx in front the view still decides: an outsider gets 404, a member gets only the redirect header."""

    @classmethod
    def setUpTestData(cls):
        street = make_jurisdiction("街道", level="street", code="520115001000")
        cls.community = make_jurisdiction("碧海社区", parent=street, code="520115001001")
        cls.sibling = make_jurisdiction("金源社区", parent=street, code="520115001002")
        cls.member = make_member(cls.community, username="staff")
        cls.outsider = make_member(cls.sibling, username="staff2")

    def setUp(self):
        self.evidence = make_evidence(make_indicator(make_plan(self.community)))

    def test_evidence_is_handed_to_nginx_only_after_the_access_check(self):
        url = reverse("activities:evidence_download", args=[self.evidence.pk])
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.member)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["X-Accel-Redirect"].startswith("/protected/"))
        self.assertEqual(response.content, b"")

    def test_media_has_no_public_url(self):
        self.client.force_login(self.member)
        self.assertEqual(self.client.get(f"/media/{self.evidence.file.name}").status_code, 404)
