"""The contract of an indicator method, and the registry where each method is declared.

A method is one estimating function decorated with :func:`register`, which records the
catalogue's name for it, the :class:`Input` it estimates from (rolled-up cells or survey
respondents), the label its rows carry in ``observations.method`` and what else its rows say
(a standard population; a period of several years).

Every estimating function takes its input and the indicator and returns one row per series
(:data:`SERIES`) with ``numerator``, ``denominator``, ``value``, the limits at :data:`LEVELS`
(``lower_95`` … ``upper_998``) and a ``note``; :meth:`Method.finish` then adds what every row
carries, in the :data:`RESULT` columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from jamlik.engine._rollup import PERSON_TIME_NOTE, Cells
from jamlik.model.catalogue import Indicator

#: Confidence levels of the published limits (``lower_95``/``upper_95``, ``lower_998``/…).
LEVELS = (0.95, 0.998)
SERIES = ["year", "area_level", "area_code", "breakdown", "group_value"]
RESULT = [*SERIES, "period", "numerator", "denominator", "value", "lower_95", "upper_95",
          "lower_998", "upper_998", "method", "standard", "multiplier", "note"]
LIMITS = ("lower_95", "upper_95", "lower_998", "upper_998")
EDUCATION_NOTE = "education is known from age 25: the education breakdown covers ages 25+"

#: An estimating function: (its input, the indicator) → one row per series.
Estimator = Callable[[Any, Indicator], pl.DataFrame]


@dataclass(frozen=True, slots=True)
class Input:
    """What a kind of method estimates from.

    ``run(method, cells, warehouse, indicator)`` reads the input, calls the method's estimator,
    finishes its rows and flags each with ``_syn`` (made from synthetic input) and ``_fb``
    (person-time fell back to an approximation). ``missing(cells, warehouse, indicator)`` says
    why the input is not loaded, or None when it is.
    """

    name: str
    run: Callable[[Method, Cells, Any, Indicator], pl.DataFrame]
    missing: Callable[[Cells, Any, Indicator], str | None]


@dataclass(frozen=True, slots=True)
class Method:
    """Declaration of one indicator method (see :func:`register`)."""

    name: str
    input: Input
    estimate: Estimator
    label: str
    standardised: bool = False
    pooled: bool = False

    def run(self, cells: Cells, wh, ind: Indicator) -> pl.DataFrame:
        """The indicator's rows, read from this method's input (see :class:`Input`)."""
        return self.input.run(self, cells, wh, ind)

    def missing(self, cells: Cells, wh, ind: Indicator) -> str | None:
        """Why the indicator's input is not loaded, or None when it is."""
        return self.input.missing(cells, wh, ind)

    def years_per_row(self, ind: Indicator) -> int:
        """How many years one row pools: the indicator's ``period_years`` for a pooled
        method, else 1."""
        return ind.period_years if self.pooled else 1

    def finish(self, df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
        """The estimator's rows in the :data:`RESULT` columns: period (``2020–2024`` for a
        pooled row), the method's label, the standard population of a standardised method,
        the multiplier, and the notes every row of the indicator carries."""
        period = pl.col("year").cast(pl.Utf8)
        years = self.years_per_row(ind)
        if years > 1:
            period = (pl.col("year") - years + 1).cast(pl.Utf8) + "–" + period
        note = pl.col("note") if "note" in df.columns else pl.lit(None, dtype=pl.Utf8)
        edu = pl.when(pl.col("breakdown") == "education").then(pl.lit(EDUCATION_NOTE))
        mean_pop = pl.lit(PERSON_TIME_NOTE if ind.person_time else None, dtype=pl.Utf8)
        standard = ind.standard if self.standardised else None
        df = df.with_columns(
            period=period, method=pl.lit(self.label), standard=pl.lit(standard, dtype=pl.Utf8),
            multiplier=pl.lit(float(ind.multiplier)),
            note=pl.concat_str([note, edu, mean_pop], separator="; ", ignore_nulls=True),
        )
        for c in ("value", *LIMITS):
            if c not in df.columns:
                df = df.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
        return df.select(RESULT).with_columns(pl.col("note").replace("", None))


METHODS: dict[str, Method] = {}


def register(name: str, *, input: Input, label: str, standardised: bool = False,
             pooled: bool = False) -> Callable[[Estimator], Estimator]:
    """``@register("rate", input=CELLS, label="byar_exact")`` over the estimating function.

    ``name`` is the catalogue's ``method:``; ``label`` is written to ``observations.method``;
    ``standardised`` rows carry the indicator's standard population; a ``pooled`` row pools
    ``period_years`` years ending in its year.
    """

    def decorate(function: Estimator) -> Estimator:
        if name in METHODS:
            raise RuntimeError(f"indicator method {name!r} registered twice")
        METHODS[name] = Method(name=name, input=input, estimate=function, label=label,
                               standardised=standardised, pooled=pooled)
        return function

    return decorate

