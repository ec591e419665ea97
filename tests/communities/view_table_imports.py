"""View table rows for the census import pages (see tests/scoping.py): administrators only."""

from tests.scoping import ScopedView

VIEWS = [
    ScopedView("communities:census_import", user="admin"),
    # Without a previewed file in the session, confirming sends the administrator back to the upload page.
    ScopedView("communities:census_import_confirm", user="admin", method="post", ok_status=(302,)),
    ScopedView("communities:census_template", user="admin", make=lambda w: ["wide"]),
]
