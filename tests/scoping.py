"""Every page and JSON endpoint is tested three ways from one table: anonymous, permitted, another subtree.

Each area declares its views in a module `tests/<app>/view_table_<area>.py` with a list `VIEWS` of
`ScopedView` entries; `tests/test_view_table.py` runs all of them and fails when a named route of the
project has no entry, so a new view cannot be forgotten.
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
    - `user`: which of the world's users is the permitted one ("staff", "leader", "admin").
    - `method`: "get" or "post" (a POST view is tested with `data` and must not answer 200/302 to outsiders).
    """

    url_name: str
    make: Callable[[Any], Any] = None
    make_foreign: Callable[[Any], Any] | None = None
    user: str = "staff"
    method: str = "get"
    data: dict = field(default_factory=dict)
    ok_status: tuple = (200,)
    foreign_text: str | None = None
    json: bool = False
    public: bool = False
