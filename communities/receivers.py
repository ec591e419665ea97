"""Signal receivers of this app: an import refused for its errors is written to the audit trail (等保 wants
failures audited too), and the administrators of its place are reminded of it (reminders.selectors)."""

from django.dispatch import receiver

from base.staging import import_refused

from .services import import_refusal_record


@receiver(import_refused, dispatch_uid="communities.import_refused")
def record_import_refusal(sender, *, user, filename, errors, first_issue=None, what="", place=None, **kwargs):
    if user is None or not user.is_authenticated:
        return
    import_refusal_record(
        actor=user, filename=filename, errors=errors, first_issue=first_issue, what=what, jurisdiction=place
    )
