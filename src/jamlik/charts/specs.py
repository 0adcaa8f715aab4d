"""Vega-Lite specs for profile pages and reports.

Every builder takes plain rows (lists of dicts) and returns a Vega-Lite v5 spec dict. Labels come
in as arguments (already translated by the caller), so the builders hold no user-facing text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from jamlik.charts.colours import OUTLINE, RANGE_DARK, RANGE_LIGHT, colour_scale

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
FONT = "DejaVu Sans, system-ui, sans-serif"
Rows = Sequence[Mapping[str, Any]]


def _base(width: Any = "container", height: Any = 200, **extra) -> dict:
    return {
        "$schema": SCHEMA, "width": width, "height": height,
        "config": {"font": FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 11,
                   "titleFontSize": 12}, "legend": {"labelFontSize": 11}},
        **extra,
    }


def _fmt(decimals: int) -> str:
    return f",.{decimals}f"


def trend_chart(rows: Rows, *, y_title: str, decimals: int = 1, series_title: str = "",
                height: int = 220) -> dict:
    """Value over time with a 95% band; rows: period, year, value, lower, upper, series."""
    data = [dict(r) for r in rows]
    colour = {"field": "series", "type": "nominal", "title": series_title,
              "scale": {"scheme": "dark2"}}
    x = {"field": "year", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}}
    tooltip = [{"field": "series", "title": series_title or " "},
               {"field": "period", "title": " "},
               {"field": "value", "format": _fmt(decimals), "title": y_title},
               {"field": "lower", "format": _fmt(decimals), "title": "95% KI –"},
               {"field": "upper", "format": _fmt(decimals), "title": "95% KI +"}]
    return _base(height=height, data={"values": data}, layer=[
        {"mark": {"type": "area", "opacity": 0.18},
         "encoding": {"x": x, "y": {"field": "lower", "type": "quantitative", "title": y_title,
                                    "scale": {"zero": False}},
                      "y2": {"field": "upper"}, "color": colour}},
        {"mark": {"type": "line", "point": True, "strokeWidth": 2},
         "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}, "color": colour,
                      "tooltip": tooltip}},
    ])


def sparkline(rows: Rows, *, width: int = 110, height: int = 26) -> dict:
    """A tiny trend line; rows: year, value."""
    return _base(width=width, height=height, data={"values": [dict(r) for r in rows]},
                 mark={"type": "line", "strokeWidth": 1.5, "color": OUTLINE,
                       "point": {"size": 10, "color": OUTLINE}},
                 encoding={"x": {"field": "year", "type": "ordinal", "axis": None},
                           "y": {"field": "value", "type": "quantitative", "axis": None,
                                 "scale": {"zero": False}},
                           "tooltip": [{"field": "year"}, {"field": "value", "format": ",.1f"}]},
                 config={"view": {"stroke": None}})


def ranked_bars(rows: Rows, *, x_title: str, benchmark: float | None = None,
                benchmark_label: str = "", decimals: int = 1, highlight: str | None = None) -> dict:
    """Areas ranked by value with 95% CI whiskers; rows: code, name, value, lower, upper, category."""
    data = sorted((dict(r, highlight=(r.get("code") == highlight)) for r in rows
                   if r.get("value") is not None), key=lambda r: -r["value"])
    height = max(120, 16 * len(data))
    # An explicit order: a sort by value would be dropped when the layers' domains are unioned.
    y = {"field": "name", "type": "nominal", "sort": [r["name"] for r in data], "title": None}
    layers = [
        {"mark": {"type": "bar", "stroke": OUTLINE, "strokeWidth": 0.5},
         "encoding": {"y": y, "x": {"field": "value", "type": "quantitative", "title": x_title},
                      "color": {"field": "category", "type": "nominal", "scale": colour_scale(),
                                "legend": None},
                      "strokeWidth": {"condition": {"test": "datum.highlight", "value": 2.5},
                                      "value": 0.5},
                      "tooltip": [{"field": "name"}, {"field": "value", "format": _fmt(decimals)},
                                  {"field": "lower", "format": _fmt(decimals)},
                                  {"field": "upper", "format": _fmt(decimals)},
                                  {"field": "category_label", "title": " "}]}},
        {"mark": {"type": "rule", "color": OUTLINE},
         "encoding": {"y": y, "x": {"field": "lower", "type": "quantitative"},
                      "x2": {"field": "upper"}}},
    ]
    if benchmark is not None:
        layers.append({"data": {"values": [{"b": benchmark, "label": benchmark_label}]},
                       "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#000"},
                       "encoding": {"x": {"field": "b", "type": "quantitative"},
                                    "tooltip": [{"field": "label"}, {"field": "b"}]}})
    return _base(height=height, data={"values": data}, layer=layers)


#: A funnel plot with at most this many points labels every point.
FUNNEL_LABELS = 15


def funnel_plot(points: Rows, limits: Rows, *, benchmark: float, x_title: str, y_title: str,
                decimals: int = 1) -> dict:
    """Funnel plot; points: name, denominator, value, category; limits: denominator and
    lower_95, upper_95, lower_998, upper_998 (values on the indicator's scale).

    The x axis spans exactly the limits' denominators, so the limits run across the whole plot;
    points are labelled with their name when there are few of them (at most
    :data:`FUNNEL_LABELS`), else only those outside the limits.
    """
    span = [min(r["denominator"] for r in limits), max(r["denominator"] for r in limits)]
    x = {"field": "denominator", "type": "quantitative", "title": x_title,
         "scale": {"type": "log", "domain": span, "nice": False}}
    outside = {"better", "worse", "higher", "lower"}
    labelled = [dict(r) for r in points
                if len(points) <= FUNNEL_LABELS or r.get("category") in outside]
    lines = []
    for field, dash in (("lower_95", [4, 2]), ("upper_95", [4, 2]), ("lower_998", [1, 0]),
                        ("upper_998", [1, 0])):
        lines.append({"data": {"values": [dict(r) for r in limits]},
                      "mark": {"type": "line", "color": "#555", "strokeDash": dash,
                               "strokeWidth": 1},
                      "encoding": {"x": x, "y": {"field": field, "type": "quantitative"}}})
    return _base(height=300, layer=[
        *lines,
        {"data": {"values": [{"b": benchmark}]}, "mark": {"type": "rule", "color": "#000"},
         "encoding": {"y": {"field": "b", "type": "quantitative"}}},
        {"data": {"values": [dict(r) for r in points]},
         "mark": {"type": "point", "filled": True, "size": 60, "stroke": OUTLINE,
                  "strokeWidth": 0.7},
         "encoding": {"x": x, "y": {"field": "value", "type": "quantitative", "title": y_title,
                                    "scale": {"zero": False}},
                      "color": {"field": "category", "type": "nominal", "scale": colour_scale(),
                                "legend": None},
                      "tooltip": [{"field": "name"}, {"field": "value", "format": _fmt(decimals)},
                                  {"field": "denominator", "format": ",d"}]}},
        {"data": {"values": labelled},
         "mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 10, "color": "#333"},
         "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"},
                      "text": {"field": "name"}}},
    ])


def choropleth(geojson: Mapping[str, Any], values: Mapping[str, float | None], *, title: str,
               decimals: int = 1, height: int = 420, highlight: str | None = None) -> dict:
    """A map of areas coloured by value (sequential, colour-blind-safe 'viridis')."""
    features = []
    for feature in geojson["features"]:
        value = values.get(feature["id"])
        props = dict(feature["properties"], value=value,
                     has_value=value is not None and not (isinstance(value, float)
                                                           and math.isnan(value)),
                     highlight=feature["id"] == highlight)
        features.append({**feature, "properties": props})
    return _base(height=height, data={"values": features},
                 projection={"type": "mercator"},
                 mark={"type": "geoshape", "stroke": "#fff", "strokeWidth": 0.6},
                 encoding={
                     "color": {"condition": {"test": "datum.properties.has_value",
                                             "field": "properties.value", "type": "quantitative",
                                             "title": title, "scale": {"scheme": "viridis",
                                                                       "reverse": True}},
                               "value": "#eeeeee"},
                     "stroke": {"condition": {"test": "datum.properties.highlight",
                                              "value": "#000"}, "value": "#fff"},
                     "strokeWidth": {"condition": {"test": "datum.properties.highlight",
                                                   "value": 2.5}, "value": 0.6},
                     "tooltip": [{"field": "properties.name", "title": " "},
                                 {"field": "properties.value", "title": title,
                                  "format": _fmt(decimals)}]})


def breakdown_bars(rows: Rows, *, x_title: str, decimals: int = 1,
                   total: float | None = None) -> dict:
    """Value per group (e.g. income quintile) with 95% CI; rows: group_label, value, lower,
    upper, order."""
    data = [dict(r) for r in rows if r.get("value") is not None]
    y = {"field": "group_label", "type": "nominal", "title": None,
         "sort": {"field": "order", "order": "ascending"}}
    layers = [
        {"mark": {"type": "bar", "color": "#4C78A8"},
         "encoding": {"y": y, "x": {"field": "value", "type": "quantitative", "title": x_title},
                      "tooltip": [{"field": "group_label", "title": " "},
                                  {"field": "value", "format": _fmt(decimals)},
                                  {"field": "lower", "format": _fmt(decimals)},
                                  {"field": "upper", "format": _fmt(decimals)}]}},
        {"mark": {"type": "rule", "color": OUTLINE},
         "encoding": {"y": y, "x": {"field": "lower", "type": "quantitative"},
                      "x2": {"field": "upper"}}},
    ]
    if total is not None:
        layers.append({"data": {"values": [{"t": total}]},
                       "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#000"},
                       "encoding": {"x": {"field": "t", "type": "quantitative"}}})
    return _base(height=max(60, 26 * len(data)), data={"values": data}, layer=layers)


def spine_positions(value: float | None, benchmark: float | None, low: float, q1: float,
                    q3: float, high: float, polarity: str) -> dict[str, float] | None:
    """Place one indicator on a spine: the benchmark at 0.5, the widest deviation at 0 or 1.

    Like public-health profile tools, the 'better' end is on the right when the indicator has a
    polarity (values are mirrored for 'low_is_good').
    """
    if benchmark is None or value is None:
        return None
    spread = max(abs(high - benchmark), abs(benchmark - low), abs(value - benchmark)) or 1.0
    sign = -1.0 if polarity == "low_is_good" else 1.0

    def pos(v: float) -> float:
        return 0.5 + sign * (v - benchmark) / (2 * spread)

    lo, hi = sorted((pos(low), pos(high)))
    qa, qb = sorted((pos(q1), pos(q3)))
    return {"value": pos(value), "low": lo, "high": hi, "q1": qa, "q3": qb}


def spine_chart(rows: Rows, *, height_per_row: int = 26) -> dict:
    """Spine chart; rows: label, category, category_label, value_text and the positions from
    :func:`spine_positions` (value, low, high, q1, q3; parent optional)."""
    data = [dict(r) for r in rows if r.get("value") is not None]
    y = {"field": "label", "type": "nominal", "title": None, "sort": None,
         "axis": {"labelLimit": 260}}
    x_scale = {"domain": [0, 1]}
    return _base(width=420, height=max(40, height_per_row * len(data)), data={"values": data},
                 layer=[
        {"mark": {"type": "bar", "color": RANGE_LIGHT, "height": 14},
         "encoding": {"y": y, "x": {"field": "low", "type": "quantitative", "scale": x_scale,
                                    "axis": None}, "x2": {"field": "high"}}},
        {"mark": {"type": "bar", "color": RANGE_DARK, "height": 14},
         "encoding": {"y": y, "x": {"field": "q1", "type": "quantitative"},
                      "x2": {"field": "q3"}}},
        {"data": {"values": [{"x": 0.5}]},
         "mark": {"type": "rule", "color": "#000", "strokeWidth": 1.5},
         "encoding": {"x": {"field": "x", "type": "quantitative"}}},
        {"transform": [{"filter": "isValid(datum.parent)"}],
         "mark": {"type": "tick", "color": OUTLINE, "thickness": 2, "size": 18},
         "encoding": {"y": y, "x": {"field": "parent", "type": "quantitative"}}},
        {"mark": {"type": "point", "filled": True, "size": 110, "stroke": OUTLINE,
                  "strokeWidth": 1},
         "encoding": {"y": y, "x": {"field": "value", "type": "quantitative"},
                      "color": {"field": "category", "type": "nominal", "scale": colour_scale(),
                                "legend": None},
                      "shape": {"field": "category", "type": "nominal", "legend": None,
                                "scale": {"domain": ["better", "similar", "worse", "higher",
                                                     "lower", "not_compared"],
                                          "range": ["triangle-up", "circle", "triangle-down",
                                                    "triangle-up", "triangle-down", "diamond"]}},
                      "tooltip": [{"field": "label", "title": " "},
                                  {"field": "value_text", "title": " "},
                                  {"field": "category_label", "title": " "}]}},
    ])
