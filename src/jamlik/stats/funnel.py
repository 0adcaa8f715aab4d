"""Funnel-plot control limits (Spiegelhalter 2005; PHE Fingertips funnel methods).

Proportions: the limits are the observed proportions whose Wilson score interval just touches the
baseline (PHEindicatormethods ``sigma_adjustment``), at 95% (two-sided, 0.025 per tail) and 99.8%
(0.001 per tail). Rates: exact Poisson limits around the expected count ``baseline × n``
(chi-squared form, Spiegelhalter 2005 §A.1.2 without interpolation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtri
from scipy.stats import chi2

from jamlik.model.errors import InputError
from jamlik.stats._validate import as_array, check_positive, confidence_levels

__all__ = ["FunnelLimits", "funnel_limits"]


@dataclass(frozen=True, eq=False)
class FunnelLimits:
    """Limits per denominator: ``limits[level] = (lower, upper)`` arrays, plus the baseline."""

    denominator: np.ndarray
    baseline: float
    limits: dict[float, tuple[np.ndarray, np.ndarray]]
    statistic: str
    method: str
    multiplier: float


def _proportion_limit(level: float, n: np.ndarray, p: float, side: str) -> np.ndarray:
    z = ndtri(level + (1 - level) / 2)
    first = p * (n / z**2 + 1)
    adj = np.sqrt(
        (-8 * p * (n / z**2 + 1)) ** 2
        - 64 * (1 / z**2 + 1 / n) * p * (n * (p * (n / z**2 + 2) - 1) + z**2 * (p - 1))
    )
    last = 1 / z**2 + 1 / n
    out = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
    return out / n


def funnel_limits(
    denominator: Any,
    baseline: float,
    *,
    statistic: str = "proportion",
    confidence: float | Sequence[float] = (0.95, 0.998),
    multiplier: float = 100,
) -> FunnelLimits:
    """Control limits around ``baseline`` for each denominator.

    ``baseline`` is a proportion (0–1) or a rate per person, *before* ``multiplier``; outputs are
    multiplied (``multiplier=100`` gives percentages). Proportion limits are clipped to
    ``[0, multiplier]``; rate limits below at 0.
    """
    levels = confidence_levels(confidence)
    n, _ = as_array("denominator", denominator)
    check_positive("denominator", n)
    b = float(baseline)
    limits: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    if statistic == "proportion":
        if not 0 <= b <= 1:
            raise InputError("baseline", baseline, "a proportion between 0 and 1")
        for lv in levels:
            lo = np.clip(_proportion_limit(lv, n, b, "low"), 0, 1) * multiplier
            hi = np.clip(_proportion_limit(lv, n, b, "high"), 0, 1) * multiplier
            limits[lv] = (lo, hi)
        method = "wilson_inverse"
    elif statistic == "rate":
        if b < 0:
            raise InputError("baseline", baseline, "a non-negative rate")
        expected = b * n
        for lv in levels:
            alpha = 1 - lv
            with np.errstate(invalid="ignore"):
                lo = np.where(expected > 0, chi2.ppf(alpha / 2, 2 * expected) / 2, 0.0)
            hi = chi2.ppf(1 - alpha / 2, 2 * expected + 2) / 2
            limits[lv] = (lo / n * multiplier, hi / n * multiplier)
        method = "exact_poisson"
    else:
        raise InputError("statistic", statistic, "'proportion' or 'rate'")
    return FunnelLimits(n, b * multiplier, limits, statistic, method, multiplier)
