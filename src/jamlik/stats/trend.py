"""Recent-trend classification over the last five points, after England's Fingertips.

Proportions (counts ``x`` of ``n``) use the chi-squared test for trend in proportions
(Cochran 1954; Armitage 1955; the statistic of R's ``prop.trend.test``). Other value types use a
weighted least-squares slope of the values on time with inverse-variance weights taken from their
95% confidence intervals, tested with a normal approximation. A trend is *increasing* or
*decreasing* when the two-sided p-value is below ``1 - confidence``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import chi2, norm

from jamlik.model.errors import InputError
from jamlik.stats._intervals import z_value
from jamlik.stats._validate import as_array

__all__ = ["TrendResult", "chi_squared_trend", "trend"]


@dataclass(frozen=True)
class TrendResult:
    """``code`` is ``increasing``, ``decreasing``, ``no_significant_change`` or
    ``cannot_be_calculated`` (then ``reason`` says why)."""

    code: str
    statistic: float | None
    p_value: float | None
    slope: float | None
    points: int
    confidence: float
    method: str
    reason: str | None = None


def chi_squared_trend(x: Any, n: Any, scores: Any = None) -> tuple[float, float, float]:
    """Chi-squared test for trend in proportions; returns ``(statistic, p_value, slope)``.

    ``slope`` is the weighted least-squares slope of ``x/n`` on ``scores`` (its sign gives the
    direction). Same statistic as R ``prop.trend.test(x, n, score)``.
    """
    xa, _ = as_array("x", x)
    na, _ = as_array("n", n)
    s = np.arange(1, xa.size + 1, dtype=float) if scores is None else as_array("scores", scores)[0]
    if not (xa.shape == na.shape == s.shape):
        raise InputError("x, n, scores", (xa.size, na.size, s.size), "equal lengths")
    pbar = xa.sum() / na.sum()
    sbar = (na * s).sum() / na.sum()
    sxx = (na * (s - sbar) ** 2).sum()
    sxy = (na * (xa / na - pbar) * (s - sbar)).sum()
    stat = sxy**2 / (pbar * (1 - pbar) * sxx)
    return float(stat), float(chi2.sf(stat, 1)), float(sxy / sxx)


def trend(
    *,
    periods: Any,
    x: Any = None,
    n: Any = None,
    value: Any = None,
    lower: Any = None,
    upper: Any = None,
    confidence: float = 0.999,
    points: int = 5,
) -> TrendResult:
    """Classify the recent trend over the last ``points`` periods.

    Give ``x`` and ``n`` for a proportion, or ``value``/``lower``/``upper`` (95% limits) for any
    other value type. ``periods`` are numeric (e.g. years) and define the order.
    """
    if not 0 < confidence < 1:
        raise InputError("confidence", confidence, "a level between 0 and 1, e.g. 0.999")
    t, _ = as_array("periods", periods)
    order = np.argsort(t, kind="stable")
    t = t[order][-points:]
    kind = "proportion" if x is not None or n is not None else "other"

    def cannot(reason: str, method: str) -> TrendResult:
        return TrendResult(
            "cannot_be_calculated", None, None, None, int(t.size), confidence, method, reason
        )

    if kind == "proportion":
        method = "chi_squared_trend"
        if x is None or n is None:
            raise InputError("x, n", (x, n), "both counts and denominators for a proportion")
        xa = as_array("x", x)[0][order][-points:]
        na = as_array("n", n)[0][order][-points:]
        if t.size < points:
            return cannot(f"fewer than {points} points", method)
        if not (np.isfinite(xa).all() and np.isfinite(na).all()) or (na <= 0).any():
            return cannot("missing counts or denominators", method)
        if (xa < 0).any() or (xa > na).any():
            raise InputError("x", xa.tolist(), "counts between 0 and n")
        if xa.sum() == 0 or xa.sum() == na.sum():
            return cannot("all proportions are 0 or all are 1", method)
        stat, p, slope = chi_squared_trend(xa, na, t)
    else:
        method = "weighted_regression"
        if value is None or lower is None or upper is None:
            raise InputError("value, lower, upper", None, "values with 95% limits, or x and n")
        va = as_array("value", value)[0][order][-points:]
        lo = as_array("lower", lower)[0][order][-points:]
        hi = as_array("upper", upper)[0][order][-points:]
        if t.size < points:
            return cannot(f"fewer than {points} points", method)
        if not (np.isfinite(va).all() and np.isfinite(lo).all() and np.isfinite(hi).all()):
            return cannot("missing values or confidence limits", method)
        se = (hi - lo) / (2 * z_value(0.95))
        if (se <= 0).any():
            return cannot("a confidence interval has zero width", method)
        w = 1 / se**2
        tbar = (w * t).sum() / w.sum()
        sxx = (w * (t - tbar) ** 2).sum()
        slope = float((w * (t - tbar) * va).sum() / sxx)
        zstat = slope * np.sqrt(sxx)
        stat = float(zstat**2)
        p = float(2 * norm.sf(abs(zstat)))
    if p < 1 - confidence:
        code = "increasing" if slope > 0 else "decreasing"
    else:
        code = "no_significant_change"
    return TrendResult(code, stat, p, slope, int(t.size), confidence, method)
