"""Methods on rolled-up counts: count, proportion, rate, DSR and life expectancy.

Their input, :data:`CELLS`, is the indicator's counts rolled up to every area level ×
breakdown group (× life-table band for the age-standardised methods), from the region's
registers and the aggregated data (:func:`jamlik.engine._rollup.rolled_up`). Each estimator is
vectorised with :mod:`jamlik.stats`: one call per indicator, never one per area.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from jamlik import stats
from jamlik.engine._rollup import Cells, levels_of, national_variables, rolled_up
from jamlik.engine.methods._registry import LEVELS, SERIES, Input, Method, register
from jamlik.model.age_bands import LIFE_TABLE_BANDS
from jamlik.model.catalogue import Indicator

MIN_DSR_COUNT = 10
#: Unit sources whose units take the register attributes of the year before (deaths, events).
EVENT_SOURCES = ("deaths", "care_events")
#: Breakdowns that only the person's register row gives.
REGISTER_BREAKDOWNS = ("education", "income_quintile")
FIRST_YEAR_NOTE = ("not computed: {year} is the first register year, so people who died in it "
                   "have no register row of the year before (or of the year) to give their "
                   "education, income or vårdcentral")


# -- the input: rolled-up cells ----------------------------------------------------------------
def _run(method: Method, cells: Cells, wh, ind: Indicator) -> pl.DataFrame:
    rolled = rolled_up(cells, ind)
    flags = _flags(rolled, ind, method)
    res = method.finish(method.estimate(rolled.drop("_syn", "_fb"), ind), ind)
    res = res.join(flags, on=SERIES, how="left").with_columns(
        pl.col("_syn").fill_null(False), pl.col("_fb").fill_null(False))
    return blank_first_year(res, ind, method, cells.frames.register_years()[0],
                            cells.frames.region_lans())


def _flags(rolled: pl.DataFrame, ind: Indicator, method: Method) -> pl.DataFrame:
    """Per series: ``_syn`` (any synthetic input) and ``_fb`` (person-time fell back), over
    the years a row pools (the window of a multi-year life expectancy)."""
    span = method.years_per_row(ind)
    flags = rolled.group_by(SERIES).agg(pl.col("_syn").any(), pl.col("_fb").any())
    if span > 1:
        flags = (pl.concat([flags.with_columns(pl.col("year") + j) for j in range(span)])
                 .group_by(SERIES).agg(pl.col("_syn").any(), pl.col("_fb").any()))
    return flags


_LOAD_KIND = {"person_years": "population", "deaths": "deaths", "care_events": "care",
              "person_measures": "measures", "conditions": "conditions", "survey": "survey"}


def _missing(cells: Cells, wh, ind: Indicator) -> str | None:
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


#: Counts per area level × breakdown group (× life-table band).
CELLS = Input("cells", run=_run, missing=_missing)


# -- crude: count, proportion, rate ------------------------------------------------------------
def _totals(df: pl.DataFrame) -> pl.DataFrame:
    """The rows over all ages (band -1) of counts rolled up by band."""
    return df.filter(pl.col("_band") == -1) if "_band" in df.columns else df


def _limits(est, n: int, valid: np.ndarray) -> dict[str, np.ndarray]:
    out = {"value": np.full(n, np.nan)}
    out["value"][valid] = est.value
    for lv, tag in zip(LEVELS, ("95", "998"), strict=True):
        lo, hi = est.intervals[lv]
        out[f"lower_{tag}"] = np.full(n, np.nan)
        out[f"upper_{tag}"] = np.full(n, np.nan)
        out[f"lower_{tag}"][valid] = lo
        out[f"upper_{tag}"][valid] = hi
    return out


@register("count", input=CELLS, label="count")
def count(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """The number of units (the denominator's count), without limits."""
    df = _totals(df)
    n = df["denominator"].to_numpy().astype(float)
    return df.with_columns(value=pl.Series(n),
                           note=pl.Series([None] * n.size, dtype=pl.Utf8),
                           numerator=pl.lit(None, dtype=pl.Float64))


def _crude(df: pl.DataFrame, ind: Indicator, estimator, valid: np.ndarray) -> pl.DataFrame:
    """``estimator`` (Wilson or Byar/exact) on the rows where it is ``valid``; the others get
    no value and the note 'no denominator'."""
    x = df["numerator"].to_numpy().astype(float)
    n = df["denominator"].to_numpy().astype(float)
    note = np.where(valid, None, "no denominator").astype(object)
    est = estimator(x[valid], n[valid], confidence=LEVELS, multiplier=ind.multiplier)
    cols = _limits(est, n.size, valid)
    return df.with_columns(**{k: pl.Series(v) for k, v in cols.items()},
                           note=pl.Series(note.tolist(), dtype=pl.Utf8))


@register("proportion", input=CELLS, label="wilson")
def proportion(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Wilson score limits, where the denominator is positive and not below the numerator."""
    df = _totals(df)
    x = df["numerator"].to_numpy().astype(float)
    n = df["denominator"].to_numpy().astype(float)
    return _crude(df, ind, stats.proportion, (n > 0) & (x <= n))


@register("rate", input=CELLS, label="byar_exact")
def rate(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Byar (exact for small counts) limits, where the denominator is positive."""
    df = _totals(df)
    return _crude(df, ind, stats.rate, df["denominator"].to_numpy().astype(float) > 0)


# -- age-standardised: DSR and life expectancy -------------------------------------------------
def _complete_bands(df: pl.DataFrame, bands: list[int]) -> pl.DataFrame:
    """Every series gets every band of ``bands`` (missing = 0 events, 0 population).

    Series are numbered once and the counts scattered into a (series × band) array, so the
    grid is built without joining on the string keys.
    """
    series = df.select(SERIES).unique().with_row_index("_s")
    k = len(bands)
    part = df.filter(pl.col("_band").is_in(bands)).join(series, on=SERIES)
    idx = (part["_s"].cast(pl.Int64).to_numpy() * k
           + part["_band"].replace_strict({b: i for i, b in enumerate(bands)},
                                          return_dtype=pl.Int64).to_numpy())
    cols = {}
    for c in ("numerator", "denominator"):
        cols[c] = np.zeros(series.height * k)
        cols[c][idx] = part[c].cast(pl.Float64).fill_null(0.0).to_numpy()
    grid = series.drop("_s")[np.repeat(np.arange(series.height), k)]
    return grid.with_columns(_band=pl.Series(np.tile(np.asarray(bands, dtype=np.int8),
                                                     series.height)),
                             numerator=pl.Series(cols["numerator"]),
                             denominator=pl.Series(cols["denominator"]))


@register("dsr", input=CELLS, label="dobson", standardised=True)
def dsr(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Directly standardised rates (Dobson), the standard restricted to the indicator's ages
    (and to 25+ for the education breakdown)."""
    low, high = ind.ages
    pieces = []
    for is_edu in (False, True):
        part = df.filter((pl.col("breakdown") == "education") == is_edu)
        if part.height == 0:
            continue
        lo = max(low or 0, 25) if is_edu else (low or 0)
        weights = stats.standard_population(ind.standard)
        groups = [g for g in stats.STANDARD_AGE_GROUPS
                  if int(g.rstrip("+").split("-")[0]) >= lo and (
                      high is None or (not g.endswith("+") and int(g.split("-")[1]) <= high))]
        std = {g: weights[g] for g in groups}
        bands = [i for i, b in enumerate(LIFE_TABLE_BANDS)
                 if stats.standard_age_group(b) in std]
        full = _complete_bands(part, bands)
        # stats.dsr_table needs a population in every band of the standard; groups without are
        # left out of the call. Groups below MIN_DSR_COUNT events get NaN and its reason.
        bad = full.group_by(SERIES).agg((pl.col("denominator") <= 0).any().alias("_bad"))
        full = full.join(bad, on=SERIES)
        ok = full.filter(~pl.col("_bad")).with_columns(
            age_band=pl.col("_band").replace_strict(dict(enumerate(LIFE_TABLE_BANDS)),
                                                    return_dtype=pl.Utf8))
        res = stats.dsr_table(ok, events="numerator", population="denominator",
                              age_band="age_band", by=SERIES, standard=std, confidence=LEVELS,
                              multiplier=ind.multiplier, min_count=MIN_DSR_COUNT,
                              backend="polars")
        res = res.rename({"total_count": "numerator", "total_pop": "denominator",
                          "reason": "note"})
        missing = (full.filter(pl.col("_bad")).group_by(SERIES)
                   .agg(pl.col("numerator", "denominator").sum())
                   .with_columns(note=pl.lit("no population in some age bands of the standard")))
        pieces.append(pl.concat([res.select(*SERIES, "numerator", "denominator", "value",
                                            "lower_95", "upper_95", "lower_998", "upper_998",
                                            "note"), missing], how="diagonal_relaxed"))
    return pl.concat(pieces, how="diagonal_relaxed")


@register("life_expectancy", input=CELLS, label="chiang_ii_silcocks", pooled=True)
def life_expectancy(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Chiang II life expectancy on ``period_years``-year rolling sums, at the indicator's band."""
    k = ind.period_years
    first = int(df["year"].min())
    rolled = pl.concat([df.with_columns(year=pl.col("year") + j, _years=pl.lit(1))
                        for j in range(k)])
    rolled = (rolled.group_by([*SERIES, "_band"])
              .agg(pl.col("numerator", "denominator").sum(), pl.col("_years").sum())
              .filter(pl.col("year") >= first + k - 1,
                      pl.col("year") <= int(df["year"].max())))
    # A window needs every one of its years for the area (a year whose deaths are not loaded
    # is missing, not zero).
    area = ["year", "area_level", "area_code"]
    present = df.select(area).unique()
    whole = (pl.concat([present.with_columns(pl.col("year") + j) for j in range(k)])
             .group_by(area).agg(pl.len().alias("_n")).filter(pl.col("_n") == k)
             .select(area))
    rolled = rolled.join(whole, on=area, how="semi")
    full = _complete_bands(rolled.drop("_years"), list(range(len(LIFE_TABLE_BANDS))))
    bad = full.group_by(SERIES).agg(
        ((pl.col("denominator") <= 0) | (pl.col("numerator") > pl.col("denominator")))
        .any().alias("_bad"),
        pl.col("numerator", "denominator").sum().name.prefix("_tot_"))
    full = full.join(bad, on=SERIES)
    ok = full.filter(~pl.col("_bad")).with_columns(
        age_band=pl.col("_band").replace_strict(dict(enumerate(LIFE_TABLE_BANDS)),
                                                return_dtype=pl.Utf8))
    res = stats.life_expectancy_table(ok, deaths="numerator", population="denominator",
                                      age_band="age_band", by=SERIES, confidence=LEVELS,
                                      backend="polars")
    res = res.filter(pl.col("age_band") == ind.life_expectancy_band).rename({"reason": "note"})
    totals = bad.select(*SERIES, numerator="_tot_numerator", denominator="_tot_denominator")
    res = res.join(totals, on=SERIES)
    missing = (bad.filter(pl.col("_bad"))
               .select(*SERIES, numerator="_tot_numerator", denominator="_tot_denominator")
               .with_columns(note=pl.lit("no population, or more deaths than population, "
                                         "in some life-table band")))
    return pl.concat([res.select(*SERIES, "numerator", "denominator", "value", "lower_95",
                                 "upper_95", "lower_998", "upper_998", "note"), missing],
                     how="diagonal_relaxed")


# -- what the first register year cannot give -------------------------------------------------
def blank_first_year(df: pl.DataFrame, ind: Indicator, method: Method, first_year: int | None,
                     region_lans: tuple[str, ...]) -> pl.DataFrame:
    """Blank the cells the first register year cannot give, instead of publishing them biased.

    Deaths and care events take education, income quintile and vårdcentral from the person's
    register row of the year before, else of the year. In the first register year the people
    who died have neither, so those breakdowns (and the vårdcentral level) would miss every
    death of that year — and every event of the people who died. Affected: those rows of the
    region's areas and the nation (which includes the region) whose period includes the first
    year; the rest of Sweden's own rows (from ``aggregate_counts``) are not.
    """
    if first_year is None or ind.numerator is None or ind.numerator.source not in EVENT_SOURCES:
        return df
    span = method.years_per_row(ind) - 1
    region = (pl.col("area_level").is_in(["nation", "vardcentral", "regso", "deso"])
              | pl.col("area_code").str.slice(0, 2).is_in(list(region_lans)))
    hit = ((pl.col("year") - span <= first_year) & region
           & (pl.col("breakdown").is_in(REGISTER_BREAKDOWNS)
              | (pl.col("area_level") == "vardcentral")))
    blank = ("numerator", "value", "lower_95", "upper_95", "lower_998", "upper_998")
    return df.with_columns(
        *[pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in blank],
        note=pl.when(hit).then(pl.concat_str(
            [pl.lit(FIRST_YEAR_NOTE.format(year=first_year)), pl.col("note")],
            separator="; ", ignore_nulls=True)).otherwise(pl.col("note")))

