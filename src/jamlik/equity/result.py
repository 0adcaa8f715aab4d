"""The result type every summary measure returns."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["CI_METHODS", "InequalityResult"]

#: How the confidence interval of a result was made.
CI_METHODS = (
    "analytic",  # closed-form standard error, normal approximation
    "delta_hc1",  # delta method on a GLM with HC1 (robust) covariance
    "simulation",  # percentile interval of Monte Carlo draws (WHO / HEAT)
    "none",  # no interval could be computed (e.g. standard errors missing)
)


@dataclass(frozen=True, slots=True)
class InequalityResult:
    """One inequality summary measure with its confidence interval.

    ``se`` is NaN when the interval is simulation-based. For the ratio measures ``r`` and
    ``rii`` the standard error is that of the natural logarithm of the estimate (as in WHO's
    ``healthequal``); the interval is on the ratio scale.
    """

    measure: str
    estimate: float
    se: float
    lower: float
    upper: float
    method: str
    confidence: float

    def as_dict(self) -> dict[str, float | str]:
        """The result as a plain dict (one row of a tidy table)."""
        return {
            "measure": self.measure,
            "estimate": self.estimate,
            "se": self.se,
            "lower": self.lower,
            "upper": self.upper,
            "method": self.method,
            "confidence": self.confidence,
        }

    @property
    def has_ci(self) -> bool:
        """True when both interval limits are finite."""
        return math.isfinite(self.lower) and math.isfinite(self.upper)
