"""Uniform access to every registered measure: which apply, and compute them all."""

from __future__ import annotations

import inspect

import numpy as np

# Importing the measure modules registers their measures.
from jamlik.equity import ordered as _ordered  # noqa: F401
from jamlik.equity import simple as _simple  # noqa: F401
from jamlik.equity import unordered as _unordered  # noqa: F401
from jamlik.equity._registry import MEASURES, MeasureSpec
from jamlik.equity._validate import check_confidence
from jamlik.equity.result import InequalityResult
from jamlik.model.errors import InputError

__all__ = ["applicable_measures", "compute_all", "measure_spec"]

_DIMENSION_ORDER = ("any", "ordered", "unordered")  # listing order; stable within a type


def measure_spec(name: str) -> MeasureSpec:
    """The declaration of measure ``name`` (dimension type, minimum subgroups, CI method)."""
    try:
        return MEASURES[name]
    except KeyError:
        raise InputError("measure", name, f"one of {sorted(MEASURES)}") from None


def applicable_measures(
    ordered: bool, n_groups: int, *, has_reference: bool = False
) -> list[MeasureSpec]:
    """The measures that apply to a dimension of this type with ``n_groups`` subgroups.

    Measures that need a reference subgroup (MDRU, MDRW) are listed only when
    ``has_reference`` is true.

    >>> [m.name for m in applicable_measures(True, 5)]
    ['d', 'r', 'par', 'paf', 'sii', 'rii', 'aci', 'rci']
    >>> [m.name for m in applicable_measures(False, 2)]
    ['d', 'r']
    """
    if isinstance(n_groups, bool) or not isinstance(n_groups, int | np.integer) or n_groups < 1:
        raise InputError("n_groups", n_groups, "a positive integer number of subgroups")
    specs = [
        spec
        for spec in MEASURES.values()
        if spec.applies_to(
            ordered=bool(ordered), n_groups=int(n_groups), has_reference=has_reference
        )
    ]
    return sorted(specs, key=lambda spec: _DIMENSION_ORDER.index(spec.dimension))


def compute_all(
    pop,
    est,
    se=None,
    order=None,
    *,
    scale: float = 100,
    favourable: bool = True,
    reference: int | None = None,
    confidence: float = 0.95,
    measures: list[str] | None = None,
    method: str = "logit",
    n_sim: int | None = None,
    seed: int | None = None,
) -> list[InequalityResult]:
    """Compute every applicable measure (or those named in ``measures``), in registry order.

    ``order`` given means an ordered dimension. ``method`` goes to SII/RII; ``n_sim`` and
    ``seed``, when given, go to every measure with a simulation interval. Subgroups with a
    missing estimate make this raise (call a measure with ``force=True`` to drop them).
    """
    check_confidence(confidence)
    k = int(np.size(est))
    if measures is None:
        specs = applicable_measures(order is not None, k, has_reference=reference is not None)
    else:
        specs = [measure_spec(name) for name in measures]
    options = {"method": method, "n_sim": n_sim, "seed": seed}
    results = []
    for spec in specs:
        params = inspect.signature(spec.function).parameters
        extra = {key: v for key, v in options.items() if key in params and v is not None}
        results.append(
            spec.function(
                pop,
                est,
                se=se,
                order=order,
                scale=scale,
                favourable=favourable,
                reference=reference,
                confidence=confidence,
                **extra,
            )
        )
    return results
