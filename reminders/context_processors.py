"""The bell's count on every page: one COUNT query, and only on pages that show it."""

from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
