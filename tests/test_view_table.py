"""Run the view table (see tests/scoping.py) and check no named route is missing from it."""

import importlib
from pathlib import Path
from urllib.parse import urlencode

from django.db import transaction
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from communities.choices import JurisdictionLevel, Role
from tests.factories import make_jurisdiction, make_member, make_user
from tests.scoping import ScopedView

# Routes that are not scoped to a jurisdiction by design: the login itself, the health check (no login, no data),
# and the password change, which only ever touches the user's own account (tests/unity/test_security.py).
UNSCOPED = {"login", "logout", "set_language", "healthz", "password_change", "password_change_done"}


def load_view_table():
    entries = []
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("view_table_*.py")):
        module_name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        entries.extend(importlib.import_module(module_name).VIEWS)
    return entries


def named_routes(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= named_routes(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


class ScopeWorld:
    """Two sibling communities under one street, with a user for each role."""

    def __init__(self):
        self.district = make_jurisdiction("世界区", JurisdictionLevel.DISTRICT, code="529901000000")
        self.street = make_jurisdiction("世界街道", JurisdictionLevel.STREET, self.district, code="529901001000")
        self.community = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, self.street, code="529901001001")
        self.sibling = make_jurisdiction("乙社区", JurisdictionLevel.COMMUNITY, self.street, code="529901001002")
        self.users = {
            "staff": make_member(self.community, Role.STAFF, "world-staff"),
            "sibling_staff": make_member(self.sibling, Role.STAFF, "world-sibling"),
            "leader": make_member(self.street, Role.LEADER, "world-leader"),
            "admin": make_member(self.district, Role.ADMIN, "world-admin"),
        }
        self.outsider = make_user("world-outsider")


class ViewTableTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.table = load_view_table()

    def test_every_named_route_is_in_the_table(self):
        covered = {entry.url_name for entry in self.table}
        missing = sorted(named_routes() - covered - UNSCOPED)
        self.assertEqual(missing, [], "routes without an entry in a tests/**/view_table_*.py")

    def test_every_entry_has_an_other_subtree_case_or_says_why_not(self):
        missing = sorted(entry.url_name for entry in self.table if not entry.has_foreign_case)
        self.assertEqual(missing, [], "entries without make_foreign, foreign_text or a no_foreign reason")
        blind = sorted(entry.url_name for entry in self.table if entry.foreign_query and not entry.foreign_text)
        self.assertEqual(blind, [], "a foreign_query needs the foreign_text its page must not show")

    def _resolve(self, entry, made):
        if made is None:
            return reverse(entry.url_name)
        if isinstance(made, dict):
            return reverse(entry.url_name, kwargs=made)
        return reverse(entry.url_name, args=made if isinstance(made, list | tuple) else [made])

    def _request(self, entry, url):
        if entry.method == "post":
            return self.client.post(url, entry.data)
        return self.client.get(url)

    def test_each_view_three_ways(self):
        for entry in self.table:
            assert isinstance(entry, ScopedView)
            with self.subTest(view=entry.url_name):
                # Each row builds its own world inside a savepoint that is rolled back afterwards.
                try:
                    with transaction.atomic():
                        self._check(entry)
                        raise _RollBack
                except _RollBack:
                    pass

    def _check(self, entry):
        world = ScopeWorld()
        url = self._resolve(entry, entry.make(world) if entry.make else None)
        self.client.logout()
        response = self._request(entry, url)
        if entry.public:
            return
        if entry.json:
            self.assertIn(response.status_code, (302, 401, 403), f"anonymous {url}")
        else:
            self.assertEqual(response.status_code, 302, f"anonymous {url}")
            self.assertIn(reverse("login"), response["Location"])

        self.client.force_login(world.users[entry.user])
        response = self._request(entry, url)
        self.assertIn(response.status_code, entry.ok_status, f"permitted {url}")
        self._check_texts(entry, response, url)

        if entry.foreign_query:
            query_url = f"{url}?{urlencode(entry.foreign_query(world))}"
            response = self._request(entry, query_url)
            if response.status_code != 404:
                self.assertIn(response.status_code, entry.ok_status, f"another subtree named in {query_url}")
                self._check_texts(entry, response, query_url)

        if entry.make_foreign:
            foreign_url = self._resolve(entry, entry.make_foreign(world))
            response = self._request(entry, foreign_url)
            self.assertEqual(response.status_code, 404, f"another subtree {foreign_url}")

    def _check_texts(self, entry, response, url):
        """Look for the own and foreign texts in the page, or in the address a redirect goes to."""
        if not (entry.own_text or entry.foreign_text):
            return
        if response.status_code in (301, 302):
            shown = response["Location"]
        elif response.status_code == 200:
            shown = response.content.decode(response.charset or "utf-8")
        else:
            return
        # assertTrue/assertFalse: assertIn would print the whole page.
        if entry.own_text:
            self.assertTrue(entry.own_text in shown, f"{url} does not show the own subtree's {entry.own_text!r}")
        if entry.foreign_text:
            self.assertFalse(entry.foreign_text in shown, f"{url} shows another subtree's {entry.foreign_text!r}")


class _RollBack(Exception):
    pass
