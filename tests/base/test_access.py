"""base/access.py: the role → action table and the access questions every part of the site asks."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.test import TestCase

from base import access
from base.access import ROLE_ACTIONS, Action, Role
from communities.models import Jurisdiction
from tests.factories import make_member, make_tree, make_user


class RoleTableTests(TestCase):
    def test_each_role_and_its_actions(self):
        self.assertEqual(
            {role: sorted(actions) for role, actions in ROLE_ACTIONS.items()},
            {
                Role.STAFF: ["change", "view"],
                Role.LEADER: ["approve", "change", "view"],
                Role.ADMIN: ["approve", "audit", "change", "manage", "view"],
                Role.AUDITOR: ["audit"],
            },
        )

    def test_the_auditor_changes_nothing(self):
        self.assertEqual(access.roles_allowing(Action.CHANGE), [Role.STAFF, Role.LEADER, Role.ADMIN])
        for action in (Action.VIEW, Action.CHANGE, Action.APPROVE, Action.MANAGE):
            with self.subTest(action=action):
                self.assertNotIn(Role.AUDITOR, access.roles_allowing(action))


class AccessQuestionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.home, cls.sibling = cls.communities[0], cls.communities[1]

    def test_paths_drop_a_subtree_inside_another_and_are_read_once_per_user_object(self):
        user = make_member(self.streets[0], Role.LEADER)
        make_member_again = user.memberships.create(jurisdiction=self.home, role=Role.STAFF)
        self.assertTrue(make_member_again.pk)
        with self.assertNumQueries(1):
            self.assertEqual(access.paths(user, Action.VIEW), [self.streets[0].path])
            self.assertEqual(access.paths(user, Action.APPROVE), [self.streets[0].path])
            self.assertTrue(access.user_can(user, Action.CHANGE, self.sibling))
            self.assertFalse(access.user_can(user, Action.CHANGE, self.streets[1]))

    def test_forget_reads_the_roles_again_after_a_grant(self):
        user = make_member(self.home, Role.STAFF)
        self.assertFalse(access.user_can(user, Action.VIEW, self.sibling))
        user.memberships.create(jurisdiction=self.sibling, role=Role.STAFF)
        self.assertFalse(access.user_can(user, Action.VIEW, self.sibling), "read once per user object")
        access.forget(user)
        self.assertTrue(access.user_can(user, Action.VIEW, self.sibling))

    def test_superuser_reaches_everywhere_and_inactive_or_anonymous_users_nowhere(self):
        root = make_user(is_superuser=True)
        self.assertTrue(access.reaches_everywhere(root, Action.MANAGE))
        self.assertEqual(access.scope_q(root, Action.MANAGE), Q())
        gone = make_member(self.home, Role.ADMIN)
        gone.is_active = False
        self.assertEqual(access.paths(gone, Action.VIEW), [])
        from django.contrib.auth.models import AnonymousUser

        self.assertEqual(access.paths(AnonymousUser(), Action.VIEW), [])
        self.assertFalse(Jurisdiction.objects.for_user(AnonymousUser()).exists())

    def test_approval_reaches_strictly_below(self):
        leader = make_member(self.streets[0], Role.LEADER)
        self.assertTrue(access.user_can_below(leader, Action.APPROVE, self.home))
        self.assertFalse(access.user_can_below(leader, Action.APPROVE, self.streets[0]))
        below = Jurisdiction.objects.filter(access.scope_q(leader, Action.APPROVE, field="path", below_only=True))
        self.assertEqual(set(below), {self.home, self.sibling})

    def test_readable_from_below_adds_the_ancestors_for_reading_only(self):
        staff = make_member(self.home, Role.STAFF)
        read = Jurisdiction.objects.filter(access.scope_q(staff, Action.VIEW, field="path", readable_from_below=True))
        self.assertEqual(set(read), {self.district, self.streets[0], self.home})
        write = Jurisdiction.objects.filter(
            access.scope_q(staff, Action.CHANGE, field="path", readable_from_below=True)
        )
        self.assertEqual(set(write), {self.home})

    def test_administrator_anywhere(self):
        cases = {
            make_member(self.home, Role.ADMIN): True,
            make_member(self.district, Role.LEADER): False,
            make_member(self.district, Role.AUDITOR): False,
            make_user(is_superuser=True): True,
            make_user(): False,
        }
        for user, expected in cases.items():
            with self.subTest(user=user.username):
                self.assertEqual(access.is_administrator(user), expected)

    def test_ensure_may_anywhere_refuses_an_auditor_a_create_page(self):
        auditor = make_member(self.district, Role.AUDITOR)
        with self.assertRaises(PermissionDenied):
            access.ensure_may_anywhere(auditor, Action.CHANGE)
        access.ensure_may_anywhere(make_member(self.home, Role.STAFF), Action.CHANGE)

    def test_default_jurisdiction_is_the_only_one_a_user_writes_in(self):
        staff = make_member(self.home, Role.STAFF)
        self.assertEqual(access.default_jurisdiction_id(staff), self.home.pk)
        staff.memberships.create(jurisdiction=self.sibling, role=Role.STAFF)
        access.forget(staff)
        self.assertIsNone(access.default_jurisdiction_id(staff))
        self.assertIsNone(access.default_jurisdiction_id(make_member(self.home, Role.AUDITOR)))

    def test_tops_are_the_highest_jurisdictions_reached(self):
        user = make_member(self.streets[0], Role.LEADER)
        user.memberships.create(jurisdiction=self.home, role=Role.STAFF)
        user.memberships.create(jurisdiction=self.communities[2], role=Role.STAFF)
        access.forget(user)
        self.assertEqual(Jurisdiction.objects.tops_for(user, Action.VIEW), [self.streets[0], self.communities[2]])
        self.assertEqual(Jurisdiction.objects.tops_for(user, Action.APPROVE), [self.streets[0]])
        self.assertEqual(Jurisdiction.objects.tops_for(make_user(is_superuser=True)), [self.district])

    def test_names_of_responsible_persons_go_to_those_who_may_write_the_plan(self):
        self.assertTrue(access.may_see_responsible_persons(make_member(self.district, Role.STAFF), self.streets[0]))
        self.assertFalse(access.may_see_responsible_persons(make_member(self.home, Role.LEADER), self.streets[0]))
        self.assertFalse(access.may_see_responsible_persons(make_member(self.district, Role.AUDITOR), self.home))


class MayTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()

    def test_may_answers_for_a_jurisdiction_or_any_scoped_row(self):
        from tests.activities.factories_activities import make_activity
        from tests.activities.factories_plans import make_plan

        staff = make_member(self.communities[0], Role.STAFF)
        own, sibling = make_activity(self.communities[0]), make_activity(self.communities[1])
        district_plan = make_plan(self.district)
        cases = [
            (Action.CHANGE, self.communities[0], True),
            (Action.VIEW, self.communities[1], False),
            (Action.CHANGE, own, True),
            (Action.VIEW, sibling, False),
            (Action.VIEW, district_plan, True),  # read by the places below it
            (Action.CHANGE, district_plan, False),  # written only from its own jurisdiction up
            (Action.APPROVE, own, False),
        ]
        for action, obj, expected in cases:
            with self.subTest(action=action, obj=str(obj)):
                self.assertEqual(access.may(staff, action, obj), expected)
