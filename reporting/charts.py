"""Charts drawn on the server as SVG: no script, no CDN, print cleanly, and readable without colour.

Every bar carries its value as text, and the series are told apart by labels and hatching, not by hue.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

BAR = "#b3261e"
BAR_ALT = "#59636e"


def _fmt(value):
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value)}"


def hbar_chart(items, *, title, unit="", width=560, row_height=24, label_width=110):
    """Return a horizontal bar chart of [(label, value)], largest first as given."""
    items = list(items)
    if not items:
        return ""
    peak = max((v for _l, v in items), default=0) or 1
    value_room = 70
    bar_room = width - label_width - value_room
    height = row_height * len(items) + 8
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = i * row_height + 4
        length = max(bar_room * value / peak, 1 if value else 0)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + row_height * 0.65:.1f}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row_height - 8}" fill="{BAR}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + row_height * 0.65:.1f}" font-size="12">'
            f"{_fmt(value)}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def column_chart(items, *, title, series_labels=("",), width=640, height=220):
    """Return a column chart of [(label, value)] or [(label, (value, value2))] with one or two series."""
    items = list(items)
    if not items:
        return ""
    values = [v if isinstance(v, tuple) else (v,) for _l, v in items]
    series = len(values[0])
    peak = max((max(v) for v in values), default=0) or 1
    top, bottom, left = 22, 36, 8
    plot_h = height - top - bottom
    slot = (width - left * 2) / len(items)
    bar_w = max(slot / (series + 1), 2)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BAR_ALT}" stroke-width="3"/></pattern></defs>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" stroke="#888"/>',
    ]
    for i, ((label, _v), vals) in enumerate(zip(items, values, strict=True)):
        x0 = left + i * slot + (slot - bar_w * series) / 2
        for s, value in enumerate(vals):
            h = plot_h * value / peak
            x = x0 + s * bar_w
            fill = BAR if s == 0 else "url(#hatch)"
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{fill}" stroke="{BAR_ALT}" stroke-width="0.5"/>'
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle" '
                f'font-size="10">{_fmt(value)}</text>'
            )
        parts.append(
            f'<text x="{left + i * slot + slot / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'font-size="11">{escape(label)}</text>'
        )
    if series > 1:
        for s, name in enumerate(series_labels):
            fill = BAR if s == 0 else "url(#hatch)"
            x = left + s * 130
            parts.append(
                f'<rect x="{x}" y="4" width="12" height="12" fill="{fill}" stroke="{BAR_ALT}"/>'
                f'<text x="{x + 16}" y="14" font-size="11">{escape(name)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
