"""The access test: every URL pattern and every admin of a scoped model, walked automatically.

Pages and JSON come from the view table (tests/scoping.py, tests/**/view_table_*.py); admins from `ADMIN_CASES`
below. A route or an admin without a declared case fails the suite. Each case is tried four ways:
anonymous → login (or 401); permitted → 200; another subtree → 404, for GET and for POST; a role that lacks
the action (staff on an approval, a leader on an import, an auditor on any write) → refused (403 or 404).
"""

import importlib
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from base.access import Action
from communities.admin import ScopedAdminMixin
from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import Membership
from communities.services import audit_record, membership_grant
from tests.factories import make_jurisdiction, make_population
from tests.scoping import ScopedView

# Routes that are not scoped to a jurisdiction by design: the login itself, the health check (no login, no data),
# and the password change, which only ever touches the user's own account (tests/unity/test_security.py).
UNSCOPED = {"login", "logout", "set_language", "healthz", "password_change", "password_change_done"}

# The world's users whose role lacks each action; they are refused on the permitted user's object.
LACKING = {
    Action.VIEW: ("auditor",),
    Action.CHANGE: ("auditor",),
    Action.APPROVE: ("staff", "auditor"),
    Action.MANAGE: ("staff", "leader", "auditor"),
    Action.AUDIT: ("staff", "leader"),
}
REFUSED = (403, 404)


def load_view_table():
    entries = []
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("view_table_*.py")):
        module_name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        entries.extend(importlib.import_module(module_name).VIEWS)
    return entries


def url_patterns(resolver=None, namespace="", prefix=""):
    """Yield (name or None, route) for every URL pattern of the project, outside the admin."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, ns, route)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else None), route


def _user(username):
    # No password: the tests log in with force_login, and hashing one per user per case would dominate the run.
    return get_user_model().objects.create_user(username=username, password=None)


def _member(jurisdiction, role, username):
    user = _user(username)
    Membership.objects.create(user=user, jurisdiction=jurisdiction, role=role)
    return user


class ScopeWorld:
    """Two sibling communities under one street of a district, a user for each role, and another district."""

    def __init__(self):
        self.district = make_jurisdiction("世界区", JurisdictionLevel.DISTRICT, code="529901000000")
        self.street = make_jurisdiction("世界街道", JurisdictionLevel.STREET, self.district, code="529901001000")
        self.community = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, self.street, code="529901001001")
        self.sibling = make_jurisdiction("乙社区", JurisdictionLevel.COMMUNITY, self.street, code="529901001002")
        admin_user = _user("world-admin")
        # Through the service, as `grant` does: the administrator enters the Django admin.
        membership_grant(username=admin_user.username, jurisdiction=self.district, role=Role.ADMIN)
        admin_user.refresh_from_db()
        self.users = {
            "staff": _member(self.community, Role.STAFF, "world-staff"),
            "sibling_staff": _member(self.sibling, Role.STAFF, "world-sibling"),
            "leader": _member(self.street, Role.LEADER, "world-leader"),
            "admin": admin_user,
            "auditor": _member(self.district, Role.AUDITOR, "world-auditor"),
        }
        self.outsider = _user("world-outsider")
        self._other_district = None

    @property
    def other_district(self):
        """A district outside everything the world's users hold (made on first use)."""
        if self._other_district is None:
            self._other_district = make_jurisdiction("外区", JurisdictionLevel.DISTRICT, code="529909000000")
        return self._other_district


class RouteTableTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.table = load_view_table()

    def test_every_url_pattern_has_a_case(self):
        patterns = list(url_patterns())
        unnamed = sorted(route for name, route in patterns if name is None)
        self.assertEqual(unnamed, [], "URL patterns without a name cannot be declared in the view table")
        covered = {entry.url_name for entry in self.table}
        missing = sorted({name for name, _route in patterns} - covered - UNSCOPED)
        self.assertEqual(missing, [], "routes without an entry in a tests/**/view_table_*.py")

    def test_every_entry_names_a_known_action(self):
        unknown = sorted(entry.url_name for entry in self.table if entry.action not in Action.values)
        self.assertEqual(unknown, [])

    def test_every_entry_has_an_other_subtree_case_or_says_why_not(self):
        missing = sorted(entry.url_name for entry in self.table if not entry.has_foreign_case)
        self.assertEqual(missing, [], "entries without make_foreign, foreign_text or a no_foreign reason")
        blind = sorted(entry.url_name for entry in self.table if entry.foreign_query and not entry.foreign_text)
        self.assertEqual(blind, [], "a foreign_query needs the foreign_text its page must not show")


