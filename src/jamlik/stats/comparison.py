"""Compare an estimate with a benchmark the way England's Fingertips does.

The area is *higher* when its lower limit is above the benchmark value, *lower* when its upper
limit is below it, and *similar* otherwise. Missing value, limits or benchmark give
``"not_compared"`` with a reason. With a polarity the codes become better/worse/similar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jamlik.model.errors import InputError
from jamlik.stats._result import Estimate
from jamlik.stats._validate import as_array, confidence_levels, same_length

__all__ = ["POLARITIES", "Comparison", "compare", "compare_estimate"]

POLARITIES = ("high_is_good", "low_is_good", "no_judgement")


@dataclass(frozen=True, eq=False)
class Comparison:
    """Per-element comparison codes.

    ``code``: ``"higher"``, ``"similar"``, ``"lower"`` or ``"not_compared"``;
    ``judgement``: ``"better"``, ``"similar"``, ``"worse"``, ``"not_judged"`` (no polarity) or
    ``"not_compared"``; ``reason``: why not compared (None otherwise).
    """

    code: Any
    judgement: Any
    reason: Any
    confidence: float | None
    polarity: str
    method: str = "ci_overlaps_benchmark"


def compare(
    lower: Any,
    upper: Any,
    benchmark: Any,
    *,
    value: Any = None,
    polarity: str = "no_judgement",
    confidence: float | None = None,
) -> Comparison:
    """Classify each interval ``[lower, upper]`` against ``benchmark`` (vectorised)."""
    if polarity not in POLARITIES:
        raise InputError("polarity", polarity, f"one of {POLARITIES}")
    lo, s1 = as_array("lower", lower)
    hi, s2 = as_array("upper", upper)
    bm, s3 = as_array("benchmark", benchmark)
    arrays = {"lower": lo, "upper": hi, "benchmark": bm}
    scalar = s1 and s2 and s3
    if value is not None:
        va, s4 = as_array("value", value)
        arrays["value"] = va
        scalar = scalar and s4
    size = same_length(**arrays)
    lo, hi, bm = (np.broadcast_to(a, (size,)) for a in (lo, hi, bm))
    va = np.broadcast_to(arrays.get("value", np.zeros(1)), (size,))
    reason = np.full(size, None, dtype=object)
    reason[~np.isfinite(bm)] = "benchmark missing"
    reason[~(np.isfinite(lo) & np.isfinite(hi))] = "confidence interval missing"
    reason[~np.isfinite(va)] = "value missing"
    ok = np.array([r is None for r in reason], dtype=bool)
    with np.errstate(invalid="ignore"):
        code = np.where(lo > bm, "higher", np.where(hi < bm, "lower", "similar")).astype(object)
    code[~ok] = "not_compared"
    if polarity == "no_judgement":
        judgement = np.where(ok, "not_judged", "not_compared").astype(object)
    else:
        good = "higher" if polarity == "high_is_good" else "lower"
        judgement = np.where(
            code == "similar", "similar", np.where(code == good, "better", "worse")
        ).astype(object)
        judgement[~ok] = "not_compared"

    def out(a):
        return a[0] if scalar else a

    return Comparison(out(code), out(judgement), out(reason), confidence, polarity)


def compare_estimate(
    estimate: Estimate,
    benchmark: Any,
    *,
    confidence: float | Sequence[float] | None = None,
    polarity: str = "no_judgement",
) -> Comparison | dict[float, Comparison]:
    """Compare an :class:`Estimate` at one level, or at several (a dict level → Comparison).

    ``confidence=(0.95, 0.998)`` gives the Fingertips pair of 95% and 99.8% comparisons; the
    levels must be among those the estimate was computed at.
    """
    levels = estimate.levels if confidence is None else confidence_levels(confidence)
    result = {}
    for lv in levels:
        match = [k for k in estimate.intervals if abs(k - lv) < 1e-12]
        if not match:
            raise InputError(
                "confidence", lv, f"one of the estimate's levels {sorted(estimate.intervals)}"
            )
        lo, hi = estimate.intervals[match[0]]
        result[lv] = compare(
            lo, hi, benchmark, value=estimate.value, polarity=polarity, confidence=lv
        )
    if (confidence is None and len(levels) == 1) or (
        confidence is not None and np.isscalar(confidence)
    ):
        return result[levels[0]]
    return result
