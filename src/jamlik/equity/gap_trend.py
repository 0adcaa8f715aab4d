"""Mind the gap: is an inequality gap widening or closing over time?

The gap (absolute, e.g. D or SII; or relative, e.g. R or RII) is regressed on time. With
standard errors the regression is inverse-variance weighted and the slope is tested with a
z-test using the known sampling variances (the fixed-effect meta-regression convention,
statsmodels ``WLS(...).fit(cov_type="fixed scale")``); without them, ordinary least squares
with a t-test on n − 2 degrees of freedom. Relative gaps are analysed on the log scale, so the
slope is a log-ratio per time unit and ``se`` must be the standard error of the log ratio (as
returned by :func:`jamlik.equity.r` and :func:`jamlik.equity.rii`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from jamlik.equity._validate import check_confidence
from jamlik.model.errors import InputError

__all__ = ["GapTrend", "gap_trend"]

Direction = Literal["widening", "closing", "no_significant_change", "cannot_be_calculated"]
NAN = float("nan")


@dataclass(frozen=True, slots=True)
class GapTrend:
    """Linear trend of a gap over time.

    ``slope`` is per time unit (on the log scale for relative gaps); ``test`` is ``"z"``
    (inverse-variance weights, known variances) or ``"t"`` (unweighted, estimated variance).
    """

    slope: float
    se: float
    lower: float
    upper: float
    p_value: float
    direction: Direction
    test: str
    relative: bool
    n_points: int
    confidence: float


def _cannot(relative: bool, n: int, confidence: float, test: str) -> GapTrend:
    return GapTrend(NAN, NAN, NAN, NAN, NAN, "cannot_be_calculated", test, relative, n, confidence)


def gap_trend(
    time,
    gap,
    se=None,
    *,
    relative: bool = False,
    confidence: float = 0.95,
) -> GapTrend:
    """Test whether a gap is widening or closing.

    Widening means the gap moves away from no inequality (0 for absolute gaps, 1 for relative
    gaps) significantly: a slope whose sign is that of the mean gap. Points with a missing gap
    (or missing se) are skipped; fewer than three usable points, or a single time value, gives
    ``"cannot_be_calculated"``.
    """
    confidence = check_confidence(confidence)
    t = np.asarray(time, dtype=float)
    y = np.asarray(gap, dtype=float)
    if t.ndim != 1 or y.shape != t.shape:
        raise InputError("gap", gap, f"one gap per time point ({t.size} time points)")
    if np.isinf(t).any() or np.isnan(t).any():
        raise InputError("time", time, "finite time values (e.g. years)")
    s = None
    if se is not None:
        s = np.asarray(se, dtype=float)
        if s.shape != t.shape:
            raise InputError("se", se, f"one standard error per time point ({t.size})")
        if (s[np.isfinite(s)] <= 0).any():
            raise InputError("se", se, "positive standard errors")
    if relative:
        if (y[np.isfinite(y)] <= 0).any():
            raise InputError("gap", gap, "positive ratios for relative=True")
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.log(y)
    keep = np.isfinite(y) & (np.isfinite(s) if s is not None else True)
    t, y = t[keep], y[keep]
    s = None if s is None else s[keep]
    test = "t" if s is None else "z"
    n = int(t.size)
    if n < 3 or np.ptp(t) == 0:
        return _cannot(relative, n, confidence, test)

    w = np.ones(n) if s is None else 1.0 / s**2
    tm = (w @ t) / w.sum()
    sxx = w @ (t - tm) ** 2
    slope = float((w @ ((t - tm) * y)) / sxx)
    intercept = (w @ y) / w.sum() - slope * tm
    alpha = 1.0 - confidence
    if s is None:
        resid = y - intercept - slope * t
        slope_se = float(np.sqrt((resid @ resid) / (n - 2) / sxx))
        dist = stats.t(df=n - 2)
    else:
        slope_se = float(np.sqrt(1.0 / sxx))
        dist = stats.norm()
    if slope_se == 0:
        p_value = 0.0 if slope != 0 else 1.0
    else:
        p_value = float(2 * dist.sf(abs(slope) / slope_se))
    q = float(dist.ppf(1 - alpha / 2))
    level = float((w @ y) / w.sum())  # the average gap (log scale if relative)
    if p_value >= alpha or slope == 0:
        direction: Direction = "no_significant_change"
    elif level == 0:
        direction = "widening"  # any significant move away from equality
    else:
        direction = "widening" if np.sign(slope) == np.sign(level) else "closing"
    return GapTrend(
        slope=slope,
        se=slope_se,
        lower=slope - q * slope_se,
        upper=slope + q * slope_se,
        p_value=p_value,
        direction=direction,
        test=test,
        relative=relative,
        n_points=n,
        confidence=confidence,
    )