class RouteAccessTests(TestCase):
    """Each route four ways: anonymous, a role lacking the action, permitted, another subtree.

    One test per entry of the view table (added below the class), so the runner spreads them over its workers.
    """

    def _resolve(self, entry, made):
        if made is None:
            return reverse(entry.url_name)
        if isinstance(made, dict):
            return reverse(entry.url_name, kwargs=made)
        return reverse(entry.url_name, args=made if isinstance(made, list | tuple) else [made])

    def _request(self, entry, url, method=None):
        if (method or entry.method) == "post":
            return self.client.post(url, entry.data)
        return self.client.get(url)

    def _check(self, entry):
        assert isinstance(entry, ScopedView)
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

        # Before the permitted user, who may change or remove the object (a POST row).
        self._check_refused(entry, world, url)

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
            for method in ("get", "post"):
                # 405: a view refuses the method it does not take before looking anything up.
                allowed = (404,) if method == entry.method else (404, 405)
                status = self._request(entry, foreign_url, method).status_code
                self.assertIn(status, allowed, f"{method.upper()} another subtree {foreign_url}")

    def _check_refused(self, entry, world, url):
        # Reading a list shows an auditor nothing rather than refusing them; only objects and writes refuse.
        if entry.action == Action.VIEW and not entry.make_foreign:
            return
        for key in LACKING[entry.action]:
            if key == entry.user:
                continue
            self.client.force_login(world.users[key])
            for method in ("get", "post"):
                status = self._request(entry, url, method).status_code
                allowed = (*REFUSED, 405) if method != entry.method else REFUSED
                self.assertIn(status, allowed, f"{key} lacks {entry.action}: {method.upper()} {url}")
            self.client.logout()

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


# The admins: for each scoped model, a row of the world administrator's district and one of another district.


def _plan(where):
    from tests.activities.factories_plans import make_plan

    return make_plan(where, title=f"{where.name}方案")


def _indicator(where):
    from tests.activities.factories_plans import make_indicator

    return make_indicator(_plan(where), points=5)


def _responsibility(where):
    from tests.activities.factories_plans import make_responsibility

    return make_responsibility(_indicator(where))


def _evidence(where):
    from tests.activities.factories_plans import make_evidence

    return make_evidence(_indicator(where))


def _activity(where):
    from tests.activities.factories_activities import make_activity

    return make_activity(where, title=f"{where.name}活动")


def _project(where):
    from activities.choices import FundingSource
    from tests.activities.factories_activities import make_project

    return make_project(where, [(FundingSource.SUPERIOR, "10")], name=f"{where.name}项目")


def _return(where):
    from activities.choices import ReturnStatus
    from tests.activities.factories_plans import make_return

    return make_return(where, date(2024, 3, 1), status=ReturnStatus.SUBMITTED)


def _petition(where):
    from tests.activities.factories_petitions import make_petition

    return make_petition(where, summary=f"{where.name}诉求")


def _robot(where):
    from tests.reminders.view_table_reminders import make_robot

    return make_robot(where)


def _population(where):
    return make_population(where, 2024, {"汉族": 90, "苗族": 10}, residents=100)


def _membership(where):
    return _member(where, Role.STAFF, f"member-of-{where.pk}").memberships.get()


def _audit(where):
    return audit_record(actor=None, action=AuditAction.CHANGE, obj=where, jurisdiction=where, note="test")


