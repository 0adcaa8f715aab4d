"""The indicator methods, one registry: the catalogue's ``method:`` → its estimator.

Each method is declared once with :func:`register` beside its estimating function
(:mod:`._counts` for methods on rolled-up counts, :mod:`._survey` for the survey method), and
the engine calls every indicator the same way:

>>> sorted(METHODS)
['count', 'dsr', 'life_expectancy', 'proportion', 'rate', 'survey_proportion']
>>> METHODS["dsr"].label, METHODS["survey_proportion"].input.name
('dobson', 'survey_units')

The catalogue lists the method names (:data:`jamlik.model.catalogue.COMPUTED_METHODS`, as the
model cannot import the engine); importing this package checks that exactly those are
registered.
"""

from __future__ import annotations

import polars as pl

from jamlik.engine._rollup import Cells
from jamlik.engine.methods import _counts, _survey  # noqa: F401  (they register their methods)
from jamlik.engine.methods._registry import (
    LEVELS,
    METHODS,
    RESULT,
    SERIES,
    Input,
    Method,
    register,
)
from jamlik.model.catalogue import COMPUTED_METHODS, Indicator
from jamlik.model.errors import InputError

__all__ = ["LEVELS", "METHODS", "RESULT", "SERIES", "Input", "Method", "estimate",
           "method_of", "missing_input", "register"]

if set(METHODS) != set(COMPUTED_METHODS):
    raise RuntimeError(f"the registered indicator methods {sorted(METHODS)} must be exactly the "
                       f"catalogue's computed methods {sorted(COMPUTED_METHODS)} "
                       "(jamlik.model.catalogue.COMPUTED_METHODS)")


def method_of(ind: Indicator) -> Method:
    """The registered method of an indicator."""
    try:
        return METHODS[ind.method]
    except KeyError:
        raise InputError("method", ind.method, f"one of {sorted(METHODS)}",
                         hint="external indicators are published by jamlik.engine.external, "
                              "not computed") from None


def estimate(cells: Cells, wh, ind: Indicator) -> pl.DataFrame:
    """The indicator's rows by its method, in :data:`RESULT` columns plus the flags ``_syn``
    (made from synthetic input) and ``_fb`` (person-time fell back)."""
    return method_of(ind).run(cells, wh, ind)


def missing_input(cells: Cells, wh, ind: Indicator) -> str | None:
    """Why the indicator cannot be computed from what is loaded, or None when it can."""
    return method_of(ind).missing(cells, wh, ind)
