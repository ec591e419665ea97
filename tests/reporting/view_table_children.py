"""View table rows for the dashboard's whole children lists (see tests/scoping.py)."""

from tests.scoping import ScopedView

VIEWS = [
    ScopedView(
        f"{prefix}_{kind}{suffix}",
        json=prefix == "api",
        make=lambda w: [w.community.code],
        make_foreign=lambda w: [w.sibling.code],
    )
    for kind in ("returns", "ranking")
    for prefix, suffix in (("dashboard", ""), ("dashboard", "_export"), ("api", ""))
]
