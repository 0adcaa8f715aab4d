"""Vega-Lite spec builders: specs compile (vl-convert) and match their snapshots."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import vl_convert as vlc

from jamlik.charts import (
    breakdown_bars,
    category_colour,
    choropleth,
    funnel_plot,
    ranked_bars,
    sparkline,
    spine_chart,
    spine_positions,
    trend_chart,
)
from jamlik.geo import boundaries

GOLDEN = Path(__file__).parents[1] / "golden" / "charts"

TREND = [{"year": y, "period": str(y), "value": 10.0 + (y % 3), "lower": 9.0 + (y % 3),
          "upper": 11.0 + (y % 3), "series": "Linköping"} for y in range(2015, 2025)]
RANKED = [{"code": c, "name": n, "value": v, "lower": v - 2, "upper": v + 2, "category": k,
           "category_label": k}
          for c, n, v, k in [("0580", "Linköping", 40.0, "better"), ("0581", "Norrköping", 55.0,
                             "worse"), ("0512", "Ydre", 48.0, "similar")]]


def _specs() -> dict[str, dict]:
    rows = []
    for i, (label, cat) in enumerate([("A", "better"), ("B", "worse"), ("C", "not_compared")]):
        pos = spine_positions(50 + 5 * i, 50, 20, 40, 60, 90, "low_is_good")
        rows.append({**pos, "label": label, "category": cat, "category_label": cat,
                     "value_text": str(50 + 5 * i), "parent": 0.55})
    return {
        "trend": trend_chart(TREND, y_title="per 100 000"),
        "sparkline": sparkline(TREND),
        "ranked": ranked_bars(RANKED, x_title="per 100 000", benchmark=47.0,
                              benchmark_label="Riket", highlight="0580"),
        "funnel": funnel_plot(
            [{"name": r["name"], "denominator": d, "value": r["value"], "category": r["category"]}
             for r, d in zip(RANKED, [1000, 5000, 200], strict=True)],
            [{"denominator": d, "lower_95": 40, "upper_95": 60, "lower_998": 35,
              "upper_998": 65} for d in (100, 1000, 10000)],
            benchmark=47.0, x_title="n", y_title="%"),
        "breakdown": breakdown_bars([{"group_label": f"Q{q}", "order": q, "value": 10.0 * q,
                                      "lower": 10.0 * q - 1, "upper": 10.0 * q + 1}
                                     for q in range(1, 6)], x_title="%", total=30.0),
        "spine": spine_chart(rows),
        "map": choropleth(boundaries("kommun", within="05"), {"0580": 1.0, "0581": 2.0},
                          title="x", highlight="0580"),
    }


@pytest.mark.parametrize("name", list(_specs()))
def test_spec_compiles_and_matches_snapshot(name):
    spec = _specs()[name]
    svg = vlc.vegalite_to_svg(spec if spec.get("width") != "container" else {**spec, "width": 400})
    assert svg.startswith("<svg")
    path = GOLDEN / f"{name}.json"
    text = json.dumps(spec, indent=1, sort_keys=True, ensure_ascii=False)
    if os.environ.get("JAMLIK_UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"snapshot {path.name} written; re-run to compare")
    assert text == path.read_text(encoding="utf-8")


def test_spine_puts_better_on_the_right():
    # low_is_good: a value below the benchmark is better and sits right of the centre.
    assert spine_positions(40, 50, 20, 40, 60, 90, "low_is_good")["value"] > 0.5
    assert spine_positions(40, 50, 20, 40, 60, 90, "high_is_good")["value"] < 0.5
    pos = spine_positions(50, 50, 20, 40, 60, 90, "no_judgement")
    assert pos["value"] == 0.5 and 0 <= pos["low"] <= pos["q1"] <= pos["q3"] <= pos["high"] <= 1
    assert spine_positions(None, 50, 20, 40, 60, 90, "low_is_good") is None


def test_unknown_category_is_drawn_as_not_compared():
    assert category_colour("mystery") == category_colour("not_compared") == "#FFFFFF"


def test_funnel_limits_span_the_axis_and_points_outside_them_are_named():
    limits = [{"denominator": d, "lower_95": 40, "upper_95": 60, "lower_998": 35,
               "upper_998": 65} for d in (100, 1000, 10000)]
    many = [{"name": f"K{i}", "denominator": 500 + i, "value": 50,
             "category": "worse" if i == 3 else "similar"} for i in range(30)]
    spec = funnel_plot(many, limits, benchmark=50.0, x_title="n", y_title="%")
    point_layer = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point")
    assert point_layer["encoding"]["x"]["scale"]["domain"] == [100, 10000]
    assert point_layer["encoding"]["x"]["scale"]["nice"] is False
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    assert [r["name"] for r in text["data"]["values"]] == ["K3"]
    few = funnel_plot(many[:5], limits, benchmark=50.0, x_title="n", y_title="%")
    text = next(layer for layer in few["layer"] if layer["mark"]["type"] == "text")
    assert [r["name"] for r in text["data"]["values"]] == ["K0", "K1", "K2", "K3", "K4"]
