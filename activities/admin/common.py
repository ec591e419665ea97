"""What the activities admins share."""

from communities.admin import report_refusal

__all__ = ["report_refusal"]
