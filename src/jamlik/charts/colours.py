"""Benchmark colours: colour-blind-safe (Okabe–Ito based), always paired with a text label."""

from __future__ import annotations

#: Comparison category → fill colour. 'better'/'worse' when the indicator has a polarity,
#: 'higher'/'lower' when it has none (shades of one hue, as public-health profile tools do).
CATEGORY_COLOURS = {
    "better": "#0072B2",        # blue
    "similar": "#F0E442",       # yellow
    "worse": "#D55E00",         # vermillion
    "higher": "#08306B",        # dark blue (no judgement)
    "lower": "#9ECAE1",         # light blue (no judgement)
    "not_compared": "#FFFFFF",  # white, grey outline
}
OUTLINE = "#333333"
NEUTRAL = "#BDBDBD"
RANGE_LIGHT = "#E6E6E6"
RANGE_DARK = "#BDBDBD"


def category_colour(category: str | None) -> str:
    return CATEGORY_COLOURS.get(category or "not_compared", CATEGORY_COLOURS["not_compared"])


def colour_scale() -> dict:
    """A Vega-Lite scale mapping category codes to the colours above."""
    return {"domain": list(CATEGORY_COLOURS), "range": list(CATEGORY_COLOURS.values())}
