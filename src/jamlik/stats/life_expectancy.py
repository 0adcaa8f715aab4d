"""Life expectancy from abridged life tables (Chiang II) with Silcocks' variance for the open band.

Bands are :data:`~jamlik.model.age_bands.LIFE_TABLE_BANDS` (``"0", "1-4", "5-9", …, "85-89",
"90+"``); the table itself is :func:`jamlik.stats.life_table.life_table`. The method follows PHE's life
expectancy calculator and PHEindicatormethods ``phe_life_expectancy``: Chiang CL, *Introduction
to Stochastic Processes in Biostatistics*, 1968; Silcocks PBS, Jenner DA, Reza R. J Epidemiol
Community Health 2001;55:38-43; Eayres DP, Williams ES. JECH 2004;58:243-9.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from jamlik.model.age_bands import LIFE_TABLE_BANDS, LIFE_TABLE_STARTS
from jamlik.model.errors import DataError, InputError, SchemaError
from jamlik.stats._intervals import z_value
from jamlik.stats._result import Estimate, limit_names, make_estimate
from jamlik.stats._tables import as_polars, group_list, output, require_columns
from jamlik.stats._validate import as_array, check_nonnegative, check_positive, confidence_levels
from jamlik.stats.life_table import SEPARATION, WIDTHS, _chiang_ii
from jamlik.stats.standard_populations import _parse_band

__all__ = ["life_expectancy", "life_expectancy_table"]

START_AGES = np.array(LIFE_TABLE_STARTS, dtype=float)
_NB = len(LIFE_TABLE_BANDS)
MIN_TOTAL_POPULATION = 5000
METHOD = "chiang_ii_silcocks"


def _chiang(deaths: np.ndarray, pop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pure inner function. ``deaths``/``pop`` have shape (groups, 20); returns (e, se)."""
    d = deaths.astype(float)
    table = _chiang_ii(d / pop.astype(float))
    m, q, lx, dd, e = table.mx, table.qx, table.lx, table.dx, table.ex
    width, a = WIDTHS, SEPARATION
    with np.errstate(divide="ignore", invalid="ignore"):
        sp = np.where(dd == 0, 0.0, q**2 * (1 - q) / d)
        sp[:, -1] = 4 / (d[:, -1] * m[:, -1] ** 2)
        w = np.empty_like(lx)
        w[:, :-1] = sp[:, :-1] * lx[:, :-1] ** 2 * ((1 - a) * width + e[:, 1:]) ** 2
        w[:, -1] = (lx[:, -1] / 2) ** 2 * sp[:, -1]
        st = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
        se = np.sqrt(st / lx**2)
    return e, se


