"""Vega-Lite specs for the cohort report (axis titles from the catalogue's ``cohort.chart.*``),
rendered to SVG/PNG with vl_convert."""

from __future__ import annotations

from typing import Any

import polars as pl

from jamlik.charts import breakdown_bars
from jamlik.charts.specs import FONT, SCHEMA
from jamlik.cohort.analysis import StudyResults
from jamlik.model.i18n import t
from jamlik.reports.cohort.labels import group_label, process_label

WIDTH = 420


def _sized(spec: dict, width: int = WIDTH) -> dict:
    return {**spec, "width": width, "background": "white"}


def forest(rows: list[dict[str, Any]], *, x_title: str) -> dict:
    """Hazard ratios with CIs on a log axis; rows: label, hr, lower, upper, order, panel."""
    y = {"field": "label", "type": "nominal", "title": None, "sort": {"field": "order"}}
    x = {"type": "quantitative", "scale": {"type": "log", "zero": False}, "title": x_title}
    return {
        "$schema": SCHEMA, "width": WIDTH, "height": max(80, 22 * len(rows)), "background": "white",
        "config": {"font": FONT, "view": {"stroke": None}},
        "data": {"values": rows},
        "layer": [
            {"mark": {"type": "rule", "strokeDash": [4, 3], "color": "#777"},
             "encoding": {"x": {"datum": 1, **x}}},
            {"mark": {"type": "rule", "color": "#333"},
             "encoding": {"y": y, "x": {"field": "lower", **x}, "x2": {"field": "upper"}}},
            {"mark": {"type": "point", "filled": True, "size": 60, "color": "#4C78A8"},
             "encoding": {"y": y, "x": {"field": "hr", **x}}},
        ],
    }


def chart_specs(res: StudyResults) -> dict[str, dict]:
    """Named Vega-Lite specs: forest plot of HRs, survival at the last window, process measures."""
    specs: dict[str, dict] = {}
    spec = res.spec
    last = max(spec.follow_up.windows_years)
    death = [o for o in spec.outcomes if o.include_death]
    if death:
        o = death[0]
        hr = res.hazard_ratios.filter((pl.col("outcome") == o.name) & (pl.col("role") == "exposure")
                                      & ~pl.col("suppressed")).sort("exposure", "level", descending=[True, False])
        rows = [{"label": f"{group_label(r['exposure'], r['level'])} vs {group_label(r['exposure'], r['reference'])}",
                 "hr": r["hazard_ratio"], "lower": r["lower"], "upper": r["upper"], "order": i}
                for i, r in enumerate(hr.iter_rows(named=True))]
        if rows:
            specs["hazardkvoter"] = forest(rows, x_title=t("cohort.chart.hazard_ratios"))
        s = res.survival.filter((pl.col("outcome") == o.name) & (pl.col("group_variable") == "income_quintile")
                                & (pl.col("time_years") == last) & (pl.col("group") != "missing"))
        rows = [{"group_label": group_label("income_quintile", r["group"]), "value": 100 * r["value"],
                 "lower": 100 * r["lower"], "upper": 100 * r["upper"], "order": i}
                for i, r in enumerate(s.iter_rows(named=True)) if r["value"] is not None]
        if rows:
            specs["overlevnad_inkomst"] = _sized(breakdown_bars(rows, x_title=t("cohort.chart.survival",
                                                                                years=f"{last:g}")))
    if res.process.height:
        p = res.process.filter((pl.col("group_variable") == "income_quintile") & (pl.col("group") != "missing"))
        for m in p["measure"].unique(maintain_order=True).to_list():
            rows = [{"group_label": group_label("income_quintile", r["group"]), "value": 100 * r["value"],
                     "lower": 100 * r["lower"], "upper": 100 * r["upper"], "order": i}
                    for i, r in enumerate(p.filter(pl.col("measure") == m).iter_rows(named=True))
                    if r["value"] is not None]
            if rows:
                specs[f"process_{m}"] = _sized(breakdown_bars(
                    rows, x_title=t("cohort.chart.process", measure=process_label(m))), 300)
    return specs


def render(specs: dict[str, dict]) -> dict[str, tuple[str, bytes]]:
    """SVG text and PNG bytes for every spec."""
    import vl_convert as vlc

    return {name: (vlc.vegalite_to_svg(s), vlc.vegalite_to_png(s, scale=2)) for name, s in specs.items()}
