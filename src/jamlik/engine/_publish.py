"""Suppression, comparisons with parent and nation, recent trend and smoothed small-area values.

All steps are vectorised over every row of one indicator (polars joins and numpy arrays).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import chi2, norm

from jamlik import stats
from jamlik.engine._methods import SERIES
from jamlik.model.catalogue import Indicator

THRESHOLD = 5       # numerators 1..4 are suppressed
MIN_DENOMINATOR = 10
TREND_POINTS = 5
TREND_CONFIDENCE = 0.999
GROUP = ["indicator_id", "year", "area_level", "area_code", "breakdown"]
_VALUES = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_998",
           "upper_998")


# -- suppression ------------------------------------------------------------------------------
def suppress(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Primary: numerator 1–4 or denominator below 10 (for counts: the count 1–4).
    Secondary: within each (indicator, year, area, breakdown) the groups plus the area's total
    form a one-way table; when exactly one group is suppressed, the group with the smallest
    positive numerator (else the smallest) is suppressed too, so that no suppressed group can be
    recovered by subtraction from the total."""
    if ind.method == "count":
        x = pl.col("denominator")
        primary = (x >= 1) & (x < THRESHOLD)
    else:
        x = pl.col("numerator")
        primary = ((x >= 1) & (x < THRESHOLD)) | (pl.col("denominator") < MIN_DENOMINATOR)
    df = df.with_columns(
        _primary=primary.fill_null(False),
        _x=x.fill_null(0.0),
    )
    groups = df.filter(pl.col("breakdown") != "total")
    ranked = groups.with_columns(
        _n_sup=pl.col("_primary").sum().over(GROUP),
        _rank=pl.struct(
            (pl.col("_primary")).cast(pl.Int8).alias("a"),  # unsuppressed first
            (pl.col("_x") <= 0).cast(pl.Int8).alias("b"),    # positive counts first
            pl.col("_x").alias("c"), pl.col("group_value").alias("d"),
        ).rank("ordinal").over(GROUP),
    )
    secondary = ranked.filter(pl.col("_n_sup") == 1, pl.col("_rank") == 1,
                              ~pl.col("_primary")).select(*GROUP, "group_value",
                                                          _secondary=pl.lit(True))
    df = df.join(secondary, on=[*GROUP, "group_value"], how="left").with_columns(
        suppressed=pl.col("_primary") | pl.col("_secondary").fill_null(False))
    reason = (pl.when(pl.col("_primary") & (pl.col("denominator") < MIN_DENOMINATOR)
                      & pl.lit(ind.method != "count"))
              .then(pl.lit(f"primary: denominator below {MIN_DENOMINATOR}"))
              .when(pl.col("_primary"))
              .then(pl.lit(f"primary: count between 1 and {THRESHOLD - 1}"))
              .when(pl.col("suppressed"))
              .then(pl.lit("secondary: protects a suppressed group of the same breakdown"))
              .otherwise(pl.lit(None, dtype=pl.Utf8)))
    return df.with_columns(suppression_reason=reason).drop("_primary", "_x", "_secondary")


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

    Same rules as :func:`jamlik.stats.trend` (chi-squared test for trend for proportions,
    inverse-variance weighted regression otherwise, 99.9%), vectorised over all series and years.
    """
    keys = ["indicator_id", "area_level", "area_code", "breakdown", "group_value"]
    cannot = None
    if ind.method == "count":
        cannot = "counts have no confidence interval"
    elif ind.method == "life_expectancy":
        cannot = "overlapping multi-year periods"
    if cannot:
        return df.with_columns(trend=pl.lit("cannot_be_calculated"), trend_reason=pl.lit(cannot))
    win = pl.concat([df.select(*keys, "year", "numerator", "denominator", "value", "lower_95",
                               "upper_95", "suppressed", end=pl.col("year") + k)
                     for k in range(TREND_POINTS)])
    years = set(df["year"].unique().to_list())
    win = win.filter(pl.col("end").is_in(list(years)))
    prop = ind.method == "proportion"
    if prop:
        x, n, t = pl.col("numerator"), pl.col("denominator"), pl.col("year").cast(pl.Float64)
        agg = win.group_by(*keys, "end").agg(
            k=pl.len(), sup=pl.col("suppressed").any(), sx=x.sum(), sn=n.sum(),
            snt=(n * t).sum(), snt2=(n * t * t).sum(), sxt=(x * t).sum(),
            bad=((n <= 0) | n.is_null()).any())
        a = agg.to_dict(as_series=False)
        sx, sn, snt, snt2, sxt = (np.asarray(a[c], float) for c in ("sx", "sn", "snt", "snt2",
                                                                    "sxt"))
        with np.errstate(divide="ignore", invalid="ignore"):
            pbar = sx / sn
            sxx = snt2 - snt**2 / sn
            sxy = sxt - sx * snt / sn
            stat = sxy**2 / (pbar * (1 - pbar) * sxx)
            p = chi2.sf(stat, 1)
        slope = sxy
        undefined = (sx == 0) | (sx == sn)
        undefined_reason = "all proportions are 0 or all are 1"
    else:
        se = (pl.col("upper_95") - pl.col("lower_95")) / (2 * float(norm.ppf(0.975)))
        w = 1 / se**2
        t = pl.col("year").cast(pl.Float64)
        v = pl.col("value")
        agg = win.group_by(*keys, "end").agg(
            k=pl.len(), sup=pl.col("suppressed").any(),
            bad=(v.is_null() | v.is_nan() | se.is_null() | se.is_nan() | (se <= 0)).any(),
            sw=w.sum(), swt=(w * t).sum(), swt2=(w * t * t).sum(), swv=(w * v).sum(),
            swtv=(w * t * v).sum())
        a = agg.to_dict(as_series=False)
        sw, swt, swt2, swv, swtv = (np.asarray(a[c], float) for c in ("sw", "swt", "swt2",
                                                                      "swv", "swtv"))
        with np.errstate(divide="ignore", invalid="ignore"):
            sxx = swt2 - swt**2 / sw
            slope = (swtv - swt * swv / sw) / sxx
            z = slope * np.sqrt(sxx)
            p = 2 * norm.sf(np.abs(z))
        undefined = np.zeros(len(sw), bool)
        undefined_reason = ""
    k = np.asarray(a["k"])
    code = np.where(p < 1 - TREND_CONFIDENCE, np.where(slope > 0, "increasing", "decreasing"),
                    "no_significant_change").astype(object)
    reason = np.full(k.size, None, dtype=object)
    checks = ((np.asarray(a["sup"], bool), "suppressed values in the period"),
              (undefined, undefined_reason),
              (np.asarray(a["bad"], bool), "missing values or confidence limits"),
              (k < TREND_POINTS, f"fewer than {TREND_POINTS} points"))
    for mask, why in checks:
        code[mask] = "cannot_be_calculated"
        reason[mask] = why
    res = agg.select(*keys, year="end").with_columns(
        trend=pl.Series(code.tolist(), dtype=pl.Utf8),
        trend_reason=pl.Series(reason.tolist(), dtype=pl.Utf8))
    return df.join(res, on=[*keys, "year"], how="left").with_columns(
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
