"""Mind the gap: is an inequality gap widening or closing over time?

The gap (absolute, e.g. D or SII; or relative, e.g. R or RII) is regressed on time. With
standard errors the regression is inverse-variance weighted and the slope is tested with a
z-test using the known sampling variances (the fixed-effect meta-regression convention,
statsmodels ``WLS(...).fit(cov_type="fixed scale")``); without them, ordinary least squares
with a t-test on n − 2 degrees of freedom. Relative gaps are analysed on the log scale, so the
slope is a log-ratio per time unit and ``se`` must be the standard error of the log ratio (as
returned by :func:`jamlik.equity.r` and :func:`jamlik.equity.rii`).

The rule is defined once, on many gap series at once (:func:`gap_trend_arrays`, ``(n_series,
k)`` arrays); :func:`gap_trend` calls it with one series and the engine with every series and
year's expanding window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from jamlik.equity._validate import check_confidence
from jamlik.model.errors import InputError

__all__ = ["GapTrend", "GapTrendColumns", "gap_trend", "gap_trend_arrays"]

Direction = Literal["widening", "closing", "no_significant_change", "cannot_be_calculated"]


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


@dataclass(frozen=True, slots=True)
class GapTrendColumns:
    """Linear trends of many gap series, one entry per series (row given to
    :func:`gap_trend_arrays`); the fields are those of :class:`GapTrend` as arrays, NaN where
    the trend cannot be calculated, plus ``first_time`` (the earliest usable time point)."""

    slope: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    p_value: np.ndarray
    direction: np.ndarray
    n_points: np.ndarray
    first_time: np.ndarray
    test: str
    relative: bool
    confidence: float


def _row_sums(a: np.ndarray) -> np.ndarray:
    """Sums along each row, added column by column: a row padded with zeros sums to exactly
    what the same row without the padding does."""
    out = np.zeros(a.shape[0])
    for column in a.T:
        out = out + column
    return out


def gap_trend_arrays(
    time,
    gap,
    se=None,
    *,
    relative: bool = False,
    confidence: float = 0.95,
) -> GapTrendColumns:
    """The rule of :func:`gap_trend` for many gap series at once.

    ``time``, ``gap`` and ``se`` are ``(n_series, k)`` arrays, one row per series; a NaN time
    pads a row with fewer points. Points with a non-finite gap (with ``se``: a non-finite or
    non-positive se; with ``relative``: a ratio that is not positive) are skipped. A series whose
    usable gaps are all equal has slope 0 exactly. No validation: :func:`gap_trend` checks its
    arguments.
    """
    t = np.atleast_2d(np.asarray(time, dtype=float))
    y = np.broadcast_to(np.asarray(gap, dtype=float), t.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        if relative:
            y = np.where(y > 0, np.log(y), np.nan)
        ok = np.isfinite(t) & np.isfinite(y)
        if se is not None:
            s = np.broadcast_to(np.asarray(se, dtype=float), t.shape)
            ok &= np.isfinite(s) & (s > 0)
            w = np.where(ok, 1.0 / s**2, 0.0)
        else:
            w = ok.astype(float)
        n = ok.sum(axis=1)
        tt, yy = np.where(ok, t, 0.0), np.where(ok, y, 0.0)
        first = np.where(ok, t, np.inf).min(axis=1, initial=np.inf)
        spread = np.where(ok, t, -np.inf).max(axis=1, initial=-np.inf) - first
        flat = (np.where(ok, y, -np.inf).max(axis=1, initial=-np.inf)
                == np.where(ok, y, np.inf).min(axis=1, initial=np.inf))
        sw = _row_sums(w)
        tm = _row_sums(w * tt) / sw
        dt = np.where(ok, tt - tm[:, None], 0.0)
        sxx = _row_sums(w * dt**2)
        slope = np.where(flat, 0.0, _row_sums(w * dt * yy) / sxx)
        level = _row_sums(w * yy) / sw  # the average gap (log scale if relative)
        if se is None:
            resid = np.where(ok, yy - (level - slope * tm)[:, None] - slope[:, None] * tt, 0.0)
            slope_se = np.sqrt(_row_sums(resid**2) / (n - 2) / sxx)
            df = np.maximum(n - 2, 1)
            sf, ppf = stats.t.sf(np.abs(slope) / slope_se, df), stats.t.ppf
        else:
            slope_se = np.sqrt(1.0 / sxx)
            df = None
            sf, ppf = stats.norm.sf(np.abs(slope) / slope_se), stats.norm.ppf
        p = np.where(slope_se == 0, np.where(slope != 0, 0.0, 1.0), 2 * sf)
    alpha = 1.0 - confidence
    q = ppf(1 - alpha / 2) if df is None else ppf(1 - alpha / 2, df)
    can = (n >= 3) & (spread > 0)
    direction = np.where(
        (p >= alpha) | (slope == 0), "no_significant_change",
        np.where((level == 0) | (np.sign(slope) == np.sign(level)), "widening", "closing"))
    direction = np.where(can, direction, "cannot_be_calculated").astype(object)

    def known(a: np.ndarray) -> np.ndarray:
        return np.where(can, a, np.nan)

    return GapTrendColumns(
        slope=known(slope), se=known(slope_se), lower=known(slope - q * slope_se),
        upper=known(slope + q * slope_se), p_value=known(p), direction=direction,
        n_points=n.astype(int), first_time=np.where(np.isfinite(first), first, np.nan),
        test="t" if se is None else "z", relative=relative, confidence=confidence)


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
    ``"cannot_be_calculated"``. The rule is :func:`gap_trend_arrays` applied to this one series.
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
    if relative and (y[np.isfinite(y)] <= 0).any():
        raise InputError("gap", gap, "positive ratios for relative=True")
    res = gap_trend_arrays(t[None, :], y[None, :], None if s is None else s[None, :],
                           relative=relative, confidence=confidence)
    return GapTrend(
        slope=float(res.slope[0]),
        se=float(res.se[0]),
        lower=float(res.lower[0]),
        upper=float(res.upper[0]),
        p_value=float(res.p_value[0]),
        direction=res.direction[0],
        test=res.test,
        relative=relative,
        n_points=int(res.n_points[0]),
        confidence=confidence,
    )
