"""Pure Vega-Lite spec builders (layer 4): data in, spec dict out. No I/O, no web."""

from jamlik.charts.colours import CATEGORY_COLOURS, category_colour
from jamlik.charts.goals import goal_trend
from jamlik.charts.specs import (
    breakdown_bars,
    choropleth,
    funnel_plot,
    ranked_bars,
    sparkline,
    spine_chart,
    spine_positions,
    trend_chart,
)

__all__ = [
    "CATEGORY_COLOURS",
    "breakdown_bars",
    "category_colour",
    "choropleth",
    "funnel_plot",
    "goal_trend",
    "ranked_bars",
    "sparkline",
    "spine_chart",
    "spine_positions",
    "trend_chart",
]
