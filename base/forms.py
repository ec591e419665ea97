"""What every form that saves through a service shares."""

from django.core.exceptions import PermissionDenied, ValidationError


def add_service_error(form, error, *, field_names=None):
    """Show a service's refusal on `form`: each message on the field it names, the rest above the form.

    `field_names` maps a model field to the form field that edits it where their names differ. A
    PermissionDenied concerns where the record goes, so it sits on the jurisdiction field when there is one.
    """
    if isinstance(error, PermissionDenied):
        form.add_error("jurisdiction" if "jurisdiction" in form.fields else None, str(error))
        return
    items = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
    for field, messages in items:
        name = (field_names or {}).get(field, field)
        form.add_error(name if name in form.fields else None, messages)


def save_valid(form, save, *, field_names=None):
    """Call `save()` when `form` is valid and return its result; on a refusal show it on the form, return None."""
    if not form.is_valid():
        return None
    try:
        return save()
    except (ValidationError, PermissionDenied) as error:
        add_service_error(form, error, field_names=field_names)
    return None
