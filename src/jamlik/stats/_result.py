"""The one result type of every estimator in :mod:`jamlik.stats`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jamlik.model.intervals import limit_columns

__all__ = ["Estimate", "make_estimate"]

_KEYS = (
    "value",
    "lower",
    "upper",
    "method",
    "statistic",
    "confidence",
    "multiplier",
    "standard",
    "intervals",
)


def limit_names(levels: tuple[float, ...], level: float) -> tuple[str, str]:
    """The limit columns of ``level`` in a table of ``levels``: ``lower``/``upper`` when it
    holds one level, else ``lower_95``/``upper_95``… (:mod:`jamlik.model.intervals`)."""
    return limit_columns(None if len(levels) == 1 else level)


@dataclass(frozen=True, eq=False)
class Estimate(Mapping[str, Any]):
    """An estimate with its confidence interval(s) and a record of how it was made.

    It is a frozen dataclass *and* a read-only mapping, so ``est.value`` and ``est["value"]``
    both work. Scalar input gives scalar ``value``/``lower``/``upper``; array input gives numpy
    arrays. When several confidence levels were requested, ``lower``/``upper`` belong to the
    first and ``intervals`` maps every level to its ``(lower, upper)``.

    ``details`` carries method-specific extras (e.g. the total count of a DSR, the standard error
    of a mean, why a value could not be computed); they are reachable as ``est["total_count"]``.
    """

    value: Any
    lower: Any
    upper: Any
    method: str
    statistic: str
    confidence: float | tuple[float, ...]
    multiplier: float = 1
    standard: str | None = None
    intervals: Mapping[float, tuple[Any, Any]] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    # -- Mapping protocol -------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        if key in _KEYS:
            return getattr(self, key)
        if key in self.details:
            return self.details[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield from _KEYS
        yield from self.details

    def __len__(self) -> int:
        return len(_KEYS) + len(self.details)

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    # -- presentation -------------------------------------------------------------------------
    @property
    def levels(self) -> tuple[float, ...]:
        """The confidence levels as a tuple, first level first."""
        c = self.confidence
        return tuple(c) if isinstance(c, tuple) else (c,)

    def to_frame(self, backend: str = "pandas") -> Any:
        """A table like PHEindicatormethods': value, lower, upper, confidence, statistic, method.

        With several levels the limit columns are ``lower_95``, ``upper_95``, ``lower_998``…
        (:mod:`jamlik.model.intervals`). ``backend`` is ``"pandas"`` or ``"polars"``.
        """
        value = np.atleast_1d(np.asarray(self.value, dtype=float))
        n = value.shape[0]
        cols: dict[str, Any] = {"value": value}
        levels = self.levels
        for lv in levels:
            lo, hi = self.intervals[lv]
            lower, upper = limit_names(levels, lv)
            cols[lower] = np.atleast_1d(np.asarray(lo, dtype=float))
            cols[upper] = np.atleast_1d(np.asarray(hi, dtype=float))
        cols["confidence"] = [", ".join(f"{lv * 100:g}%" for lv in levels)] * n
        cols["statistic"] = [self.statistic] * n
        cols["method"] = [self.method] * n
        if self.standard is not None:
            cols["standard"] = [self.standard] * n
        if backend == "pandas":
            import pandas as pd

            return pd.DataFrame(cols)
        if backend == "polars":
            import polars as pl

            return pl.DataFrame(
                {k: list(v) if not isinstance(v, np.ndarray) else v for k, v in cols.items()}
            )
        from jamlik.model.errors import InputError

        raise InputError("backend", backend, "'pandas' or 'polars'")


def make_estimate(
    value: np.ndarray,
    levels: tuple[float, ...],
    limits,
    *,
    scalar: bool,
    method: str,
    statistic: str,
    multiplier: float = 1,
    standard: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> Estimate:
    """Assemble an :class:`Estimate`; ``limits(level)`` returns ``(lower, upper)`` arrays."""

    def out(a: np.ndarray) -> Any:
        return float(a[0]) if scalar else a

    intervals = {}
    for lv in levels:
        lo, hi = limits(lv)
        intervals[lv] = (out(np.asarray(lo, dtype=float)), out(np.asarray(hi, dtype=float)))
    first = intervals[levels[0]]
    return Estimate(
        value=out(np.asarray(value, dtype=float)),
        lower=first[0],
        upper=first[1],
        method=method,
        statistic=statistic,
        confidence=levels[0] if len(levels) == 1 else levels,
        multiplier=multiplier,
        standard=standard,
        intervals=intervals,
        details=dict(details or {}),
    )
