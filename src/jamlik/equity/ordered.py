"""Complex measures for ordered dimensions: SII, RII, ACI and RCI.

Subgroups are ranked from the most disadvantaged (``order`` = 1, relative rank near 0) to the
most advantaged (relative rank near 1) at the midpoints of their cumulative population share.
Each measure is one function of :class:`~jamlik.equity._sets.GroupSets` (every set at once,
already sorted by rank); SII and RII share one fit per set.

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

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import expit

from jamlik.equity._ci import (
    DEFAULT_SEED,
    Columns,
    Undefined,
    analytic,
    as_columns,
    check_simulation,
    simulated,
)
from jamlik.equity._measure import measure
from jamlik.equity._registry import ANY_REAL, POSITIVE, ValueRange
from jamlik.equity._regression import logit_fit
from jamlik.equity._sets import GroupSets
from jamlik.model.errors import InputError

__all__ = ["aci", "rci", "rii", "sii"]

Method = Literal["logit", "linear"]
#: Options of SII and RII, with the single-set defaults.
FIT_OPTIONS = {"method": "logit", "n_sim": 10_000, "seed": DEFAULT_SEED}


@dataclass(frozen=True, slots=True)
class _Ranks:
    """Relative ranks of sets sorted by rank, and the weighted-regression terms on them."""

    rank: np.ndarray  # (n, k) midpoints of the cumulative population share
    xm: np.ndarray  # (n,) population-weighted mean rank
    dx: np.ndarray  # (n, k) rank − xm
    sxx: np.ndarray  # (n,) Σ pop·dx²
    flat: Undefined  # sets whose estimates are all equal (no gradient to fit)


def _ranks(s: GroupSets) -> _Ranks:
    def compute() -> _Ranks:
        P = s.pop
        cum = np.cumsum(P, 1)
        rank = (cum - P / 2.0) / cum[:, -1:]
        xm = (P * rank).sum(1) / P.sum(1)
        dx = rank - xm[:, None]
        flat = Undefined(np.ptp(s.est, axis=1) == 0, "est", s.est[:, 0],
                         "estimates that are not all equal (no gradient to fit)")  # fmt: skip
        return _Ranks(rank, xm, dx, (P * dx * dx).sum(1), flat)

    return s.shared("ranks", compute)


def _logit(s: GroupSets) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[Undefined, ...]]:
    """p̂(0), p̂(1), HC1 covariance of the logistic fit per set, and where it is undefined.

    With population counts (every ``pop`` ≥ 1) healthequal rounds to whole persons,
    ``n = ceil(pop)``, ``y = round(est / scale × n)``, and fits ``glm(cbind(y, n − y) ~ rank,
    weights = pop)``; R multiplies those prior weights by the binomial totals, so the working
    weights are n². With population shares the unrounded proportions are used with weights
    share² (the estimates are invariant to the scale of the weights).
    """

    def compute():
        x = _ranks(s)
        P, Y = s.pop, s.est
        p = Y / s.scale
        outside = (p < 0) | (p > 1)
        off = Undefined(outside.any(1), "est", Y[s.rows, outside.argmax(1)],
                        f"values between 0 and scale={s.scale:g} for method='logit'",
                        hint="Use method='linear' for indicators that are not proportions")  # fmt: skip
        bad = off.where | x.flat.where
        counts = (P >= 1).all(1)[:, None]
        nn = np.ceil(P)
        p = np.where(counts, np.round(p * nn) / np.where(counts, nn, 1.0), p)
        w = np.where(counts, nn * nn, P * P)
        beta, cov = logit_fit(x.rank, np.where(bad[:, None], 0.5, p), w)
        p0, p1 = expit(beta[:, 0]), expit(beta[:, 0] + beta[:, 1])
        return p0, p1, cov, (x.flat, off)

    return s.shared("logit", compute)


def _linear(s: GroupSets, n_sim: int, seed: int | None):
    """Intercept, slope and their ``(n, n_sim)`` simulated values of the WLS line per set.

    The draws are est + se·Z with the same standard normals Z (``n_sim × k``) for every set,
    the fit is linear in the estimates, so each simulated fit is the fit plus the fit of se·Z.
    """

    def compute():
        x = _ranks(s)
        P, Y, S = s.pop, s.est, np.nan_to_num(s.se)
        c = P * x.dx / x.sxx[:, None]
        b1 = (Y * c).sum(1)
        b0 = (Y * P).sum(1) / P.sum(1) - b1 * x.xm
        Zs = np.random.default_rng(seed).normal(0.0, 1.0, size=(n_sim, s.k))
        s1 = b1[:, None] + (S * c) @ Zs.T
        ym = (Y * P).sum(1) / P.sum(1)
        s0 = ym[:, None] + (S * s.share) @ Zs.T - s1 * x.xm[:, None]
        return b0, b1, s0, s1

    if seed is None:
        return compute()
    return s.shared(("linear", n_sim, seed), compute)


def _check_method(method: str) -> None:
    if method not in ("logit", "linear"):
        raise InputError("method", method, "'logit' (WHO default) or 'linear'")


def _undefined(columns: Columns, undefined: tuple[Undefined, ...]) -> Columns:
    bad = np.zeros(columns.estimate.size, bool)
    for u in undefined:
        bad |= u.where
    return Columns(np.where(bad, np.nan, columns.estimate), columns.se, columns.lower,
                   columns.upper, columns.method, undefined)  # fmt: skip


@measure("sii", title="Slope index of inequality", dimension="ordered", min_groups=3,
         ci="delta_hc1", kind="absolute", weighted=True, values=ANY_REAL,
         options=FIT_OPTIONS)  # fmt: skip
def sii(s: GroupSets, *, method: Method = "logit", n_sim: int = 10_000,
        seed: int | None = DEFAULT_SEED) -> Columns:  # fmt: skip
    """Slope index of inequality, in the units of the indicator (× ``scale`` for logit).

    ``se`` and the interval are on the indicator scale. ``se`` is NaN for ``method='linear'``
    (simulation interval, needs ``se``). ``favourable`` and ``reference`` are not used.
    """
    _check_method(method)
    if method == "logit":
        p0, p1, cov, undefined = _logit(s)
        g = np.stack([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)], 1)
        se = np.sqrt(np.einsum("ni,nij,nj->n", g, cov, g))
        out = analytic((p1 - p0) * s.scale, se * s.scale, s.z)
        out.method[:] = "delta_hc1"
        return _undefined(out, undefined)
    check_simulation(n_sim, seed)
    _, b1, _, s1 = _linear(s, n_sim, seed)
    return _undefined(simulated(s, b1, s1), (_ranks(s).flat,))


@measure("rii", title="Relative index of inequality", dimension="ordered", min_groups=3,
         ci="delta_hc1", kind="relative", weighted=True, values=POSITIVE,
         options=FIT_OPTIONS)  # fmt: skip
def rii(s: GroupSets, *, method: Method = "logit", n_sim: int = 10_000,
        seed: int | None = DEFAULT_SEED) -> Columns:  # fmt: skip
    """Relative index of inequality p̂(1)/p̂(0) (no unit).

    For ``method='logit'`` ``se`` is that of ln RII and the interval is exp(ln RII ± z·se).
    """
    _check_method(method)
    if method == "logit":
        p0, p1, cov, undefined = _logit(s)
        g = np.stack([(1 - p1) - (1 - p0), 1 - p1], 1)
        log_se = np.sqrt(np.einsum("ni,nij,nj->n", g, cov, g))
        log_se = np.where(np.isfinite(log_se), log_se, np.nan)
        out = as_columns(p1 / p0, log_se, np.exp(np.log(p1 / p0) - s.z * log_se),
                         np.exp(np.log(p1 / p0) + s.z * log_se), "delta_hc1")  # fmt: skip
        return _undefined(out, undefined)
    check_simulation(n_sim, seed)
    b0, b1, s0, s1 = _linear(s, n_sim, seed)
    value = np.where(b0 != 0, (b0 + b1) / b0, np.nan)
    return _undefined(simulated(s, value, (s0 + s1) / s0), (_ranks(s).flat,))


def _concentration(s: GroupSets, relative: bool) -> Columns:
    """2σ²ᵣ × the WLS slope of y (ACI) or y/μ (RCI) on rank, with its classical se."""
    x = _ranks(s)
    P, Y, W = s.pop, s.est, s.share
    sigma2 = (W * (x.rank - 0.5) ** 2).sum(1)
    yy = 2 * sigma2[:, None] * Y
    if relative:
        yy = yy / (W * Y).sum(1)[:, None]
    slope = (yy * P * x.dx).sum(1) / x.sxx
    b0 = (yy * P).sum(1) / P.sum(1) - slope * x.xm
    resid = yy - b0[:, None] - slope[:, None] * x.rank
    se = np.sqrt((P * resid**2).sum(1) / (s.k - 2) / x.sxx)
    return analytic(slope, se, s.z)


@measure("aci", title="Absolute concentration index", dimension="ordered", min_groups=3,
         ci="analytic", kind="absolute", weighted=True, values=ANY_REAL)  # fmt: skip
def aci(s: GroupSets) -> Columns:
    """Absolute concentration index 2·Σ wⱼ (rⱼ − ½) yⱼ, with the regression standard error of
    Kakwani, Wagstaff & van Doorslaer (1997) as in healthequal ``aci.R``.

    Positive: the indicator is concentrated among the advantaged. ``se`` of the subgroups is
    not used.
    """
    return _concentration(s, relative=False)


@measure("rci", title="Relative concentration index", dimension="ordered", min_groups=3,
         ci="analytic", kind="relative", weighted=True,
         values=ValueRange(-1.0, 1.0, low_closed=True, high_closed=True))  # fmt: skip
def rci(s: GroupSets) -> Columns:
    """Relative concentration index ACI / μ, a fraction between −1 and 1 (healthequal
    ``rci.R``; HEAT displays it × 100)."""
    return _concentration(s, relative=True)
