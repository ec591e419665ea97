"""Months and dates in sentences, written the way the active language writes them."""

from django import template

from base.periods import day_label as _day_label
from base.periods import month_label as _month_label

register = template.Library()


@register.filter
def month_label(value):
    """{{ month|month_label }}: "2026年12月" in Chinese, "December 2026" in English; empty for no date."""
    return _month_label(value) if value else ""


@register.filter
def day_label(value):
    """{{ day|day_label }}: "2026年12月1日" in Chinese, "Dec. 1, 2026" in English; empty for no date."""
    return _day_label(value) if value else ""
