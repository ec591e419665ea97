"""The period a dashboard, JSON summary or report covers: a year, a quarter, a month or a range of months."""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils import formats, timezone
from django.utils.translation import gettext as _

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class PeriodError(ValueError):
    """A period parameter a person typed that cannot be read."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    kind: str  # year, quarter, month, range

    @property
    def year(self):
        """The population year: the year the period ends in."""
        return self.end.year

    @property
    def label(self):
        if self.kind == "year":
            return _("%(y)d年") % {"y": self.start.year}
        if self.kind == "quarter":
            return _("%(y)d年第%(q)d季度") % {"y": self.start.year, "q": (self.start.month - 1) // 3 + 1}
        if self.kind == "month":
            return month_label(self.start)
        return _("%(start)s至%(end)s") % {"start": month_label(self.start), "end": month_label(self.end)}

    def previous_year(self):
        """The same span a year earlier, for "last year beside it"."""
        return Period(_shift_year(self.start, -1), _shift_year(self.end, -1), self.kind)

    def as_query(self):
        if self.kind == "year":
            return {"year": self.start.year}
        return {"from": f"{self.start:%Y-%m}", "to": f"{self.end:%Y-%m}"}


def _shift_year(day, years):
    last = calendar.monthrange(day.year + years, day.month)[1]
    return day.replace(year=day.year + years, day=min(day.day, last))


def month_label(day):
    """Return `day`'s month as the active language writes it: "2026年12月", "December 2026".

    The one place months are written for people: templates use it as the `month_label` filter.
    """
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def day_label(day):
    """Return `day` as the active language writes a date in a sentence: "2026年12月1日", "Dec. 1, 2026"."""
    return formats.date_format(day, "DATE_FORMAT")


def first_of_month(day):
    """Return the first day of `day`'s month: how a month is written in returns and URLs."""
    return day.replace(day=1)


def next_month(month):
    """Return the first day of the month after `month`."""
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month):
    """Return the first day of the month before `month`."""
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_end(year, month):
    return date(year, month, calendar.monthrange(year, month)[1])


def _parse_month(text, name):
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1949 <= int(match.group(1)) <= 2100:
        raise PeriodError(_("参数 %(name)s 应为“年-月”格式，例如 2026-03。") % {"name": name})
    return int(match.group(1)), int(match.group(2))


def _parse_year(text):
    if not text.strip().isdigit() or not 1949 <= int(text) <= 2100:
        raise PeriodError(_("参数 year 应为四位年份，例如 2026。"))
    return int(text)


def year_period(year):
    return Period(date(year, 1, 1), date(year, 12, 31), "year")


def period_from_params(params, today=None):
    """Read ?year=, ?year=&quarter=, ?month=YYYY-MM or ?from=YYYY-MM&to=YYYY-MM; default: this year."""
    today = today or timezone.localdate()
    if params.get("from") or params.get("to"):
        start_text, end_text = params.get("from") or params.get("to"), params.get("to") or params.get("from")
        y1, m1 = _parse_month(start_text, "from")
        y2, m2 = _parse_month(end_text, "to")
        if (y2, m2) < (y1, m1):
            raise PeriodError(_("结束月份不能早于开始月份。"))
        kind = "month" if (y1, m1) == (y2, m2) else "range"
        return Period(date(y1, m1, 1), month_end(y2, m2), kind)
    if params.get("month"):
        y, m = _parse_month(params["month"], "month")
        return Period(date(y, m, 1), month_end(y, m), "month")
    year = _parse_year(params["year"]) if params.get("year") else today.year
    if params.get("quarter"):
        quarter = params["quarter"]
        if quarter not in {"1", "2", "3", "4"}:
            raise PeriodError(_("参数 quarter 应为 1 到 4。"))
        first = (int(quarter) - 1) * 3 + 1
        return Period(date(year, first, 1), month_end(year, first + 2), "quarter")
    return year_period(year)
