"""Validation at the door for every inequality measure.

Turns the user's arguments for one group set into a :class:`GroupSets` of one set, or raises
:class:`~jamlik.model.errors.InputError` naming the argument, the value and what was expected.
"""

from __future__ import annotations

import numpy as np

from jamlik.equity._registry import MEASURES
from jamlik.equity._sets import GroupSets
from jamlik.model.errors import InputError


def _vector(argument: str, value: object, *, allow_nan: bool = False) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(argument, value, "a one-dimensional sequence of numbers") from None
    if array.ndim != 1:
        raise InputError(argument, value, "a one-dimensional sequence of numbers")
    bad = np.isinf(array) if allow_nan else ~np.isfinite(array)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(argument, array[i], f"finite numbers (position {i} is not)")
    return array


def check_confidence(confidence: float) -> float:
    """Validate a two-sided confidence level strictly between 0 and 1."""
    if not isinstance(confidence, int | float) or not 0.0 < float(confidence) < 1.0:
        raise InputError("confidence", confidence, "a number strictly between 0 and 1, e.g. 0.95")
    return float(confidence)


def prepare(
    measure: str,
    pop: object,
    est: object,
    *,
    se: object = None,
    order: object = None,
    scale: float = 100,
    favourable: bool = True,
    reference: int | None = None,
    confidence: float = 0.95,
    force: bool = False,
) -> GroupSets:
    """Validate the common arguments of measure ``measure`` and return them as one set.

    Subgroups with a missing estimate are dropped (``force``); an unordered-only measure
    ignores ``order``.
    """
    spec = MEASURES[measure]
    est_a = _vector("est", est, allow_nan=True)
    pop_a = _vector("pop", pop)
    k = est_a.size
    if pop_a.size != k:
        raise InputError("pop", pop, f"one population value per subgroup ({k} subgroups in 'est')")
    if (pop_a < 0).any():
        raise InputError("pop", pop_a[pop_a < 0][0], "non-negative population sizes or shares")
    se_a = None
    if se is not None:
        se_a = _vector("se", se, allow_nan=True)
        if se_a.size != k:
            raise InputError("se", se, f"one standard error per subgroup ({k} subgroups)")
        if (se_a < 0).any():
            raise InputError("se", se_a[se_a < 0][0], "non-negative standard errors")
        if np.isnan(se_a).any():
            se_a = None  # WHO: CIs are not computed when any standard error is missing
    if not isinstance(scale, int | float) or not np.isfinite(scale) or scale <= 0:
        raise InputError("scale", scale, "a positive number, e.g. 100 for percentages")
    if not isinstance(favourable, bool | np.bool_):
        raise InputError("favourable", favourable, "True (higher is better) or False")
    confidence = check_confidence(confidence)

    order_a = None
    if order is not None:
        order_a = _vector("order", order)
        if order_a.size != k:
            raise InputError("order", order, f"one rank per subgroup ({k} subgroups)")
        if (order_a != np.round(order_a)).any() or (order_a < 1).any():
            raise InputError("order", order, "integer ranks 1, 2, … (1 = most disadvantaged)")
        if np.unique(order_a).size != k:
            raise InputError("order", order, "distinct ranks, one per subgroup")

    # Dimension type.
    if spec.dimension == "ordered" and order_a is None:
        if not force:
            raise InputError(
                "order",
                None,
                f"subgroup ranks: {measure!r} applies to ordered dimensions only",
                hint="Pass order=[1, 2, …] (1 = most disadvantaged), or force=True to treat "
                "the subgroups as already listed from most to least disadvantaged",
            )
        order_a = np.arange(1.0, k + 1.0)
    if spec.dimension == "unordered" and order_a is not None and not force:
        raise InputError(
            "order",
            order,
            f"None: {measure!r} applies to unordered dimensions only",
            hint="Use sii/rii/aci/rci for ordered dimensions, or force=True",
        )

    if reference is not None:
        if isinstance(reference, bool) or not isinstance(reference, int | np.integer):
            raise InputError("reference", reference, "the integer index of a subgroup")
        if not 0 <= int(reference) < k:
            raise InputError("reference", reference, f"an index between 0 and {k - 1}")
        reference = int(reference)

    # Missing estimates.
    missing = np.isnan(est_a)
    if missing.any():
        if not force:
            i = int(np.flatnonzero(missing)[0])
            raise InputError(
                "est",
                est_a[i],
                f"an estimate for every subgroup (position {i} is missing)",
                hint="Pass force=True to drop subgroups without an estimate",
            )
        keep = ~missing
        if reference is not None:
            if missing[reference]:
                raise InputError("reference", reference, "a subgroup that has an estimate")
            reference = int(np.count_nonzero(keep[:reference]))
        est_a, pop_a = est_a[keep], pop_a[keep]
        se_a = None if se_a is None else se_a[keep]
        order_a = None if order_a is None else order_a[keep]

    if est_a.size < spec.min_groups:
        raise InputError(
            "est",
            est_a.size,
            f"at least {spec.min_groups} subgroups with an estimate for {measure!r}",
        )
    if pop_a.sum() <= 0:
        raise InputError("pop", pop, "at least one subgroup with a positive population")

    if spec.dimension == "unordered":
        order_a = None
    return GroupSets.of(
        pop_a[None],
        est_a[None],
        None if se_a is None else se_a[None],
        None if order_a is None else order_a[None],
        None if reference is None else np.array([reference]),
        scale=float(scale),
        favourable=bool(favourable),
        confidence=confidence,
    )
