"""Vega-Lite specs for goal follow-up: a goal's trend in each area against that area's target.

Labels come in as arguments (already translated), so the builder holds no user-facing text.
"""

from __future__ import annotations

from typing import Any

from jamlik.charts.specs import FONT, SCHEMA, Rows, _fmt

#: Ink of the target line (dashed) and target-year marker.
TARGET_INK = "#1b1f24"
LINE = "#0b5394"


def goal_trend(rows: Rows, *, y_title: str, decimals: int = 1, target_label: str = "",
               target_year: int | None = None, columns: int = 5, width: int = 150,
               height: int = 110) -> dict:
    """Small multiples, one panel per ``series`` (area), each with its own target line.

    ``rows``: ``series`` (panel title), ``year``, ``value``, ``lower``, ``upper`` and
    ``target`` (the same in every row of a series; ``None`` when the goal has no numeric target
    for that area). Panels keep the order of first appearance. The x axis runs to
    ``target_year`` when given, where a diamond marks the target.
    """
    data = [dict(r) for r in rows]
    order = list(dict.fromkeys(r["series"] for r in data))
    years = sorted({int(r["year"]) for r in data if r.get("year") is not None}
                   | ({int(target_year)} if target_year else set()))
    x = {"field": "year", "type": "ordinal", "title": None, "scale": {"domain": years},
         "axis": {"labelAngle": -90, "labelFontSize": 9, "values": years[::2] if len(years) > 8
                  else years}}
    y_field = {"type": "quantitative", "title": y_title, "scale": {"zero": False}}
    tooltip = [{"field": "series", "title": " "}, {"field": "year"},
               {"field": "value", "format": _fmt(decimals), "title": y_title},
               {"field": "lower", "format": _fmt(decimals), "title": "95% KI –"},
               {"field": "upper", "format": _fmt(decimals), "title": "95% KI +"},
               {"field": "target", "format": _fmt(decimals), "title": target_label or " "}]
    layers: list[dict[str, Any]] = [
        {"transform": [{"filter": "datum.value != null"}],
         "mark": {"type": "rule", "color": LINE, "opacity": 0.45},
         "encoding": {"x": x, "y": {"field": "lower", **y_field}, "y2": {"field": "upper"}}},
        {"transform": [{"filter": "datum.value != null"}],
         "mark": {"type": "line", "color": LINE, "strokeWidth": 2,
                  "point": {"color": LINE, "size": 18}},
         "encoding": {"x": x, "y": {"field": "value", **y_field}, "tooltip": tooltip}},
        {"transform": [{"filter": "datum.target != null"}],
         "mark": {"type": "rule", "color": TARGET_INK, "strokeDash": [6, 4], "strokeWidth": 1.4},
         "encoding": {"y": {"field": "target", "aggregate": "mean", **y_field}}},
    ]
    if target_year:
        layers.append({
            "transform": [{"filter": "datum.target != null"},
                          {"aggregate": [{"op": "mean", "field": "target", "as": "target"}],
                           "groupby": ["series"]},
                          {"calculate": str(int(target_year)), "as": "year"}],
            "mark": {"type": "point", "shape": "diamond", "size": 60, "filled": True,
                     "color": TARGET_INK},
            "encoding": {"x": x, "y": {"field": "target", **y_field},
                         "tooltip": [{"field": "target", "format": _fmt(decimals),
                                      "title": target_label or " "}, {"field": "year"}]}})
    return {
        "$schema": SCHEMA, "data": {"values": data},
        "facet": {"field": "series", "type": "nominal", "sort": order,
                  "header": {"title": None, "labelFontSize": 12, "labelFontWeight": "bold"}},
        "columns": columns,
        "spec": {"width": width, "height": height, "layer": layers},
        "resolve": {"scale": {"y": "independent"}},
        "config": {"font": FONT, "view": {"stroke": "#d0d7de"},
                   "axis": {"labelFontSize": 10, "titleFontSize": 10}},
    }
