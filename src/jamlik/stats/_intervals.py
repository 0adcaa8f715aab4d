"""Pure, vectorised confidence-limit formulas (no validation here)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri
from scipy.stats import chi2

__all__ = [
    "byar_lower",
    "byar_upper",
    "exact_lower",
    "exact_upper",
    "poisson_limits",
    "wilson",
    "z_value",
]


def z_value(level: float) -> float:
    """Two-sided standard normal quantile for a confidence level."""
    return float(ndtri(level + (1 - level) / 2))


def wilson(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits (Wilson 1927; Newcombe 1998 method 3), as proportions."""
    z = z_value(level)
    p = x / n
    root = z * np.sqrt(z * z + 4 * x * (1 - p))
    denom = 2 * (n + z * z)
    lower = (2 * x + z * z - root) / denom
    upper = (2 * x + z * z + root) / denom
    return np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)


def byar_lower(x: np.ndarray, level: float) -> np.ndarray:
    """Byar's approximation to the exact Poisson lower limit (Breslow & Day 1987)."""
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    return np.where(x > 0, out, 0.0)


def byar_upper(x: np.ndarray, level: float) -> np.ndarray:
    """Byar's approximation to the exact Poisson upper limit (Breslow & Day 1987)."""
    z = z_value(level)
    x1 = x + 1
    return x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3


def exact_lower(x: np.ndarray, level: float) -> np.ndarray:
    """Exact (Garwood 1936) Poisson lower limit via the chi-squared distribution."""
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        out = chi2.ppf(alpha / 2, 2 * x) / 2
    return np.where(x > 0, out, 0.0)


def exact_upper(x: np.ndarray, level: float) -> np.ndarray:
    """Exact (Garwood 1936) Poisson upper limit via the chi-squared distribution."""
    alpha = 1 - level
    return chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2


def poisson_limits(
    x: np.ndarray, level: float, method: str = "byar_exact", threshold: float = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Limits for a Poisson count.

    ``method``: ``"byar_exact"`` (Byar for ``x >= threshold``, exact below; the PHE rule),
    ``"byar"`` or ``"exact"``.
    """
    if method == "byar":
        return byar_lower(x, level), byar_upper(x, level)
    if method == "exact":
        return exact_lower(x, level), exact_upper(x, level)
    small = x < threshold
    lower = np.empty_like(x)
    upper = np.empty_like(x)
    if small.any():
        lower[small] = exact_lower(x[small], level)
        upper[small] = exact_upper(x[small], level)
    big = ~small
    if big.any():
        lower[big] = byar_lower(x[big], level)
        upper[big] = byar_upper(x[big], level)
    return lower, upper
