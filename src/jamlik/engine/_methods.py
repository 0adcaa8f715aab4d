"""Statistics on rolled-up counts, vectorised with :mod:`jamlik.stats` (one call per indicator)."""

from __future__ import annotations

import numpy as np
import polars as pl

from jamlik import stats
from jamlik.engine._rollup import PERSON_TIME_NOTE
from jamlik.model.age_bands import LIFE_TABLE_BANDS
from jamlik.model.catalogue import Indicator

LEVELS = (0.95, 0.998)
SERIES = ["year", "area_level", "area_code", "breakdown", "group_value"]
RESULT = [*SERIES, "period", "numerator", "denominator", "value", "lower_95", "upper_95",
          "lower_998", "upper_998", "method", "standard", "multiplier", "note"]
MIN_DSR_COUNT = 10
EDUCATION_NOTE = "education is known from age 25: the education breakdown covers ages 25+"
#: Unit sources whose units take the register attributes of the year before (deaths, events).
EVENT_SOURCES = ("deaths", "care_events")
#: Breakdowns that only the person's register row gives.
REGISTER_BREAKDOWNS = ("education", "income_quintile")
FIRST_YEAR_NOTE = ("not computed: {year} is the first register year, so people who died in it "
                   "have no register row of the year before (or of the year) to give their "
                   "education, income or vårdcentral")


def _finish(df: pl.DataFrame, ind: Indicator, method: str, standard: str | None) -> pl.DataFrame:
    period = pl.col("year").cast(pl.Utf8)
    if ind.method == "life_expectancy" and ind.period_years > 1:
        period = (pl.col("year") - ind.period_years + 1).cast(pl.Utf8) + "–" + period
    note = pl.col("note") if "note" in df.columns else pl.lit(None, dtype=pl.Utf8)
    edu = pl.when(pl.col("breakdown") == "education").then(pl.lit(EDUCATION_NOTE))
    mean_pop = pl.lit(PERSON_TIME_NOTE if ind.person_time else None, dtype=pl.Utf8)
    df = df.with_columns(
        period=period, method=pl.lit(method), standard=pl.lit(standard, dtype=pl.Utf8),
        multiplier=pl.lit(float(ind.multiplier)),
        note=pl.concat_str([note, edu, mean_pop], separator="; ", ignore_nulls=True),
    )
    for c in ("value", "lower_95", "upper_95", "lower_998", "upper_998"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
    return df.select(RESULT).with_columns(pl.col("note").replace("", None))


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


def crude(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """proportion (Wilson), rate (Byar/exact) and count."""
    x = df["numerator"].to_numpy().astype(float)
    n = df["denominator"].to_numpy().astype(float)
    if ind.method == "count":
        cols = {"value": n}
        note = np.full(n.size, None, dtype=object)
        return _finish(df.with_columns(**{k: pl.Series(v) for k, v in cols.items()},
                                       note=pl.Series(note.tolist(), dtype=pl.Utf8),
                                       numerator=pl.lit(None, dtype=pl.Float64)),
                       ind, "count", None)
    valid = (n > 0) & (x <= n) if ind.method == "proportion" else n > 0
    note = np.where(valid, None, "no denominator").astype(object)
    if ind.method == "proportion":
        est = stats.proportion(x[valid], n[valid], confidence=LEVELS, multiplier=ind.multiplier)
        method = "wilson"
    else:
        est = stats.rate(x[valid], n[valid], confidence=LEVELS, multiplier=ind.multiplier)
        method = "byar_exact"
    cols = _limits(est, n.size, valid)
    return _finish(df.with_columns(**{k: pl.Series(v) for k, v in cols.items()},
                                   note=pl.Series(note.tolist(), dtype=pl.Utf8)), ind, method, None)


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
    return _finish(pl.concat(pieces, how="diagonal_relaxed"), ind, "dobson", ind.standard)


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
    out = pl.concat([res.select(*SERIES, "numerator", "denominator", "value", "lower_95",
                                "upper_95", "lower_998", "upper_998", "note"), missing],
                    how="diagonal_relaxed")
    return _finish(out, ind, "chiang_ii_silcocks", None)


def blank_first_year(df: pl.DataFrame, ind: Indicator, first_year: int | None,
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
    span = ind.period_years - 1 if ind.method == "life_expectancy" else 0
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


def estimate(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Dispatch on the indicator's method (not survey: see :mod:`jamlik.engine._survey`)."""
    if ind.method == "dsr":
        return dsr(df, ind)
    if ind.method == "life_expectancy":
        return life_expectancy(df, ind)
    return crude(df.filter(pl.col("_band") == -1) if "_band" in df.columns else df, ind)
