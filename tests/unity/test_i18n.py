"""English, the second language: a complete catalogue, and pages that really switch."""

import re
from pathlib import Path

import polib
from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from communities.choices import Role
from tests.factories import make_member, make_tree

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|%[sdf]|\{\w*\}")


class CatalogueTests(TestCase):
    def test_every_message_is_translated_with_the_same_placeholders(self):
        catalogue = polib.pofile(str(PO))
        self.assertGreater(len(catalogue), 1000)
        self.assertEqual([e.msgid for e in catalogue.untranslated_entries()], [])
        self.assertEqual([e.msgid for e in catalogue.fuzzy_entries()], [])
        for entry in catalogue:
            if "python-format" not in entry.flags and "python-brace-format" not in entry.flags:
                continue
            pairs = (
                [(entry.msgid_plural, entry.msgstr_plural[1])] if entry.msgid_plural else [(entry.msgid, entry.msgstr)]
            )
            for source, target in pairs:
                with self.subTest(source[:30]):
                    self.assertEqual(sorted(PLACEHOLDER.findall(target)), sorted(PLACEHOLDER.findall(source)))

    def test_the_compiled_catalogue_is_loaded(self):
        with translation.override("en"):
            self.assertEqual(translation.gettext("登录"), "Log in")
            self.assertEqual(translation.gettext("常住人口"), "Resident population")


class EnglishPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, _streets, _communities = make_tree()
        cls.leader = make_member(cls.district, Role.LEADER, "en-leader")

    def test_chinese_is_the_default(self):
        response = self.client.get(reverse("login"))
        self.assertContains(response, "<h1>登录</h1>", html=True)

    def test_a_user_who_chose_english_gets_english_pages(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(reverse("login"))
        self.assertContains(response, "<h1>Log in</h1>", html=True)
        self.client.force_login(self.leader)
        response = self.client.get(reverse("communities:jurisdiction_detail", args=[self.district.code]))
        self.assertContains(response, "Resident population")
        self.assertNotContains(response, "常住人口")
