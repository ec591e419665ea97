"""Register imports (台账导入): an office's Excel register of activities or petitions, previewed, then written whole.

`activities.importers` reads a plan's indicator system; this package reads the day-to-day records.
"""

from .activities import ActivityRegister, activity_register_apply, activity_register_plan
from .common import CHANGED, NEW, UNCHANGED, RegisterIssue, RegisterPlan, RegisterResult, parse_date
from .petitions import PetitionRegister, petition_register_apply, petition_register_plan

__all__ = [
    "CHANGED",
    "NEW",
    "UNCHANGED",
    "ActivityRegister",
    "PetitionRegister",
    "RegisterIssue",
    "RegisterPlan",
    "RegisterResult",
    "activity_register_apply",
    "activity_register_plan",
    "parse_date",
    "petition_register_apply",
    "petition_register_plan",
]
