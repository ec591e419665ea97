"""Resident ID numbers (GB 11643): validation and masking."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def check_digit(first17):
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_resident_id(value):
    """Reject anything but an 18-character resident ID number whose GB 11643 check digit is right."""
    if not value:
        return
    text = value.strip().upper()
    if len(text) != 18:
        raise ValidationError(_("身份证号码应为18位，当前为%(n)d位。") % {"n": len(text)}, code="length")
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise ValidationError(_("身份证号码前17位应为数字，最后一位为数字或X。"), code="format")
    if check_digit(text[:17]) != text[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对后重新输入。"), code="checksum")


def mask_resident_id(value):
    """Return the number with all but the first 4 and last 4 characters hidden: 5201**********123X."""
    if not value:
        return ""
    text = value.strip()
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_phone(value):
    """Return a phone number with its middle hidden: 138****5678."""
    if not value:
        return ""
    text = value.strip()
    if len(text) <= 7:
        return text[:2] + "*" * max(len(text) - 2, 0)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_name(value):
    """Return a name with all but its first character hidden: 张**."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
