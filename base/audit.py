"""What an audit row says, and how a person reads it back.

A row's `changes` map field names to `[old, new]`: plain JSON values, a related record by its text, a choice by
its code. Labels are looked up when the row is read, so the history shows field and choice labels in the
reader's language (`类型：信访`, not `kind：petition`). Keys that name no field are shown as they were written.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

# Kept by the database itself on every record; an audit row already says who and when.
BOOKKEEPING_FIELDS = frozenset({"created_at", "updated_at", "created_by"})


def audited_fields(model):
    """Return the names of the fields a person edits on `model`: what a delete entry keeps."""
    return tuple(
        field.name
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in BOOKKEEPING_FIELDS
    )


def snapshot(obj, fields):
    """Return {name: value} of `obj`'s fields (or properties), a related record as the record itself."""
    values = {}
    for name in fields:
        field = _field(type(obj), name)
        if field is None:  # a property, e.g. a masked form of personal data
            values[name] = getattr(obj, name)
        elif field.many_to_one:
            values[field.name] = getattr(obj, field.name) if getattr(obj, field.attname) is not None else None
        else:
            values[field.name] = getattr(obj, field.attname)
    return values


def as_text(value):
    """Return `value` as JSON can keep it: numbers, text and booleans as they are, anything else as its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def changes_between(before, after):
    """Return {name: [old, new]} for the names whose value differs between two snapshots."""
    return {
        name: [as_text(before.get(name)), as_text(after.get(name))]
        for name in {**before, **after}
        if before.get(name) != after.get(name)
    }


def deleted_values(obj, fields=None):
    """Return {name: [value, None]} for every filled-in field of `obj`: what a delete entry keeps."""
    values = snapshot(obj, fields or audited_fields(type(obj)))
    return {name: [as_text(value), None] for name, value in values.items() if value not in (None, "")}


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _shown_field(model, name):
    # A masked form of personal data (`petitioner_phone_masked`) is labelled as the field it masks.
    return _field(model, name) or (_field(model, name.removesuffix("_masked")) if name.endswith("_masked") else None)


def field_label(model, name):
    """Return the label of `model`'s field `name` (a reverse relation by the related model's plural name)."""
    field = _shown_field(model, name)
    if field is None:
        return name
    if field.auto_created and field.is_relation:
        return capfirst(field.related_model._meta.verbose_name_plural)
    return capfirst(field.verbose_name)


def value_label(model, name, value):
    """Return `value` of field `name` as a person reads it: a choice by its label, a yes/no in words."""
    field = _shown_field(model, name)
    if value is None or field is None or field.auto_created:
        return value
    if isinstance(field, models.BooleanField) and isinstance(value, bool):
        return _("是") if value else _("否")
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def readable_changes(model, changes):
    """Return [(label, old, new)] for an audit row's `changes` on a record of `model` (None when unknown)."""
    return [
        (field_label(model, name), value_label(model, name, old), value_label(model, name, new))
        for name, (old, new) in ((name, _pair(value)) for name, value in (changes or {}).items())
    ]


def _pair(value):
    # Rows are written as [old, new]; anything else (hand-made rows) is shown as the new value.
    if isinstance(value, list | tuple) and len(value) == 2:
        return value
    return None, value


def actor_name(actor):
    """Return the name an audit row keeps for `actor`, so the row still names them once the login is gone."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    username = actor.get_username()
    return f"{full}（{username}）" if full and full != username else username
