"""View table rows for the register import pages (see tests/scoping.py): anyone who records, in their own subtree."""

from tests.scoping import ScopedView

_STAGED = (
    "confirming reads the file staged in this session against the jurisdiction chosen at upload, re-checked "
    "within the user's scope (test_register_import_views.py: test_a_staged_file_is_not_written_after_the_role_is_gone)"
)
_BLANK = "a blank spreadsheet, the same for everyone"

VIEWS = []
for kind in ("activity", "petition"):
    VIEWS += [
        # The chooser offers the user's own jurisdictions only; naming the sibling in the query changes nothing.
        ScopedView(
            f"activities:{kind}_register_import",
            action="change",
            own_text="甲社区",
            foreign_text="乙社区",
            foreign_query=lambda w: {"jurisdiction": w.sibling.pk},
        ),
        # Without a previewed file in the session, confirming sends the user back to the upload page.
        ScopedView(
            f"activities:{kind}_register_confirm",
            action="change",
            method="post",
            ok_status=(302,),
            no_foreign=_STAGED,
        ),
        ScopedView(f"activities:{kind}_register_template", action="change", no_foreign=_BLANK),
    ]
