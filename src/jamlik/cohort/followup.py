"""Build the analysis cohort: index events → exposures → follow-up times and event codes.

All steps are polars joins and expressions (no per-person loops). Conventions (also in
``docs/registers.md``):

* Follow-up starts on the index date (day 0) and is censored at ``follow_up.end_of_data`` and at
  the longest window (e.g. 5 years = 5 × 365.25 days). Times are returned in years (days/365.25).
* A death on the index date gives time 0 and counts as an event.
* Diagnosis components count hospital admissions *after* the index date (admission date > index
  date) and, with ``blanking_days`` (e.g. 28 for a new myocardial infarction), only admissions more
  than that many days after the index date, so that the index infarction's own care episodes and
  transfers are not counted as new events. ``positions: main`` looks at the main diagnosis only,
  ``any`` also at secondary diagnoses.
* Outcomes that include death: time to the first of death and the components (event code 1).
  Outcomes without death: code 1 for the first component, code 2 when death comes first (a
  competing risk); an admission on the day of death counts as the outcome.
* Exposures come from the population register in year index year − 1 (``year_offset``). Income
  quintiles are computed within each register year over all persons in the population extract
  (population-based if the extract covers the population, cohort-based if it covers the cohort);
  Q1 is the lowest income. Missing exposures stay missing (label ``missing`` in result tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import polars as pl
import pyarrow as pa

from jamlik.cohort.spec import StudySpec
from jamlik.model.errors import InputError

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Cohort:
    """One row per included index event (``table``) and the selection steps (``flow``)."""

    table: pl.DataFrame
    flow: pl.DataFrame


def _frame(x, name: str, required: tuple[str, ...]) -> pl.DataFrame:
    df = pl.from_arrow(x) if isinstance(x, pa.Table) else x
    if not isinstance(df, pl.DataFrame):
        raise InputError(name, type(x).__name__, "an Arrow table or polars DataFrame from the readers")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(name, f"columns {df.columns}", f"a table with columns {', '.join(required)}")
    return df


def age_group_expr(breaks: tuple[int, ...], column: str = "age") -> pl.Expr:
    """Age-group labels from lower limits: (18, 65, 75, 85) → 18-64, 65-74, 75-84, 85+."""
    labels = [f"{lo}-{hi - 1}" for lo, hi in pairwise(breaks)] + [f"{breaks[-1]}+"]
    expr = pl.when(pl.col(column) < breaks[0]).then(None)
    for lo, label in zip(breaks[1:], labels[:-1], strict=True):
        expr = expr.when(pl.col(column) < lo).then(pl.lit(label))
    return expr.otherwise(pl.lit(labels[-1]))


def income_quintiles(population: pl.DataFrame, n: int = 5, cut_points=None) -> pl.DataFrame:
    """Add ``income_quintile`` (1 = lowest) within each year; ties share a quintile.

    With ``cut_points`` (n − 1 increasing limits, e.g. national limits) the quintile is k when
    c_{k−1} < income ≤ c_k instead.
    """
    if cut_points is not None:
        inc = population["income"].to_numpy()
        q = np.searchsorted(np.asarray(cut_points, dtype=float), inc, side="left") + 1
        return population.with_columns(income_quintile=pl.when(pl.col("income").is_null()).then(None)
                                       .otherwise(pl.Series(q.astype(np.int8))))
    rank = pl.col("income").rank("min").over("year")
    count = pl.col("income").count().over("year")
    return population.with_columns(
        income_quintile=pl.when(pl.col("income").is_null()).then(None)
        .otherwise(((rank - 1) * n / count).floor().cast(pl.Int8) + 1)
    )


def build_cohort(spec: StudySpec, quality, population, deaths, patients) -> Cohort:
    """Select index events, attach exposures and compute follow-up for every outcome in ``spec``."""
    q = _frame(quality, "quality", ("pid", "index_date", "age", "sex"))
    pop = _frame(population, "population", ("pid", "year", "income", "education"))
    dth = _frame(deaths, "deaths", ("pid", "death_date"))
    pat = _frame(patients, "patients", ("pid", "admission_date", "main_diagnosis"))
    flow: list[tuple[str, int]] = [("index events in the quality register", q.height)]
    ie = spec.index_event
    if ie.period_start is not None:
        q = q.filter(pl.col("index_date") >= ie.period_start)
    if ie.period_end is not None:
        q = q.filter(pl.col("index_date") <= ie.period_end)
    flow.append(("index date within the study period", q.height))
    if ie.first_event_only:
        q = q.sort(["pid", "index_date"]).unique("pid", keep="first", maintain_order=True)
        flow.append(("first index event per person", q.height))
    inc = spec.inclusion
    q = q.filter(pl.col("age").is_between(inc.age_min, inc.age_max))
    flow.append((f"age {inc.age_min:g}–{inc.age_max:g} years", q.height))
    q = q.filter(pl.col("sex").is_in(list(inc.sexes)))
    flow.append(("sex recorded and included", q.height))
    end = spec.follow_up.end_of_data
    q = q.filter(pl.col("index_date") <= end)
    deaths_one = dth.select("pid", "death_date").sort("death_date").unique("pid", keep="first")
    q = q.join(deaths_one, on="pid", how="left")
    q = q.filter(pl.col("death_date").is_null() | (pl.col("death_date") >= pl.col("index_date")))
    flow.append(("not dead before the index date (data consistency)", q.height))
    q = q.with_row_index("event_id")

    pop_q = income_quintiles(pop.filter(pl.col("year").is_not_null()), spec.exposures.income_quintiles,
                             spec.exposures.income_cut_points)
    exp = pop_q.select("pid", pl.col("year").cast(pl.Int32), "income", "income_quintile", "education",
                       "education_level").unique(["pid", "year"], keep="first")
    q = (q.with_columns(exposure_year=(pl.col("index_date").dt.year() + spec.exposures.year_offset).cast(pl.Int32))
         .join(exp, left_on=["pid", "exposure_year"], right_on=["pid", "year"], how="left"))
    q = q.with_columns(age_group=age_group_expr(spec.exposures.age_breaks))

    window_days = max(spec.follow_up.windows_years) * DAYS_PER_YEAR
    admin = (pl.lit(end) - pl.col("index_date")).dt.total_days().cast(pl.Float64)
    censor = pl.min_horizontal(admin, pl.lit(window_days))
    death_days = (pl.col("death_date") - pl.col("index_date")).dt.total_days().cast(pl.Float64)
    q = q.with_columns(_censor=censor,
                       _death=pl.when(pl.col("death_date") <= end).then(death_days).otherwise(None))

    components = {c.name: c for o in spec.outcomes for c in o.components}
    first_admission = _first_admissions(q.select("event_id", "pid", "index_date"), pat, components, end)
    q = q.join(first_admission, on="event_id", how="left")

    out_cols = []
    for o in spec.outcomes:
        comp = pl.min_horizontal([pl.col(f"_c_{c.name}") for c in o.components]) if o.components else pl.lit(None, pl.Float64)
        if o.include_death:
            first = pl.min_horizontal(comp, pl.col("_death"))
            happened = first.is_not_null() & (first <= pl.col("_censor"))
            code = pl.when(happened).then(1).otherwise(0)
        else:
            comp_first = comp.is_not_null() & (pl.col("_death").is_null() | (comp <= pl.col("_death")))
            first = pl.when(comp_first).then(comp).otherwise(pl.col("_death"))
            happened = first.is_not_null() & (first <= pl.col("_censor"))
            code = pl.when(happened & comp_first).then(1).when(happened).then(2).otherwise(0)
        t = pl.when(happened).then(first).otherwise(pl.col("_censor"))
        out_cols += [(t / DAYS_PER_YEAR).alias(f"{o.name}_time"), code.cast(pl.Int8).alias(f"{o.name}_event")]
    q = q.with_columns(out_cols).drop([c for c in q.columns if c.startswith("_")])
    flow_df = pl.DataFrame({"step": [s for s, _ in flow], "n": [n for _, n in flow]}).with_columns(
        excluded=(pl.col("n").shift(1) - pl.col("n")).fill_null(0))
    return Cohort(q, flow_df)


def _first_admissions(idx: pl.DataFrame, pat: pl.DataFrame, components: dict, end) -> pl.DataFrame:
    """Days from index to the first qualifying admission, one column ``_c_<name>`` per component."""
    base = idx.select("event_id")
    if not components:
        return base
    has_secondary = "secondary_diagnoses" in pat.columns
    linked = (idx.join(pat.select("pid", "admission_date", "main_diagnosis",
                                  *(["secondary_diagnoses"] if has_secondary else [])), on="pid", how="inner")
              .with_columns(days=(pl.col("admission_date") - pl.col("index_date")).dt.total_days().cast(pl.Float64))
              .filter((pl.col("days") > 0) & (pl.col("admission_date") <= end)))
    out = base
    for name, c in components.items():
        hit = pl.col("main_diagnosis").str.contains(c.regex).fill_null(False)
        if c.positions == "any" and has_secondary:
            hit = hit | pl.col("secondary_diagnoses").list.eval(pl.element().str.contains(c.regex)).list.any().fill_null(False)
        first = (linked.filter(hit & (pl.col("days") > c.blanking_days))
                 .group_by("event_id").agg(pl.col("days").min().alias(f"_c_{name}")))
        out = out.join(first, on="event_id", how="left")
    return out
