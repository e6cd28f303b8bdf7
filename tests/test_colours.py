"""The accent colour's contrast, computed as WCAG 2.x defines it."""

from pathlib import Path

import pytest

from booking import colours
from booking.errors import InvalidInput


@pytest.mark.parametrize("first, second, ratio", [
    ("#000000", "#ffffff", 21.0),
    ("#ffffff", "#ffffff", 1.0),
    ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
    ("#777777", "#ffffff", 4.48),
    ("#0b5c6b", "#ffffff", 7.62),
])
def test_the_contrast_ratio_is_wcags(first, second, ratio):
    assert colours.contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert colours.contrast_ratio(second, first) == colours.contrast_ratio(first, second)


def test_a_ratio_is_shown_cut_not_rounded_so_a_refused_one_never_reads_as_enough():
    assert colours.shown_ratio(4.4999) == "4.49"
    assert colours.shown_ratio(7.0) == "7.00"


@pytest.mark.parametrize("given, parsed", [("#0B5C6B", "#0b5c6b"), ("0b5c6b", "#0b5c6b"),
                                           (" #abc ", "#aabbcc")])
def test_colours_are_read_as_hex_rgb(given, parsed):
    assert colours.parse(given) == parsed


@pytest.mark.parametrize("given", ["red", "#12345", "#gggggg", "", "rgb(0,0,0)",
                                   "#0b5c6b; background: url(x)"])
def test_anything_but_a_hex_colour_is_refused(given):
    with pytest.raises(InvalidInput):
        colours.parse(given)


def test_a_colour_that_fails_aa_on_buttons_or_as_links_is_refused_with_both_ratios():
    # #767676 passes with white button text (4.54) but not on the off-white page (4.35).
    with pytest.raises(colours.InsufficientContrast) as refused:
        colours.accessible_accent("#767676")
    assert refused.value.contrast.on_buttons >= 4.5 > refused.value.contrast.as_links
    assert "4.54:1" in refused.value.message and "4.35:1" in refused.value.message


def test_a_dark_enough_colour_passes_and_its_shades_keep_the_contrast():
    assert colours.accessible_accent("#005A9C").colour == "#005a9c"
    css = colours.theme_css("#005a9c")
    assert "--accent:#005a9c;" in css
    hover = css.split("--accent-hover:")[1][:7]
    tint = css.split("--accent-tint:")[1][:7]
    assert colours.contrast_ratio("#ffffff", hover) > colours.contrast_ratio("#ffffff", "#005a9c")
    assert colours.contrast_ratio("#005a9c", tint) >= 4.5


@pytest.mark.parametrize("given, painted", [
    ("#005A9C", "#005a9c"),
    ("", colours.DEFAULT_ACCENT),
    ("#767676", colours.DEFAULT_ACCENT),  # fails as links on the page background
    ("#ffff00", colours.DEFAULT_ACCENT),
    ("#0b5c6b; background: url(x)", colours.DEFAULT_ACCENT),
])
def test_where_no_stylesheet_brings_the_default_an_accent_that_fails_gives_way_to_it(
        given, painted):
    assert colours.accent_or_default(given) == painted


def test_the_default_accent_is_site_css_own_and_passes_the_check():
    site_css = (Path(__file__).parent.parent / "static" / "site.css").read_text()
    assert f"--accent: {colours.DEFAULT_ACCENT};" in site_css
    assert colours.Contrast.of(colours.DEFAULT_ACCENT).passes
