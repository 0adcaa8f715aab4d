"""Simple measures: difference (D), ratio (R), population attributable risk and fraction.

Definitions follow WHO's HEAT technical notes and the R package ``healthequal`` (``d.R``,
``r.R``, ``parisk.R``, ``paf.R``); see docs/equity.md for the table of measures. Each measure
is one function of :class:`~jamlik.equity._sets.GroupSets` (every set at once).
"""

from __future__ import annotations

import math

import numpy as np

from jamlik.equity._ci import Columns, analytic, as_columns
from jamlik.equity._measure import measure
from jamlik.equity._registry import ANY_REAL, POSITIVE, ValueRange
from jamlik.equity._sets import GroupSets

__all__ = ["d", "paf", "par", "r"]


def _pair(s: GroupSets) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i1, i2) per set of the two subgroups compared by D = y1 − y2 and R = y1 / y2.

    Ordered dimension: the most advantaged (highest rank) against the most disadvantaged
    (rank 1) for a favourable indicator, the reverse for an adverse one. Unordered without a
    reference: highest against lowest estimate. Unordered with a reference: the reference
    against the lowest estimate (favourable) or the highest against the reference (adverse).
    """
    if s.ordered:
        top, bottom = np.full(s.n, s.k - 1), np.zeros(s.n, int)
        return (top, bottom) if s.favourable else (bottom, top)
    hi, lo = s.est.argmax(1), s.est.argmin(1)
    has_ref = s.reference >= 0
    if s.favourable:
        return np.where(has_ref, s.reference, hi), lo
    return hi, np.where(has_ref, s.reference, lo)


@measure("d", title="Difference", dimension="any", min_groups=2, ci="analytic",
         kind="absolute", weighted=False, values=ANY_REAL, reference="optional")  # fmt: skip
def d(s: GroupSets) -> Columns:
    """Difference D = y1 − y2 between two subgroups (see :func:`_pair` for which two).

    ``se`` = sqrt(se1² + se2²); normal interval.
    """
    i1, i2 = _pair(s)
    se = np.hypot(s.se[s.rows, i1], s.se[s.rows, i2])
    return analytic(s.est[s.rows, i1] - s.est[s.rows, i2], se, s.z)


@measure("r", title="Ratio", dimension="any", min_groups=2, ci="analytic", kind="relative",
         weighted=False, values=POSITIVE, reference="optional")  # fmt: skip
def r(s: GroupSets) -> Columns:
    """Ratio R = y1 / y2 (same pair as :func:`d`).

    ``se`` is the standard error of ln R, sqrt(se1²/y1² + se2²/y2²) (delta method, Ahn et al.
    2018); the interval is exp(ln R ± z·se).
    """
    i1, i2 = _pair(s)
    y1, y2 = s.est[s.rows, i1], s.est[s.rows, i2]
    value = np.where(y2 != 0, y1 / y2, np.nan)
    log_se = np.sqrt(s.se[s.rows, i1] ** 2 / y1**2 + s.se[s.rows, i2] ** 2 / y2**2)
    ok = np.isfinite(value) & (value > 0) & np.isfinite(log_se)
    log_se = np.where(ok, log_se, np.nan)
    return as_columns(value, log_se, np.exp(np.log(value) - s.z * log_se),
                      np.exp(np.log(value) + s.z * log_se),
                      np.where(ok, "analytic", "none"))  # fmt: skip


def _attributable(s: GroupSets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weighted mean μ, PAR, se of PAF as a fraction) per set.

    The reference is the most advantaged subgroup (ordered), else the set's reference
    subgroup, else the best subgroup.
    """
    if s.ordered:
        ref = np.full(s.n, s.k - 1)
    else:
        best = s.est.argmax(1) if s.favourable else s.est.argmin(1)
        ref = np.where(s.reference >= 0, s.reference, best)
    mean = (s.share * s.est).sum(1)
    y_ref = s.est[s.rows, ref]
    diff = y_ref - mean
    worse = diff < 0 if s.favourable else diff > 0
    value = np.where(worse, 0.0, diff)
    # Walter (1978) variance of the attributable fraction from the implied 2×2 table.
    n_total, n_ref = s.pop.sum(1), s.pop[s.rows, ref]
    c = y_ref / s.scale * n_ref
    dd = n_ref - c
    a = mean / s.scale * n_total - c
    b = n_total - a - n_ref
    n = a + b + c + dd
    var = c * n * (a * dd * (n - c) + b * c**2) / ((a + c) ** 3 * (c + dd) ** 3)
    return mean, value, np.where(var >= 0, np.sqrt(np.abs(var)), np.nan)


@measure("par", title="Population attributable risk", dimension="any", min_groups=3,
         ci="analytic", kind="absolute", weighted=True, values=ANY_REAL,
         reference="optional")  # fmt: skip
def par(s: GroupSets) -> Columns:
    """Population attributable risk PAR = y_ref − μ (0 when the reference is worse than μ).

    The reference is the most advantaged subgroup (ordered), else ``reference`` if given,
    else the best subgroup. μ is the population-weighted mean. ``se`` = μ × se(PAF) with
    Walter's (1978) variance (healthequal ``parisk.R``). ``se`` of the subgroups is not used.
    """
    mean, value, paf_se = _attributable(s)
    return analytic(value, np.abs(mean * paf_se), s.z)


@measure("paf", title="Population attributable fraction", dimension="any", min_groups=3,
         ci="analytic", kind="relative", weighted=True,
         values=ValueRange(-100.0, math.inf, low_closed=True),
         reference="optional")  # fmt: skip
def paf(s: GroupSets) -> Columns:
    """Population attributable fraction PAF = 100 × PAR / μ (percent).

    ``se`` = 100 × Walter's (1978) standard error of the fraction, so that estimate and ``se``
    are both in percent (healthequal ``paf.R`` leaves the se as a fraction; see docs).
    """
    mean, value, paf_se = _attributable(s)
    return analytic(100.0 * value / mean, 100.0 * paf_se, s.z)
