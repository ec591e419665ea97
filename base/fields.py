"""Model fields for personal numbers: encrypted at rest, found only by an exact keyed hash, never by a prefix.

`EncryptedTextField` keeps a Fernet token in the column (base.encryption) and gives Python the plain text. It
allows no lookup but `isnull` and `exact` against the empty string: a prefix, a substring or a comparison would
run on the token and mean nothing, so the database refuses to pretend. `LookupHashField` keeps the keyed hash of
another field, computed on every save, for exact lookup (`Model.objects.filter(x_hash__in=lookup_hashes(v))`).
Serialisation (`dumpdata`) writes the token, so a dump holds no number in plain text; `loaddata` reads it back.
"""

from django import forms
from django.core import validators
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, In, IsNull
from django.utils.functional import cached_property

from .encryption import decrypt, encrypt, is_token, lookup_hash


class DecryptedText(str):
    """Plain text read from an encrypted column that remembers its token: an unchanged value is written back as
    the same token, so a save or a dump-and-load does not rewrite every row's ciphertext. Any string operation
    gives a plain str, which is encrypted afresh; `rotate_field_key` relies on that to re-encrypt."""

    token = None


def _decrypted(token):
    value = DecryptedText(decrypt(token))
    value.token = token
    return value


class EmptyOnlyExact(Exact):
    """`field=""` (is it blank?) works; equality with a number cannot, since every encryption differs."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError(
                f"{self.lhs.target.name} is encrypted: compare it only with '' and find a number through its "
                "lookup hash."
            )
        return self.rhs


class EncryptedTextField(models.TextField):
    """Text kept as a Fernet token under DJANGO_FIELD_KEY; `max_length` bounds the plain text."""

    description = "Encrypted text"

    @cached_property
    def validators(self):
        extra = [validators.MaxLengthValidator(self.max_length)] if self.max_length else []
        return [*super().validators, *extra]

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None

    def get_transform(self, lookup_name):
        return None

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return _decrypted(value)

    def to_python(self, value):
        # loaddata hands the serialised token back; a form hands plain text.
        if is_token(value):
            return _decrypted(value)
        return super().to_python(value)

    def get_prep_value(self, value):
        if isinstance(value, DecryptedText) and value.token:
            return value.token
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return self.get_prep_value(value)

    def formfield(self, **kwargs):
        # A single-line input: the plain value is a number, not prose.
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class LookupHashField(models.CharField):
    """The keyed hash of `source` (another field of the model), refreshed on every save, for exact lookup."""

    description = "Keyed lookup hash"

    def __init__(self, *args, source, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        # Stated only where they differ from this field's own defaults, so migrations stay short.
        for key, default in (("max_length", 64), ("blank", True), ("editable", False), ("db_index", True)):
            value = getattr(self, key)
            if value == default:
                kwargs.pop(key, None)
            else:
                kwargs[key] = value
        return name, path, args, kwargs

    def get_lookup(self, lookup_name):
        # Equality only: a hash's prefix tells nothing, but a probe on it is still a probe.
        if lookup_name in ("exact", "in", "isnull"):
            return {"exact": Exact, "in": In, "isnull": IsNull}[lookup_name]
        return None

    def get_transform(self, lookup_name):
        return None

    def pre_save(self, model_instance, add):
        value = lookup_hash(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def encrypted_fields(model):
    """Return the model's encrypted fields and lookup-hash fields (what a key rotation rewrites)."""
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField | LookupHashField)]
