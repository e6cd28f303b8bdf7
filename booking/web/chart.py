"""Bookings and confirmations per month as a bar chart in inline SVG: drawn on the
server, no JavaScript, every text escaped."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date

from markupsafe import Markup, escape

from booking.services.reports import SourceMonth

DARK, LIGHT = "#1d4e89", "#9fc0e8"
# The light bars get a dark outline: light blue alone is too faint on white.
BOOKED = Markup(f'fill="{LIGHT}" stroke="{DARK}"')
CONFIRMED = Markup(f'fill="{DARK}"')
TITLE_ID = "bookings-chart-title"

# Layout, in viewBox units.
PAD = 8
BAR, GAP, GROUP = 16, 2, 48  # a bar, the gap inside a pair, a month's whole width
LEGEND, NUMBERS, PLOT, LABELS = 28, 16, 140, 20  # the rows, top to bottom
BASELINE = LEGEND + NUMBERS + PLOT
MIN_WIDTH = 300  # room for the legend

# Characters XML forbids even escaped; one in a label would break the whole SVG.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def bar_chart_svg(rows: list[SourceMonth], months: list[date], *, title: str,
                  month_label: Callable[[date], str], bookings_label: str,
                  confirmations_label: str) -> Markup:
    """Two bars per month, bookings and confirmations over all sources, scaled to the
    largest; `month_label` names a month under its bars (keep it short, e.g. "Jun 26")."""
    totals = _totals(rows, months)
    peak = max((n for pair in totals.values() for n in pair), default=0) or 1
    bars = [_month(index, month_label(month), totals[month], peak)
            for index, month in enumerate(months)]
    width = max(2 * PAD + len(months) * GROUP, MIN_WIDTH)
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}"'
        ' viewBox="0 0 {width} {height}" width="100%" font-family="sans-serif"'
        ' font-size="11" fill="#1f2933"><title id="{id}">{title}</title>{legend}{bars}</svg>'
    ).format(id=TITLE_ID, width=width, height=BASELINE + LABELS, title=_text(title),
             legend=_legend(width, bookings_label, confirmations_label),
             bars=Markup("").join(bars))


def _totals(rows: list[SourceMonth], months: list[date]) -> dict[date, tuple[int, int]]:
    booked: Counter[date] = Counter()
    confirmed: Counter[date] = Counter()
    for row in rows:
        booked[row.month] += row.bookings
        confirmed[row.month] += row.confirmations
    return {month: (booked[month], confirmed[month]) for month in months}


def _month(index: int, label: str, totals: tuple[int, int], peak: int) -> Markup:
    x = PAD + index * GROUP + (GROUP - 2 * BAR - GAP) // 2
    return Markup('<g class="month">{}{}<text x="{}" y="{}" text-anchor="middle">{}</text></g>'
                  ).format(_bar("bookings", x, totals[0], peak, BOOKED),
                           _bar("confirmations", x + BAR + GAP, totals[1], peak, CONFIRMED),
                           x + BAR + GAP // 2, BASELINE + 14, _text(label))


def _bar(kind: str, x: int, value: int, peak: int, colors: Markup) -> Markup:
    height = round(value / peak * PLOT, 1)
    return Markup('<rect class="{kind}" x="{x}" y="{y}" width="{width}" height="{height}"'
                  ' {colors}/><text x="{middle}" y="{above}" text-anchor="middle">{value}</text>'
                  ).format(kind=kind, x=x, y=BASELINE - height, width=BAR, height=height,
                           colors=colors, middle=x + BAR // 2, above=BASELINE - height - 4,
                           value=value)


def _legend(width: int, bookings_label: str, confirmations_label: str) -> Markup:
    """At the right-hand end, over the newest months: on a phone the chart opens
    scrolled there (site.css), and a legend at the left was cut to "tigt"."""
    right = width - PAD - 12
    return Markup('<g class="legend">{}{}</g>').format(
        _swatch(right - MIN_WIDTH // 2, BOOKED, bookings_label),
        _swatch(right, CONFIRMED, confirmations_label))


def _swatch(x: int, colors: Markup, label: str) -> Markup:
    """A colour square at `x` with its label ending just left of it."""
    return Markup('<rect x="{}" y="8" width="12" height="12" {}/>'
                  '<text x="{}" y="18" text-anchor="end">{}</text>'
                  ).format(x, colors, x - 4, _text(label))


def _text(text: str) -> Markup:
    return escape(_NOT_XML.sub("", text))
