"""View table rows for the census and jurisdiction import pages (see tests/scoping.py): administrators only."""

from tests.scoping import ScopedView

_ROWS_CHECKED_AT_PREVIEW = (
    "the upload names no jurisdiction; rows outside the subtree are refused at preview "
    "(test_import_views.py: test_an_admin_of_another_district_gets_row_errors_and_nothing_is_written)"
)

VIEWS = [
    ScopedView("communities:census_import", action="manage", user="admin", no_foreign=_ROWS_CHECKED_AT_PREVIEW),
    # Without a previewed file in the session, confirming sends the administrator back to the upload page.
    ScopedView(
        "communities:census_import_confirm",
        action="manage",
        user="admin",
        method="post",
        ok_status=(302,),
        no_foreign=_ROWS_CHECKED_AT_PREVIEW,
    ),
    ScopedView(
        "communities:census_template",
        action="manage",
        user="admin",
        make=lambda w: ["wide"],
        no_foreign="a blank spreadsheet, the same for everyone",
    ),
    ScopedView(
        "communities:jurisdiction_import",
        user="admin",
        no_foreign=(
            "the upload names no jurisdiction; rows outside the subtree are refused at preview "
            "(test_import_views.py: test_an_administrator_imports_only_inside_their_subtree)"
        ),
    ),
    # Without a previewed file in the session, confirming sends the administrator back to the upload page.
    ScopedView(
        "communities:jurisdiction_import_confirm",
        user="admin",
        method="post",
        ok_status=(302,),
        no_foreign="the staged file is re-checked against the subtree on confirm, as at preview",
    ),
]
