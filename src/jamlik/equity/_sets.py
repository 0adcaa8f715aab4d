"""Group sets as arrays: the one input every inequality measure is defined on.

A :class:`GroupSets` holds ``n`` group sets of ``k`` subgroups each as ``(n, k)`` arrays of
population, estimate and standard error, with each set's reference subgroup. The single-set
API (:func:`jamlik.equity.d` …) builds one with ``n = 1``; the engine builds one for thousands
of sets at once. Both then call the same measure functions.

Ordered sets are sorted here, once, from the most to the least disadvantaged subgroup, so that
every measure sees the same layout. Standard errors of a set with any unknown standard error
are all NaN (WHO's HEAT gives no interval then). Intermediate results that several measures
share (a regression fit, simulation draws) are computed once per object (:meth:`shared`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

import numpy as np
from scipy.special import ndtri

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class GroupSets:
    """``n`` validated group sets of ``k`` subgroups each (see the module docstring).

    ``pop``, ``est``, ``se`` are ``(n, k)``; ``reference`` is ``(n,)``, the index of each set's
    reference subgroup or −1 (ordered sets compare their extremes and do not use it).
    """

    pop: np.ndarray
    est: np.ndarray
    se: np.ndarray
    ordered: bool
    reference: np.ndarray
    scale: float
    favourable: bool
    confidence: float
    _shared: dict[Hashable, object] = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls,
        pop: np.ndarray,
        est: np.ndarray,
        se: np.ndarray | None = None,
        order: np.ndarray | None = None,
        reference: np.ndarray | None = None,
        *,
        scale: float,
        favourable: bool,
        confidence: float,
    ) -> GroupSets:
        """Sets from ``(n, k)`` arrays; ``order`` (ranks, 1 = most disadvantaged) makes them
        ordered and sorts every set by rank; ``se`` None or any NaN in a set: no se for it."""
        pop, est = np.asarray(pop, float), np.asarray(est, float)
        se = np.full(est.shape, np.nan) if se is None else np.asarray(se, float)
        has_se = np.isfinite(se).all(1)
        se = np.where(has_se[:, None], se, np.nan)
        if order is not None:
            idx = np.argsort(np.asarray(order, float), axis=1, kind="stable")
            pop, est, se = (np.take_along_axis(a, idx, 1) for a in (pop, est, se))
        ref = np.full(est.shape[0], -1) if reference is None else np.asarray(reference, int)
        return cls(pop=pop, est=est, se=se, ordered=order is not None, reference=ref,
                   scale=float(scale), favourable=bool(favourable),
                   confidence=float(confidence))  # fmt: skip

    @property
    def n(self) -> int:
        return int(self.est.shape[0])

    @property
    def k(self) -> int:
        return int(self.est.shape[1])

    @cached_property
    def rows(self) -> np.ndarray:
        """``arange(n)``, to pick one subgroup per set: ``est[rows, i]``."""
        return np.arange(self.n)

    @cached_property
    def z(self) -> float:
        """Two-sided normal quantile for the confidence level."""
        return float(ndtri(1 - (1 - self.confidence) / 2))

    @cached_property
    def has_se(self) -> np.ndarray:
        """``(n,)``: the set has a standard error for every subgroup."""
        return np.isfinite(self.se).all(1)

    @cached_property
    def share(self) -> np.ndarray:
        """``(n, k)`` population shares."""
        return self.pop / self.pop.sum(1, keepdims=True)

    def shared(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per ``key`` for these sets (fits and draws several measures use)."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]  # type: ignore[return-value]
