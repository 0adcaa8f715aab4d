"""Layer 1: health-inequality summary measures, gap trends and life-expectancy-gap decomposition.

Every measure is defined once, on many group sets at once (``MEASURES[name].array``, a function
of :class:`GroupSets` returning :class:`Columns`), and has a single-set function with the
signature ``name(pop, est, *, se=None, order=None, scale=100, favourable=True, reference=None,
confidence=0.95, force=False, …)`` that calls it with one set and returns an
:class:`InequalityResult`. Definitions follow WHO's HEAT technical notes and the R package
``healthequal``; docs/equity.md lists every measure, when it applies and how its interval is
computed. Pure numeric: no I/O.
"""

from jamlik.equity._ci import Columns
from jamlik.equity._registry import MEASURES, MeasureSpec, ValueRange
from jamlik.equity._sets import GroupSets
from jamlik.equity.arriaga import ArriagaResult, arriaga, arriaga_from_life_tables
from jamlik.equity.gap_trend import GapTrend, GapTrendColumns, gap_trend, gap_trend_arrays
from jamlik.equity.ordered import aci, rci, rii, sii
from jamlik.equity.result import CI_METHODS, InequalityResult
from jamlik.equity.simple import d, paf, par, r
from jamlik.equity.summary import applicable_measures, compute_all, measure_spec
from jamlik.equity.unordered import (
    bgsd,
    bgv,
    cov,
    idisu,
    idisw,
    mdbu,
    mdbw,
    mdmu,
    mdmw,
    mdru,
    mdrw,
    mld,
    ti,
)

__all__ = [
    "CI_METHODS",
    "MEASURES",
    "ArriagaResult",
    "Columns",
    "GapTrend",
    "GapTrendColumns",
    "GroupSets",
    "InequalityResult",
    "MeasureSpec",
    "ValueRange",
    "aci",
    "applicable_measures",
    "arriaga",
    "arriaga_from_life_tables",
    "bgsd",
    "bgv",
    "compute_all",
    "cov",
    "d",
    "gap_trend",
    "gap_trend_arrays",
    "idisu",
    "idisw",
    "mdbu",
    "mdbw",
    "mdmu",
    "mdmw",
    "mdru",
    "mdrw",
    "measure_spec",
    "mld",
    "paf",
    "par",
    "r",
    "rci",
    "rii",
    "sii",
    "ti",
]
