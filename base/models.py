"""Abstract models the apps' records share."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.utils.translation import gettext_lazy as _


class TrackedModel(models.Model):
    """A record that keeps when it was entered and last changed, and who entered it.

    The full history (who changed what) is in the audit trail; these columns answer the common question
    without reading it. `created_by` is set by the service that creates the record; it stays empty for rows
    that imports and the monthly cycle write, whose audit row names the actor.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class FieldCheckConstraint(models.CheckConstraint):
    """A check constraint whose refusal sits on the field a person must correct.

    The database enforces the rule for every writer; forms, services and the admin show the refusal through
    full_clean(). `violation_error_message` may name the record's values, e.g. `%(participants)s`.
    """

    def __init__(self, *, field, **kwargs):
        self.field = field
        super().__init__(**kwargs)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        try:
            super().validate(model, instance, exclude=exclude, using=using)
        except ValidationError as error:
            values = {field.attname: getattr(instance, field.attname) for field in model._meta.concrete_fields}
            message = self.violation_error_message % {"name": self.name, **values}
            raise ValidationError({self.field: ValidationError(message, code=error.code)}) from None

    def get_violation_error_message(self):
        # Only validate() knows the record's values; this placeholder-free form is for callers without one.
        return self.name

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["field"] = self.field
        return path, args, kwargs

    def __eq__(self, other):
        return super().__eq__(other) and getattr(other, "field", None) == self.field
