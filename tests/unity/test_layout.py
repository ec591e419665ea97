"""The page frame on every screen: the menu button, the folding filter panel, one-line dates and status tags,
the favicon, English months and audit wording, and the README's quick start."""

import re
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from activities.choices import ReturnStatus
from activities.models import MonthlyReturn
from activities.services.common import ensure_month_open
from communities.choices import AuditAction, Role
from communities.models import AuditEntry
from communities.services import audit_record
from tests.activities.factories_activities import make_activity
from tests.activities.factories_petitions import make_petition
from tests.factories import make_member, make_tree

README = Path(settings.BASE_DIR) / "README.md"


class LayoutWorld(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.home = cls.communities[0]
        cls.staff = make_member(cls.home, Role.STAFF)
        cls.admin = make_member(cls.district, Role.ADMIN)

    def setUp(self):
        self.client.force_login(self.staff)

    def english(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        # The locale middleware leaves English active in this thread after the request; later tests expect Chinese.
        self.addCleanup(translation.deactivate)


class FrameTests(LayoutWorld):
    def test_the_menu_button_controls_the_menu_and_starts_hidden_for_pages_without_script(self):
        html = self.client.get(reverse("activities:activity_list")).content.decode()
        button = re.search(r"<button[^>]*class=\"nav-toggle\"[^>]*>", html).group(0)
        self.assertIn('aria-controls="site-menu"', button)
        self.assertIn('aria-expanded="true"', button)  # without script the menu is open, and says so
        self.assertIn(" hidden", button)
        self.assertIn('id="site-menu"', html)
        self.assertIn("js/layout.js", html)

    def test_no_inline_script_or_handler(self):
        html = self.client.get(reverse("activities:activity_list")).content.decode()
        self.assertEqual(re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html), [])
        self.assertEqual(re.findall(r"\son[a-z]+=", html), [])

    def test_anonymous_pages_have_no_menu_button(self):
        self.client.logout()
        self.assertNotContains(self.client.get(reverse("login")), "nav-toggle")

    def test_list_filters_are_a_details_panel_open_in_the_markup(self):
        response = self.client.get(reverse("activities:activity_list"))
        self.assertContains(response, '<details class="filter-panel" open data-fold-on-phone>')
        self.assertNotContains(response, "（已设条件）")
        self.assertContains(self.client.get(reverse("activities:activity_list"), {"q": "宣讲"}), "（已设条件）")
        self.assertContains(self.client.get(reverse("activities:petition_list")), 'class="filter-panel"')

    def test_dates_and_status_tags_are_marked_to_stay_on_one_line(self):
        make_activity(self.home, date(2024, 5, 10))
        make_petition(self.home)
        activities = self.client.get(reverse("activities:activity_list")).content.decode()
        self.assertIn('<td class="nowrap" data-cell="date">2024-05-10</td>', activities)
        petitions = self.client.get(reverse("activities:petition_list")).content.decode()
        self.assertIn('<td class="nowrap" data-cell="date">', petitions)
        self.assertIn('<td class="nowrap" data-cell="status"><span class="badge', petitions)
        css = Path(finders.find("css/layout.css")).read_text()
        self.assertIn("table.data td.nowrap, table.data .badge", css)


class FaviconTests(LayoutWorld):
    def test_every_page_links_the_icon_and_the_file_exists(self):
        response = self.client.get(reverse("home"))
        self.assertContains(response, 'rel="icon" href="/static/img/favicon.svg"')
        self.assertTrue(finders.find("img/favicon.svg"))
        self.assertTrue(finders.find("favicon.ico"))

    def test_favicon_ico_answers_with_a_redirect_to_the_static_file(self):
        self.client.logout()
        response = self.client.get("/favicon.ico")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "/static/favicon.ico")


class EnglishMonthTests(LayoutWorld):
    def test_a_locked_month_reads_in_english_on_an_english_page(self):
        activity = make_activity(self.home, date(2024, 5, 10))
        MonthlyReturn.objects.create(jurisdiction=self.home, month=date(2024, 5, 1), status=ReturnStatus.APPROVED)
        self.english()
        response = self.client.get(reverse("activities:activity_detail", args=[activity.pk]))
        self.assertContains(response, "May 2024")
        self.assertNotContains(response, "2024年5月")

    def test_a_service_message_names_the_month_in_the_readers_language(self):
        MonthlyReturn.objects.create(jurisdiction=self.home, month=date(2024, 5, 1), status=ReturnStatus.APPROVED)
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            ensure_month_open(jurisdiction=self.home, day=date(2024, 5, 10))
        self.assertIn("May 2024", caught.exception.message_dict["date"][0])


class AuditWordsTests(LayoutWorld):
    def test_the_history_names_actions_notes_and_fields_in_english(self):
        entry = audit_record(
            actor=self.staff,
            action=AuditAction.CHANGE,
            obj=self.home,
            jurisdiction=self.home,
            changes={"name": ["旧名", "新名"]},
            note="上报",
        )
        self.assertEqual(AuditEntry.objects.get(pk=entry.pk).note, "上报")  # stored as written
        self.client.force_login(self.admin)
        self.english()
        response = self.client.get(reverse("communities:audit_list"))
        self.assertContains(response, "Edit（Submit）")
        self.assertNotContains(response, "上报")
        self.assertNotContains(response, "<strong>name</strong>")


class ReadmeTests(TestCase):
    def test_the_quick_start_is_two_commands_and_make_demo_is_documented_elsewhere(self):
        text = README.read_text()
        quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
        block = quick.split("```", 2)[1]
        commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
        self.assertEqual(commands, ["make run", "make test"])
        self.assertNotIn("make demo", quick)
        self.assertIn("| `make demo` |", text)
