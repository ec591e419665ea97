"""Calendar months as their first day: the one place that steps from a date to its month and to the next."""

from datetime import date


def first_of_month(day):
    """Return the first day of `day`'s month."""
    return day.replace(day=1)


def next_month(month):
    """Return the first day of the month after `month`."""
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month):
    """Return the first day of the month before `month`."""
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
