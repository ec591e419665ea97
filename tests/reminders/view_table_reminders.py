"""View table rows for the notification pages (see tests/scoping.py): a notification is its recipient's alone."""

from reminders.choices import ReminderKind, RobotPlatform
from reminders.models import GroupRobot, Notification
from tests.scoping import ScopedView


def _notification(user, title):
    return Notification.objects.create(
        recipient=user,
        kind=ReminderKind.RETURN_DUE,
        subject="return:1:2026-11",
        occasion="before-due",
        title=title,
        link="/monthly/",
    )


def _mine(world):
    return [_notification(world.users["staff"], "甲社区的提醒").pk]


def _sibling(world):
    return [_notification(world.users["sibling_staff"], "乙社区的提醒").pk]


def _both(world):
    _mine(world)
    _sibling(world)


def make_robot(where):
    """A group robot of `where`, for the admin's access test (tests/test_access.py ADMIN_CASES)."""
    return GroupRobot.objects.create(
        jurisdiction=where,
        name=f"{where.name}工作群",
        platform=RobotPlatform.WECOM,
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test-key",
    )


VIEWS = [
    ScopedView(
        "reminders:notification_list",
        make=lambda w: _both(w) and None,
        own_text="甲社区的提醒",
        foreign_text="乙社区的提醒",
    ),
    ScopedView("reminders:notification_open", make=_mine, make_foreign=_sibling, ok_status=(302,)),
    ScopedView("reminders:notification_read", method="post", make=_mine, make_foreign=_sibling, ok_status=(302,)),
    ScopedView(
        "reminders:notification_read_all",
        method="post",
        ok_status=(302,),
        no_foreign="marks the user's own notifications only (tests/reminders/test_views.py)",
    ),
    ScopedView("reminders:preferences", no_foreign="the user's own e-mail settings"),
]
