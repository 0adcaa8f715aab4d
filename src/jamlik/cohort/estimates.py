"""Tidy result tables for a built cohort: survival/CIF per group, age–sex standardised curves,
Cox hazard ratios by income quintile and education, process measures with Wilson intervals.

Every table says how each row was made (statistic, method, confidence) and passes disclosure
control (``jamlik.cohort._suppress``: primary and secondary suppression with ``spec.min_cell_count``,
group sizes hidden consistently across tables; rows keep a ``suppression_reason``).

Direct standardisation: within each exposure group the stratum-specific estimates (age group ×
sex; only age group when grouping by sex, only sex when grouping by age group) are weighted by
the whole cohort's distribution over the strata: S_std = Σ w_s S_s, Var = Σ w_s² Var(S_s)
(strata independent). The CI uses the same transform as the crude estimate. If a group has no
persons in a stratum that carries weight, the standardised value is not defined and is blanked.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import norm

from jamlik.cohort._suppress import hidden_groups, primary_reason, protect
from jamlik.cohort.cox import cox_hazard_ratios
from jamlik.cohort.followup import Cohort
from jamlik.cohort.spec import Outcome, StudySpec
from jamlik.cohort.survival import _interval, aalen_johansen, kaplan_meier
from jamlik.model.errors import InputError
from jamlik.stats import proportion

GROUP_VARIABLES = ("total", "income_quintile", "education", "age_group", "sex")
_STRATA = ("age_group", "sex")


def _labels(df: pl.DataFrame, var: str) -> np.ndarray:
    if var == "total":
        return np.full(df.height, "all", dtype=object)
    return df[var].cast(pl.String).fill_null("missing").to_numpy().astype(object)


def _estimate(o: Outcome, df: pl.DataFrame, labels: np.ndarray, spec: StudySpec, conf_type: str) -> pl.DataFrame:
    t = df[f"{o.name}_time"].to_numpy()
    e = df[f"{o.name}_event"].to_numpy()
    times = list(spec.follow_up.windows_years)
    if o.competing_death:
        return aalen_johansen(t, e, labels, times=times, cause=1, confidence=spec.confidence, conf_type=conf_type)
    return kaplan_meier(t, e, labels, times=times, confidence=spec.confidence, conf_type=conf_type)


def _outcomes(spec: StudySpec, outcomes) -> list[Outcome]:
    if outcomes is None:
        return list(spec.outcomes)
    by = {o.name: o for o in spec.outcomes}
    unknown = [n for n in outcomes if n not in by]
    if unknown:
        raise InputError("outcomes", unknown[0], f"one of {', '.join(by)}")
    return [by[n] for n in outcomes]


def survival_estimates(cohort: Cohort, spec: StudySpec, *, by=GROUP_VARIABLES, outcomes=None,
                       conf_type: str = "log-log") -> pl.DataFrame:
    """KM survival (outcomes including death) or AJ cumulative incidence (death competing) per group."""
    df = cohort.table
    parts = []
    for o in _outcomes(spec, outcomes):
        for var in by:
            if var != "total" and var not in df.columns:
                raise InputError("by", var, f"one of {', '.join(GROUP_VARIABLES)}")
            res = _estimate(o, df, _labels(df, var), spec, conf_type)
            parts.append(res.with_columns(outcome=pl.lit(o.name), group_variable=pl.lit(var),
                                          standardised=pl.lit(False)))
    out = _order(pl.concat(parts).rename({"time": "time_years"}))
    return _protect_survival(out, cohort, spec, by)


def standardised_estimates(cohort: Cohort, spec: StudySpec, *, by=("income_quintile", "education"),
                           outcomes=None, conf_type: str = "log-log") -> pl.DataFrame:
    """Age–sex directly standardised KM survival / AJ cumulative incidence per group."""
    df = cohort.table.filter(pl.col("age_group").is_not_null())
    z = float(norm.ppf(0.5 + spec.confidence / 2))
    parts = []
    for var in by:
        strata = [s for s in _STRATA if s != var]
        stratum = df.select(pl.concat_str([pl.col(s).cast(pl.String) for s in strata], separator="|")).to_series()
        weights = (pl.DataFrame({"stratum": stratum}).group_by("stratum").len()
                   .with_columns(w=pl.col("len") / pl.col("len").sum()).drop("len"))
        group = _labels(df, var)
        combined = np.char.add(np.char.add(group.astype(str), "§"), stratum.to_numpy().astype(str))
        for o in _outcomes(spec, outcomes):
            res = _estimate(o, df, combined, spec, conf_type)
            res = res.with_columns(pl.col("group").str.split_exact("§", 1).struct.rename_fields(["g", "stratum"])).unnest("group")
            full = (pl.DataFrame({"g": np.unique(group.astype(str))})
                    .join(weights, how="cross")
                    .join(pl.DataFrame({"time": list(spec.follow_up.windows_years)}), how="cross")
                    .join(res, on=["g", "stratum", "time"], how="left"))
            agg = (full.group_by(["g", "time"]).agg(
                value=(pl.col("w") * pl.col("value")).sum(),
                var=(pl.col("w") ** 2 * pl.col("std_error").fill_nan(0) ** 2).sum(),
                empty=pl.col("value").is_null().any(),
                n_persons=pl.col("n_persons").sum(),
                n_at_risk=pl.col("n_at_risk").sum(),
                n_events=pl.col("n_events").sum(),
                method=pl.col("method").drop_nulls().first(),
                statistic=pl.col("statistic").drop_nulls().first(),
            ).sort(["g", "time"]))
            value = agg["value"].to_numpy()
            se = np.sqrt(agg["var"].to_numpy())
            lo, hi = _interval(value, se, z, conf_type, incidence=o.competing_death)
            empty = agg["empty"].to_numpy()
            parts.append(pl.DataFrame({
                "group": agg["g"], "time_years": agg["time"],
                "n_persons": agg["n_persons"].fill_null(0), "n_at_risk": agg["n_at_risk"].fill_null(0),
                "n_events": agg["n_events"].fill_null(0),
                "value": np.where(empty, np.nan, value), "std_error": np.where(empty, np.nan, se),
                "lower": np.where(empty, np.nan, lo), "upper": np.where(empty, np.nan, hi),
                "confidence": spec.confidence, "statistic": agg["statistic"],
                "method": agg["method"] + f"; directly standardised by {' × '.join(strata)} to the cohort",
                "outcome": o.name, "group_variable": var, "standardised": True,
            }).with_columns(pl.col(c).fill_nan(None) for c in ("value", "std_error", "lower", "upper")))
    out = _order(pl.concat(parts))
    # the crude table publishes the same counts: suppress at least what it suppresses
    crude = survival_estimates(cohort, spec, by=by, outcomes=outcomes, conf_type=conf_type)
    forced = out.select("outcome", "group_variable", "group", "time_years").join(
        crude.select("outcome", "group_variable", "group", "time_years", "suppressed"),
        on=["outcome", "group_variable", "group", "time_years"], how="left")["suppressed"].fill_null(False)
    return _protect_survival(out, cohort, spec, by, forced=forced)


def hazard_ratios(cohort: Cohort, spec: StudySpec, *, outcomes=None, age: str = "continuous") -> pl.DataFrame:
    """Cox HRs by income quintile (reference ``exposures.income_reference``) and by education
    (reference ``exposures.education_reference``), each adjusted for age and sex.

    ``age='continuous'`` adjusts for age in years; ``age='group'`` for the spec's age groups.
    """
    if age not in ("continuous", "group"):
        raise InputError("age", age, "'continuous' or 'group'")
    df = cohort.table
    adj = {"age": "continuous", "sex": "categorical"} if age == "continuous" else {"age_group": "categorical", "sex": "categorical"}
    parts = []
    for o in _outcomes(spec, outcomes):
        for exposure, ref in (("income_quintile", spec.exposures.income_reference),
                              ("education", spec.exposures.education_reference)):
            res = cox_hazard_ratios(df, duration=f"{o.name}_time", event=f"{o.name}_event", exposure=exposure,
                                    reference=ref, covariates=adj, confidence=spec.confidence)
            used = df.select(f"{o.name}_time", f"{o.name}_event", exposure, *adj).drop_nulls()
            level = (used.group_by(pl.col(exposure).cast(pl.String).alias("level"))
                     .agg(level_n=pl.len(), level_events=(pl.col(f"{o.name}_event") == 1).sum()))
            res = res.join(level, on="level", how="left").join(
                level.rename({"level": "reference", "level_n": "ref_n", "level_events": "ref_events"}),
                on="reference", how="left")
            parts.append(res.with_columns(outcome=pl.lit(o.name), exposure=pl.lit(exposure)))
    return _protect_hazard_ratios(pl.concat(parts), spec.min_cell_count)


def _protect_hazard_ratios(out: pl.DataFrame, m: int) -> pl.DataFrame:
    """Blank an HR whose level or reference has fewer than ``m`` persons or events; blank the model's
    counts (n, n_events, n_excluded) when between 1 and ``m − 1`` persons were left out, since
    the cohort size minus ``n`` would give the excluded persons back (and ``n_events`` their events)."""
    exposure = pl.col("role") == "exposure"
    reason = (pl.when(pl.col("n_events") < m).then(pl.lit(f"fewer than {m} events"))
              .when(exposure & ((pl.col("level_n") < m) | (pl.col("ref_n") < m))).then(pl.lit(f"fewer than {m} persons"))
              .when(exposure & ((pl.col("level_events") < m) | (pl.col("ref_events") < m)))
              .then(pl.lit(f"fewer than {m} events")).otherwise(pl.lit(None, pl.String)))
    out = out.with_columns(suppression_reason=reason).with_columns(suppressed=pl.col("suppression_reason").is_not_null())
    hide = pl.col("suppressed")
    few_excluded = pl.col("n_excluded").is_between(1, m - 1)
    estimates = ("coef", "std_error", "hazard_ratio", "lower", "upper", "p_value")
    return out.with_columns(
        [pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in estimates]
        + [pl.when(few_excluded | (pl.col("n_events") < m)).then(None).otherwise(pl.col(c)).alias(c)
           for c in ("n", "n_events", "n_excluded")]
    ).drop("level_n", "level_events", "ref_n", "ref_events")


def _wilson_interval(x, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share ``x / n`` with Wilson limits (:func:`jamlik.stats.proportion`); NaN where n == 0."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    out = np.full((3, x.size), np.nan)
    some = n > 0
    if some.any():
        est = proportion(x[some], n[some], confidence=confidence)
        out[:, some] = est.value, est.lower, est.upper
    return out[0], out[1], out[2]


def process_estimates(cohort: Cohort, spec: StudySpec, *, by=GROUP_VARIABLES, measures=None) -> pl.DataFrame:
    """Share with each process measure (1 among non-missing) per group, with Wilson CIs."""
    df = cohort.table
    names = list(measures if measures is not None else spec.process_measures)
    names = [m for m in names if m in df.columns]
    parts = []
    for var in by:
        lab = pl.Series("group", _labels(df, var).astype(str))
        for m in names:
            g = (df.select(pl.col(m)).with_columns(lab).group_by("group")
                 .agg(n_events=(pl.col(m) == 1).sum(), n_persons=pl.col(m).is_not_null().sum(),
                      n_missing=pl.col(m).is_null().sum()).sort("group"))
            p, lo, hi = _wilson_interval(g["n_events"].to_numpy(), g["n_persons"].to_numpy(), spec.confidence)
            parts.append(g.with_columns(
                value=pl.Series(p).fill_nan(None), lower=pl.Series(lo).fill_nan(None),
                upper=pl.Series(hi).fill_nan(None),
                confidence=pl.lit(spec.confidence), statistic=pl.lit("proportion"),
                method=pl.lit("Wilson score interval"), measure=pl.lit(m), group_variable=pl.lit(var)))
    if not parts:
        return pl.DataFrame()
    out = pl.concat(parts).select("measure", "group_variable", "group", "n_persons", "n_events", "n_missing",
                                  "value", "lower", "upper", "confidence", "statistic", "method")
    m = spec.min_cell_count
    return protect(out, m, partition=["measure"], keep=key_groups(spec),
                   reason=primary_reason(out, m, others=("n_missing",)),
                   hidden=hidden_groups(cohort.table, by, m, key_groups(spec)))


def key_groups(spec: StudySpec) -> dict[str, set[str]]:
    """Groups that key results compare: spared by secondary suppression while others will do."""
    ex = spec.exposures
    return {"income_quintile": {"1", str(ex.income_reference)}, "education": {"compulsory", ex.education_reference}}


def _protect_survival(out: pl.DataFrame, cohort: Cohort, spec: StudySpec, by, forced=None) -> pl.DataFrame:
    """Disclosure control of (standardised) survival rows; events between windows count as a cell too."""
    m = spec.min_cell_count
    group = ["outcome", "group_variable", "group"]
    out = out.with_columns(
        n_events_between=(pl.col("n_events") - pl.col("n_events").shift(1).fill_null(0)).over(group, order_by="time_years"),
        # persons who left follow-up (event or censoring) since the previous window
        n_left_between=(pl.col("n_at_risk").shift(1).fill_null(pl.col("n_persons")) - pl.col("n_at_risk"))
        .over(group, order_by="time_years"))
    between = ("n_events_between", "n_left_between")
    res = protect(out, m, partition=["outcome", "time_years"], keep=key_groups(spec), forced=forced,
                  reason=primary_reason(out, m, others=("n_at_risk", *between)),
                  hidden=hidden_groups(cohort.table, by, m, key_groups(spec)),
                  counts=("n_persons", "n_at_risk", "n_events", *between))
    return res.drop(*between)


def _order(df: pl.DataFrame) -> pl.DataFrame:
    first = ["outcome", "group_variable", "group", "standardised", "time_years"]
    return df.select(first + [c for c in df.columns if c not in first]).sort(["outcome", "group_variable", "group", "time_years"])
