"""Site-wide request rules: the idle timeout, the first-login password change, no caching of personal data."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

IDLE_KEY = "last_activity"
# Writing the session on every request would turn every page view into a database write; a minute's
# precision is plenty for a 30-minute timeout.
IDLE_RESOLUTION = 60


def start_idle_clock(sender, request, user, **kwargs):
    """Start the idle clock at login (connected to user_logged_in), so the first page view writes nothing."""
    if request is not None and hasattr(request, "session"):
        request.session[IDLE_KEY] = int(time.time())


class SessionIdleTimeoutMiddleware:
    """End a session left alone for SESSION_IDLE_TIMEOUT seconds, besides the cookie's absolute age."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(IDLE_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("您已长时间未操作，为保护数据已自动退出，请重新登录。"))
                return redirect(f"{reverse('login')}?next={request.path}")
            if last is None or now - last >= IDLE_RESOLUTION:
                request.session[IDLE_KEY] = now
        return self.get_response(request)


# Pages a user must still reach while a password change is pending.
PASSWORD_CHANGE_EXEMPT = ("password_change", "password_change_done", "logout", "set_language", "healthz")
PENDING_KEY = "must_change_password"


def note_pending_password_change(sender, request, user, **kwargs):
    """At login, remember in the session whether the account must change its password (one query per login).

    An administrator setting someone's password changes that user's session hash, which ends their sessions, so
    the next login sees the requirement; checking at login rather than on every request is enough.
    """
    from communities.models import PendingPasswordChange

    if request is not None and hasattr(request, "session"):
        if PendingPasswordChange.objects.filter(user=user).exists():
            request.session[PENDING_KEY] = True
        else:
            request.session.pop(PENDING_KEY, None)


class PasswordChangeRequiredMiddleware:
    """Send an account an administrator created to the password-change page until it has chosen its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.session.get(PENDING_KEY) or not request.user.is_authenticated:
            return None
        if request.resolver_match.view_name in PASSWORD_CHANGE_EXEMPT:
            return None
        messages.warning(request, _("这是管理员为您设置的初始密码，请先修改密码再继续使用。"))
        return redirect("password_change")


# Views whose pages show petitioners' personal data (names, phones, ID numbers): no copy may stay in a
# browser's or a proxy's cache after the person logs out. The admin shows the same data.
NO_STORE_URL_NAMES = ("activities:petition_",)
NO_STORE_PATH_PREFIXES = ("/admin/",)


class NoStoreMiddleware:
    """Send Cache-Control: no-store with every page that shows personal data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view_name = match.view_name if match else ""
        if view_name.startswith(NO_STORE_URL_NAMES) or request.path.startswith(NO_STORE_PATH_PREFIXES):
            response["Cache-Control"] = "no-store, private"
        return response
