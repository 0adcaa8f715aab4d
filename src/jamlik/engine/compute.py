"""``compute``: every catalogue indicator → the tidy ``observations`` table.

>>> from jamlik.engine import compute  # doctest: +SKIP
>>> report = compute(warehouse)        # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import polars as pl
from scipy.special import expit, logit
from scipy.stats import norm

from jamlik.engine import _publish
from jamlik.engine._aggregates import FALLBACK_NOTE
from jamlik.engine._frames import Frames, _condition
from jamlik.engine._methods import LEVELS, SERIES, _finish, blank_first_year, estimate
from jamlik.engine._rollup import Cells, levels_of, national_variables, rolled_up
from jamlik.engine._survey import DOMAIN, domain_estimates, survey_domains
from jamlik.model.catalogue import Catalogue, Indicator, load_catalogue
from jamlik.model.errors import DataError, InputError
from jamlik.store import queries
from jamlik.store.schema import OBSERVATION_COLUMNS

COLUMNS = list(OBSERVATION_COLUMNS)
NO_NATION = "not compared: no national data"
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class ComputeReport:
    """What a run did: indicators computed, skipped (unchanged) and not computable (with the
    missing input), rows written, seconds taken."""

    run_id: str
    computed: tuple[str, ...]
    skipped: tuple[str, ...]
    rows: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def fingerprint(wh, ind: Indicator) -> str:
    """Row counts and latest load of the indicator's input tables plus the definition's hash."""
    parts = {"definition": repr(ind)}
    for t in ind.input_tables():
        parts[t] = f"{queries.table_rows(wh.con, t)}:{queries.latest_load_id(wh.con, t)}"
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def survey_indicator(frames: Frames, wh, ind: Indicator) -> pl.DataFrame:
    """Weighted domain estimates for lan/kommun; the nation from ``national_survey``."""
    from jamlik.engine._frames import filtered

    base = frames("survey")
    questions = [c for count in (ind.numerator, ind.denominator) if count is not None
                 for c in (count.where or {}) if c not in base.columns]
    if questions:
        loaded = {r[0] for r in wh.con.execute("SELECT question FROM survey_questions").fetchall()}
        for q in questions:
            if q not in loaded:
                raise DataError(f"the survey question {q!r} is not loaded (declare it under "
                                f"questions: in the survey mapping)", file=f"{ind.id}.yaml",
                                column="numerator.where", value=q)
    t = filtered(frames, ind.denominator, ind, base=frames.survey(questions))
    y = None
    for col, spec in (ind.numerator.where or {}).items():
        cond = _condition(t, col, spec, f"{ind.id}.yaml")
        y = cond if y is None else y & cond
        t = t.filter(t[col].notnull())
    units = t.mutate(y=y.cast("float64")).select(
        "year", "kommun_code", "stratum", "weight", "y", "sex", "age", "education",
        "income_quintile", "birth_region").to_polars().with_row_index("_unit")
    units = units.with_columns(pl.col("year").cast(pl.Int16))
    est = domain_estimates(units, survey_domains(units, ind), LEVELS)
    m = ind.multiplier
    est = est.with_columns(pl.col("value", "lower_95", "upper_95", "lower_998", "upper_998") * m,
                           numerator=pl.col("x").cast(pl.Float64),
                           denominator=pl.col("n").cast(pl.Float64),
                           note=pl.lit("numerator and denominator are unweighted respondents"))
    out = [est.select(*DOMAIN, "numerator", "denominator", "value", "lower_95", "upper_95",
                      "lower_998", "upper_998", "note")]
    measure = ind.national.get("survey_measure")
    if measure and "nation" in levels_of(ind):
        nat = pl.from_arrow(wh.con.execute(
            "SELECT year, sex, estimate, se, respondents FROM national_survey WHERE measure = ?",
            [measure]).to_arrow_table())
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
        nat = nat.with_columns(
            year=pl.col("year").cast(pl.Int16), area_level=pl.lit("nation"),
            area_code=pl.lit("SE"),
            breakdown=pl.when(pl.col("sex") == "total").then(pl.lit("sex"))
            .otherwise(pl.lit("sex")),
            group_value=pl.col("sex"), numerator=pl.lit(None, dtype=pl.Float64),
            denominator=pl.col("respondents").cast(pl.Float64), value=pl.col("estimate") * m,
            note=pl.lit("national comparison from the national survey (published estimate)"),
            **{k: pl.Series(v) for k, v in cols.items()})
        nat = nat.with_columns(
            breakdown=pl.when(pl.col("sex") == "total").then(pl.lit("total"))
            .otherwise(pl.lit("sex")),
            group_value=pl.when(pl.col("sex") == "total").then(pl.lit("total"))
            .otherwise(pl.col("sex")))
        out.append(nat.select(out[0].columns))
    df = pl.concat(out, how="vertical_relaxed")
    return _finish(df, ind, "taylor_linearisation_logit", None)


def _flags(rolled: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Per series: ``_syn`` (any synthetic input) and ``_fb`` (person-time fell back), over
    the years a row pools (the window of a multi-year life expectancy)."""
    span = ind.period_years if ind.method == "life_expectancy" else 1
    flags = rolled.group_by(SERIES).agg(pl.col("_syn").any(), pl.col("_fb").any())
    if span > 1:
        flags = (pl.concat([flags.with_columns(pl.col("year") + j) for j in range(span)])
                 .group_by(SERIES).agg(pl.col("_syn").any(), pl.col("_fb").any()))
    return flags


