"""List every violated validation rule in a jurisdiction's subtree:
python manage.py validation_report --jurisdiction CODE (--month YYYY-MM | --year YYYY)

Exit status 0 when there is none, 1 when there is any, 2 when the arguments are wrong.
"""

import re
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from communities.models import Jurisdiction

from ...selectors.validation import violations

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^\d{4}$")


def months_from(*, month, year):
    """Return (first month, last month) from --month YYYY-MM or --year YYYY, or raise CommandError."""
    if bool(month) == bool(year):
        raise CommandError(_("请给出 --month YYYY-MM 或 --year YYYY 中的一个。"), returncode=2)
    if month:
        match = _MONTH.match(month.strip())
        if not match:
            raise CommandError(_("--month 应为“年-月”格式，例如 2026-03。"), returncode=2)
        first = date(int(match.group(1)), int(match.group(2)), 1)
        return first, first
    if not _YEAR.match(year.strip()):
        raise CommandError(_("--year 应为四位年份，例如 2026。"), returncode=2)
    return date(int(year), 1, 1), date(int(year), 12, 1)


class Command(BaseCommand):
    help = (
        "List every violated validation rule in the subtree of a jurisdiction for a month or a year: the place, "
        "the month, both sides' values and the rule. Exit 0 when there is none, 1 when there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", metavar="CODE", required=True, help="辖区的统计用区划代码")
        parser.add_argument("--month", metavar="YYYY-MM", help="月份，例如 2026-03")
        parser.add_argument("--year", metavar="YYYY", help="年度，例如 2026")

    def handle(self, *args, jurisdiction, month, year, **options):
        place = Jurisdiction.objects.filter(code=jurisdiction).first()
        if place is None:
            raise CommandError(
                _("找不到区划代码为 %(code)s 的辖区，请检查 --jurisdiction。") % {"code": jurisdiction}, returncode=2
            )
        start, end = months_from(month=month, year=year)
        found = violations(jurisdiction=place, start_month=start, end_month=end)
        for v in found:
            line = _("%(place)s（%(code)s）\t%(month)s\t%(importance)s\t%(rule)s\t左边 %(left)s\t右边 %(right)s") % {
                "place": v.jurisdiction.name,
                "code": v.jurisdiction.code or "",
                "month": f"{v.month:%Y-%m}",
                "importance": v.importance_label,
                "rule": v.rule_text,
                "left": _whole(v.left),
                "right": _whole(v.right),
            }
            if v.explanation:
                line += "\t" + _("说明：%(text)s") % {"text": v.explanation}
            self.stdout.write(line)
        if found:
            self.stderr.write(_("共%(n)d处不符合校验规则。") % {"n": len(found)})
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(_("%(place)s没有不符合校验规则的数据。") % {"place": place.name}))


def _whole(value):
    return int(value) if value == int(value) else value
