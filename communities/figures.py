"""How figures are written: one rounding rule for every page, JSON and report."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal


def share(part, whole, places=2):
    """Return part/whole as a percentage rounded half-up to `places` decimals, or None when whole is 0 or unknown.

    A share that is not complete is never rounded up to 100: 25452 of 25462 is 99.9, not 100.0.
    """
    if part is None or not whole:
        return None
    quantum = Decimal(1).scaleb(-places)
    exact = Decimal(part) * 100 / Decimal(whole)
    value = exact.quantize(quantum, rounding=ROUND_HALF_UP)
    if value >= 100 and part < whole:
        value = exact.quantize(quantum, rounding=ROUND_DOWN)
    return value
