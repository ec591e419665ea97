"""View table row for /favicon.ico: a redirect to the static icon, the same for everyone (see tests/scoping.py)."""

from tests.scoping import ScopedView

VIEWS = [
    ScopedView("favicon", public=True, no_foreign="a static icon, the same for everyone, logged in or not"),
]
