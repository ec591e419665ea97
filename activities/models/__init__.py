"""Models of creation work: plans and indicators, activities and projects, petitions, monthly returns."""

from .activities import Activity, ActivityCategory, ActivityPhoto, Project, ProjectFunding
from .checks import ReturnCheck
from .entry import ActivityEntryPreference
from .monthly import MonthlyFigure, MonthlyReturn, MonthlyValue, ValidationRule, YearlyValue
from .petitions import Petition, PetitionStatusChange
from .plans import CreationPlan, EvidenceFile, Indicator, LeadingGroupMember, PlanBudget, PlanMeasure, Responsibility

__all__ = [
    "Activity",
    "ActivityCategory",
    "ActivityEntryPreference",
    "ActivityPhoto",
    "CreationPlan",
    "EvidenceFile",
    "Indicator",
    "LeadingGroupMember",
    "MonthlyFigure",
    "MonthlyReturn",
    "MonthlyValue",
    "Petition",
    "PetitionStatusChange",
    "PlanBudget",
    "PlanMeasure",
    "Project",
    "ProjectFunding",
    "Responsibility",
    "ReturnCheck",
    "ValidationRule",
    "YearlyValue",
]
