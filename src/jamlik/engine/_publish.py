"""Suppression, comparisons with parent and nation, recent trend and smoothed small-area values.

All steps are vectorised over every row of one indicator (polars joins and numpy arrays).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from jamlik import stats
from jamlik.engine.methods import SERIES
from jamlik.model.breakdowns import BREAKDOWNS
from jamlik.model.catalogue import Indicator

THRESHOLD = 5       # numerators 1..4 are suppressed
MIN_DENOMINATOR = 10
TREND_POINTS = 5
TREND_CONFIDENCE = 0.999
GROUP = ["indicator_id", "year", "area_level", "area_code", "breakdown"]
_VALUES = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_998",
           "upper_998")


# -- suppression ------------------------------------------------------------------------------
#: Area levels that partition their parent level (DeSO → RegSO → kommun → län → nation). A
#: vårdcentral's listed population does not partition anything, so it has no area relation.
NESTED_LEVELS = ("deso", "regso", "kommun", "lan")
#: Counts of pooled multi-year periods are published rounded to this base, so that overlapping
#: windows and single years cannot be subtracted to an exact count.
POOLED_ROUNDING = 10
SECONDARY = "secondary: protects a suppressed figure of a related area or group"


def _ancestors(parents: pl.DataFrame) -> pl.DataFrame:
    """``area_level, area_code, ancestor``: every area above each nested area (a DeSO's RegSO,
    kommun, län and the nation), from the one-step ``parents``."""
    links = parents.filter(pl.col("area_level").is_in(NESTED_LEVELS)).select(
        "area_level", "area_code", ancestor="parent_code").drop_nulls()
    up = links.select(ancestor="area_code", _up="ancestor")
    chain, frontier = [links], links
    for _ in NESTED_LEVELS:
        frontier = frontier.join(up, on="ancestor").select("area_level", "area_code",
                                                           ancestor="_up")
        if frontier.is_empty():
            break
        chain.append(frontier)
    return pl.concat(chain).unique()


def _relations(df: pl.DataFrame, parents: pl.DataFrame) -> pl.DataFrame:
    """Every additive relation between the rows of one indicator: ``_p`` (the total's row),
    ``_i`` (a child's row), ``_rel`` (relation number).

    * areas nested in areas: the rows of one level (DeSO, RegSO, kommun, län) inside an area
      of any level above (RegSO, kommun, län, nation) add up to that area's row of the same
      year, period, breakdown and group — one relation per ancestor row and level, so a kommun
      minus its DeSO is covered as well as a kommun minus its RegSO;
    * groups nested in totals: the groups of a breakdown add up to the area's total row of the
      same year and period (one relation per breakdown).
    """
    cells = df.select("_i", "area_level", "area_code", "year", "period", "breakdown",
                      "group_value")
    key = ["year", "period", "breakdown", "group_value"]
    tops = cells.select(*key, ancestor="area_code", _p="_i")
    area = (cells.join(_ancestors(parents), on=["area_level", "area_code"])
            .join(tops, on=["ancestor", *key])
            .select("_p", "_i", _kind=pl.concat_str(pl.lit("area:"), "area_level")))
    totals = cells.filter(pl.col("breakdown") == "total").select(
        "year", "period", "area_level", "area_code", _p="_i")
    group = (cells.filter(pl.col("breakdown") != "total")
             .join(totals, on=["year", "period", "area_level", "area_code"])
             .select("_p", "_i", _kind=pl.col("breakdown")))
    rel = pl.concat([area, group])
    return rel.with_columns(_rel=pl.struct("_p", "_kind").rank("dense") - 1)


def suppress(df: pl.DataFrame, ind: Indicator, parents: pl.DataFrame) -> pl.DataFrame:
    """Primary: numerator 1–4 or denominator below 10 (for counts: the count 1–4).

    Secondary, over the whole hierarchy at once (:func:`jamlik.stats.protect_linked`): areas
    nested in areas (DeSO → RegSO → kommun → län → nation) and groups nested in totals are
    additive relations; more rows are suppressed until no suppressed row, and no small number
    of people outside the published groups (unknown group, persons without a small area), can be
    worked out as a total minus its published parts. Counts of pooled multi-year periods are
    rounded (:data:`POOLED_ROUNDING`) after suppression, so years nested in pooled periods cannot
    be subtracted either.
    """
    if ind.method == "count":
        x = pl.col("denominator")
        primary = (x >= 1) & (x < THRESHOLD)
        dims, limits = ["denominator"], [THRESHOLD]
    else:
        x = pl.col("numerator")
        primary = ((x >= 1) & (x < THRESHOLD)) | (pl.col("denominator") < MIN_DENOMINATOR)
        dims, limits = ["numerator", "denominator"], [THRESHOLD, MIN_DENOMINATOR]
    # A fixed order makes the pattern depend on the figures only: publishing the same figures
    # again (a later snapshot) hides the same cells.
    df = (df.sort("year", "period", "area_level", "area_code", "breakdown", "group_value")
          .with_row_index("_i").with_columns(_primary=primary.fill_null(False)))
    rel = _relations(df, parents)
    counts = np.column_stack([df[c].cast(pl.Float64).fill_null(0.0).fill_nan(0.0).to_numpy()
                              for c in dims])
    n_rel = int(rel["_rel"].max() + 1) if rel.height else 0
    tops = np.zeros(n_rel, dtype=np.int64)
    if rel.height:
        firsts = rel.unique("_rel")
        tops[firsts["_rel"].to_numpy()] = firsts["_p"].to_numpy()
    # Hidden last: the ends of each gradient (income quintile 1 and 5, the lowest and highest
    # education), which the equity measures and the Q1/Q5 comparisons need most.
    ends = pl.lit(False)
    for b in (b for b in BREAKDOWNS.values() if b.ordered):
        extremes = [b.most_disadvantaged, b.most_advantaged]
        ends = ends | ((pl.col("breakdown") == b.name) & pl.col("group_value").is_in(extremes))
    hidden = stats.protect_linked(counts, df["_primary"].to_numpy(), tops,
                                  rel["_rel"].to_numpy(), rel["_i"].to_numpy(), limits,
                                  keep=df.select(ends)[:, 0].to_numpy())
    df = df.with_columns(suppressed=pl.Series(hidden))
    reason = (pl.when(pl.col("_primary") & (pl.col("denominator") < MIN_DENOMINATOR)
                      & pl.lit(ind.method != "count"))
              .then(pl.lit(f"primary: denominator below {MIN_DENOMINATOR}"))
              .when(pl.col("_primary"))
              .then(pl.lit(f"primary: count between 1 and {THRESHOLD - 1}"))
              .when(pl.col("suppressed"))
              .then(pl.lit(SECONDARY))
              .otherwise(pl.lit(None, dtype=pl.Utf8)))
    return df.with_columns(suppression_reason=reason).drop("_primary", "_i")


def round_pooled(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Round the counts of pooled multi-year periods to :data:`POOLED_ROUNDING` (see
    :func:`suppress`); single-year figures are published exactly."""
    if (ind.period_years or 1) <= 1:
        return df
    base = float(POOLED_ROUNDING)
    return df.with_columns(**{c: (pl.col(c) / base).round(0) * base
                              for c in ("numerator", "denominator")})


# -- comparisons ------------------------------------------------------------------------------
def _published_value() -> pl.Expr:
    return pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("value"))


def compare(df: pl.DataFrame, ind: Indicator, parents: pl.DataFrame) -> pl.DataFrame:
    """Parent and nation values and the 95% / 99.8% comparison codes (stats.compare)."""
    key = ["indicator_id", "year", "breakdown", "group_value"]
    vals = df.select(*key, "area_level", "area_code", _v=_published_value())
    df = df.join(parents, on=["area_level", "area_code"], how="left")
    parent = vals.rename({"area_code": "parent_code", "_v": "parent_value"}).drop("area_level")
    parent = parent.unique([*key, "parent_code"])
    df = df.join(parent, on=[*key, "parent_code"], how="left")
    nation = vals.filter(pl.col("area_level") == "nation").select(*key, nation_value="_v")
    df = df.join(nation, on=key, how="left")
    pol = ind.polarity
    cols = {}
    for bench, name in (("parent_value", "vs_parent"), ("nation_value", "vs_nation")):
        b = df[bench].fill_null(np.nan).to_numpy()
        for tag in ("95", "998"):
            lo = df[f"lower_{tag}"].fill_null(np.nan).to_numpy()
            hi = df[f"upper_{tag}"].fill_null(np.nan).to_numpy()
            v = df["value"].fill_null(np.nan).to_numpy()
            sup = df["suppressed"].to_numpy()
            v = np.where(sup, np.nan, v)
            c = stats.compare(lo, hi, b, value=v, polarity=pol,
                              confidence=0.95 if tag == "95" else 0.998)
            cols[f"{name}_{tag}"] = np.asarray(c.code, dtype=object)
            if name == "vs_nation" and tag == "95":
                j = np.asarray(c.judgement, dtype=object)
                cols["judgement_nation"] = np.where(
                    np.isin(j, ["better", "worse", "similar"]), j, "none")
    return df.with_columns(**{k: pl.Series(k, v.tolist(), dtype=pl.Utf8)
                              for k, v in cols.items()})


# -- trend ------------------------------------------------------------------------------------
def trend(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Recent trend of each series over the row's year and the four before it.

    The rule is :func:`jamlik.stats.trend_arrays` (chi-squared test for trend for proportions,
    inverse-variance weighted regression otherwise, 99.9%), applied to every series and window
    at once; a window with a suppressed value is not tested. A missing numerator counts as no
    events (only a missing or non-positive denominator makes a proportion's window unusable).
    """
    keys = ["indicator_id", "area_level", "area_code", "breakdown", "group_value"]
    cannot = None
    if ind.method == "count":
        cannot = "counts have no confidence interval"
    elif ind.method == "life_expectancy":
        cannot = "overlapping multi-year periods"
    if cannot:
        return df.with_columns(trend=pl.lit("cannot_be_calculated"), trend_reason=pl.lit(cannot))
    cols = ["numerator", "denominator"] if ind.method == "proportion" else \
        ["value", "lower_95", "upper_95"]
    win = pl.concat([df.select(*keys, "year", *cols, "suppressed", end=pl.col("year") + k)
                     for k in range(TREND_POINTS)])
    years = set(df["year"].unique().to_list())
    win = (win.filter(pl.col("end").is_in(list(years))).sort(*keys, "end", "year")
           .with_columns(_w=pl.struct(*keys, "end").rle_id()))
    win = win.with_columns(_pos=pl.int_range(pl.len()).over("_w"))
    w, pos = win["_w"].to_numpy(), win["_pos"].to_numpy()
    shape = (int(w.max()) + 1 if w.size else 0, int(pos.max()) + 1 if pos.size else 0)

    def padded(column: str, fill: float | bool = np.nan, dtype: type = float) -> np.ndarray:
        out = np.full(shape, fill, dtype=dtype)
        out[w, pos] = win[column].cast(pl.Float64 if dtype is float else pl.Boolean) \
            .fill_null(0.0 if column == "numerator" else fill).to_numpy()
        return out

    arrays = {"x": "numerator", "n": "denominator"} if ind.method == "proportion" else \
        {"value": "value", "lower": "lower_95", "upper": "upper_95"}
    res = stats.trend_arrays(padded("year"), **{k: padded(c) for k, c in arrays.items()},
                             suppressed=padded("suppressed", False, bool),
                             confidence=TREND_CONFIDENCE, points=TREND_POINTS)
    heads = win.filter(pl.col("_pos") == 0).select(*keys, year="end").with_columns(
        trend=pl.Series(res.code.tolist(), dtype=pl.Utf8),
        trend_reason=pl.Series(res.reason.tolist(), dtype=pl.Utf8))
    return df.join(heads, on=[*keys, "year"], how="left").with_columns(
        pl.col("trend").fill_null("cannot_be_calculated"))


# -- smoothing --------------------------------------------------------------------------------
def smooth(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Empirical-Bayes (Marshall) smoothed proportions for DeSO and RegSO, per year/breakdown/
    group set of areas; other rows and methods get NULL."""
    out = df.with_columns(smoothed_value=pl.lit(None, dtype=pl.Float64))
    if ind.method not in ("proportion", "rate"):
        return out
    small = out.filter(pl.col("area_level").is_in(["deso", "regso"]), pl.col("denominator") > 0)
    if small.height == 0:
        return out
    pieces = []
    for _, part in small.group_by("year", "area_level", "breakdown", "group_value"):
        est = stats.empirical_bayes(part["numerator"].to_numpy(),
                                    part["denominator"].to_numpy(), multiplier=ind.multiplier)
        pieces.append(part.select(*SERIES).with_columns(_s=pl.Series(est.value)))
    sm = pl.concat(pieces)
    return out.join(sm, on=SERIES, how="left").with_columns(
        smoothed_value=pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("_s"))
    ).drop("_s")


def blank_suppressed(df: pl.DataFrame) -> pl.DataFrame:
    """The published view: counts, value and limits of suppressed rows are NULL."""
    return df.with_columns(**{c: pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c))
                              for c in _VALUES})
