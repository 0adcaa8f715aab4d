"""Simple measures: difference (D), ratio (R), population attributable risk and fraction.

Definitions follow WHO's HEAT technical notes and the R package ``healthequal`` (``d.R``,
``r.R``, ``parisk.R``, ``paf.R``); see docs/equity.md for the table of measures.
"""

from __future__ import annotations

import numpy as np

from jamlik.equity._ci import NAN, analytic, no_ci
from jamlik.equity._registry import register
from jamlik.equity._validate import Groups, prepare
from jamlik.equity.result import InequalityResult

__all__ = ["d", "paf", "par", "r"]


def _pair(g: Groups) -> tuple[int, int]:
    """Indices (i1, i2) of the two subgroups compared by D = y1 − y2 and R = y1 / y2.

    Ordered dimension: the most advantaged (highest rank) against the most disadvantaged
    (rank 1) for a favourable indicator, the reverse for an adverse one. Unordered without a
    reference: highest against lowest estimate. Unordered with a reference: the reference
    against the lowest estimate (favourable) or the highest against the reference (adverse).
    """
    if g.order is not None:
        top, bottom = int(np.argmax(g.order)), int(np.argmin(g.order))
        return (top, bottom) if g.favourable else (bottom, top)
    hi, lo = int(np.argmax(g.est)), int(np.argmin(g.est))
    if g.reference is None:
        return hi, lo
    return (g.reference, lo) if g.favourable else (hi, g.reference)


@register(
    "d",
    title="Difference",
    dimension="any",
    min_groups=2,
    ci="analytic",
    kind="absolute",
    weighted=False,
)
def d(
    pop,
    est,
    *,
    se=None,
    order=None,
    scale=100,
    favourable=True,
    reference=None,
    confidence=0.95,
    force=False,
) -> InequalityResult:
    """Difference D = y1 − y2 between two subgroups (see :func:`_pair` for which two).

    ``se`` = sqrt(se1² + se2²); normal interval.
    """
    g = prepare("d", pop, est, se=se, order=order, scale=scale, favourable=favourable,
                reference=reference, confidence=confidence, force=force)  # fmt: skip
    i1, i2 = _pair(g)
    value = g.est[i1] - g.est[i2]
    if g.se is None:
        return no_ci("d", g, value)
    return analytic("d", g, value, np.hypot(g.se[i1], g.se[i2]))


@register(
    "r",
    title="Ratio",
    dimension="any",
    min_groups=2,
    ci="analytic",
    kind="relative",
    weighted=False,
)
def r(
    pop,
    est,
    *,
    se=None,
    order=None,
    scale=100,
    favourable=True,
    reference=None,
    confidence=0.95,
    force=False,
) -> InequalityResult:
    """Ratio R = y1 / y2 (same pair as :func:`d`).

    ``se`` is the standard error of ln R, sqrt(se1²/y1² + se2²/y2²) (delta method, Ahn et al.
    2018); the interval is exp(ln R ± z·se).
    """
    g = prepare("r", pop, est, se=se, order=order, scale=scale, favourable=favourable,
                reference=reference, confidence=confidence, force=force)  # fmt: skip
    i1, i2 = _pair(g)
    y1, y2 = g.est[i1], g.est[i2]
    value = y1 / y2 if y2 != 0 else NAN
    if g.se is None or not np.isfinite(value) or value <= 0:
        return no_ci("r", g, value)
    log_se = float(np.sqrt(g.se[i1] ** 2 / y1**2 + g.se[i2] ** 2 / y2**2))
    return InequalityResult(
        "r",
        float(value),
        log_se,
        float(np.exp(np.log(value) - g.z * log_se)),
        float(np.exp(np.log(value) + g.z * log_se)),
        "analytic",
        g.confidence,
    )


def _attributable(g: Groups) -> tuple[float, float, float, float]:
    """(reference estimate, weighted mean, PAR, se of PAF as a fraction)."""
    if g.order is not None:
        ref = int(np.argmax(g.order))  # the most advantaged subgroup
    elif g.reference is not None:
        ref = g.reference
    else:
        ref = int(np.argmax(g.est)) if g.favourable else int(np.argmin(g.est))
    w = g.share
    mean = float(w @ g.est)
    y_ref = float(g.est[ref])
    diff = y_ref - mean
    worse = diff < 0 if g.favourable else diff > 0
    value = 0.0 if worse else diff
    # Walter (1978) variance of the attributable fraction from the implied 2×2 table.
    n_total = float(g.pop.sum())
    n_ref = float(g.pop[ref])
    c = y_ref / g.scale * n_ref
    dd = n_ref - c
    a = mean / g.scale * n_total - c
    b = n_total - a - n_ref
    n = a + b + c + dd
    var = c * n * (a * dd * (n - c) + b * c**2) / ((a + c) ** 3 * (c + dd) ** 3)
    return y_ref, mean, value, float(np.sqrt(var)) if var >= 0 else NAN


@register(
    "par",
    title="Population attributable risk",
    dimension="any",
    min_groups=3,
    ci="analytic",
    kind="absolute",
    weighted=True,
)
def par(
    pop,
    est,
    *,
    se=None,
    order=None,
    scale=100,
    favourable=True,
    reference=None,
    confidence=0.95,
    force=False,
) -> InequalityResult:
    """Population attributable risk PAR = y_ref − μ (0 when the reference is worse than μ).

    The reference is the most advantaged subgroup (ordered), else ``reference`` if given,
    else the best subgroup. μ is the population-weighted mean. ``se`` = μ × se(PAF) with
    Walter's (1978) variance (healthequal ``parisk.R``). ``se`` of the subgroups is not used.
    """
    g = prepare("par", pop, est, se=se, order=order, scale=scale, favourable=favourable,
                reference=reference, confidence=confidence, force=force)  # fmt: skip
    _, mean, value, paf_se = _attributable(g)
    return analytic("par", g, value, abs(mean * paf_se))


@register(
    "paf",
    title="Population attributable fraction",
    dimension="any",
    min_groups=3,
    ci="analytic",
    kind="relative",
    weighted=True,
)
def paf(
    pop,
    est,
    *,
    se=None,
    order=None,
    scale=100,
    favourable=True,
    reference=None,
    confidence=0.95,
    force=False,
) -> InequalityResult:
    """Population attributable fraction PAF = 100 × PAR / μ (percent).

    ``se`` = 100 × Walter's (1978) standard error of the fraction, so that estimate and ``se``
    are both in percent (healthequal ``paf.R`` leaves the se as a fraction; see docs).
    """
    g = prepare("paf", pop, est, se=se, order=order, scale=scale, favourable=favourable,
                reference=reference, confidence=confidence, force=force)  # fmt: skip
    _, mean, value, paf_se = _attributable(g)
    return analytic("paf", g, 100.0 * value / mean, 100.0 * paf_se)
