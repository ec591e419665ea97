"""Admin of the activities app, one module per area; changelists are scoped like the pages."""

from . import activities, monthly, petitions, plans  # noqa: F401
