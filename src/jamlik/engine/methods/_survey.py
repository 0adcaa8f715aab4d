"""The survey method: weighted domain estimates, and the nation from published estimates.

Its input, :data:`SURVEY_UNITS`, is one row per respondent (stratum, weight, 0/1 answer and the
breakdown columns) and, for the nation, the national survey's published estimates.

Domain estimates (stratified design, strata = kommun). For a domain d: p̂ = Σ w·d·y / Ŵ_d with Ŵ_d = Σ w·d; the linearised values
u_i = w_i·d_i·(y_i − p̂)/Ŵ_d; var = Σ_h n_h/(n_h − 1)·(Σ_{i∈h} u_hi² − n_h·ū_h²) with n_h the
respondents of stratum h in that year (the whole stratum, not only the domain) and
ū_h = Σ_{i∈h} u_hi / n_h. Limits on the logit scale with Student's t, df = #PSU − #strata of the
year's sample (as R ``survey::svyciprop(method = "logit")``). All domains of all years at once,
with group-bys — no loop over domains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import expit, logit
from scipy.stats import norm
from scipy.stats import t as student_t

from jamlik.engine._frames import Frames, _condition, filtered
from jamlik.engine._rollup import AGE_GROUPS, LEVEL_BREAKDOWNS, Cells, breakdowns_at, levels_of
from jamlik.engine.methods._registry import LEVELS, Input, Method, register
from jamlik.model.catalogue import Indicator
from jamlik.model.errors import DataError
from jamlik.store import queries

DOMAIN = ["year", "area_level", "area_code", "breakdown", "group_value"]
UNITS = ["year", "kommun_code", "stratum", "weight", "y", "sex", "age", "education",
         "income_quintile", "birth_region"]


@dataclass(frozen=True)
class SurveyUnits:
    """The input of a survey method for one indicator.

    ``units``: one row per respondent who answered, with ``_unit`` (row id), :data:`UNITS`
    and ``y`` (1.0 when the answer counts in the numerator). ``national``: the national
    survey's published ``year, sex, estimate, se, respondents`` of the indicator's measure
    (None when the indicator has no national measure or no nation level).
    """

    units: pl.DataFrame
    national: pl.DataFrame | None


# -- the input: respondents --------------------------------------------------------------------
def _questions(ind: Indicator, columns: set[str]) -> list[str]:
    """The survey questions the indicator filters on that are not columns of the survey."""
    return [c for count in (ind.numerator, ind.denominator) if count is not None
            for c in (count.where or {}) if c not in columns]


def _unloaded(question: str) -> str:
    return (f"the survey question {question!r} is not loaded (declare it under questions: in "
            "the survey mapping)")


def _loaded_questions(wh) -> set[str]:
    """The survey questions a load declared (``survey_questions``)."""
    return {q["question"] for q in queries.survey_questions(wh.con)}


def read_units(frames: Frames, wh, ind: Indicator) -> SurveyUnits:
    """The respondents behind the indicator and its national estimates (see
    :class:`SurveyUnits`); a question the indicator names that is not loaded is a
    :class:`DataError`."""
    base = frames("survey")
    questions = _questions(ind, set(base.columns))
    if questions:
        loaded = _loaded_questions(wh)
        for q in questions:
            if q not in loaded:
                raise DataError(_unloaded(q),
                                file=f"{ind.id}.yaml", column="numerator.where", value=q)
    t = filtered(frames, ind.denominator, ind, base=frames.survey(questions))
    y = None
    for col, spec in (ind.numerator.where or {}).items():
        cond = _condition(t, col, spec, f"{ind.id}.yaml")
        y = cond if y is None else y & cond
        t = t.filter(t[col].notnull())
    units = (t.mutate(y=y.cast("float64")).select(*UNITS).to_polars()
             .with_row_index("_unit").with_columns(pl.col("year").cast(pl.Int16)))
    measure = ind.national.get("survey_measure")
    national = None
    if measure and "nation" in levels_of(ind):
        national = pl.from_arrow(queries.national_survey(wh.con, measure))
    return SurveyUnits(units, national)


def _run(method: Method, cells: Cells, wh, ind: Indicator) -> pl.DataFrame:
    res = method.finish(method.estimate(read_units(cells.frames, wh, ind), ind), ind)
    synthetic = queries.synthetic_targets(wh.con)
    return res.with_columns(
        _syn=pl.when(pl.col("area_level") == "nation")
        .then(pl.lit("national_survey" in synthetic))
        .otherwise(pl.lit("survey" in synthetic)),
        _fb=pl.lit(False))


def _missing(cells: Cells, wh, ind: Indicator) -> str | None:
    measure = ind.national.get("survey_measure")
    nat = measure is not None and queries.national_survey_rows(wh.con, measure)
    columns = set(cells.frames("survey").columns) | _loaded_questions(wh)
    unloaded = sorted(set(_questions(ind, columns)))
    if unloaded:
        return _unloaded(unloaded[0])
    if cells.rows("survey") or nat:
        return None
    return ("no survey loaded (jamlik load survey)"
            + (f" and no national estimates for {measure!r} (jamlik load survey-national)"
               if measure else ""))


#: Respondents of the region's survey, and the national survey's published estimates.
SURVEY_UNITS = Input("survey_units", run=_run, missing=_missing)


@register("survey_proportion", input=SURVEY_UNITS, label="taylor_linearisation_logit")
def survey_proportion(data: SurveyUnits, ind: Indicator) -> pl.DataFrame:
    """Weighted domain proportions for län and kommun (:func:`domain_estimates`); the nation
    from the national survey's estimate, with logit limits from its standard error."""
    units = data.units
    est = domain_estimates(units, survey_domains(units, ind), LEVELS)
    m = ind.multiplier
    est = est.with_columns(pl.col("value", "lower_95", "upper_95", "lower_998", "upper_998") * m,
                           numerator=pl.col("x").cast(pl.Float64),
                           denominator=pl.col("n").cast(pl.Float64),
                           note=pl.lit("numerator and denominator are unweighted respondents"))
    out = [est.select(*DOMAIN, "numerator", "denominator", "value", "lower_95", "upper_95",
                      "lower_998", "upper_998", "note")]
    if data.national is not None:
        out.append(_national(data.national, m).select(out[0].columns))
    return pl.concat(out, how="vertical_relaxed")


