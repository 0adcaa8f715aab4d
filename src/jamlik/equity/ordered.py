"""Complex measures for ordered dimensions: SII, RII, ACI and RCI.

Subgroups are ranked from the most disadvantaged (``order`` = 1, relative rank near 0) to the
most advantaged (relative rank near 1) at the midpoints of their cumulative population share.

* ``method="logit"`` (WHO's default, healthequal ``sii.R``/``rii.R``): quasi-binomial logistic
  regression of the proportion est/scale on rank, SII = p̂(1) − p̂(0), RII = p̂(1)/p̂(0), with
  delta-method intervals on the HC1 robust covariance.
* ``method="linear"`` (public-health-profile convention, PHEindicatormethods ``phe_sii``):
  weighted least squares of the estimate on rank with population weights, SII = ŷ(1) − ŷ(0),
  RII = ŷ(1)/ŷ(0), with simulation intervals (estimates drawn from N(est, se)).

SII and RII are not sign-flipped for adverse indicators (as in healthequal): positive SII / RII
above 1 always mean higher values among the advantaged.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.special import expit

from jamlik.equity._ci import DEFAULT_SEED, NAN, analytic, check_simulation, no_ci
from jamlik.equity._registry import register
from jamlik.equity._regression import logit_fit, ridit, wls_line, wls_slope_se
from jamlik.equity._validate import Groups, prepare
from jamlik.equity.result import InequalityResult
from jamlik.model.errors import InputError

__all__ = ["aci", "rci", "rii", "sii"]

Method = Literal["logit", "linear"]


def _sorted(g: Groups) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    assert g.order is not None
    idx = np.argsort(g.order, kind="stable")
    return g.pop[idx], g.est[idx], None if g.se is None else g.se[idx]


def _logit_inputs(g: Groups, pop: np.ndarray, est: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Proportions and prior weights of WHO's logistic SII/RII.

    With population counts (every ``pop`` ≥ 1) healthequal rounds to whole persons,
    ``n = ceil(pop)``, ``y = round(est / scale × n)``, and fits ``glm(cbind(y, n − y) ~ rank,
    weights = pop)``; R multiplies those prior weights by the binomial totals, so the working
    weights are n². With population shares the unrounded proportions are used with weights
    share² (the estimates are invariant to the scale of the weights).
    """
    p = est / g.scale
    if ((p < 0) | (p > 1)).any():
        raise InputError(
            "est",
            est[(p < 0) | (p > 1)][0],
            f"values between 0 and scale={g.scale:g} for method='logit'",
            hint="Use method='linear' for indicators that are not proportions",
        )
    if (pop >= 1).all():
        n = np.ceil(pop)
        p = np.round(p * n) / n
        return p, n * n
    return p, pop * pop


def _fit(g: Groups, method: Method, n_sim: int, seed: int | None):
    if method not in ("logit", "linear"):
        raise InputError("method", method, "'logit' (WHO default) or 'linear'")
    pop, est, se = _sorted(g)
    rank = ridit(pop)
    if np.ptp(est) == 0:
        raise InputError("est", est[0], "estimates that are not all equal (no gradient to fit)")
    if method == "logit":
        p, w = _logit_inputs(g, pop, est)
        beta, cov = logit_fit(rank, p, w)
        return "logit", beta, cov
    check_simulation(n_sim, seed)
    b0, b1 = wls_line(rank, est, pop)
    sims = None
    if se is not None:
        rng = np.random.default_rng(seed)
        draws = rng.normal(est, se, size=(n_sim, est.size))
        sims = wls_line(rank, draws, pop)
    return "linear", np.array([b0, b1]), sims


def _quantiles(g: Groups, values: np.ndarray) -> tuple[float, float]:
    alpha = 1.0 - g.confidence
    lo, hi = np.nanquantile(values, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


@register(
    "sii",
    title="Slope index of inequality",
    dimension="ordered",
    min_groups=3,
    ci="delta_hc1",
    kind="absolute",
    weighted=True,
)
def sii(
    pop,
    est,
    *,
    se=None,
    order=None,
    scale=100,
    favourable=True,
    reference=None,
    confidence=0.95,
    force=False,
    method: Method = "logit",
    n_sim: int = 10_000,
    seed: int | None = DEFAULT_SEED,
) -> InequalityResult:
    """Slope index of inequality, in the units of the indicator (× ``scale`` for logit).

    ``se`` and the interval are on the indicator scale. ``se`` is NaN for ``method='linear'``
    (simulation interval, needs ``se``). ``favourable`` and ``reference`` are not used.
    """
    g = prepare("sii", pop, est, se=se, order=order, scale=scale, favourable=favourable,
                reference=reference, confidence=confidence, force=force)  # fmt: skip
    kind, beta, extra = _fit(g, method, n_sim, seed)
    if kind == "logit":
        p0, p1 = expit(beta[0]), expit(beta[0] + beta[1])
        grad = np.array([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)])
        value_se = float(np.sqrt(grad @ extra @ grad))
        result = analytic("sii", g, (p1 - p0) * g.scale, value_se * g.scale)
        return InequalityResult(**{**result.as_dict(), "method": "delta_hc1"})
    value = float(beta[1])
    if extra is None:
        return no_ci("sii", g, value)
    lo, hi = _quantiles(g, extra[1])
    return InequalityResult("sii", value, NAN, lo, hi, "simulation", g.confidence)


