"""The single place where inequality measures are declared.

A measure is one array function over :class:`~jamlik.equity._sets.GroupSets`, declared with
:func:`jamlik.equity._measure.measure`; its :class:`MeasureSpec` records what callers need to
know to use it uniformly: the dimension type, the minimum number of subgroups, whether it uses
a reference subgroup, its range of values, how its confidence interval is made, its options,
the vectorised function (``array``, which the engine calls for all sets at once) and the
single-set public function (``function``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

Dimension = Literal["any", "ordered", "unordered"]
CiMethod = Literal["analytic", "delta_hc1", "simulation", "analytic_or_simulation"]
Reference = Literal["unused", "optional", "required"]


@dataclass(frozen=True, slots=True)
class ValueRange:
    """The values a measure takes for positive subgroup estimates, e.g. ``[0, ∞)``."""

    low: float
    high: float
    low_closed: bool = False
    high_closed: bool = False

    def __str__(self) -> str:
        def show(x: float) -> str:
            return ("−∞" if x < 0 else "∞") if math.isinf(x) else f"{x:g}".replace("-", "−")

        return (f"{'[' if self.low_closed else '('}{show(self.low)}, {show(self.high)}"
                f"{']' if self.high_closed else ')'}")  # fmt: skip

    def contains(self, values: object, *, tol: float = 0.0) -> np.ndarray:
        """Elementwise: the value lies in the range (widened by ``tol``; NaN is outside)."""
        x = np.asarray(values, float)
        above = x >= self.low - tol if self.low_closed or tol else x > self.low
        below = x <= self.high + tol if self.high_closed or tol else x < self.high
        return above & below


ANY_REAL = ValueRange(-math.inf, math.inf)
NON_NEGATIVE = ValueRange(0.0, math.inf, low_closed=True)
POSITIVE = ValueRange(0.0, math.inf)


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    """Declaration of one inequality summary measure."""

    name: str
    title: str
    dimension: Dimension
    min_groups: int
    ci: CiMethod
    kind: Literal["absolute", "relative"]
    weighted: bool
    reference: Reference
    values: ValueRange
    options: Mapping[str, object]
    array: Callable[..., object]
    function: Callable[..., object]

    @property
    def needs_reference(self) -> bool:
        """The measure is defined only with a reference subgroup (MDRU, MDRW)."""
        return self.reference == "required"

    @property
    def uses_reference(self) -> bool:
        """An unordered set's reference subgroup, when it has one, enters the measure."""
        return self.reference != "unused"

    def applies_to(self, *, ordered: bool, n_groups: int, has_reference: bool = True) -> bool:
        """Whether the measure applies to a dimension of this type and size."""
        if n_groups < self.min_groups or (self.needs_reference and not has_reference):
            return False
        if self.dimension == "ordered":
            return ordered
        if self.dimension == "unordered":
            return not ordered
        return True


MEASURES: dict[str, MeasureSpec] = {}


def add(spec: MeasureSpec) -> None:
    """Record ``spec`` (each name once)."""
    if spec.name in MEASURES:
        raise RuntimeError(f"inequality measure {spec.name!r} registered twice")
    MEASURES[spec.name] = spec
