"""Empirical-Bayes smoothing of small-area rates (Marshall 1991 global estimator).

Marshall RJ. Mapping disease and mortality rates using empirical Bayes estimators.
Applied Statistics 1991;40:283-94 — the method-of-moments estimator of R ``spdep::EBest``.
Results are flagged ``method="empirical_bayes"``: they are shrunken estimates, not observed rates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jamlik.stats._result import Estimate
from jamlik.stats._validate import event_counts

__all__ = ["empirical_bayes"]


def empirical_bayes(x: Any, n: Any, *, multiplier: float = 1) -> Estimate:
    """Shrink each area's rate ``x/n`` towards the overall rate.

    ``value`` holds the smoothed rates; ``lower``/``upper`` are NaN (no interval is claimed);
    ``details`` holds ``raw`` rates, the ``shrinkage`` weight of each raw rate (0–1), the global
    mean ``prior_mean`` and the between-area variance ``prior_variance``.
    """
    xa, na, _ = event_counts(x, n)
    m = xa.sum() / na.sum()
    raw = xa / na
    s2 = (na * (raw - m) ** 2).sum() / na.sum()
    phi = max(s2 - m / na.mean(), 0.0)
    denom = phi + m / na
    c = np.divide(phi, denom, out=np.zeros_like(denom), where=denom > 0)
    est = m + c * (raw - m)
    nan = np.full_like(est, np.nan)
    return Estimate(
        value=est * multiplier,
        lower=nan,
        upper=nan,
        method="empirical_bayes",
        statistic="smoothed rate" if multiplier == 1 else f"smoothed rate per {multiplier:g}",
        confidence=0.95,
        multiplier=multiplier,
        standard=None,
        intervals={},
        details={
            "raw": raw * multiplier,
            "shrinkage": c,
            "prior_mean": m * multiplier,
            "prior_variance": phi * multiplier**2,
            "flag": "smoothed",
        },
    )
