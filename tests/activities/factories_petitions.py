"""Builders for petition test data: plain functions that write rows directly, bypassing the services."""

from datetime import date

from activities.choices import PetitionCategory, PetitionChannel, PetitionKind, PetitionStatus
from activities.models import Petition, PetitionStatusChange

# Valid resident ID numbers (GB 11643 check digits verified); one ends in the check character X.
ID_WITH_X = "52010219501231123X"  # masks to 5201**********123X
ID_DIGIT = "520102198001011235"
ID_OTHER = "11010519491231002X"


def petition_data(jurisdiction, **overrides):
    """Return the data of a plausible case, as petition_register takes it."""
    data = {
        "jurisdiction": jurisdiction,
        "kind": PetitionKind.PETITION,
        "received_on": date(2024, 3, 4),
        "channel": PetitionChannel.VISIT,
        "is_group": False,
        "persons": 1,
        "ethnic_factor": False,
        "category": PetitionCategory.URBAN,
        "summary": "小区电梯长期故障，要求物业维修",
        "petitioner_name": "张三丰",
        "petitioner_phone": "13812345678",
        "petitioner_id_number": ID_WITH_X,
    }
    data.update(overrides)
    return data


def make_petition(jurisdiction, *, status=PetitionStatus.REGISTERED, history=True, **fields):
    """Create a case in `status` directly; set the dates that status needs unless given."""
    data = petition_data(jurisdiction)
    data.update(fields)
    received = data["received_on"]
    if status not in (PetitionStatus.REGISTERED,):
        data.setdefault("decided_on", received)
    if status == PetitionStatus.EXTENDED:
        data.setdefault("extension_days", 15)
        data.setdefault("extension_reason", "涉及多个部门，需联合调查")
    if status == PetitionStatus.REJECTED:
        data.setdefault("rejection_reason", "不属于本机关职权范围")
    if status in (PetitionStatus.CLOSED, PetitionStatus.REVIEW, PetitionStatus.RECHECK):
        data.setdefault("closed_on", received)
        data.setdefault("outcome", "resolved")
        data.setdefault("outcome_text", "已协调解决")
    if status in (PetitionStatus.REVIEW, PetitionStatus.RECHECK):
        data.setdefault("review_requested_on", data["closed_on"])
    if status == PetitionStatus.RECHECK:
        data.setdefault("review_replied_on", data["review_requested_on"])
        data.setdefault("recheck_requested_on", data["review_replied_on"])
    petition = Petition(status=status, **data)
    petition.save()
    if history:
        PetitionStatusChange.objects.create(
            petition=petition, from_status="", to_status=PetitionStatus.REGISTERED, changed_on=received
        )
    return petition
