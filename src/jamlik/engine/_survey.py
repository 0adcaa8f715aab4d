"""Vectorised survey domain estimates (stratified design, strata = kommun) for many domains.

For a domain d: p̂ = Σ w·d·y / Ŵ_d with Ŵ_d = Σ w·d; the linearised values
u_i = w_i·d_i·(y_i − p̂)/Ŵ_d; var = Σ_h n_h/(n_h − 1)·(Σ_{i∈h} u_hi² − n_h·ū_h²) with n_h the
respondents of stratum h in that year (the whole stratum, not only the domain) and
ū_h = Σ_{i∈h} u_hi / n_h. Limits on the logit scale with Student's t, df = #PSU − #strata of the
year's sample (as R ``survey::svyciprop(method = "logit")``). All domains of all years at once,
with group-bys — no loop over domains.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import expit, logit
from scipy.stats import t as student_t

from jamlik.engine._rollup import AGE_GROUPS, LEVEL_BREAKDOWNS, breakdowns_at, levels_of
from jamlik.model.catalogue import Indicator

DOMAIN = ["year", "area_level", "area_code", "breakdown", "group_value"]


def domain_estimates(units: pl.DataFrame, domains: pl.DataFrame,
                     levels: tuple[float, ...] = (0.95, 0.998)) -> pl.DataFrame:
    """Estimates for every domain.

    ``units``: one row per respondent with ``_unit`` (row id), ``year``, ``stratum``, ``weight``
    and ``y`` (0/1). ``domains``: ``_unit`` plus the DOMAIN columns (a respondent belongs to many
    domains). Returns one row per domain with ``n`` (respondents), ``x`` (respondents with y = 1),
    ``value`` (proportion), ``se``, ``df`` and ``lower_<level>``/``upper_<level>``.
    """
    strata = units.group_by("year", "stratum").agg(n_h=pl.len())
    design = strata.group_by("year").agg(df=pl.col("n_h").sum() - pl.len())
    m = domains.join(units, on="_unit")
    est = m.group_by(DOMAIN).agg(
        wd=pl.col("weight").sum(), wy=(pl.col("weight") * pl.col("y")).sum(),
        n=pl.len(), x=pl.col("y").sum())
    est = est.with_columns(p=pl.col("wy") / pl.col("wd"))
    m = m.join(est.select(*DOMAIN, "p", "wd"), on=DOMAIN).with_columns(
        u=pl.col("weight") * (pl.col("y") - pl.col("p")) / pl.col("wd"))
    per_h = m.group_by(*DOMAIN, "stratum").agg(su=pl.col("u").sum(), su2=(pl.col("u") ** 2).sum())
    per_h = per_h.join(strata, on=["year", "stratum"]).with_columns(
        v=pl.when(pl.col("n_h") > 1)
        .then(pl.col("n_h") / (pl.col("n_h") - 1)
              * (pl.col("su2") - pl.col("su") ** 2 / pl.col("n_h")))
        .otherwise(0.0))
    var = per_h.group_by(DOMAIN).agg(var=pl.col("v").sum())
    out = est.join(var, on=DOMAIN).join(design, on="year").with_columns(
        se=pl.col("var").clip(lower_bound=0).sqrt())
    p = out["p"].to_numpy()
    se = out["se"].to_numpy()
    df = out["df"].to_numpy().astype(float)
    cols = {}
    inner = (p > 0) & (p < 1) & (se > 0)
    pc = np.where(inner, p, 0.5)
    for lv in levels:
        tq = student_t.ppf(lv + (1 - lv) / 2, np.maximum(df, 1))
        half = tq * se / (pc * (1 - pc))
        lo = np.where(inner, expit(logit(pc) - half), p)
        hi = np.where(inner, expit(logit(pc) + half), p)
        tag = "95" if lv == 0.95 else "998"
        cols[f"lower_{tag}"] = lo
        cols[f"upper_{tag}"] = hi
    return out.rename({"p": "value"}).with_columns(
        **{k: pl.Series(v) for k, v in cols.items()}).select(
        *DOMAIN, "n", "x", "value", "se", "df", *cols)


def survey_domains(units: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Domain membership for the indicator's levels (lan, kommun) × breakdowns, as long rows."""
    parts = []
    for level in levels_of(ind):
        if level not in ("lan", "kommun"):
            continue
        code = pl.col("kommun_code") if level == "kommun" else pl.col("kommun_code").str.slice(0, 2)
        for b in breakdowns_at(ind, level):
            if b not in LEVEL_BREAKDOWNS[level]:
                continue
            if b == "total":
                g = pl.lit("total")
            elif b == "age_group":
                a = pl.col("age")
                g = (pl.when(a <= 15).then(pl.lit(AGE_GROUPS[0]))
                     .when(a <= 29).then(pl.lit(AGE_GROUPS[1]))
                     .when(a <= 44).then(pl.lit(AGE_GROUPS[2]))
                     .when(a <= 64).then(pl.lit(AGE_GROUPS[3]))
                     .when(a <= 79).then(pl.lit(AGE_GROUPS[4]))
                     .otherwise(pl.lit(AGE_GROUPS[5])))
            else:
                g = pl.col(b).cast(pl.Utf8)
            parts.append(units.select(
                "_unit", "year", area_level=pl.lit(level), area_code=code,
                breakdown=pl.lit(b), group_value=g).filter(pl.col("group_value").is_not_null()))
    return pl.concat(parts)
