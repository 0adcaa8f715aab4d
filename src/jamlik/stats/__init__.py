"""Layer 1: pure statistical methods for public-health indicators.

Every estimator returns an :class:`Estimate` (a frozen dataclass that is also a read-only
mapping) that records how it was made: method, statistic, confidence, multiplier, standard.
"""

from jamlik.model.age_bands import LIFE_TABLE_BANDS
from jamlik.stats._result import Estimate
from jamlik.stats.comparison import POLARITIES, Comparison, compare, compare_estimate
from jamlik.stats.crude import mean, mean_summary, proportion, rate
from jamlik.stats.funnel import FunnelLimits, funnel_limits
from jamlik.stats.life_expectancy import life_expectancy, life_expectancy_table
from jamlik.stats.life_table import LifeTable, life_table
from jamlik.stats.quantiles import assign_quantiles
from jamlik.stats.smoothing import empirical_bayes
from jamlik.stats.standard_populations import (
    STANDARD_AGE_GROUPS,
    STANDARDS,
    standard_age_group,
    standard_population,
)
from jamlik.stats.standardisation import dsr, dsr_table, isr, smr
from jamlik.stats.suppression import feasible_intervals, protect_linked, suppress, suppress_matrix
from jamlik.stats.survey import survey_mean, survey_proportion
from jamlik.stats.trend import (
    TrendColumns,
    TrendResult,
    chi_squared_trend,
    trend,
    trend_arrays,
)

__all__ = [
    "LIFE_TABLE_BANDS",
    "POLARITIES",
    "STANDARDS",
    "STANDARD_AGE_GROUPS",
    "Comparison",
    "Estimate",
    "FunnelLimits",
    "LifeTable",
    "TrendColumns",
    "TrendResult",
    "assign_quantiles",
    "chi_squared_trend",
    "compare",
    "compare_estimate",
    "dsr",
    "dsr_table",
    "empirical_bayes",
    "feasible_intervals",
    "funnel_limits",
    "isr",
    "life_expectancy",
    "life_expectancy_table",
    "life_table",
    "mean",
    "mean_summary",
    "proportion",
    "protect_linked",
    "rate",
    "smr",
    "standard_age_group",
    "standard_population",
    "suppress",
    "suppress_matrix",
    "survey_mean",
    "survey_proportion",
    "trend",
    "trend_arrays",
]
