"""Crude proportions, rates and means with confidence intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from jamlik.model.errors import InputError
from jamlik.stats._intervals import poisson_limits, wilson
from jamlik.stats._result import Estimate, make_estimate
from jamlik.stats._validate import (
    as_array,
    check_finite,
    check_nonnegative,
    check_not_above,
    confidence_levels,
    event_counts,
    same_length,
)

__all__ = ["mean", "mean_summary", "proportion", "rate"]

Confidence = float | Sequence[float]


def _per(multiplier: float) -> str:
    return f"{multiplier:,.0f}".replace(",", " ") if multiplier >= 1 else f"{multiplier:g}"


def proportion(x: Any, n: Any, *, confidence: Confidence = 0.95, multiplier: float = 1) -> Estimate:
    """Proportion ``x / n`` with Wilson score limits (Wilson 1927; Newcombe 1998, method 3).

    >>> round(proportion(81, 263).lower, 4)
    0.2553
    """
    levels = confidence_levels(confidence)
    xa, na, scalar = event_counts(x, n)
    check_not_above("x", xa, "n", na)
    return make_estimate(
        xa / na * multiplier,
        levels,
        lambda lv: tuple(v * multiplier for v in wilson(xa, na, lv)),
        scalar=scalar,
        method="wilson",
        statistic="proportion" if multiplier == 1 else f"proportion per {_per(multiplier)}",
        multiplier=multiplier,
    )


def rate(
    x: Any,
    n: Any,
    *,
    confidence: Confidence = 0.95,
    multiplier: float = 100_000,
    interval: str = "byar_exact",
) -> Estimate:
    """Crude rate ``x / n * multiplier``.

    Limits use Byar's method for ``x >= 10`` and the exact Poisson (Garwood) limits for
    ``x < 10`` (``interval="byar_exact"``, PHEindicatormethods ``phe_rate``); ``"byar"`` or
    ``"exact"`` force one method. ``details["interval_method"]`` says which was used per element.
    """
    levels = confidence_levels(confidence)
    xa, na, scalar = event_counts(x, n)
    if interval not in ("byar_exact", "byar", "exact"):
        raise InputError("interval", interval, "'byar_exact', 'byar' or 'exact'")
    if interval == "byar_exact":
        used = np.where(xa >= 10, "byar", "exact")
    else:
        used = np.full(xa.shape, interval)

    def limits(lv: float):
        lo, hi = poisson_limits(xa, lv, interval)
        return lo / na * multiplier, hi / na * multiplier

    return make_estimate(
        xa / na * multiplier,
        levels,
        limits,
        scalar=scalar,
        method=interval,
        statistic=f"rate per {_per(multiplier)}",
        multiplier=multiplier,
        details={"interval_method": str(used[0]) if scalar else used},
    )


def mean_summary(n: Any, mean_value: Any, sd: Any, *, confidence: Confidence = 0.95) -> Estimate:
    """Mean with Student's t limits from summary statistics (vectorised over groups)."""
    levels = confidence_levels(confidence)
    na, ns = as_array("n", n)
    ma, ms = as_array("mean_value", mean_value)
    sa, ss = as_array("sd", sd)
    same_length(n=na, mean_value=ma, sd=sa)
    check_finite("mean_value", ma)
    check_nonnegative("sd", sa)
    check_finite("n", na)
    if (na < 2).any():
        idx = int(np.flatnonzero(na < 2)[0])
        raise InputError("n", na[idx], "at least 2 observations for a t interval")
    na, ma, sa = np.broadcast_arrays(na, ma, sa)
    se = sa / np.sqrt(na)

    def limits(lv: float):
        tq = student_t.ppf(lv + (1 - lv) / 2, na - 1)
        return ma - tq * se, ma + tq * se

    return make_estimate(
        ma,
        levels,
        limits,
        scalar=ns and ms and ss,
        method="student_t",
        statistic="mean",
        details={
            "se": float(se[0]) if ns and ms and ss else se,
            "n": na if not ns else float(na[0]),
        },
    )


def mean(values: Any, *, confidence: Confidence = 0.95) -> Estimate:
    """Mean of one group of observations with Student's t limits (sd with ``n - 1``)."""
    arr, _ = as_array("values", values)
    check_finite("values", arr, "drop missing values before calling mean()")
    if arr.size < 2:
        raise InputError("values", arr.tolist(), "at least 2 observations for a t interval")
    return mean_summary(arr.size, arr.mean(), arr.std(ddof=1), confidence=confidence)
