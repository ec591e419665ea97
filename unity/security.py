"""Login throttling (django-axes) as this site wants it: the client's address, the lockout page, the audit row."""

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils import timezone

from communities.choices import AuditAction
from communities.services import login_lockout_record, sign_in_record


def client_ip(request):
    """Return the client's address: the one nginx appended to X-Forwarded-For when the site runs behind it.

    Only the last entry is trusted: it is the one the proxy saw; anything before it the client could have sent.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


def locked_until(request, username):
    """When the lock on `username` from this request's address ends: the last failure plus the cool-off time."""
    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=getattr(request, "axes_ip_address", None))
        .order_by("-attempt_time")
        .first()
    )
    started = attempt.attempt_time if attempt else timezone.now()
    return started + get_cool_off(request)


def lockout_response(request, original_response=None, credentials=None):
    """Answer a refused login with a page (429) saying when to try again and who can unlock the account."""
    username = get_client_username(request, credentials) or ""
    return render(
        request,
        "registration/locked_out.html",
        {
            "username": username,
            "failure_limit": get_failure_limit(request, credentials),
            "locked_until": timezone.localtime(locked_until(request, username)),
        },
        status=429,
    )


def audit_lockout(sender, request, username, ip_address, **kwargs):
    """Write one audit row when a lock begins (axes signals again on every refused try while locked)."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None and failures != get_failure_limit(request, getattr(request, "axes_credentials", None)):
        return
    login_lockout_record(username=username, ip_address=ip_address, locked_until=locked_until(request, username))


def _through_a_page(request):
    # Sign-ins that come through the site's pages; a test client's force_login has no path and is not an event.
    return request is not None and bool(getattr(request, "path", ""))


def audit_sign_in(sender, request, user, **kwargs):
    if _through_a_page(request):
        sign_in_record(user=user, action=AuditAction.LOGIN, ip_address=client_ip(request))


def audit_sign_out(sender, request, user, **kwargs):
    if user is not None and _through_a_page(request):
        sign_in_record(user=user, action=AuditAction.LOGOUT, ip_address=client_ip(request))


def audit_refused_password(sender, credentials, request=None, **kwargs):
    """A wrong password for an existing account is kept; unknown names stay in the throttle's own log only."""
    username = (credentials or {}).get("username")
    # While the throttle holds an account, a refused try is not a password check: the lockout row already says it.
    if not username or not _through_a_page(request) or getattr(request, "axes_locked_out", False):
        return
    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        sign_in_record(user=user, action=AuditAction.LOGIN_FAILED, ip_address=client_ip(request))