def _survey_synthetic(wh, ind: Indicator) -> tuple[bool, bool]:
    """(survey microdata synthetic?, national survey synthetic?)"""
    rows = dict(wh.con.execute(
        "SELECT target, bool_or(coalesce(synthetic, false)) FROM loads "
        "WHERE target IN ('survey', 'national_survey') GROUP BY 1").fetchall())
    return bool(rows.get("survey")), bool(rows.get("national_survey"))


def compute_indicator(cells: Cells, wh, ind: Indicator, parents: pl.DataFrame,
                      computed_at: datetime) -> pl.DataFrame:
    """All published rows of one indicator (suppressed values already blanked)."""
    if ind.is_survey:
        res = survey_indicator(cells.frames, wh, ind)
        micro, nat = _survey_synthetic(wh, ind)
        res = res.with_columns(_syn=pl.when(pl.col("area_level") == "nation")
                               .then(pl.lit(nat)).otherwise(pl.lit(micro)), _fb=pl.lit(False))
    else:
        rolled = rolled_up(cells, ind)
        flags = _flags(rolled, ind)
        res = estimate(rolled.drop("_syn", "_fb"), ind)
        res = res.join(flags, on=SERIES, how="left").with_columns(
            pl.col("_syn").fill_null(False), pl.col("_fb").fill_null(False))
        res = blank_first_year(res, ind, cells.frames.register_years()[0],
                               cells.frames.region_lans())
    res = res.with_columns(indicator_id=pl.lit(ind.id),
                           value=pl.col("value").fill_nan(None))
    for c in ("lower_95", "upper_95", "lower_998", "upper_998"):
        res = res.with_columns(pl.col(c).fill_nan(None))
    # Rows that will not be published take no part in suppression: to a reader they are part
    # of the unpublished residual (e.g. the rest of Sweden under the nation).
    res = _synthetic_in_region(res, cells.frames.home_region, flag="_syn")
    res = _publish.suppress(res, ind, parents)
    res = _publish.compare(res, ind, parents)
    res = _publish.trend(res, ind)
    res = _publish.smooth(res, ind)
    res = _publish.round_pooled(_publish.blank_suppressed(res), ind)
    nation = res.filter(pl.col("area_level") == "nation", pl.col("breakdown") == "total")
    years = nation.select("year").unique().with_columns(_nat=pl.lit(True))
    res = res.join(years, on="year", how="left")
    no_nation = pl.col("nation_value").is_null() & (pl.col("area_level") != "nation")
    res = res.with_columns(
        computed_at=pl.lit(computed_at),
        synthetic=pl.col("_syn").fill_null(False),
        note=pl.concat_str([pl.col("note"), pl.when(pl.col("_fb")).then(pl.lit(FALLBACK_NOTE)),
                            pl.when(no_nation & pl.col("_nat").is_null()).then(pl.lit(NO_NATION))
                            .when(no_nation).then(
                                pl.lit("no national figure for this breakdown"))],
                           separator="; ", ignore_nulls=True).replace("", None))
    return res.select(COLUMNS)


def _synthetic_in_region(res: pl.DataFrame, home: str | None, *,
                         flag: str = "synthetic") -> pl.DataFrame:
    """Synthetic figures are published only for the region they were made for (the home
    region's areas) and the nation they are compared with: never for another area."""
    if home in (None, "SE"):
        return res
    inside = ((pl.col("area_level") == "nation")
              | (pl.col("area_level").is_in(["vardcentral", "regso", "deso"]))
              | (pl.col("area_code").str.slice(0, 2) == home))
    return res.filter(~pl.col(flag).fill_null(False) | inside)


