"""The site's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from unity.urls import handler500
from unity.urls import urlpatterns as site_urlpatterns


def bad_request(request):
    raise SuspiciousOperation("internal detail: tampered signature")


def forbidden(request):
    raise PermissionDenied("internal detail: rule 42")


def broken(request):
    raise RuntimeError("internal detail: /srv/unity/secret.py line 7")


urlpatterns = [
    path("fail/400/", bad_request),
    path("fail/403/", forbidden),
    path("fail/500/", broken),
    *site_urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