def _reasons(deaths: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """Why a group's life table cannot be trusted (None when fine), one entry per group."""
    reasons = np.full(deaths.shape[0], None, dtype=object)
    small = pop.sum(axis=1) <= MIN_TOTAL_POPULATION
    reasons[small] = f"total population {MIN_TOTAL_POPULATION} or less"
    no_final = deaths[:, -1] <= 0
    reasons[no_final & ~small] = "no deaths in the final (90+) band"
    return reasons


def _compute(deaths: np.ndarray, pop: np.ndarray, levels: tuple[float, ...]):
    e, se = _chiang(deaths, pop)
    reasons = _reasons(deaths, pop)
    bad_group = np.array([r is not None for r in reasons], dtype=bool)
    wide = z_value(0.95) * se > 10  # PHE: suppress values whose 95% CI is wider than 20 years
    value = np.where(bad_group[:, None] | wide | ~np.isfinite(e), np.nan, e)
    # Limits only where they are defined: rejected groups (tiny population, no deaths in 90+)
    # have infinite e and se, and inf - inf would raise "invalid value" warnings.
    ok = ~bad_group[:, None] & ~(np.isinf(e) & np.isinf(se))
    limits = {}
    for lv in levels:
        z = z_value(lv)
        lo = np.subtract(e, z * se, out=np.full_like(e, np.nan), where=ok)
        hi = np.add(e, z * se, out=np.full_like(e, np.nan), where=ok)
        limits[lv] = (lo, hi)
    return value, se, limits, reasons, wide


def _order(age_bands: Sequence[Any] | None, n: int, name: str) -> np.ndarray:
    if n != _NB:
        raise InputError(
            name, f"{n} values", f"20 values, one per band {', '.join(LIFE_TABLE_BANDS)}"
        )
    if age_bands is None:
        return np.arange(_NB)
    starts = np.array([_parse_band(b)[0] for b in age_bands], dtype=float)
    if len(starts) != _NB or sorted(starts.tolist()) != START_AGES.tolist():
        raise InputError(
            "age_bands", list(age_bands), f"the 20 bands {', '.join(LIFE_TABLE_BANDS)}"
        )
    return np.argsort(starts)


def life_expectancy(
    deaths: Any,
    population: Any,
    *,
    age_bands: Sequence[Any] | None = None,
    confidence: float | Sequence[float] = 0.95,
) -> Estimate:
    """Life expectancy at the start of each of the 20 bands for one population.

    Without ``age_bands`` the inputs are in band order ``0, 1-4, 5-9, …, 90+``; with it they are
    reordered by key. ``value``, ``lower`` and ``upper`` are arrays of 20 (ages 0, 1, 5, …, 90).
    Values are NaN (with ``details["reason"]``) when the total population is 5 000 or less or the
    90+ band has no deaths; single values whose 95% CI is wider than 20 years are NaN, as PHE does.
    """
    levels = confidence_levels(confidence)
    d, _ = as_array("deaths", deaths)
    p, _ = as_array("population", population)
    check_nonnegative("deaths", d)
    check_positive("population", p)
    order = _order(age_bands, d.size, "deaths")
    _order(age_bands, p.size, "population")
    d, p = d[order], p[order]
    if (d > p).any():
        i = int(np.flatnonzero(d > p)[0])
        raise InputError(
            "deaths",
            f"{d[i]!r} in band {LIFE_TABLE_BANDS[i]}",
            f"at most the population ({p[i]!r})",
        )
    value, se, limits, reasons, wide = _compute(d[None, :], p[None, :], levels)
    return make_estimate(
        value[0],
        levels,
        lambda lv: (limits[lv][0][0], limits[lv][1][0]),
        scalar=False,
        method=METHOD,
        statistic="life expectancy at start of band",
        details={
            "age_band": np.array(LIFE_TABLE_BANDS),
            "se": se[0],
            "reason": reasons[0],
            "suppressed_wide_ci": wide[0],
        },
    )


def life_expectancy_table(
    data: Any,
    *,
    deaths: str,
    population: str,
    age_band: str,
    by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
    backend: str | None = None,
) -> Any:
    """Life expectancy for many groups at once (one row per group × band in, and out).

    Every group must have exactly the 20 bands ``0, 1-4, 5-9, …, 85-89, 90+`` (keys are parsed,
    so ``"10 – 14"`` or integer start ages work too).
    """
    levels = confidence_levels(confidence)
    df, flavour = as_polars(data)
    keys = group_list(by)
    require_columns(df, [*keys, age_band, deaths, population])
    df = df.select([*keys, age_band, deaths, population]).with_row_index("_row")
    for col, rule, cond in (
        (
            deaths,
            "deaths must be present and non-negative",
            pl.col(deaths).is_null() | (pl.col(deaths) < 0),
        ),
        (
            population,
            "population must be present and greater than zero",
            pl.col(population).is_null() | (pl.col(population) <= 0),
        ),
        (deaths, "deaths must not exceed the population", pl.col(deaths) > pl.col(population)),
    ):
        bad = df.filter(cond)
        if bad.height:
            r = bad.row(0, named=True)
            raise DataError(rule, file="data", row=r["_row"] + 1, column=col, value=r[col])
    uniques = df[age_band].cast(pl.Utf8).unique().to_list()
    start_of = {}
    for b in uniques:
        try:
            start_of[b] = float(_parse_band(b)[0])
        except InputError:
            raise DataError(
                "not a life-table age band", file="data", column=age_band, value=b
            ) from None
    extra = sorted(b for b, s in start_of.items() if s not in set(START_AGES.tolist()))
    if extra:
        raise SchemaError(
            f"age bands are not life-table bands ({', '.join(LIFE_TABLE_BANDS)})",
            file="data",
            column=age_band,
            value=extra,
        )
    df = df.with_columns(
        pl.col(age_band)
        .cast(pl.Utf8)
        .replace_strict(start_of, return_dtype=pl.Float64)
        .alias("_start")
    ).sort([*keys, "_start"])
    if keys:
        counts = df.group_by(keys).agg(
            pl.col("_start").n_unique().alias("_k"), pl.len().alias("_n")
        )
        bad = counts.filter((pl.col("_k") != _NB) | (pl.col("_n") != _NB))
        if bad.height:
            first = bad.row(0, named=True)
            group = {k: first[k] for k in keys}
            raise SchemaError(
                f"group {group} does not have exactly one row for each of the 20 life-table bands "
                f"({bad.height} group(s) affected)",
                file="data",
                column=age_band,
                value=group,
            )
    elif df.height != _NB or df["_start"].n_unique() != _NB:
        raise SchemaError(
            "data must have exactly one row per life-table band (20 rows)",
            file="data",
            column=age_band,
            value=df.height,
        )
    g = df.height // _NB
    d = df[deaths].cast(pl.Float64).to_numpy().reshape(g, _NB)
    p = df[population].cast(pl.Float64).to_numpy().reshape(g, _NB)
    value, se, limits, reasons, _ = _compute(d, p, levels)
    cols: dict[str, Any] = {k: df[k] for k in keys}
    cols["age_band"] = np.tile(np.array(LIFE_TABLE_BANDS), g)
    cols["value"] = value.ravel()
    for lv in levels:
        lower, upper = limit_names(levels, lv)
        cols[lower], cols[upper] = (a.ravel() for a in limits[lv])
    cols["se"] = se.ravel()
    res = pl.DataFrame(cols).with_columns(
        pl.lit(", ".join(f"{lv * 100:g}%" for lv in levels)).alias("confidence"),
        pl.lit("life expectancy at start of band").alias("statistic"),
        pl.lit(METHOD).alias("method"),
        pl.Series("reason", np.repeat(reasons, _NB).tolist(), dtype=pl.Utf8),
    )
    return output(res, flavour, backend)
