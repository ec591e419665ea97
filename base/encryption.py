"""Keys, encryption and keyed hashes for personal numbers kept at rest (ID and phone numbers).

`DJANGO_FIELD_KEY` holds one or more Fernet keys (URL-safe base64 of 32 bytes), separated by commas: the first
encrypts, every one decrypts, so a new key is put first and `manage.py rotate_field_key` re-encrypts the rows.
The keyed hash that allows exact lookup (never a prefix) is an HMAC-SHA256 under a key derived from each field
key; a lookup tries the hash under every listed key, so it keeps working between a key change and the rotation.
"""

import base64
import binascii
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

# Used only with DEBUG on and no DJANGO_FIELD_KEY (the settings refuse to start without a key otherwise):
# data encrypted under it is as good as plain text, so it must never protect real records.
DEVELOPMENT_KEY = "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA="  # noqa: S105

# Every Fernet token starts with the version byte 0x80, which URL-safe base64 writes as "gA".
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (not a secret)

_HASH_INFO = b"unity personal number lookup hash v1"


class FieldKeyError(ImproperlyConfigured):
    """A field key is malformed, or stored data cannot be decrypted with any configured key."""


def parse_keys(text):
    """Return the keys in a comma-separated `DJANGO_FIELD_KEY`, refusing any that is not a Fernet key."""
    keys = [part.strip() for part in (text or "").split(",") if part.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""
        if len(raw) != 32:
            raise FieldKeyError(
                f"DJANGO_FIELD_KEY: key {position} is not a URL-safe base64 encoding of 32 bytes. Generate one with "
                '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
            )
    return keys


@cache
def _keys():
    keys = parse_keys(",".join(getattr(settings, "FIELD_ENCRYPTION_KEYS", [])))
    if not keys:
        raise FieldKeyError("No field encryption key: set DJANGO_FIELD_KEY.")
    return tuple(keys)


@cache
def _fernet():
    return MultiFernet([Fernet(key) for key in _keys()])


@cache
def _hash_keys():
    derived = []
    for key in _keys():
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HASH_INFO)
        derived.append(hkdf.derive(base64.urlsafe_b64decode(key)))
    return tuple(derived)


def _reset(**kwargs):
    if kwargs.get("setting") in (None, "FIELD_ENCRYPTION_KEYS"):
        _keys.cache_clear()
        _fernet.cache_clear()
        _hash_keys.cache_clear()


setting_changed.connect(_reset, dispatch_uid="base.encryption.reset")


def is_token(value):
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def encrypt(text):
    """Return a Fernet token of `text` under the first key."""
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token):
    """Return the text of a token encrypted under any configured key; a clear error rather than garbage."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise FieldKeyError(
            "Encrypted personal data cannot be decrypted with any key in DJANGO_FIELD_KEY: the key is wrong, or the "
            "data was encrypted under a key that is no longer listed (keep the old key after the new one until "
            "`manage.py rotate_field_key` has run)."
        ) from exc


def decrypts_with_primary(token):
    """Tell whether `token` is already under the first key (what rotation leaves behind)."""
    try:
        Fernet(_keys()[0]).decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def lookup_hash(value):
    """Return the keyed hash of `value` under the first key, hex; empty for an empty value."""
    if not value:
        return ""
    return hmac.new(_hash_keys()[0], value.encode("utf-8"), hashlib.sha256).hexdigest()


def lookup_hashes(value):
    """Return the keyed hashes of `value` under every configured key, to find rows not yet rotated too."""
    if not value:
        return []
    return [hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest() for key in _hash_keys()]
