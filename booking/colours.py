"""The practice's accent colour: parsed, checked against WCAG 2.x contrast, and the
shades the stylesheet derives from it. Pure: no Flask, no database."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from booking.errors import InvalidInput

# What the accent meets in site.css: white text on it (primary buttons) and the page
# background under it (links, outlined buttons and slots on white cards are lighter
# still, so the page background is the stricter of the two for the colour as text).
BUTTON_TEXT = "#ffffff"
DEFAULT_ACCENT = "#0b5c6b"  # site.css's own --accent, where a practice has set none
PAGE_BACKGROUND = "#fbfaf7"
CARD = "#ffffff"
AA_NORMAL_TEXT = 4.5  # WCAG 2.x success criterion 1.4.3, text below 18pt
_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


def parse(value: str) -> str:
    """`#rrggbb` (lower case) from `#rrggbb`, `#rgb` or either without `#`; else
    InvalidInput."""
    found = _HEX.fullmatch(value.strip())
    if not found:
        raise InvalidInput("accent", f"{value!r} is not a colour such as #0b5c6b")
    digits = found.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour `#rrggbb`.
    (0.03928, the threshold WCAG 2 prints, and sRGB's 0.04045 give the same result
    for every 8-bit value: none lies between them.)"""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter over the darker: from 1 to 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def floored(ratio: float) -> float:
    """A ratio cut (not rounded) to two decimals, as it is shown: a refused 4.499 must
    never read as 4.50."""
    return math.floor(ratio * 100) / 100


def shown_ratio(ratio: float) -> str:
    return f"{floored(ratio):.2f}"


@dataclass(frozen=True)
class Contrast:
    """The accent's contrast where the pages use it."""

    colour: str
    on_buttons: float  # white button text on the colour
    as_links: float  # the colour as text on the page background

    @classmethod
    def of(cls, colour: str) -> Contrast:
        return cls(colour, contrast_ratio(BUTTON_TEXT, colour),
                   contrast_ratio(colour, PAGE_BACKGROUND))

    @property
    def passes(self) -> bool:
        return self.on_buttons >= AA_NORMAL_TEXT and self.as_links >= AA_NORMAL_TEXT


class InsufficientContrast(InvalidInput):
    """The colour fails WCAG AA where the pages use it; `contrast` has the ratios."""

    def __init__(self, contrast: Contrast):
        super().__init__("accent", (
            f"{contrast.colour} has a contrast of {shown_ratio(contrast.on_buttons)}:1 with "
            f"white button text and {shown_ratio(contrast.as_links)}:1 as link colour on the "
            f"page background; WCAG AA asks for at least {AA_NORMAL_TEXT}:1"))
        self.contrast = contrast


def accessible_accent(value: str) -> Contrast:
    """The colour and its contrast when it passes WCAG AA on buttons and as links;
    InvalidInput (field "accent") when it is no colour, InsufficientContrast when it
    fails."""
    contrast = Contrast.of(parse(value))
    if not contrast.passes:
        raise InsufficientContrast(contrast)
    return contrast


def accent_or_default(value: str) -> str:
    """The accent to paint with where no stylesheet brings the default (mails): `value`
    when it passes WCAG AA as `accessible_accent` checks it, else DEFAULT_ACCENT. Saved
    accents passed that check; this one keeps a colour from before the check, or set
    in the database by hand, from making a mail's button unreadable."""
    try:
        return accessible_accent(value).colour
    except InvalidInput:
        return DEFAULT_ACCENT


def mix(colour: str, other: str, share: float) -> str:
    """`colour` with `share` (0..1) of `other` mixed in, channel by channel."""
    mixed = (round(a + (b - a) * share) for a, b in zip(_channels(colour), _channels(other),
                                                        strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def theme_css(accent: str) -> str:
    """The custom properties site.css reads, for an accent that passed
    `accessible_accent`: the colour, a darker one for pressed primary buttons (white
    on it only gains contrast) and a light tint for hovered slots and avatars, the
    first of a few light mixes under which the accent as text still passes AA."""
    tint = next((mix(accent, CARD, share) for share in (0.88, 0.92, 0.96)
                 if contrast_ratio(accent, mix(accent, CARD, share)) >= AA_NORMAL_TEXT), CARD)
    return (f":root{{--accent:{accent};--accent-hover:{mix(accent, '#000000', 0.15)};"
            f"--accent-tint:{tint}}}\n")
