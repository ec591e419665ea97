"""What the activities admins share."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied


def report_refusal(model_admin, request, error):
    """Show a service's refusal (PermissionDenied or ValidationError) as error messages on the admin page."""
    for message in [str(error)] if isinstance(error, PermissionDenied) else error.messages:
        model_admin.message_user(request, message, messages.ERROR)