def compute(warehouse, *, indicators: Iterable[str] | None = None, force: bool = False,
            progress: Progress | None = None, catalogue: Catalogue | None = None
            ) -> ComputeReport:
    """Compute the indicators (all by default) and replace their rows in ``observations``.

    An indicator whose input fingerprint is unchanged since the last run is skipped unless
    ``force``. Everything is written in one atomic load: a failure leaves the table as it was.
    """
    started = time.perf_counter()
    began = datetime.now(UTC).replace(tzinfo=None)
    report = progress or (lambda step, fraction: None)
    wh = warehouse
    wh.migrate()
    cat = catalogue or warehouse_catalogue(wh)
    ids = list(cat) if indicators is None else list(indicators)
    for i in ids:
        if i not in cat:
            raise InputError("indicators", i, f"catalogue ids, e.g. {sorted(cat)[:3]}")
    previous = queries.last_compute_fingerprints(wh.con)
    prints = {i: fingerprint(wh, cat[i]) for i in ids}
    todo = [i for i in ids if force or previous.get(i) != prints[i]]
    skipped = tuple(i for i in ids if i not in todo)
    parents = queries.area_parents(wh.con)
    cells = Cells(Frames(wh.ibis(), wh.home_region), [cat[i] for i in todo])
    missing = {i: why for i in todo if (why := missing_input(cells, wh, cat[i]))}
    gone = [i for i in todo if i in missing]
    todo = [i for i in todo if i not in missing]
    frames, timings = [], {}
    try:
        for k, i in enumerate(todo):
            report(i, k / max(len(todo), 1) * 0.9)
            t0 = time.perf_counter()
            frames.append(compute_indicator(cells, wh, cat[i], parents, began))
            timings[i] = time.perf_counter() - t0
    finally:
        cells.release()
    report("writing", 0.92)
    out = pl.concat(frames) if frames else None
    run_id = uuid.uuid4().hex[:12]
    rows = 0 if out is None else out.height
    with wh.load_session(f"jamlik compute {run_id}") as load:
        if todo or gone:
            queries.replace_indicator_rows(load, "observations", out, todo + gone)
        merged = {**{i: v for i, v in previous.items() if i not in gone},
                  **{i: prints[i] for i in todo}}
        queries.record_compute_run(wh.con, run_id=run_id, started_at=began,
                                   finished_at=datetime.now(UTC).replace(tzinfo=None),
                                   indicators=todo, rows=rows, fingerprints=merged)
    report("done", 1.0)
    return ComputeReport(run_id=run_id, computed=tuple(todo), skipped=skipped, rows=rows,
                         seconds=time.perf_counter() - started, timings=timings,
                         missing=missing)


_LOAD_KIND = {"person_years": "population", "deaths": "deaths", "care_events": "care",
              "person_measures": "measures", "conditions": "conditions", "survey": "survey"}


def missing_input(cells: Cells, wh, ind: Indicator) -> str | None:
    """Why the indicator cannot be computed from what is loaded, or None when it can."""
    if ind.is_survey:
        measure = ind.national.get("survey_measure")
        nat = measure is not None and wh.con.execute(
            "SELECT count(*) FROM national_survey WHERE measure = ?", [measure]).fetchone()[0]
        columns = set(cells.frames("survey").columns)
        loaded = {r[0] for r in wh.con.execute("SELECT question FROM survey_questions")
                  .fetchall()}
        unloaded = sorted({c for count in (ind.numerator, ind.denominator) if count is not None
                           for c in (count.where or {}) if c not in columns | loaded})
        if unloaded:
            return (f"the survey question {unloaded[0]!r} is not loaded (declare it under "
                    "questions: in the survey mapping)")
        if cells.rows("survey") or nat:
            return None
        return ("no survey loaded (jamlik load survey)"
                + (f" and no national estimates for {measure!r} (jamlik load survey-national)"
                   if measure else ""))
    if cells.micro_ok(ind):
        return None
    names = national_variables(ind)
    have = cells.aggregate_names()
    if names and all(n in have for n in names) and levels_of(ind) != ():
        return None
    why = []
    tables = ["person_years"] + [
        {"deaths": "deaths", "care_events": "care_events", "person_measures": "person_measures",
         "conditions": "conditions"}[c.source]
        for c in (ind.numerator, ind.denominator) if c is not None and c.source in
        ("deaths", "care_events", "person_measures", "conditions")]
    for t in dict.fromkeys(tables):
        if cells.rows(t) == 0:
            why.append(f"no {t} loaded (jamlik load {_LOAD_KIND[t]})")
    if names:
        lacking = [n for n in names if n not in have]
        why.append(f"no aggregates with {', '.join(lacking)} (jamlik load aggregates)")
    return " and ".join(why) or "no input loaded"


def warehouse_catalogue(wh, extra: Iterable[str] = ()) -> Catalogue:
    """The catalogue a warehouse is computed with: the shipped indicators, the region's own
    (``extra`` folders, e.g. ``$JAMLIK_CATALOGUE``) and one survey indicator per survey question
    loaded without a catalogue file of its own."""
    from jamlik.model.catalogue import with_survey_questions

    base = load_catalogue(extra_dirs=tuple(str(e) for e in extra))
    return with_survey_questions(base, queries.survey_questions(wh.con))