@register(
    "rii",
    title="Relative index of inequality",
    dimension="ordered",
    min_groups=3,
    ci="delta_hc1",
    kind="relative",
    weighted=True,
)
def rii(
    pop,
    est,
    *,
    se=None,
    order=None,
    scale=100,
    favourable=True,
    reference=None,
    confidence=0.95,
    force=False,
    method: Method = "logit",
    n_sim: int = 10_000,
    seed: int | None = DEFAULT_SEED,
) -> InequalityResult:
    """Relative index of inequality p̂(1)/p̂(0) (no unit).

    For ``method='logit'`` ``se`` is that of ln RII and the interval is exp(ln RII ± z·se).
    """
    g = prepare("rii", pop, est, se=se, order=order, scale=scale, favourable=favourable,
                reference=reference, confidence=confidence, force=force)  # fmt: skip
    kind, beta, extra = _fit(g, method, n_sim, seed)
    if kind == "logit":
        p0, p1 = expit(beta[0]), expit(beta[0] + beta[1])
        grad = np.array([(1 - p1) - (1 - p0), 1 - p1])
        log_se = float(np.sqrt(grad @ extra @ grad))
        log_value = float(np.log(p1 / p0))
        return InequalityResult(
            "rii",
            float(p1 / p0),
            log_se,
            float(np.exp(log_value - g.z * log_se)),
            float(np.exp(log_value + g.z * log_se)),
            "delta_hc1",
            g.confidence,
        )
    b0, b1 = beta
    value = float((b0 + b1) / b0) if b0 != 0 else NAN
    if extra is None:
        return no_ci("rii", g, value)
    s0, s1 = extra
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = _quantiles(g, (s0 + s1) / s0)
    return InequalityResult("rii", value, NAN, lo, hi, "simulation", g.confidence)


def _concentration(g: Groups, relative: bool) -> InequalityResult:
    pop, est, _ = _sorted(g)
    rank = ridit(pop)
    w = pop / pop.sum()
    sigma2 = float(w @ (rank - 0.5) ** 2)
    mean = float(w @ est)
    y = 2.0 * sigma2 * (est / mean if relative else est)
    slope, slope_se = wls_slope_se(rank, y, pop)
    name = "rci" if relative else "aci"
    return analytic(name, g, slope, slope_se)


@register(
    "aci",
    title="Absolute concentration index",
    dimension="ordered",
    min_groups=3,
    ci="analytic",
    kind="absolute",
    weighted=True,
)
def aci(
    pop,
    est,
    *,
    se=None,
    order=None,
    scale=100,
    favourable=True,
    reference=None,
    confidence=0.95,
    force=False,
) -> InequalityResult:
    """Absolute concentration index 2·Σ wⱼ (rⱼ − ½) yⱼ, with the regression standard error of
    Kakwani, Wagstaff & van Doorslaer (1997) as in healthequal ``aci.R``.

    Positive: the indicator is concentrated among the advantaged. ``se`` of the subgroups is
    not used.
    """
    g = prepare("aci", pop, est, se=se, order=order, scale=scale, favourable=favourable,
                reference=reference, confidence=confidence, force=force)  # fmt: skip
    return _concentration(g, relative=False)


@register(
    "rci",
    title="Relative concentration index",
    dimension="ordered",
    min_groups=3,
    ci="analytic",
    kind="relative",
    weighted=True,
)
def rci(
    pop,
    est,
    *,
    se=None,
    order=None,
    scale=100,
    favourable=True,
    reference=None,
    confidence=0.95,
    force=False,
) -> InequalityResult:
    """Relative concentration index ACI / μ, a fraction between −1 and 1 (healthequal
    ``rci.R``; HEAT displays it × 100)."""
    g = prepare("rci", pop, est, se=se, order=order, scale=scale, favourable=favourable,
                reference=reference, confidence=confidence, force=force)  # fmt: skip
    return _concentration(g, relative=True)
