"""How the work report writes numbers, as the seed reports do: 49613人, 16.4万人, 2.73%, 办结率97.2%, “一是”, “（一）”.

The figures themselves are rounded once, by `communities.figures.share`; this module only writes them.
"""

from decimal import ROUND_HALF_UP, Decimal

_DIGITS = "零一二三四五六七八九"
WAN = 10000


def chinese_numeral(n):
    """Write 1–99 in Chinese numerals (一, 十, 十一, 二十三), as headings and “一是” count."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def chinese_count(n):
    """Write a count before a measure word: 两项, not 二项; 五项, 十二项."""
    return "两" if n == 2 else chinese_numeral(n)


def heading_number(n):
    """The number of a first-level heading: 一、"""
    return f"{chinese_numeral(n)}、"


def subheading_number(n):
    """The number of a second-level heading, with full-width brackets: （一）"""
    return f"（{chinese_numeral(n)}）"


def nth(n):
    """The “一是、二是” that enumerate points inside a paragraph."""
    return f"{chinese_numeral(n)}是"


def _trim(value):
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(n):
    """Write a count as the seeds do: in full under 10万 (49613), in 万 when exact (50000 → 5万), else in 万 with one
    decimal (164523 → 16.5万, 35248000 → 3524.8万). A fractional value (a monthly figure of 4.5) keeps its decimals."""
    if n is None:
        return ""
    value = Decimal(n)
    if value != value.to_integral_value():
        return _trim(value)
    value = int(value)
    if value and value % WAN == 0:
        return f"{value // WAN}万"
    if abs(value) < 10 * WAN:
        return str(value)
    # Not exact, so the one decimal stays even when it is 0 (200040 → 20.0万): “20万” would read as exact.
    return f"{(Decimal(value) / WAN).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}万"


def quantity(n, unit):
    """Write a count with the unit its definition gives (人, 人次, 件, 个, 册): 49613人, 5万人, 2409人次."""
    return f"{count(n)}{unit}"


def percent(value):
    """Write a share already rounded by `share()` with its decimals kept: Decimal('2.70') → 2.70%."""
    return f"{value}%"


def rate(value):
    """Write a rate rounded to one decimal by `share()`; a complete one reads 100%, as the seeds write it."""
    if value == 100:
        return "100%"
    return f"{value}%"


def money(amount):
    """Write an amount of yuan: 万元 from ten thousand up (1000000 → 100万元), else 元."""
    amount = Decimal(amount or 0)
    if amount >= WAN:
        value = (amount / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{_trim(value)}万元"
    return f"{_trim(amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP))}元"


def points(value):
    """Write a score without trailing zeros: 90.00 → 90, 4.50 → 4.5."""
    return _trim(Decimal(value or 0))


def date_cn(day):
    """Write a date the way documents date themselves: 2026年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"