ADMIN_CASES = {
    "communities.jurisdiction": lambda w: w,
    "communities.populationrecord": _population,
    "communities.groupcount": lambda w: _population(w).group_counts.first(),
    "communities.membership": _membership,
    "communities.auditentry": _audit,
    "activities.activity": _activity,
    "activities.project": _project,
    "activities.monthlyreturn": _return,
    "activities.petition": _petition,
    "activities.creationplan": _plan,
    "activities.indicator": _indicator,
    "activities.responsibility": _responsibility,
    "activities.evidencefile": _evidence,
    "reminders.grouprobot": lambda where: _robot(where),
}


def scoped_admins():
    """Return {model label: ModelAdmin} for every registered admin of a model that belongs to a jurisdiction."""
    return {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ScopedAdminMixin) or hasattr(model._default_manager, "for_user")
    }


class AdminAccessTests(TestCase):
    def test_every_admin_of_a_scoped_model_has_a_case(self):
        self.assertEqual(sorted(set(scoped_admins()) - set(ADMIN_CASES)), [], "admins without an ADMIN_CASES row")

    def _urls(self, model_admin, pk):
        info = (model_admin.opts.app_label, model_admin.opts.model_name)
        return {
            "change": reverse("admin:{}_{}_change".format(*info), args=[pk]),
            "delete": reverse("admin:{}_{}_delete".format(*info), args=[pk]),
        }

    def _check(self, label):
        model_admin = scoped_admins()[label]
        world = ScopeWorld()
        info = (model_admin.opts.app_label, model_admin.opts.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        # The own row sits in the community, under the administrator's district; the foreign one elsewhere.
        own = ADMIN_CASES[label](world.community)
        foreign = ADMIN_CASES[label](world.other_district)
        model = type(own)

        self.client.logout()
        response = self.client.get(changelist)
        self.assertEqual(response.status_code, 302, f"anonymous {changelist}")
        self.assertIn(reverse("admin:login"), response["Location"])

        # Staff, leaders and auditors hold no admin role: the admin site turns them away.
        for key in ("staff", "leader", "auditor"):
            self.client.force_login(world.users[key])
            for url in (changelist, *self._urls(model_admin, own.pk).values()):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302, f"{key} {url}")
                self.assertIn(reverse("admin:login"), response["Location"])

        self.client.force_login(world.users["admin"])
        response = self.client.get(changelist)
        self.assertEqual(response.status_code, 200, f"permitted {changelist}")
        shown = {obj.pk for obj in response.context["cl"].queryset}
        self.assertIn(own.pk, shown, f"{changelist} does not list the own row")
        self.assertNotIn(foreign.pk, shown, f"{changelist} lists another subtree's row")
        self.assertEqual(self.client.get(self._urls(model_admin, own.pk)["change"]).status_code, 200)

        # Another subtree's row answers as a missing one does, for GET and POST, and stays as it was.
        missing_pk = model._default_manager.order_by("-pk").values_list("pk", flat=True).first() + 1000
        before = model._default_manager.filter(pk=foreign.pk).values().get()
        for kind, url in self._urls(model_admin, foreign.pk).items():
            missing_url = self._urls(model_admin, missing_pk)[kind]
            for method in ("get", "post"):
                answer = getattr(self.client, method)(url, {"post": "yes"})
                missing = getattr(self.client, method)(missing_url, {"post": "yes"})
                self.assertEqual(
                    (answer.status_code, answer.get("Location")),
                    (missing.status_code, missing.get("Location")),
                    f"{method.upper()} {url} answers unlike a missing row",
                )
        self.assertEqual(model._default_manager.filter(pk=foreign.pk).values().get(), before)


def _test_name(*parts):
    return "test_" + "_".join(str(p).replace(":", "_").replace(".", "_") for p in parts)


for _n, _entry in enumerate(load_view_table()):
    setattr(
        RouteAccessTests,
        _test_name(_n, _entry.url_name, _entry.user, _entry.method),
        lambda self, entry=_entry: self._check(entry),
    )

for _label in ADMIN_CASES:
    setattr(AdminAccessTests, _test_name(_label), lambda self, label=_label: self._check(label))
