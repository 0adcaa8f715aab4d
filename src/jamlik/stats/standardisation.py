"""Direct (Dobson) and indirect (ISR/SMR) standardisation.

References: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums
of Poisson parameters. Stat Med 1991;10:457-62. Breslow NE, Day NE. Statistical methods in cancer
research II, IARC 1987 (Byar's method). PHEindicatormethods ``phe_dsr``/``calculate_ISRate``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from jamlik.model.errors import DataError, InputError, SchemaError
from jamlik.stats._intervals import poisson_limits
from jamlik.stats._result import Estimate, limit_names, make_estimate
from jamlik.stats._tables import as_polars, group_list, output, require_columns
from jamlik.stats._validate import (
    as_array,
    check_nonnegative,
    check_positive,
    confidence_levels,
    same_length,
)
from jamlik.stats.crude import _per
from jamlik.stats.standard_populations import (
    STANDARD_AGE_GROUPS,
    STANDARDS,
    standard_age_group,
    standard_population,
)

__all__ = ["dsr", "dsr_table", "isr", "smr"]

Confidence = float | Sequence[float]
_INTERVALS = ("byar_exact", "byar", "exact")


def _dobson_limits(
    value: np.ndarray, var: np.ndarray, total: np.ndarray, level: float, interval: str
) -> tuple[np.ndarray, np.ndarray]:
    """Dobson et al. (1991): DSR ± sqrt(var / X) * (X_limit - X)."""
    lo, hi = poisson_limits(total, level, interval)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(var / total)
    return value + scale * (lo - total), value + scale * (hi - total)


def _dobson(
    total: np.ndarray,
    wrate: np.ndarray,
    wvar: np.ndarray,
    wsum: np.ndarray,
    levels: tuple[float, ...],
    interval: str,
    multiplier: float,
    min_count: float,
):
    """Pure inner function: per-group sums in, values and limits per level out."""
    value = wrate / wsum
    var = wvar / wsum**2
    ok = total >= max(min_count, 1e-300)
    value = np.where(ok, value, np.nan)
    limits = {}
    for lv in levels:
        lo, hi = _dobson_limits(value, var, total, lv, interval)
        limits[lv] = (np.where(ok, lo, np.nan) * multiplier, np.where(ok, hi, np.nan) * multiplier)
    return value * multiplier, limits, ok


def _resolve_standard(standard: Any, sex: str) -> tuple[dict[str, float], str]:
    if isinstance(standard, str):
        return standard_population(standard, sex=sex), standard
    if isinstance(standard, Mapping):
        return {str(k): float(v) for k, v in standard.items()}, "custom"
    try:
        df, _ = as_polars(standard, "standard")
    except InputError:
        raise InputError(
            "standard",
            type(standard).__name__,
            f"one of {sorted(STANDARDS)}, a mapping {{age band: weight}} or a table with "
            "columns 'age_group' and 'weight'",
        ) from None
    require_columns(df, ["age_group", "weight"], "standard")
    keys = [str(k) for k in df["age_group"].to_list()]
    return dict(zip(keys, df["weight"].cast(pl.Float64).to_list(), strict=True)), "custom"


def dsr(
    events: Any,
    population: Any,
    standard: Any,
    *,
    age_bands: Sequence[Any] | None = None,
    confidence: Confidence = 0.95,
    multiplier: float = 100_000,
    min_count: float = 10,
    interval: str = "byar_exact",
    sex: str = "both_sexes",
) -> Estimate:
    """Directly standardised rate for one group with Dobson limits.

    ``events``, ``population`` and ``standard`` are aligned by age band. ``standard`` is either
    an array of weights (same length), or a shipped name / mapping / table keyed by age band — then
    ``age_bands`` must name the band of each element and the join is **by key**.
    DSRs with fewer than ``min_count`` events in total are not computed (NaN, as PHE does);
    the total-count limits use Byar's method (exact Poisson below 10 events) unless
    ``interval`` says otherwise.
    """
    levels = confidence_levels(confidence)
    if interval not in _INTERVALS:
        raise InputError("interval", interval, "'byar_exact', 'byar' or 'exact'")
    x, _ = as_array("events", events)
    n, _ = as_array("population", population)
    check_nonnegative("events", x)
    check_positive("population", n)
    if age_bands is not None or isinstance(standard, str | Mapping):
        if age_bands is None:
            raise InputError(
                "age_bands",
                None,
                "the age band of each element when the standard is given by name or by key",
                "Pass age_bands=['0-4', '5-9', …] so the standard is joined by key",
            )
        table = pl.DataFrame(
            {"age_band": [str(b) for b in age_bands], "events": x, "population": n}
        )
        res = dsr_table(
            table,
            events="events",
            population="population",
            age_band="age_band",
            standard=standard,
            confidence=levels,
            multiplier=multiplier,
            min_count=min_count,
            interval=interval,
            sex=sex,
            backend="polars",
        )
        label = standard if isinstance(standard, str) else "custom"
        return _estimate_from_row(res, levels, multiplier, label, interval)
    w, _ = as_array("standard", standard)
    same_length(events=x, population=n, standard=w)
    if not (x.shape == n.shape == w.shape):
        raise InputError("events, population, standard", (x.size, n.size, w.size), "equal lengths")
    check_nonnegative("standard", w)
    value, limits, ok = _dobson(
        np.array([x.sum()]),
        np.array([(x * w / n).sum()]),
        np.array([(x * (w / n) ** 2).sum()]),
        np.array([w.sum()]),
        levels,
        interval,
        multiplier,
        min_count,
    )
    return make_estimate(
        value,
        levels,
        lambda lv: limits[lv],
        scalar=True,
        method="dobson",
        statistic=f"dsr per {_per(multiplier)}",
        multiplier=multiplier,
        standard="custom",
        details={
            "total_count": float(x.sum()),
            "total_pop": float(n.sum()),
            "interval_method": interval,
            "reason": None if ok[0] else f"total count below {min_count:g}",
        },
    )


def _estimate_from_row(
    res: pl.DataFrame, levels: tuple[float, ...], multiplier: float, label: str, interval: str
) -> Estimate:
    row = res.row(0, named=True)
    lims = {lv: tuple(np.array([row[c]]) for c in limit_names(levels, lv)) for lv in levels}
    val = row["value"]
    return make_estimate(
        np.array([np.nan if val is None else val]),
        levels,
        lambda lv: tuple(np.where(np.equal(a, None), np.nan, a).astype(float) for a in lims[lv]),
        scalar=True,
        method="dobson",
        statistic=f"dsr per {_per(multiplier)}",
        multiplier=multiplier,
        standard=label,
        details={
            "total_count": row["total_count"],
            "total_pop": row["total_pop"],
            "interval_method": interval,
            "reason": row["reason"],
        },
    )


def dsr_table(
    data: Any,
    *,
    events: str,
    population: str,
    age_band: str,
    by: str | Sequence[str] | None = None,
    standard: Any = "esp2013",
    confidence: Confidence = 0.95,
    multiplier: float = 100_000,
    min_count: float = 10,
    interval: str = "byar_exact",
    sex: str = "both_sexes",
    backend: str | None = None,
) -> Any:
    """DSRs for many groups at once; the standard is joined **by age-band key**.

    ``data`` is a polars, pandas or pyarrow table with one row per group × age band. Bands may
    be the 19 standard groups or finer (``"0"``, ``"1-4"``, single ages), which are summed into
    the standard groups first. Every group must cover every band of the standard; a
    :class:`~jamlik.model.errors.SchemaError` names the group and the missing or extra bands.
    Returns one row per group: group columns, ``total_count``, ``total_pop``, ``value``,
    ``lower``, ``upper`` (or ``lower_95``… for several levels), ``confidence``,
    ``statistic``, ``method``, ``standard`` and ``reason`` (why a value is missing).
    """
    levels = confidence_levels(confidence)
    if interval not in _INTERVALS:
        raise InputError("interval", interval, "'byar_exact', 'byar' or 'exact'")
    df, flavour = as_polars(data)
    keys = group_list(by)
    require_columns(df, [*keys, age_band, events, population])
    weights, label = _resolve_standard(standard, sex)
    df = df.select([*keys, age_band, events, population]).with_row_index("_row")
    _check_table_values(df, events, population)

    bands = df[age_band].cast(pl.Utf8)
    mapped_to_groups = set(weights) <= set(STANDARD_AGE_GROUPS)
    uniques = bands.unique().to_list()
    if mapped_to_groups:
        mapping = {}
        for b in uniques:
            try:
                mapping[b] = standard_age_group(b)
            except InputError as exc:
                raise DataError(str(exc), file="data", column=age_band, value=b) from None
    else:
        mapping = {b: b for b in uniques}
    extra = sorted({b for b in uniques if mapping[b] not in weights})
    if extra:
        raise SchemaError(
            f"age bands not in the standard {label!r} (expected keys: {', '.join(weights)})",
            file="data",
            column=age_band,
            value=extra,
        )
    std = pl.DataFrame({"_band": list(weights), "_w": list(weights.values())})
    agg = (
        df.with_columns(bands.replace_strict(mapping, return_dtype=pl.Utf8).alias("_band"))
        .group_by([*keys, "_band"])
        .agg(
            pl.col(events).cast(pl.Float64).sum().alias("_x"),
            pl.col(population).cast(pl.Float64).sum().alias("_n"),
        )
        .join(std, on="_band", how="inner")
    )
    n_bands = len(weights)
    if keys:
        counts = agg.group_by(keys).agg(pl.col("_band").alias("_bands"), pl.len().alias("_k"))
        bad = counts.filter(pl.col("_k") != n_bands)
        if bad.height:
            first = bad.row(0, named=True)
            missing = [b for b in weights if b not in set(first["_bands"])]
            group = {k: first[k] for k in keys}
            raise SchemaError(
                f"group {group} lacks age bands {missing} of the standard {label!r} "
                f"({bad.height} group(s) incomplete); add rows with zero events",
                file="data",
                column=age_band,
                value=missing,
            )
    elif agg.height != n_bands:
        present = set(agg["_band"].to_list())
        missing = [b for b in weights if b not in present]
        raise SchemaError(
            f"age bands {missing} of the standard {label!r} are missing; add rows with zero events",
            file="data",
            column=age_band,
            value=missing,
        )
    sums = agg.with_columns(
        (pl.col("_x") * pl.col("_w") / pl.col("_n")).alias("_a"),
        (pl.col("_x") * (pl.col("_w") / pl.col("_n")) ** 2).alias("_b"),
    )
    if keys:
        sums = (
            sums.group_by(keys, maintain_order=False)
            .agg(
                pl.col("_x").sum(),
                pl.col("_n").sum(),
                pl.col("_a").sum(),
                pl.col("_b").sum(),
                pl.col("_w").sum(),
            )
            .sort(keys)
        )
    else:
        sums = sums.select(
            pl.col("_x").sum(),
            pl.col("_n").sum(),
            pl.col("_a").sum(),
            pl.col("_b").sum(),
            pl.col("_w").sum(),
        )
    total = sums["_x"].to_numpy()
    value, limits, ok = _dobson(
        total,
        sums["_a"].to_numpy(),
        sums["_b"].to_numpy(),
        sums["_w"].to_numpy(),
        levels,
        interval,
        multiplier,
        min_count,
    )
    out = {k: sums[k] for k in keys}
    out["total_count"] = total
    out["total_pop"] = sums["_n"].to_numpy()
    out["value"] = value
    for lv in levels:
        lower, upper = limit_names(levels, lv)
        out[lower], out[upper] = limits[lv]
    # The reason as an expression on a boolean column: an object array mixing None and text
    # cannot be cast to Utf8 (polars >= 2.1 raises "cannot cast 'Object' type").
    out["_ok"] = np.asarray(ok, dtype=bool)
    res = pl.DataFrame(out).with_columns(
        pl.lit(", ".join(f"{lv * 100:g}%" for lv in levels)).alias("confidence"),
        pl.lit(f"dsr per {_per(multiplier)}").alias("statistic"),
        pl.lit("dobson").alias("method"),
        pl.lit(label).alias("standard"),
        pl.when(pl.col("_ok"))
        .then(pl.lit(None, dtype=pl.Utf8))
        .otherwise(pl.lit(f"total count below {min_count:g}"))
        .alias("reason"),
    ).drop("_ok")
    return output(res, flavour, backend)


def _check_table_values(df: pl.DataFrame, events: str, population: str) -> None:
    for col, rule, cond in (
        (events, "events must be present (use 0 for none)", pl.col(events).is_null()),
        (events, "events must be non-negative", pl.col(events) < 0),
        (population, "population must be present", pl.col(population).is_null()),
        (population, "population must be greater than zero", pl.col(population) <= 0),
    ):
        bad = df.filter(cond | (pl.col(col).cast(pl.Float64).is_nan() & ~pl.col(col).is_null()))
        if bad.height:
            r = bad.row(0, named=True)
            raise DataError(rule, file="data", row=r["_row"] + 1, column=col, value=r[col])


def _indirect(
    observed: Any,
    population: Any,
    ref_events: Any,
    ref_population: Any,
    levels: tuple[float, ...],
    interval: str,
):
    o, oscalar = as_array("observed", observed)
    n, _ = as_array("population", population)
    rx, _ = as_array("ref_events", ref_events)
    rn, _ = as_array("ref_population", ref_population)
    check_nonnegative("observed", o)
    check_positive("population", n)
    check_nonnegative("ref_events", rx)
    check_positive("ref_population", rn)
    if not (n.shape == rx.shape == rn.shape):
        raise InputError(
            "population, ref_events, ref_population",
            (n.size, rx.size, rn.size),
            "arrays of equal length, aligned by age band",
        )
    if not oscalar and o.shape != n.shape:
        raise InputError(
            "observed", f"length {o.size}", f"a total or one count per age band ({n.size})"
        )
    if interval not in _INTERVALS:
        raise InputError("interval", interval, "'byar_exact', 'byar' or 'exact'")
    obs = np.array([o.sum()])
    expected = np.array([(n * rx / rn).sum()])
    if expected[0] <= 0:
        raise InputError("ref_events", rx.tolist(), "reference events giving expected > 0")
    return obs, expected, float(rx.sum() / rn.sum())


def isr(
    observed: Any,
    population: Any,
    ref_events: Any,
    ref_population: Any,
    *,
    confidence: Confidence = 0.95,
    multiplier: float = 100_000,
    interval: str = "byar_exact",
) -> Estimate:
    """Indirectly standardised rate: ``O / E`` × crude reference rate × ``multiplier``.

    ``observed`` is the total observed count (or one count per band); the other three are
    aligned by age band. Limits: Byar's method for O ≥ 10, exact Poisson below.
    """
    levels = confidence_levels(confidence)
    obs, exp_, ref_rate = _indirect(
        observed, population, ref_events, ref_population, levels, interval
    )

    def limits(lv: float):
        lo, hi = poisson_limits(obs, lv, interval)
        return lo / exp_ * ref_rate * multiplier, hi / exp_ * ref_rate * multiplier

    return make_estimate(
        obs / exp_ * ref_rate * multiplier,
        levels,
        limits,
        scalar=True,
        method="indirect_" + interval,
        statistic=f"indirectly standardised rate per {_per(multiplier)}",
        multiplier=multiplier,
        standard="reference rates",
        details={"observed": float(obs[0]), "expected": float(exp_[0]), "ref_rate": ref_rate},
    )


def smr(
    observed: Any,
    population: Any,
    ref_events: Any,
    ref_population: Any,
    *,
    confidence: Confidence = 0.95,
    multiplier: float = 1,
    interval: str = "byar_exact",
) -> Estimate:
    """Standardised ratio ``O / E`` × ``multiplier`` (1 for a ratio, 100 for a percentage)."""
    levels = confidence_levels(confidence)
    obs, exp_, _ = _indirect(observed, population, ref_events, ref_population, levels, interval)

    def limits(lv: float):
        lo, hi = poisson_limits(obs, lv, interval)
        return lo / exp_ * multiplier, hi / exp_ * multiplier

    return make_estimate(
        obs / exp_ * multiplier,
        levels,
        limits,
        scalar=True,
        method="indirect_" + interval,
        statistic="standardised ratio"
        if multiplier == 1
        else f"standardised ratio × {multiplier:g}",
        multiplier=multiplier,
        standard="reference rates",
        details={"observed": float(obs[0]), "expected": float(exp_[0])},
    )
