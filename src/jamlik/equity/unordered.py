"""Complex measures for unordered (non-ordered) dimensions with more than two subgroups.

Each measure is a statistic of subgroup values ``E`` (the last axis holds the subgroups; the
estimates of every set, or every simulation draw of every set, see :class:`_Values`), declared
once with :func:`_declare`. Definitions follow WHO's HEAT technical notes and the R package
``healthequal`` (``bgv.R``, ``bgsd.R``, ``covar.R``, ``ti.R``, ``mld.R``, ``idisu.R``,
``idisw.R``, ``mdbu.R`` … ``mdrw.R``).

Intervals: analytic for BGV (Ahn et al. 2018), TI and MLD (delta method); simulation for the
others (estimates drawn from normal distributions truncated to [0, 100] for percentages or
[0, ∞) otherwise; ``n_sim`` draws, default 100 as in healthequal; percentile interval). All
simulation measures of a set use the same draws.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np

from jamlik.equity._ci import (
    DEFAULT_N_SIM,
    DEFAULT_SEED,
    Columns,
    Undefined,
    analytic,
    check_simulation,
    draws,
    simulated,
)
from jamlik.equity._measure import measure
from jamlik.equity._registry import NON_NEGATIVE, Reference
from jamlik.equity._sets import GroupSets

__all__ = [
    "bgsd",
    "bgv",
    "cov",
    "idisu",
    "idisw",
    "mdbu",
    "mdbw",
    "mdmu",
    "mdmw",
    "mdru",
    "mdrw",
    "mld",
    "ti",
]

#: Options of every unordered measure, with the single-set defaults.
SIM_OPTIONS = {"n_sim": DEFAULT_N_SIM, "seed": DEFAULT_SEED}


class _Values:
    """Subgroup values ``E`` ``(…, n, k)`` of the sets ``s`` with shares ``W`` broadcastable to
    them, and the quantities several measures share (each computed once)."""

    def __init__(self, E: np.ndarray, W: np.ndarray, s: GroupSets):
        self.E, self.W, self.s = E, W, s

    @cached_property
    def mean(self) -> np.ndarray:
        """Population-weighted mean μ."""
        return (self.E * self.W).sum(-1)

    @cached_property
    def dev(self) -> np.ndarray:
        return self.E - self.mean[..., None]

    @cached_property
    def abs_dev(self) -> np.ndarray:
        return np.abs(self.dev)

    @cached_property
    def bgv(self) -> np.ndarray:
        return (self.dev**2 * self.W).sum(-1)

    @cached_property
    def best(self) -> np.ndarray:
        return self.E.max(-1) if self.s.favourable else self.E.min(-1)

    @cached_property
    def ref(self) -> np.ndarray:
        """The reference subgroup's value (the first subgroup's for sets without one)."""
        idx = np.maximum(self.s.reference, 0).reshape((-1,) + (1,) * (self.E.ndim - 1))
        idx = np.broadcast_to(idx, (*self.E.shape[:-1], 1))
        return np.take_along_axis(self.E, idx, -1)[..., 0]

    @cached_property
    def ratio(self) -> np.ndarray:
        """yⱼ / μ after healthequal's replacement of zeros by 1e-6 (before taking logs)."""
        positive = np.where(self.E == 0, 1e-6, self.E)
        return positive / (positive * self.W).sum(-1)[..., None]


def _estimates(s: GroupSets) -> _Values:
    return s.shared("estimates", lambda: _Values(s.est, s.share, s))


Statistic = Callable[[_Values], np.ndarray]
Formula = Callable[[GroupSets], np.ndarray]


def _declare(
    name: str,
    title: str,
    statistic: Statistic,
    *,
    kind: str,
    weighted: bool,
    se_formula: Formula | None = None,
    reference: Reference = "unused",
) -> Callable[..., object]:
    """Declare one unordered measure from its statistic (and analytic se, if it has one)."""

    def array(s: GroupSets, *, n_sim: int = DEFAULT_N_SIM,
              seed: int | None = DEFAULT_SEED) -> Columns:  # fmt: skip
        value = statistic(_estimates(s))
        if se_formula is not None:
            out = analytic(value, se_formula(s), s.z, ok=s.has_se)
        else:
            check_simulation(n_sim, seed)
            def simulate() -> _Values:
                return _Values(draws(s, n_sim, seed), s.share[:, None, :], s)

            sims = simulate() if seed is None else s.shared(("sim", n_sim, seed), simulate)
            out = simulated(s, value, statistic(sims))
        if reference != "required":
            return out
        missing = Undefined(s.reference < 0, "reference", np.full(s.n, None, dtype=object),
                            f"the index of the reference subgroup for {name!r}")  # fmt: skip
        return Columns(out.estimate, out.se, out.lower, out.upper, out.method, (missing,))

    array.__name__ = array.__qualname__ = name
    array.__doc__ = statistic.__doc__
    return measure(name, title=title, dimension="unordered", min_groups=3,
                   ci="analytic" if se_formula else "simulation", kind=kind,  # type: ignore[arg-type]
                   weighted=weighted, values=NON_NEGATIVE, reference=reference,
                   options=SIM_OPTIONS)(array)  # fmt: skip


def _bgv(v: _Values) -> np.ndarray:
    """Σ wⱼ (yⱼ − μ)², with population shares wⱼ and weighted mean μ."""
    return v.bgv


def _bgv_se(s: GroupSets) -> np.ndarray:
    """Ahn et al. (2018) variance of BGV, as in healthequal ``bgv.R``."""
    W, Y, s2 = s.share, s.est, s.se**2
    mean = (W * Y).sum(-1)
    dev2 = (Y - mean[:, None]) ** 2
    var = 4 * (W**2 * s2 * dev2).sum(-1) + 2 * (
        (W**2 * s2).sum(-1) ** 2 - (W**4 * s2**2).sum(-1) + (W**2 * (1 - W) ** 2 * s2**2).sum(-1))
    return np.sqrt(var)


