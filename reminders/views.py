"""The notification list, opening one (read, then on to the record), marking read, and the e-mail settings.

Every notification belongs to one user: another person's answers 404, as a missing one does.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import PreferenceForm
from .models import Notification, NotificationPreference

PAGE_SIZE = 30


def _mine(request, pk):
    return get_object_or_404(Notification.objects.for_recipient(request.user), pk=pk)


def is_local_path(link):
    """Only a path on this site (never "//host" or "https://…"): a notification cannot send anyone elsewhere."""
    return bool(link) and link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None)


@login_required
def notification_list(request):
    qs = Notification.objects.for_recipient(request.user)
    if request.GET.get("unread"):
        qs = qs.unread()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reminders/notification_list.html",
        {
            "page_obj": page,
            "notifications": page.object_list,
            "is_paginated": page.has_other_pages(),
            "unread_only": bool(request.GET.get("unread")),
        },
    )


@login_required
def notification_open(request, pk):
    """Mark the notification read and go to its record; a link that is not a local path stays on the list."""
    notification = services.notification_mark_read(notification=_mine(request, pk), actor=request.user)
    if is_local_path(notification.link):
        return redirect(notification.link)
    return redirect("reminders:notification_list")


@login_required
@require_POST
def notification_read(request, pk):
    services.notification_mark_read(notification=_mine(request, pk), actor=request.user)
    return redirect("reminders:notification_list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notification_mark_all_read(actor=request.user)
    messages.success(request, _("已将%(n)d条通知标为已读。") % {"n": count})
    return redirect("reminders:notification_list")


@login_required
def preferences(request):
    current = NotificationPreference.objects.filter(user=request.user).first() or NotificationPreference(
        user=request.user
    )
    form = PreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.preference_save(actor=request.user, **form.cleaned_data)
        messages.success(request, _("提醒设置已保存。"))
        return redirect("reminders:preferences")
    return render(request, "reminders/preferences.html", {"form": form, "has_email": bool(request.user.email)})
