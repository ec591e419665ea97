"""Password rules beyond Django's own validators."""

import unicodedata

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password):
    """Return which of the four classes (lower case, upper case, digit, symbol) `password` uses."""
    classes = set()
    for char in password:
        if char.isascii() and char.islower():
            classes.add("lower")
        elif char.isascii() and char.isupper():
            classes.add("upper")
        elif char.isdigit():
            classes.add("digit")
        elif not unicodedata.category(char).startswith("Z"):
            # Punctuation, symbols and any other script (汉字 included) count as "other", spaces do not.
            classes.add("symbol")
    return classes


class CharacterClassValidator:
    """Require characters of at least `min_classes` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、符号四类中的至少 %(count)d 类。"),
                code="password_too_simple",
                params={"count": self.min_classes},
            )

    def get_help_text(self):
        return _("密码须包含小写字母、大写字母、数字、符号四类中的至少 %(count)d 类。") % {"count": self.min_classes}


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a message in the user's language.

    Django 5.2 asks its catalogues for "…at least %d characters." while they translate "…%(min_length)d…", so
    its own message always comes out in English.
    """

    def get_error_message(self):
        return _("密码太短：至少需要 %(count)d 个字符。") % {"count": self.min_length}

    def get_help_text(self):
        return _("密码至少需要 %(count)d 个字符。") % {"count": self.min_length}