def _log_terms(s: GroupSets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shares, weighted mean, ratios yⱼ/μ) of the estimates with zeros replaced by 1e-6."""
    W = s.share
    positive = np.where(s.est == 0, 1e-6, s.est)
    mean = (W * positive).sum(-1)
    return W, mean, positive / mean[:, None]


def _ti(v: _Values) -> np.ndarray:
    """1000 × Σ wⱼ rⱼ ln rⱼ with rⱼ = yⱼ / μ (healthequal scale)."""
    return 1000.0 * (v.ratio * np.log(v.ratio) * v.W).sum(-1)


def _ti_se(s: GroupSets) -> np.ndarray:
    """Delta-method se of Theil's index (× 1000, the scale of the estimate)."""
    W, mean, ratio = _log_terms(s)
    centre = (ratio * (1 + np.log(ratio)) * W).sum(-1)
    return 1000.0 * np.sqrt(
        (((1 + np.log(ratio) - centre[:, None]) ** 2) * W**2 * s.se**2).sum(-1)) / mean


def _mld(v: _Values) -> np.ndarray:
    """1000 × Σ wⱼ (−ln rⱼ) with rⱼ = yⱼ / μ (healthequal scale)."""
    return 1000.0 * (-np.log(v.ratio) * v.W).sum(-1)


def _mld_se(s: GroupSets) -> np.ndarray:
    """Delta-method se of the mean log deviation (× 1000, the scale of the estimate)."""
    W, mean, ratio = _log_terms(s)
    return 1000.0 * np.sqrt((s.se**2 * W**2 / mean[:, None] ** 2 * (1 - 1 / ratio) ** 2).sum(-1))


def _bgsd(v: _Values) -> np.ndarray:
    """√BGV, in the units of the indicator."""
    return np.sqrt(v.bgv)


def _cov(v: _Values) -> np.ndarray:
    """100 × BGSD / μ (percent)."""
    return 100.0 * np.sqrt(v.bgv) / v.mean


def _idisu(v: _Values) -> np.ndarray:
    """100 × mean |yⱼ − μ| / μ (unweighted mean over subgroups; percent)."""
    return 100.0 * v.abs_dev.mean(-1) / v.mean


def _idisw(v: _Values) -> np.ndarray:
    """100 × Σ wⱼ |yⱼ − μ| / μ (percent)."""
    return 100.0 * (v.abs_dev * v.W).sum(-1) / v.mean


def _mdbu(v: _Values) -> np.ndarray:
    """Mean |yⱼ − y_best| (best = highest if favourable, else lowest)."""
    return np.abs(v.E - v.best[..., None]).mean(-1)


def _mdbw(v: _Values) -> np.ndarray:
    """Σ wⱼ |yⱼ − y_best|."""
    return (np.abs(v.E - v.best[..., None]) * v.W).sum(-1)


def _mdmu(v: _Values) -> np.ndarray:
    """Mean |yⱼ − μ|."""
    return v.abs_dev.mean(-1)


def _mdmw(v: _Values) -> np.ndarray:
    """Σ wⱼ |yⱼ − μ|."""
    return (v.abs_dev * v.W).sum(-1)


def _mdru(v: _Values) -> np.ndarray:
    """Mean |yⱼ − y_ref| (``reference`` required)."""
    return np.abs(v.E - v.ref[..., None]).mean(-1)


def _mdrw(v: _Values) -> np.ndarray:
    """Σ wⱼ |yⱼ − y_ref| (``reference`` required)."""
    return (np.abs(v.E - v.ref[..., None]) * v.W).sum(-1)


bgv = _declare("bgv", "Between-group variance", _bgv, kind="absolute", weighted=True,
               se_formula=_bgv_se)  # fmt: skip
bgsd = _declare("bgsd", "Between-group standard deviation", _bgsd, kind="absolute", weighted=True)
cov = _declare("cov", "Coefficient of variation", _cov, kind="relative", weighted=True)
ti = _declare("ti", "Theil index", _ti, kind="relative", weighted=True, se_formula=_ti_se)
mld = _declare("mld", "Mean log deviation", _mld, kind="relative", weighted=True,
               se_formula=_mld_se)  # fmt: skip
idisu = _declare("idisu", "Index of disparity (unweighted)", _idisu, kind="relative",
                 weighted=False)  # fmt: skip
idisw = _declare("idisw", "Index of disparity (weighted)", _idisw, kind="relative",
                 weighted=True)  # fmt: skip
mdbu = _declare("mdbu", "Mean difference from best performing subgroup (unweighted)", _mdbu,
                kind="absolute", weighted=False)  # fmt: skip
mdbw = _declare("mdbw", "Mean difference from best performing subgroup (weighted)", _mdbw,
                kind="absolute", weighted=True)  # fmt: skip
mdmu = _declare("mdmu", "Mean difference from mean (unweighted)", _mdmu, kind="absolute",
                weighted=False)  # fmt: skip
mdmw = _declare("mdmw", "Mean difference from mean (weighted)", _mdmw, kind="absolute",
                weighted=True)  # fmt: skip
mdru = _declare("mdru", "Mean difference from reference subgroup (unweighted)", _mdru,
                kind="absolute", weighted=False, reference="required")  # fmt: skip
mdrw = _declare("mdrw", "Mean difference from reference subgroup (weighted)", _mdrw,
                kind="absolute", weighted=True, reference="required")  # fmt: skip