def _national(nat: pl.DataFrame, m: float) -> pl.DataFrame:
    """The nation's rows (total and by sex) from published estimates and standard errors."""
    nat = nat.filter(pl.col("sex").is_in(["total", "male", "female"]))
    p = nat["estimate"].to_numpy()
    se = nat["se"].fill_null(np.nan).to_numpy()
    cols = {}
    inner = (p > 0) & (p < 1) & (se > 0)
    pc = np.where(inner, p, 0.5)
    for lv, tag in zip(LEVELS, ("95", "998"), strict=True):
        half = norm.ppf(lv + (1 - lv) / 2) * se / (pc * (1 - pc))
        cols[f"lower_{tag}"] = np.where(inner, expit(logit(pc) - half), np.nan) * m
        cols[f"upper_{tag}"] = np.where(inner, expit(logit(pc) + half), np.nan) * m
    total = pl.col("sex") == "total"
    return nat.with_columns(
        year=pl.col("year").cast(pl.Int16), area_level=pl.lit("nation"), area_code=pl.lit("SE"),
        breakdown=pl.when(total).then(pl.lit("total")).otherwise(pl.lit("sex")),
        group_value=pl.when(total).then(pl.lit("total")).otherwise(pl.col("sex")),
        numerator=pl.lit(None, dtype=pl.Float64),
        denominator=pl.col("respondents").cast(pl.Float64), value=pl.col("estimate") * m,
        note=pl.lit("national comparison from the national survey (published estimate)"),
        **{k: pl.Series(v) for k, v in cols.items()})


# -- domain estimates --------------------------------------------------------------------------


def domain_estimates(units: pl.DataFrame, domains: pl.DataFrame,
                     levels: tuple[float, ...] = LEVELS) -> pl.DataFrame:
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
