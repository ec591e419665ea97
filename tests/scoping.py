"""Every page and JSON endpoint is tested from one table: anonymous, permitted, another subtree, a role lacking
the action.

Each area declares its views in a module `tests/<app>/view_table_<area>.py` with a list `VIEWS` of
`ScopedView` entries; `tests/test_access.py` runs all of them and fails when a URL pattern of the project has
no entry, so a new view cannot be forgotten.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ScopedView:
    """One route to test.

    - `url_name`: the route's name, e.g. "activities:activity_detail".
    - `make`: function(world) -> (args or kwargs for reverse, for the permitted object); `world` is a
      `ScopeWorld` with two sibling communities, their staff, a leader above both and an admin.
    - `make_foreign`: the same for an object of the sibling community (must answer 404), or None where the
      view has no object (lists: then `foreign_text` must not appear in the permitted user's page).
    - `user`: which of the world's users is the permitted one ("staff", "leader", "admin", "auditor").
    - `action`: what the view does (base.access.Action: "view", "change", "approve", "manage", "audit"); the
      world's users whose role lacks it are refused (403 or 404) on the permitted object, GET and POST.
    - `method`: "get" or "post" (a POST view is tested with `data` and must not answer 200/302 to outsiders).
    - `foreign_text`: text of the other subtree that the permitted user's page (or the target of its redirect)
      must not contain; `own_text`, text of their own subtree it must contain, so the check is not vacuous.
    - `foreign_query`: function(world) -> query parameters naming the other subtree (e.g. a preselected
      jurisdiction on a create page); with them the page must answer 404 or still not show `foreign_text`.
    - `no_foreign`: why the view has no other-subtree case at all (a site-wide list, a blank template).
      Every entry needs `make_foreign`, `foreign_text` or this reason: the table test fails otherwise.
    """

    url_name: str
    make: Callable[[Any], Any] = None
    make_foreign: Callable[[Any], Any] | None = None
    user: str = "staff"
    action: str = "view"
    method: str = "get"
    data: dict = field(default_factory=dict)
    ok_status: tuple = (200,)
    foreign_text: str | None = None
    own_text: str | None = None
    foreign_query: Callable[[Any], dict] | None = None
    no_foreign: str = ""
    json: bool = False
    public: bool = False

    @property
    def has_foreign_case(self):
        return bool(self.make_foreign or self.foreign_text or self.no_foreign.strip())
