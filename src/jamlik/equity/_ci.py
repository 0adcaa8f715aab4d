"""Building results: analytic intervals and WHO-style simulation intervals."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import truncnorm

from jamlik.equity._validate import Groups
from jamlik.equity.result import InequalityResult
from jamlik.model.errors import InputError

NAN = float("nan")
DEFAULT_N_SIM = 100  # WHO healthequal default (argument ``sim``)
DEFAULT_SEED = 123456  # WHO healthequal default (argument ``seed``)


def analytic(measure: str, g: Groups, estimate: float, se: float) -> InequalityResult:
    """Estimate ± z·se; no interval when ``se`` is not finite."""
    estimate, se = float(estimate), float(se)
    if not np.isfinite(se):
        return no_ci(measure, g, estimate)
    return InequalityResult(
        measure, estimate, se, estimate - g.z * se, estimate + g.z * se, "analytic", g.confidence
    )


def no_ci(measure: str, g: Groups, estimate: float) -> InequalityResult:
    return InequalityResult(measure, float(estimate), NAN, NAN, NAN, "none", g.confidence)


def check_simulation(n_sim: int, seed: int | None) -> None:
    if isinstance(n_sim, bool) or not isinstance(n_sim, int | np.integer) or n_sim < 10:
        raise InputError("n_sim", n_sim, "an integer number of simulations of at least 10")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise InputError("seed", seed, "an integer seed or None")


def draw(g: Groups, n_sim: int, seed: int | None) -> np.ndarray:
    """``n_sim`` × k draws of the subgroup estimates, as WHO's HEAT/healthequal simulate them.

    Each estimate is drawn from a normal distribution with its standard error, truncated at 0
    below and, for percentages (``scale == 100``), at 100 above (healthequal redraws until the
    value is in range, which is the same truncated normal distribution).
    """
    assert g.se is not None
    rng = np.random.default_rng(seed)
    upper = g.scale if g.scale == 100 else np.inf
    sd = np.where(g.se > 0, g.se, 1.0)
    a = (0.0 - g.est) / sd
    b = (upper - g.est) / sd
    sims = truncnorm.rvs(a, b, loc=g.est, scale=sd, size=(n_sim, g.k), random_state=rng)
    return np.where(g.se > 0, sims, g.est)


def simulated(
    measure: str,
    g: Groups,
    estimate: float,
    statistic: Callable[[np.ndarray], np.ndarray],
    n_sim: int,
    seed: int | None,
) -> InequalityResult:
    """Percentile interval of ``statistic`` over simulated estimates (rows of a 2-D array)."""
    check_simulation(n_sim, seed)
    if g.se is None:
        return no_ci(measure, g, estimate)
    values = statistic(draw(g, n_sim, seed))
    alpha = 1.0 - g.confidence
    lower, upper = np.nanquantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])  # R type 7
    return InequalityResult(
        measure, float(estimate), NAN, float(lower), float(upper), "simulation", g.confidence
    )
