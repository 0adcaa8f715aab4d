"""Publish external indicators (``method: external``) from ``source_values`` into ``observations``.

The values come from a declared source (``jamlik refresh``), not from the person-level tables.
Each row keeps the source's value; confidence limits come from the source's numerator and
denominator (Wilson for ``estimate: proportion``, Byar/exact Poisson for ``rate``) when present;
the same small-count suppression, comparisons with parent and nation and recent trend as the
engine's own indicators are applied. ``load_id`` points at the load of the source's values, so
``loads`` and ``source_loads`` tell where every row came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import polars as pl

from jamlik import stats
from jamlik.engine import _publish
from jamlik.engine.compute import COLUMNS
from jamlik.model.catalogue import Catalogue, Indicator, load_catalogue
from jamlik.model.errors import InputError
from jamlik.store import queries

_LIMITS = ("lower_95", "upper_95", "lower_998", "upper_998")


@dataclass(frozen=True)
class ExternalReport:
    """What :func:`publish_external` wrote."""

    indicators: tuple[str, ...]
    rows: int


def external_ids(catalogue: Catalogue, indicators: Iterable[str] | None = None) -> list[str]:
    """The external indicators among ``indicators`` (all of the catalogue's by default)."""
    if indicators is None:
        return [i for i in catalogue if catalogue[i].is_external]
    ids = list(indicators)
    for i in ids:
        if i not in catalogue:
            raise InputError("indicators", i, f"catalogue ids, e.g. {sorted(catalogue)[:3]}")
        if not catalogue[i].is_external:
            raise InputError("indicators", i, "indicators with method 'external'")
    return ids


def period_year(period: pl.Expr) -> pl.Expr:
    """The calendar year a period is shown under: ``2023``, ``2023M01``, ``2023K1`` → 2023;
    a school/financial year ``2022/23`` → 2023; a range ``2021-2023`` → 2023."""
    first = period.str.slice(0, 4).cast(pl.Int16, strict=False)
    last = period.str.extract(r"^\d{4}-(\d{4})$", 1).cast(pl.Int16, strict=False)
    school = period.str.contains(r"^\d{4}/\d{2}$")
    return (pl.when(school).then(first + 1).when(last.is_not_null()).then(last)
            .otherwise(first)).cast(pl.Int16)


def _limits(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Value and limits: the source's value; limits from its counts (vectorised over rows)."""
    m = ind.multiplier
    x = df["numerator"].fill_null(np.nan).to_numpy().astype(float)
    n = df["denominator"].fill_null(np.nan).to_numpy().astype(float)
    value = df["value"].fill_null(np.nan).to_numpy().astype(float)
    how = ind.external.get("estimate", "none")
    ok = np.isfinite(x) & np.isfinite(n) & (x >= 0) & (n > 0)
    if how == "proportion":
        ok &= x <= n
    cols = {c: np.full(df.height, np.nan) for c in _LIMITS}
    if how != "none" and ok.any():
        if how == "proportion":
            est = stats.proportion(x[ok], n[ok], confidence=(0.95, 0.998), multiplier=m)
        else:
            est = stats.rate(x[ok], n[ok], confidence=(0.95, 0.998), multiplier=m)
        for lv, tag in ((0.95, "95"), (0.998, "998")):
            key = next(k for k in est.intervals if abs(k - lv) < 1e-12)
            lo, hi = est.intervals[key]
            cols[f"lower_{tag}"][ok] = lo
            cols[f"upper_{tag}"][ok] = hi
        estimate = np.full(df.height, np.nan)
        estimate[ok] = est.value
        value = np.where(np.isfinite(value), value, estimate)
    return df.with_columns(value=pl.Series(value).fill_nan(None),
                           **{c: pl.Series(v).fill_nan(None) for c, v in cols.items()})


def external_rows(values: pl.DataFrame, ind: Indicator, parents: pl.DataFrame,
                  computed_at: datetime) -> pl.DataFrame:
    """The published ``observations`` rows of one external indicator (pure; no I/O)."""
    levels = [str(lv) for lv in ind.levels]
    df = values.filter(pl.col("indicator_id") == ind.id, pl.col("area_level").is_in(levels))
    df = df.with_columns(
        year=period_year(pl.col("period")),
        breakdown=pl.when(pl.col("sex") == "total").then(pl.lit("total"))
        .otherwise(pl.lit("sex")),
        group_value=pl.col("sex"),
        numerator=pl.col("numerator").cast(pl.Float64),
        denominator=pl.col("denominator").cast(pl.Float64),
    ).filter(pl.col("breakdown").is_in(list(ind.breakdowns)), pl.col("year").is_not_null())
    df = _limits(df, ind).with_columns(
        method=pl.lit("external"), standard=pl.lit(None, dtype=pl.Utf8),
        multiplier=pl.lit(float(ind.multiplier)),
        note=pl.concat_str([pl.lit("external source '"), pl.col("source"), pl.lit("'")]))
    df = _publish.suppress(df, ind, parents)
    df = _publish.compare(df, ind, parents)
    df = _publish.trend(df, ind)
    df = _publish.blank_suppressed(df).with_columns(
        smoothed_value=pl.lit(None, dtype=pl.Float64), computed_at=pl.lit(computed_at),
        synthetic=pl.lit(False))
    no_nation = pl.col("nation_value").is_null() & (pl.col("area_level") != "nation")
    df = df.with_columns(note=pl.concat_str(
        [pl.col("note"), pl.when(no_nation).then(pl.lit("no national figure for this breakdown"))],
        separator="; ", ignore_nulls=True))
    return df.select(*COLUMNS, "load_id")


def publish_external(wh, *, indicators: Iterable[str] | None = None,
                     catalogue: Catalogue | None = None) -> ExternalReport:
    """Replace the ``observations`` rows of the external indicators (all by default) with rows
    built from ``source_values``, in one atomic load."""
    cat = catalogue or load_catalogue(include_external=True)
    ids = external_ids(cat, indicators)
    if not ids:
        return ExternalReport((), 0)
    began = datetime.now(UTC).replace(tzinfo=None)
    parents = queries.area_parents(wh.con)
    frames = [external_rows(queries.source_values_for(wh.con, i, cat[i].levels), cat[i], parents,
                            began) for i in ids]
    out = pl.concat(frames, how="vertical_relaxed") if frames else None
    with wh.load_session(f"jamlik external {','.join(ids)}") as load:
        queries.replace_indicator_rows(load, "observations", out, ids)
    return ExternalReport(tuple(ids), 0 if out is None else out.height)
