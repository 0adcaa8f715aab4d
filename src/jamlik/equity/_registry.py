"""The single place where inequality measures are declared.

A measure is one small function decorated with :func:`register`; the decorator records what the
engine needs to know to call it uniformly (dimension type, minimum number of subgroups, how its
confidence interval is made).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Dimension = Literal["any", "ordered", "unordered"]
CiMethod = Literal["analytic", "delta_hc1", "simulation", "analytic_or_simulation"]


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
    needs_reference: bool
    function: Callable[..., object]

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


def register(
    name: str,
    *,
    title: str,
    dimension: Dimension,
    min_groups: int,
    ci: CiMethod,
    kind: Literal["absolute", "relative"],
    weighted: bool,
    needs_reference: bool = False,
) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Class-free registration decorator: ``@register("bgv", ...)`` over the measure function."""

    def decorate(function: Callable[..., object]) -> Callable[..., object]:
        if name in MEASURES:
            raise RuntimeError(f"inequality measure {name!r} registered twice")
        MEASURES[name] = MeasureSpec(
            name=name,
            title=title,
            dimension=dimension,
            min_groups=min_groups,
            ci=ci,
            kind=kind,
            weighted=weighted,
            needs_reference=needs_reference,
            function=function,
        )
        return function

    return decorate
