"""Wilson score interval (private; to be replaced by ``jamlik.stats.proportion``)."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def wilson_interval(x, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Proportion and Wilson (1927) score interval; NaN where n == 0."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    z = norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = n + z * z
        centre = (x + z * z / 2) / denom
        half = z * np.sqrt(x * (n - x) / n + z * z / 4) / denom
    lo = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    hi = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return np.where(n > 0, p, np.nan), lo, hi
