"""Goal fulfilment (*måluppfyllelse*) per goal × area × group, and the "mind the gap" flag.

:func:`goal_fulfilment` is a pure function of an observations table (the engine's contract:
``indicator_id, year, area_level, area_code, breakdown, group_value, value, lower_95, upper_95,
trend, suppressed`` and, optionally, ``parent_code``) and a :class:`~jamlik.strategy.model.Strategy`.
The rules are documented in docs/strategy.md; in short, for the latest published value of each
series (goal × indicator × area × breakdown group):

* **no_data** — no goal indicator ("no data source yet"), no observation, only suppressed values,
  or no baseline value where the target needs one.
* **met** — numeric target: the point estimate reaches the target in the goal's direction.
  Direction-only goal (no numeric target): the latest 95% CI lies entirely on the favourable side
  of the baseline value (a significant improvement).
* **worsening** — the engine's trend test is significant in the wrong direction, or the latest
  95% CI lies entirely on the unfavourable side of the baseline value.
* **on_track** — the trend is significant in the right direction, the target year has not
  passed, and the least-squares line through the values since the baseline year reaches the
  target by the target year.
* **not_on_track** — everything else.

Goals with ``gap_breakdown`` also get one row per area with ``group_value = "gap"``: the range
between the best and the worst group of that breakdown, compared between the baseline year and
the latest year (met: significantly narrower; worsening: significantly wider).

The **mind the gap** flag is set on a total row whose status is met or on track while some group
of a breakdown, or some sub-area (a row whose ``parent_code`` is this area), is significantly
worse than the total: its 95% CI excludes the total's value on the unfavourable side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from jamlik.model import InputError, SchemaError
from jamlik.model.areas import level_of_code
from jamlik.strategy._trend_line import ols_by_group
from jamlik.strategy.model import Strategy

STATUSES = ("met", "on_track", "not_on_track", "worsening", "no_data")
Z95 = 1.959963984540054
REQUIRED = ("indicator_id", "year", "area_level", "area_code", "breakdown", "group_value",
            "value", "lower_95", "upper_95", "trend", "suppressed")
KEYS = ["goal_id", "indicator_id", "area_level", "area_code", "breakdown", "group_value"]
COLUMNS = ["goal_id", "target_area", "indicator_id", "measure", "area_level", "area_code",
           "breakdown", "group_value", "year", "status", "reason", "value", "lower_95",
           "upper_95", "target", "baseline", "baseline_year", "target_year", "trend", "projected",
           "mind_the_gap", "worse_groups"]
_SCHEMA = {"goal_id": pl.String, "target_area": pl.String, "indicator_id": pl.String,
           "measure": pl.String, "area_level": pl.String, "area_code": pl.String,
           "breakdown": pl.String, "group_value": pl.String, "year": pl.Int64,
           "status": pl.String, "reason": pl.String, "value": pl.Float64,
           "lower_95": pl.Float64, "upper_95": pl.Float64, "target": pl.Float64,
           "baseline": pl.Float64, "baseline_year": pl.Int64, "target_year": pl.Int64,
           "trend": pl.String, "projected": pl.Float64, "mind_the_gap": pl.Boolean,
           "worse_groups": pl.String}


def goal_fulfilment(observations: Any, strategy: Strategy, *,
                    areas: Iterable[str] | Mapping[str, str] | None = None) -> pl.DataFrame:
    """Status of every goal of ``strategy`` per area and group (columns: :data:`COLUMNS`).

    ``areas`` (codes, or code → level) makes sure every goal has a total row for each of these
    areas (``no_data`` when nothing was observed); goals without a data source get a
    ``no_data`` row per area (or one row without an area when ``areas`` is not given).
    """
    if not isinstance(strategy, Strategy):
        raise InputError("strategy", type(strategy).__name__, "a Strategy")
    obs = _frame(observations)
    links = _links(strategy)
    area_levels = _areas(areas)
    parts = []
    if links.height:
        series = _series(obs, links)
        parts.append(_status(series))
        if "gap_breakdown" in links.columns:
            parts.append(_gaps(obs, links))
        parts.append(_missing(parts[0], links, area_levels))
    parts.append(_no_source(strategy, area_levels))
    out = pl.concat([p.select(COLUMNS).cast(_SCHEMA) for p in parts if p.height] or
                    [pl.DataFrame(schema=_SCHEMA)], how="vertical")
    floats = [c for c, kind in _SCHEMA.items() if kind == pl.Float64]
    out = out.with_columns(  # a non-finite number (never valid in a document) shows as missing
        pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c) for c in floats)
    return _mind_the_gap(out, obs, links).sort(["goal_id", "indicator_id", "area_code",
                                                "breakdown", "group_value"], nulls_last=True)


# -- inputs -----------------------------------------------------------------------------------
def _frame(observations: Any) -> pl.DataFrame:
    if isinstance(observations, pl.DataFrame):
        frame = observations
    else:
        try:
            frame = pl.from_arrow(observations) if hasattr(observations, "schema") and \
                not hasattr(observations, "iloc") else pl.from_pandas(observations)
        except (TypeError, ValueError) as exc:
            raise InputError("observations", type(observations).__name__,
                             "a polars, pandas or Arrow table") from exc
    for col in REQUIRED:
        if col not in frame.columns:
            raise SchemaError(f"the observations table lacks a required column (needs "
                              f"{list(REQUIRED)})", file="observations", column=col)
    if "parent_code" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("parent_code"))
    return frame.select(*REQUIRED, "parent_code").with_columns(
        pl.col("year").cast(pl.Int64), pl.col("value", "lower_95", "upper_95").cast(pl.Float64),
        pl.col("suppressed").cast(pl.Boolean).fill_null(False),
        pl.col("parent_code").cast(pl.String))


def _links(strategy: Strategy) -> pl.DataFrame:
    rows = [{"goal_id": g.id, "target_area": strategy.area_of(g.id).id, "indicator_id": x.id,
             "measure": x.measure, "sign": g.sign, "baseline_year": g.baseline_year,
             "baseline_fixed": _finite(g.baseline_value), "target_value": _finite(g.target.value),
             "target_change": _finite(g.target.change), "target_year": g.target.year,
             "gap_breakdown": g.gap_breakdown if k == 0 else None}
            for g in strategy.goals for k, x in enumerate(g.indicators)]
    schema = {"goal_id": pl.String, "target_area": pl.String, "indicator_id": pl.String,
              "measure": pl.String, "sign": pl.Int64, "baseline_year": pl.Int64,
              "baseline_fixed": pl.Float64, "target_value": pl.Float64,
              "target_change": pl.Float64, "target_year": pl.Int64, "gap_breakdown": pl.String}
    return pl.DataFrame(rows, schema=schema)


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def _areas(areas) -> dict[str, str | None] | None:
    if areas is None:
        return None
    if isinstance(areas, str):
        raise InputError("areas", areas, "a list of area codes, not one string")
    if isinstance(areas, Mapping):
        return dict(areas)
    return {code: (lv.value if (lv := level_of_code(code)) else None) for code in areas}


# -- per-series status --------------------------------------------------------------------------
def _series(obs: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    joined = obs.join(links.drop("gap_breakdown"), on="indicator_id", how="inner")
    usable = joined.filter(~pl.col("suppressed") & pl.col("value").is_not_null())
    keys = joined.select(KEYS).unique(maintain_order=True)
    latest = usable.sort("year").group_by(KEYS).agg(
        pl.col("year", "value", "lower_95", "upper_95", "trend").last())
    base = usable.filter(pl.col("year") == pl.col("baseline_year")).group_by(KEYS).agg(
        pl.col("value").last().alias("baseline_obs"))
    since = usable.filter(pl.col("baseline_year").is_null() |
                          (pl.col("year") >= pl.col("baseline_year")))
    line = ols_by_group(since, KEYS).drop("n")
    any_year = joined.group_by(KEYS).agg(pl.col("year").max().alias("any_year"))
    return (keys.join(links.drop("gap_breakdown"), on=["goal_id", "indicator_id"], how="left")
            .join(latest, on=KEYS, how="left").join(base, on=KEYS, how="left")
            .join(line, on=KEYS, how="left").join(any_year, on=KEYS, how="left"))


def _status(s: pl.DataFrame) -> pl.DataFrame:
    sign = pl.col("sign")
    baseline = pl.coalesce("baseline_fixed", "baseline_obs")
    s = s.with_columns(baseline.alias("baseline")).with_columns(
        pl.when(pl.col("target_value").is_not_null()).then(pl.col("target_value"))
        .when(pl.col("target_change").is_not_null())
        .then(pl.col("baseline") + pl.col("target_change"))
        .otherwise(pl.col("baseline")).alias("target"),
        (pl.col("intercept") + pl.col("slope") * pl.col("target_year")).alias("projected"),
        pl.col("year").fill_null(pl.col("any_year")),
    )
    numeric = pl.col("target_value").is_not_null() | pl.col("target_change").is_not_null()
    fav_bound = pl.when(sign > 0).then(pl.col("lower_95")).otherwise(pl.col("upper_95"))
    unfav_bound = pl.when(sign > 0).then(pl.col("upper_95")).otherwise(pl.col("lower_95"))
    good_trend = pl.when(sign > 0).then(pl.lit("increasing")).otherwise(pl.lit("decreasing"))
    bad_trend = pl.when(sign > 0).then(pl.lit("decreasing")).otherwise(pl.lit("increasing"))
    reaches = sign * (pl.col("value") - pl.col("target")) >= 0
    better_ci = (sign * (fav_bound - pl.col("baseline")) > 0).fill_null(False)
    worse_ci = (sign * (unfav_bound - pl.col("baseline")) < 0).fill_null(False)
    trend_good = (pl.col("trend") == good_trend).fill_null(False)
    trend_bad = (pl.col("trend") == bad_trend).fill_null(False)
    in_time = pl.col("year") < pl.col("target_year")
    projects = (sign * (pl.col("projected") - pl.col("target")) >= 0).fill_null(False)

    def both(status: str, reason: str):
        return pl.struct(pl.lit(status).alias("status"), pl.lit(reason).alias("reason"))

    decision = (
        pl.when(pl.col("value").is_null() & pl.col("any_year").is_not_null())
        .then(both("no_data", "suppressed"))
        .when(pl.col("value").is_null()).then(both("no_data", "no_observations"))
        .when(pl.col("target").is_null()).then(both("no_data", "no_baseline"))
        .when(numeric & reaches).then(both("met", "target_reached"))
        .when(~numeric & better_ci).then(both("met", "significantly_better_than_baseline"))
        .when(trend_bad).then(both("worsening", "significant_trend_wrong_direction"))
        .when(worse_ci).then(both("worsening", "significantly_worse_than_baseline"))
        .when(trend_good & in_time & projects).then(both("on_track", "projection_reaches_target"))
        .when(trend_good & in_time).then(both("not_on_track", "projection_short_of_target"))
        .when(trend_good).then(both("not_on_track", "target_year_passed"))
        .otherwise(both("not_on_track", "no_significant_improvement"))
    )
    return (s.with_columns(decision.alias("_d")).unnest("_d")
            .with_columns(pl.lit(False).alias("mind_the_gap"),
                          pl.lit(None, pl.String).alias("worse_groups")))


# -- group differences ("gap") rows ---------------------------------------------------------
def _gaps(obs: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    g = links.filter(pl.col("gap_breakdown").is_not_null())
    if not g.height:
        return pl.DataFrame(schema=_SCHEMA)
    rows = (obs.join(g, on="indicator_id", how="inner")
            .filter((pl.col("breakdown") == pl.col("gap_breakdown")) & ~pl.col("suppressed")
                    & pl.col("value").is_not_null()))
    se = (pl.col("upper_95") - pl.col("lower_95")) / (2 * Z95)
    keys = ["goal_id", "indicator_id", "area_level", "area_code", "year"]
    per_year = (rows.with_columns(se.alias("se")).sort("value").group_by(keys).agg(
        pl.len().alias("k"), (pl.col("value").last() - pl.col("value").first()).alias("gap"),
        (pl.col("se").last() ** 2 + pl.col("se").first() ** 2).sqrt().alias("gap_se"))
        .filter(pl.col("k") >= 2))
    area = keys[:-1]
    latest = per_year.sort("year").group_by(area).agg(pl.col("year", "gap", "gap_se").last())
    base = (per_year.join(g.select("goal_id", "baseline_year"), on="goal_id")
            .filter(pl.col("year") == pl.col("baseline_year"))
            .select(*area, pl.col("gap").alias("base_gap"), pl.col("gap_se").alias("base_se")))
    out = latest.join(base, on=area, how="left").join(g, on=["goal_id", "indicator_id"])
    diff = pl.col("gap") - pl.col("base_gap")
    dse = (pl.col("gap_se") ** 2 + pl.col("base_se") ** 2).sqrt()

    def both(status: str, reason: str):
        return pl.struct(pl.lit(status).alias("status"), pl.lit(reason).alias("reason"))

    decision = (pl.when(pl.col("base_gap").is_null()).then(both("no_data", "no_baseline"))
                .when(diff + Z95 * dse < 0).then(both("met", "gap_narrowed_significantly"))
                .when(diff - Z95 * dse > 0).then(both("worsening", "gap_widened_significantly"))
                .otherwise(both("not_on_track", "gap_no_significant_change")))
    return out.with_columns(
        decision.alias("_d"), pl.col("gap_breakdown").alias("breakdown"),
        pl.lit("gap").alias("group_value"), pl.col("gap").alias("value"),
        (pl.col("gap") - Z95 * pl.col("gap_se")).alias("lower_95"),
        (pl.col("gap") + Z95 * pl.col("gap_se")).alias("upper_95"),
        pl.col("base_gap").alias("target"), pl.col("base_gap").alias("baseline"),
        pl.lit(None, pl.String).alias("trend"), pl.lit(None, pl.Float64).alias("projected"),
        pl.lit(False).alias("mind_the_gap"), pl.lit(None, pl.String).alias("worse_groups"),
    ).unnest("_d")


# -- rows for areas without observations and goals without a data source -------------------------
def _missing(done: pl.DataFrame, links: pl.DataFrame, areas) -> pl.DataFrame:
    if not areas:
        return pl.DataFrame(schema=_SCHEMA)
    wanted = links.drop("gap_breakdown").join(
        pl.DataFrame({"area_code": list(areas), "area_level": list(areas.values())},
                     schema={"area_code": pl.String, "area_level": pl.String}), how="cross")
    have = done.filter(pl.col("breakdown") == "total").select("goal_id", "indicator_id",
                                                             "area_code")
    miss = wanted.join(have, on=["goal_id", "indicator_id", "area_code"], how="anti")
    return miss.with_columns(
        pl.lit("total").alias("breakdown"), pl.lit("total").alias("group_value"),
        pl.lit(None, pl.Int64).alias("year"), pl.lit("no_data").alias("status"),
        pl.lit("no_observations").alias("reason"),
        *[pl.lit(None, pl.Float64).alias(c) for c in ("value", "lower_95", "upper_95", "target",
                                                      "baseline", "projected")],
        pl.lit(None, pl.String).alias("trend"), pl.lit(False).alias("mind_the_gap"),
        pl.lit(None, pl.String).alias("worse_groups"))


def _no_source(strategy: Strategy, areas) -> pl.DataFrame:
    places = list(areas.items()) if areas else [(None, None)]
    rows = [{"goal_id": g.id, "target_area": strategy.area_of(g.id).id, "area_code": code,
             "area_level": level, "breakdown": "total", "group_value": "total",
             "status": "no_data", "reason": "no_data_source", "baseline_year": g.baseline_year,
             "target_year": g.target.year, "mind_the_gap": False}
            for g in strategy.goals if not g.indicators for code, level in places]
    frame = pl.DataFrame(rows, schema={c: _SCHEMA[c] for c in rows[0]}) if rows else None
    if frame is None:
        return pl.DataFrame(schema=_SCHEMA)
    return frame.with_columns(pl.lit(None, _SCHEMA[c]).alias(c)
                              for c in COLUMNS if c not in frame.columns)


# -- mind the gap ---------------------------------------------------------------------------
def _mind_the_gap(out: pl.DataFrame, obs: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    totals = out.filter((pl.col("breakdown") == "total") & pl.col("value").is_not_null()
                        & pl.col("indicator_id").is_not_null())
    if not totals.height:
        return out
    sign = links.select("goal_id", "indicator_id", "sign")
    t = totals.select("goal_id", "indicator_id", "area_level", "area_code", "year",
                      pl.col("value").alias("total_value")).join(sign, on=["goal_id",
                                                                          "indicator_id"])
    usable = obs.filter(~pl.col("suppressed") & pl.col("value").is_not_null())
    groups = (usable.filter(pl.col("breakdown") != "total")
              .join(t, on=["indicator_id", "area_level", "area_code", "year"])
              .with_columns((pl.col("breakdown") + "=" + pl.col("group_value")).alias("label")))
    subareas = (usable.filter((pl.col("breakdown") == "total") & pl.col("parent_code").is_not_null())
                .join(t.drop("area_level").rename({"area_code": "parent_code"}),
                      on=["indicator_id", "parent_code", "year"])
                .with_columns(("area=" + pl.col("area_code")).alias("label"),
                              pl.col("parent_code").alias("area_code")))
    cols = ["goal_id", "indicator_id", "area_code", "year", "label", "sign", "total_value",
            "lower_95", "upper_95"]
    cand = pl.concat([groups.select(cols), subareas.select(cols)])
    worse = (pl.when(pl.col("sign") > 0).then(pl.col("upper_95") < pl.col("total_value"))
             .otherwise(pl.col("lower_95") > pl.col("total_value")))
    flagged = (cand.filter(worse.fill_null(False)).sort("label")
               .group_by("goal_id", "indicator_id", "area_code", "year")
               .agg(pl.col("label").str.join(", ").alias("_worse"))
               .with_columns(pl.lit("total").alias("breakdown")))
    on = ["goal_id", "indicator_id", "area_code", "year", "breakdown"]
    return (out.join(flagged, on=on, how="left", nulls_equal=False)
            .with_columns(pl.coalesce("_worse", "worse_groups").alias("worse_groups"))
            .with_columns((pl.col("worse_groups").is_not_null()
                           & pl.col("status").is_in(["met", "on_track"])
                           & (pl.col("breakdown") == "total")).alias("mind_the_gap"))
            .drop("_worse").select(COLUMNS))
