"""Declaring an inequality measure: :func:`measure` over one array function.

The array function computes the measure for every set of a
:class:`~jamlik.equity._sets.GroupSets` at once and returns
:class:`~jamlik.equity._ci.Columns`. The decorator registers it with its properties and returns
the single-set public function, ``name(pop, est, *, se=None, order=None, scale=100,
favourable=True, reference=None, confidence=0.95, force=False, **options)``, which validates
its arguments (:func:`~jamlik.equity._validate.prepare`), calls the same array function with
one set and returns an :class:`~jamlik.equity.result.InequalityResult`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Literal

import numpy as np

from jamlik.equity._ci import Columns
from jamlik.equity._registry import CiMethod, Dimension, MeasureSpec, Reference, ValueRange, add
from jamlik.equity._sets import GroupSets
from jamlik.equity._validate import prepare
from jamlik.equity.result import InequalityResult

ArrayMeasure = Callable[..., Columns]

_KW = inspect.Parameter.KEYWORD_ONLY
_COMMON = [
    inspect.Parameter("pop", inspect.Parameter.POSITIONAL_OR_KEYWORD),
    inspect.Parameter("est", inspect.Parameter.POSITIONAL_OR_KEYWORD),
    *(inspect.Parameter(name, _KW, default=default) for name, default in (
        ("se", None), ("order", None), ("scale", 100), ("favourable", True),
        ("reference", None), ("confidence", 0.95), ("force", False))),
]  # fmt: skip
_CI_TEXT = {
    "analytic": "analytic (estimate ± z·se)",
    "delta_hc1": "delta method on the HC1 robust covariance (method='logit'); simulation "
    "(n_sim draws, seed) for method='linear'",
    "simulation": "simulation (n_sim draws, seed)",
    "analytic_or_simulation": "analytic or simulation",
}


def measure(
    name: str,
    *,
    title: str,
    dimension: Dimension,
    min_groups: int,
    ci: CiMethod,
    kind: Literal["absolute", "relative"],
    weighted: bool,
    values: ValueRange,
    reference: Reference = "unused",
    options: Mapping[str, object] | None = None,
) -> Callable[[ArrayMeasure], Callable[..., InequalityResult]]:
    """Register the decorated array function as measure ``name``; return its public function.

    ``options`` are the measure's own keyword arguments with their single-set defaults (e.g.
    ``n_sim``, ``seed``); the array function takes them as keyword arguments too.
    """
    defaults = dict(options or {})

    def decorate(array: ArrayMeasure) -> Callable[..., InequalityResult]:
        def function(pop, est, *, se=None, order=None, scale=100, favourable=True,
                     reference=None, confidence=0.95, force=False,
                     **kwargs) -> InequalityResult:  # fmt: skip
            unknown = sorted(set(kwargs) - set(defaults))
            if unknown:
                raise TypeError(f"{name}() got an unexpected keyword argument {unknown[0]!r}")
            sets: GroupSets = prepare(name, pop, est, se=se, order=order, scale=scale,
                                      favourable=favourable, reference=reference,
                                      confidence=confidence, force=force)  # fmt: skip
            with np.errstate(all="ignore"):
                columns = array(sets, **{**defaults, **kwargs})
            return columns.result(name, sets.confidence)

        function.__name__ = function.__qualname__ = name
        function.__module__ = array.__module__
        function.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [*_COMMON, *(inspect.Parameter(k, _KW, default=v) for k, v in defaults.items())],
            return_annotation=InequalityResult)  # fmt: skip
        function.__doc__ = (f"{title} ({name.upper()}) of one group set.\n\n"
                            f"{inspect.cleandoc(array.__doc__ or '')}\n\n"
                            f"Confidence interval: {_CI_TEXT[ci]}.")  # fmt: skip
        add(MeasureSpec(name=name, title=title, dimension=dimension, min_groups=min_groups,
                        ci=ci, kind=kind, weighted=weighted, reference=reference,
                        values=values, options=defaults, array=array,
                        function=function))  # fmt: skip
        return function

    return decorate
