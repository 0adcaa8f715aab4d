"""Mind the gap: averages on track that hide persistent local or group gaps.

For every indicator × year × area × dimension (the group sets of
:mod:`jamlik.engine.inequalities`) the ``gaps`` table says

* ``average_status``: the area's total against the nation (``judgement_nation`` of the total
  row in ``observations``: better / similar / worse; ``not_compared`` when not judged);
* the worst and best subgroup (breakdown group or sub-area) and whether the worst is
  *significantly* worse than the area's own average (its 95 % interval lies entirely on the
  unfavourable side of the average);
* the absolute and relative gap: D and R of the two extremes of an ordered dimension
  (most vs least disadvantaged, as :func:`jamlik.equity.d` orients them: positive D / R > 1 =
  the disadvantaged group is worse), and worst vs best for unordered dimensions;
* its trend over the years up to the row's year — :func:`jamlik.equity.gap_trend_arrays` over
  every series' expanding windows (inverse-variance weighted z-test; OLS t-test for indicators
  without intervals; relative gaps on the log scale): widening / closing /
  no_significant_change / cannot_be_calculated;
* ``hidden_gap``: the average is fine (better than or similar to the nation) while some group
  or sub-area is significantly worse — the pattern the national follow-up found for infants
  exposed to tobacco smoke;
* ``gap_rank``: rank of the area among areas of the same level by ``gap_abs`` (1 = largest).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import polars as pl

from jamlik import equity
from jamlik.engine.inequalities import (
    SET_KEY,
    SUBAREAS,
    _indicator_ids,
    _observations,
    _write,
    group_sets,
    indicator_options,
)
from jamlik.model.catalogue import Catalogue, load_catalogue
from jamlik.store import queries

__all__ = ["GAP_COLUMNS", "GapReport", "compute_gaps", "gaps_frame", "trend_columns"]

GAP_COLUMNS = [
    "indicator_id", "year", "period", "area_level", "area_code", "dimension", "ordered",
    "average_value", "average_status", "comparator", "worst_group", "worst_value",
    "worst_lower_95", "worst_upper_95", "worst_significant", "best_group", "best_value",
    "gap_pair", "gap_abs", "gap_abs_se", "gap_rel", "gap_rel_log_se", "trend_abs",
    "trend_abs_slope", "trend_abs_p", "trend_rel", "trend_rel_slope", "trend_rel_p",
    "trend_points", "trend_first_year", "hidden_gap", "gap_rank", "n_ranked", "note",
    "computed_at"]
SERIES = ["indicator_id", "area_level", "area_code", "dimension"]
CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class GapReport:
    """What :func:`compute_gaps` did."""

    indicators: tuple[str, ...]
    rows: int
    hidden_gaps: int
    seconds: float


def trend_columns(year, y, se, series, *, use_se: bool, relative: bool = False,
                  confidence: float = CONFIDENCE) -> dict[str, np.ndarray]:
    """:func:`jamlik.equity.gap_trend` for every (series, year) over the years up to it.

    ``series`` labels (integers) must be sorted with ``year`` ascending within each series.
    Each row's window (its series' rows up to and including it) becomes one padded row of
    :func:`jamlik.equity.gap_trend_arrays`, which skips unusable points as gap_trend does.
    Returns slope, se, p, direction, n_points, first_year per row.
    """
    year = np.asarray(year, float)
    y = np.asarray(y, float)
    se = np.asarray(se, float)
    series = np.asarray(series)
    rows = np.arange(year.size)
    start = np.r_[True, series[1:] != series[:-1]] if year.size else np.zeros(0, bool)
    first = np.maximum.accumulate(np.where(start, rows, 0)) if year.size else rows
    pos = rows - first
    cols = np.arange(int(pos.max()) + 1 if year.size else 1)
    inside = cols[None, :] <= pos[:, None]
    idx = np.where(inside, first[:, None] + cols[None, :], 0)

    def window(v: np.ndarray) -> np.ndarray:
        return np.where(inside, v[idx], np.nan) if v.size else np.zeros(inside.shape)

    res = equity.gap_trend_arrays(window(year), window(y), window(se) if use_se else None,
                                  relative=relative, confidence=confidence)
    return {"slope": res.slope, "se": res.se, "p": res.p_value, "direction": res.direction,
            "n_points": res.n_points, "first_year": res.first_time}


def gaps_frame(obs: pl.DataFrame, areas: pl.DataFrame, catalogue: Catalogue, *,
               computed_at: datetime | None = None) -> pl.DataFrame:
    """The ``gaps`` rows (without ``load_id``) for the observations given.

    ``obs`` needs the columns of :func:`jamlik.engine.inequalities.group_sets` plus
    ``judgement_nation``.
    """
    computed_at = computed_at or datetime.now(UTC).replace(tzinfo=None)
    groups = group_sets(obs, areas).filter(pl.col("usable"))
    ids = groups["indicator_id"].unique().to_list()
    opts = pl.DataFrame({
        "indicator_id": ids,
        "_fav": [bool(indicator_options(catalogue[i])["favourable"]) for i in ids],
        "_judged": [catalogue[i].polarity != "no_judgement" for i in ids],
        "_use_se": [catalogue[i].method != "count" for i in ids],
        "_overlap": [catalogue[i].method == "life_expectancy" for i in ids]},
        schema={"indicator_id": pl.Utf8, "_fav": pl.Boolean, "_judged": pl.Boolean,
                "_use_se": pl.Boolean, "_overlap": pl.Boolean})
    g = groups.join(opts, on="indicator_id").with_columns(
        _badness=pl.when(pl.col("_fav")).then(-pl.col("est")).otherwise(pl.col("est")))
    by = pl.col("_badness")
    sets = g.group_by(SET_KEY).agg(
        pl.col("period", "ordered", "_fav", "_judged", "_use_se", "_overlap").first(),
        k=pl.len(),
        worst_group=pl.col("group_value").sort_by(by, descending=True).first(),
        worst_value=pl.col("est").sort_by(by, descending=True).first(),
        worst_lower_95=pl.col("lower").sort_by(by, descending=True).first(),
        worst_upper_95=pl.col("upper").sort_by(by, descending=True).first(),
        _worst_se=pl.col("se").sort_by(by, descending=True).first(),
        best_group=pl.col("group_value").sort_by(by).first(),
        best_value=pl.col("est").sort_by(by).first(),
        _best_se=pl.col("se").sort_by(by).first(),
        _low_group=pl.col("group_value").sort_by("order").first(),
        _low=pl.col("est").sort_by("order").first(),
        _low_se=pl.col("se").sort_by("order").first(),
        _high_group=pl.col("group_value").sort_by("order").last(),
        _high=pl.col("est").sort_by("order").last(),
        _high_se=pl.col("se").sort_by("order").last(),
    ).filter(pl.col("k") >= 2)
    # The pair: ordered extremes oriented as equity.d (disadvantaged worse = positive), else
    # worst vs best (always >= 0).
    fav, ordered = pl.col("_fav"), pl.col("ordered")
    y1 = pl.when(ordered).then(pl.when(fav).then("_high").otherwise("_low")) \
        .otherwise(pl.when(fav).then("best_value").otherwise("worst_value"))
    y2 = pl.when(ordered).then(pl.when(fav).then("_low").otherwise("_high")) \
        .otherwise(pl.when(fav).then("worst_value").otherwise("best_value"))
    s1 = pl.when(ordered).then(pl.when(fav).then("_high_se").otherwise("_low_se")) \
        .otherwise(pl.when(fav).then("_best_se").otherwise("_worst_se"))
    s2 = pl.when(ordered).then(pl.when(fav).then("_low_se").otherwise("_high_se")) \
        .otherwise(pl.when(fav).then("_worst_se").otherwise("_best_se"))
    sets = sets.with_columns(_y1=y1, _y2=y2, _s1=s1, _s2=s2).with_columns(
        gap_pair=pl.when(ordered).then(pl.concat_str("_low_group", pl.lit(" vs "),
                                                     "_high_group"))
        .otherwise(pl.lit("worst vs best")),
        gap_abs=pl.col("_y1") - pl.col("_y2"),
        gap_abs_se=(pl.col("_s1") ** 2 + pl.col("_s2") ** 2).sqrt(),
        gap_rel=pl.when(pl.col("_y2") != 0).then(pl.col("_y1") / pl.col("_y2")),
        gap_rel_log_se=((pl.col("_s1") / pl.col("_y1")) ** 2
                        + (pl.col("_s2") / pl.col("_y2")) ** 2).sqrt())
    totals = obs.filter(pl.col("breakdown") == "total").select(
        "indicator_id", "year", "area_level", "area_code",
        average_value=pl.when(~pl.col("suppressed")).then(pl.col("value")),
        _judgement=pl.col("judgement_nation"))
    sets = sets.join(totals, on=["indicator_id", "year", "area_level", "area_code"],
                     how="left")
    status = pl.col("_judgement").fill_null("none")
    avg = pl.col("average_value")
    sets = sets.with_columns(
        average_status=pl.when(status.is_in(["better", "similar", "worse"])).then(status)
        .otherwise(pl.lit("not_compared")),
        comparator=pl.when(status.is_in(["better", "similar", "worse"])).then(pl.lit("nation"))
        .otherwise(pl.lit("none")),
        worst_significant=pl.when(~pl.col("_judged") | avg.is_null()).then(None)
        .when(fav).then(pl.col("worst_upper_95") < avg)
        .otherwise(pl.col("worst_lower_95") > avg))
    sets = sets.with_columns(
        hidden_gap=pl.when(pl.col("average_status") == "not_compared").then(None)
        .otherwise(pl.col("average_status").is_in(["better", "similar"])
                   & pl.col("worst_significant")))
    sets = _with_trends(sets)
    sets = sets.with_columns(
        gap_rank=pl.col("gap_abs").rank("min", descending=True)
        .over(["indicator_id", "year", "area_level", "dimension"]).cast(pl.Int32),
        n_ranked=pl.col("gap_abs").count()
        .over(["indicator_id", "year", "area_level", "dimension"]).cast(pl.Int32),
        note=pl.concat_str(
            pl.when(~pl.col("_judged")).then(pl.lit(
                "polarity no_judgement: worst = highest, significance and hidden gap not "
                "judged")),
            pl.when(pl.col("_overlap")).then(pl.lit(
                "overlapping multi-year periods: the trend test is approximate")),
            pl.when(~pl.col("_use_se")).then(pl.lit("no intervals: OLS t-test for trend")),
            separator="; ", ignore_nulls=True).replace("", None),
        computed_at=pl.lit(computed_at), year=pl.col("year").cast(pl.Int16),
        trend_points=pl.col("trend_points").cast(pl.Int16),
        trend_first_year=pl.col("trend_first_year").cast(pl.Int16))
    float_cols = ["gap_abs", "gap_abs_se", "gap_rel", "gap_rel_log_se", "trend_abs_slope",
                  "trend_abs_p", "trend_rel_slope", "trend_rel_p", "worst_value", "best_value",
                  "average_value", "worst_lower_95", "worst_upper_95"]
    sets = sets.with_columns(
        pl.when(pl.col(c).cast(pl.Float64).is_finite()).then(pl.col(c).cast(pl.Float64))
        for c in float_cols)
    return sets.select(GAP_COLUMNS).sort(SET_KEY)


def _with_trends(sets: pl.DataFrame) -> pl.DataFrame:
    """Absolute and relative gap trends over the years up to each row's year."""
    sets = sets.sort([*SERIES, "year"])
    sid = sets.select(pl.struct(SERIES).rank("dense").alias("s"))["s"].to_numpy()
    order = np.lexsort((sets["year"].to_numpy(), sid))
    sets = sets[order]
    sid = sid[order]
    year = sets["year"].to_numpy().astype(float)
    use_se = sets["_use_se"].to_numpy()
    cols = {}
    for tag, gap, se, log in (("abs", "gap_abs", "gap_abs_se", False),
                              ("rel", "gap_rel", "gap_rel_log_se", True)):
        y = sets[gap].cast(pl.Float64).fill_null(np.nan).to_numpy()
        s = sets[se].cast(pl.Float64).fill_null(np.nan).to_numpy()
        a = trend_columns(year, y, s, sid, use_se=True, relative=log)
        b = trend_columns(year, y, s, sid, use_se=False, relative=log)
        pick = {k: np.where(use_se, a[k], b[k]) for k in a}
        cols[f"trend_{tag}"] = pick["direction"].tolist()
        cols[f"trend_{tag}_slope"] = pick["slope"]
        cols[f"trend_{tag}_p"] = pick["p"]
        if tag == "abs":
            cols["trend_points"] = pick["n_points"]
            cols["trend_first_year"] = pick["first_year"]
    return sets.with_columns(**{k: pl.Series(k, v) for k, v in cols.items()})


def compute_gaps(warehouse, *, indicators: Iterable[str] | None = None,
                 catalogue: Catalogue | None = None) -> GapReport:
    """Compute the ``gaps`` table from ``observations`` (all indicators by default)."""
    started = time.perf_counter()
    cat = catalogue or load_catalogue()
    wh = warehouse
    wh.migrate()
    ids = _indicator_ids(wh, cat, indicators)
    obs = _observations(wh, ids, "judgement_nation")
    frame = gaps_frame(obs, queries.area_ancestors(wh.con, SUBAREAS), cat)
    _write(wh, "gaps", frame, ids, "jamlik equity gaps")
    hidden = int(frame["hidden_gap"].fill_null(False).sum()) if frame.height else 0
    return GapReport(tuple(ids), frame.height, hidden, time.perf_counter() - started)
