"""Resolve what people write for an ethnic group (苗, 苗族, 06, MH, Miao) to an EthnicGroup."""

import re

from .models import EthnicGroup

HAN_CODE = "01"
UNRECOGNISED_CODE = "97"
NATURALISED_CODE = "98"

# Census and office wording for the two categories beside the 56 groups.
EXTRA_ALIASES = {
    "未识别民族": UNRECOGNISED_CODE,
    "其他未识别民族": UNRECOGNISED_CODE,
    "未识别": UNRECOGNISED_CODE,
    "穿青人": UNRECOGNISED_CODE,
    "外国人加入中国籍": NATURALISED_CODE,
    "入籍外国人": NATURALISED_CODE,
    "加入中国籍的外国人": NATURALISED_CODE,
    "外国血统中国籍人士": NATURALISED_CODE,
    "入籍": NATURALISED_CODE,
}

_SPACES = re.compile(r"\s+")


def normalise(text):
    return _SPACES.sub("", str(text or "")).replace("\u3000", "")


class EthnicGroupIndex:
    """An in-memory index of all groups, loaded with one query, for imports and forms."""

    def __init__(self, groups=None):
        self.groups = list(groups if groups is not None else EthnicGroup.objects.all())
        self.by_key = {}
        for group in self.groups:
            keys = {group.code, group.name, group.short_name, group.alpha.upper(), group.romanization.lower()}
            if group.code.isdigit():
                keys.add(str(int(group.code)))
            for key in keys:
                if key:
                    self.by_key[key] = group
        by_code = {g.code: g for g in self.groups}
        for alias, code in EXTRA_ALIASES.items():
            if code in by_code:
                self.by_key.setdefault(alias, by_code[code])

    def resolve(self, text):
        """Return the group `text` names, or None."""
        key = normalise(text)
        if not key:
            return None
        if key.endswith(".0") and key[:-2].isdigit():
            key = key[:-2]
        return (
            self.by_key.get(key)
            or self.by_key.get(key.upper())
            or self.by_key.get(key.lower())
            or (self.by_key.get(key + "族") if not key.endswith("族") else None)
            or (self.by_key.get(key.zfill(2)) if key.isdigit() else None)
        )
