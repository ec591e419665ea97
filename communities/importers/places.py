"""Resolve what an import row writes for a place (a division code, a name path or a bare name)."""

import re
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from base.spreadsheets import compact

from ..choices import Action
from ..models import Jurisdiction

_PATH_SEPARATORS = re.compile(r"[/／\\>＞|｜]")
# 520115001001 typed into a General-format Excel cell and saved as CSV comes out as 5.20115E+11.
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)
# How many trailing names of a path a message shows: enough to tell two places apart, short enough to read.
LABEL_SEGMENTS = 3


@dataclass(frozen=True)
class Place:
    pk: int
    name: str
    code: str | None
    path: str
    parent_id: int | None


class JurisdictionIndex:
    """Every jurisdiction in memory, loaded in one query, so a file of any size resolves without a query per row.

    With `allowed_ids`, places outside it resolve exactly as unknown ones do: an import never reveals that a
    jurisdiction the user may not manage exists.
    """

    def __init__(self, *, allowed_ids=None):
        self.places = {
            pk: Place(pk, name, code, path, parent_id)
            for pk, name, code, path, parent_id in Jurisdiction.objects.order_by().values_list(
                "pk", "name", "code", "path", "parent_id"
            )
        }
        self.allowed_ids = allowed_ids
        self.by_code = {}
        self.by_name = defaultdict(list)
        for place in self.places.values():
            if allowed_ids is not None and place.pk not in allowed_ids:
                continue
            if place.code:
                self.by_code[place.code] = place
            self.by_name[compact(place.name)].append(place)
        self._names = {}
        self._resolved = {}

    @classmethod
    def for_actor(cls, actor):
        """Return the index of the places `actor` may manage; every place when there is no actor (the shell)."""
        if actor is None or actor.is_superuser:
            return cls()
        allowed = set(Jurisdiction.objects.for_user(actor, Action.MANAGE).values_list("pk", flat=True))
        return cls(allowed_ids=allowed)

    def name_path(self, place):
        """Return the names from the root down to `place`, as a tuple."""
        names = self._names.get(place.pk)
        if names is None:
            parent = self.places.get(place.parent_id)
            names = (self.name_path(parent) if parent else ()) + (compact(place.name),)
            self._names[place.pk] = names
        return names

    def label(self, place):
        names = [self.places[pk].name for pk in self._ancestor_ids(place)][-LABEL_SEGMENTS:]
        return "/".join(names)

    def _ancestor_ids(self, place):
        ids = []
        while place is not None:
            ids.append(place.pk)
            place = self.places.get(place.parent_id)
        return ids[::-1]

    def by_code_text(self, text):
        """Return (place, None) for a division code as written in a cell, or (None, message)."""
        if text in self.by_code:
            return self.by_code[text], None
        code = _code_text(text)
        if _SCIENTIFIC.match(code):
            return None, _(
                "区划代码“%(code)s”被 Excel 显示成了科学计数法，后几位已经丢失："
                "请把该列设置为“文本”格式后重新填写代码。"
            ) % {"code": text}
        if not code.isdigit():
            return None, _("区划代码“%(code)s”格式不对：应为6位、9位或12位数字。") % {"code": text}
        place = self.by_code.get(code)
        if place is None:
            return None, _("找不到区划代码为“%(code)s”的辖区或您无权管理：请核对代码。") % {"code": code}
        return place, None

    def resolve(self, text):
        """Return (place, None) for a name, a name path (上级/名称) or a code in a name column; else (None, message)."""
        result = self._resolved.get(text)
        if result is None:
            result = self._resolved[text] = self._resolve(text, compact(text))
        return result

    def _resolve(self, text, key):
        code = _code_text(key)
        if code.isdigit() and code in self.by_code:
            return self.by_code[code], None
        segments = tuple(s for s in _PATH_SEPARATORS.split(key) if s)
        if not segments:
            return None, _("辖区名称为空：请填写名称或区划代码。")
        candidates = [
            place for place in self.by_name.get(segments[-1], ()) if self.name_path(place)[-len(segments) :] == segments
        ]
        if len(candidates) == 1:
            return candidates[0], None
        if not candidates:
            return None, _(
                "找不到辖区“%(name)s”或您无权管理：请检查名称是否与系统中一致，或改用12位统计用区划代码。"
            ) % {"name": text}
        listed = "、".join(
            f"{self.label(p)}（{p.code or _('无代码')}）" for p in sorted(candidates, key=lambda p: p.path)
        )
        return None, _("名称“%(name)s”对应多个辖区：%(candidates)s。请改用区划代码，或写成“上级名称/名称”。") % {
            "name": text,
            "candidates": listed,
        }


def _code_text(text):
    """Return a code cell as digits: Excel shows codes stored as numbers as 520115001001.0."""
    code = compact(text)
    return code[:-2] if code.endswith(".0") else code
