"""Complex measures for unordered (non-ordered) dimensions with more than two subgroups.

Each measure is a pure, vectorised statistic of the subgroup estimates ``E`` (the last axis
holds the subgroups, so the same function computes the estimate and every simulation draw),
declared once with :func:`_measure`. Definitions follow WHO's HEAT technical notes and the
R package ``healthequal`` (``bgv.R``, ``bgsd.R``, ``covar.R``, ``ti.R``, ``mld.R``,
``idisu.R``, ``idisw.R``, ``mdbu.R`` … ``mdrw.R``).

Intervals: analytic for BGV (Ahn et al. 2018), TI and MLD (delta method); simulation for the
others (estimates drawn from normal distributions truncated to [0, 100] for percentages or
[0, ∞) otherwise; ``n_sim`` draws, default 100 as in healthequal; percentile interval).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from jamlik.equity._ci import DEFAULT_N_SIM, DEFAULT_SEED, analytic, no_ci, simulated
from jamlik.equity._registry import register
from jamlik.equity._validate import Groups, prepare
from jamlik.equity.result import InequalityResult
from jamlik.model.errors import InputError

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

Statistic = Callable[[np.ndarray, Groups], np.ndarray]
Analytic = Callable[[Groups, float], float]


def _wmean(E: np.ndarray, g: Groups) -> np.ndarray:
    return E @ g.share


def _best(E: np.ndarray, g: Groups) -> np.ndarray:
    return E.max(axis=-1) if g.favourable else E.min(axis=-1)


def _ref(E: np.ndarray, g: Groups) -> np.ndarray:
    assert g.reference is not None
    return E[..., g.reference]


def _weighted(diff: np.ndarray, g: Groups) -> np.ndarray:
    return np.abs(diff) @ g.share


def _unweighted(diff: np.ndarray, g: Groups) -> np.ndarray:
    return np.abs(diff).mean(axis=-1)


def _bgv(E: np.ndarray, g: Groups) -> np.ndarray:
    return ((E - _wmean(E, g)[..., None]) ** 2) @ g.share


def _positive(E: np.ndarray) -> np.ndarray:
    return np.where(E == 0, 1e-6, E)  # healthequal replaces zeros before taking logs


def _ti(E: np.ndarray, g: Groups) -> np.ndarray:
    E = _positive(E)
    ratio = E / _wmean(E, g)[..., None]
    return 1000.0 * ((ratio * np.log(ratio)) @ g.share)


def _mld(E: np.ndarray, g: Groups) -> np.ndarray:
    E = _positive(E)
    return 1000.0 * ((-np.log(E / _wmean(E, g)[..., None])) @ g.share)


def _bgv_se(g: Groups, _: float) -> float:
    """Ahn et al. (2018) variance of BGV, as in healthequal ``bgv.R``."""
    assert g.se is not None
    w, s2 = g.share, g.se**2
    dev2 = (g.est - w @ g.est) ** 2
    var = 4 * (w**2 * s2 * dev2).sum() + 2 * (
        (w**2 * s2).sum() ** 2 - (w**4 * s2**2).sum() + (w**2 * (1 - w) ** 2 * s2**2).sum()
    )
    return float(np.sqrt(var))


def _ti_se(g: Groups, _: float) -> float:
    """Delta-method se of Theil's index (× 1000, the scale of the estimate)."""
    assert g.se is not None
    w, est = g.share, _positive(g.est)
    mean = w @ est
    ratio = est / mean
    centre = (ratio * (1 + np.log(ratio))) @ w
    return 1000.0 * float(
        np.sqrt((((1 + np.log(ratio) - centre) ** 2) * w**2 * g.se**2).sum()) / mean
    )


def _mld_se(g: Groups, _: float) -> float:
    """Delta-method se of the mean log deviation (× 1000, the scale of the estimate)."""
    assert g.se is not None
    w, est = g.share, _positive(g.est)
    mean = w @ est
    ratio = est / mean
    return 1000.0 * float(np.sqrt((g.se**2 * w**2 / mean**2 * (1 - 1 / ratio) ** 2).sum()))


def _measure(
    name: str,
    title: str,
    statistic: Statistic,
    *,
    kind: str,
    weighted: bool,
    se_formula: Analytic | None = None,
    needs_reference: bool = False,
) -> Callable[..., InequalityResult]:
    """Declare one unordered measure: build the public function and register it."""

    def measure(
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
        n_sim: int = DEFAULT_N_SIM,
        seed: int | None = DEFAULT_SEED,
    ) -> InequalityResult:
        g = prepare(name, pop, est, se=se, order=order, scale=scale, favourable=favourable,
                    reference=reference, confidence=confidence, force=force)  # fmt: skip
        if needs_reference and g.reference is None:
            raise InputError("reference", None, f"the index of the reference subgroup for {name!r}")
        value = float(statistic(g.est, g))
        if se_formula is not None:
            if g.se is None:
                return no_ci(name, g, value)
            return analytic(name, g, value, se_formula(g, value))
        return simulated(name, g, value, lambda E: statistic(E, g), n_sim, seed)

    measure.__name__ = measure.__qualname__ = name
    measure.__doc__ = (
        f"{title} ({name.upper()}) of an unordered dimension.\n\n"
        f"{statistic.__doc__ or ''}\n\nConfidence interval: "
        f"{'analytic' if se_formula else 'simulation (n_sim draws, seed)'}."
    )
    register(
        name,
        title=title,
        dimension="unordered",
        min_groups=3,
        ci="analytic" if se_formula else "simulation",
        kind=kind,  # type: ignore[arg-type]
        weighted=weighted,
        needs_reference=needs_reference,
    )(measure)
    return measure


_bgv.__doc__ = "Σ wⱼ (yⱼ − μ)², with population shares wⱼ and weighted mean μ."
bgv = _measure("bgv", "Between-group variance", _bgv, kind="absolute", weighted=True,
               se_formula=_bgv_se)  # fmt: skip


def _bgsd(E: np.ndarray, g: Groups) -> np.ndarray:
    """√BGV, in the units of the indicator."""
    return np.sqrt(_bgv(E, g))


def _cov(E: np.ndarray, g: Groups) -> np.ndarray:
    """100 × BGSD / μ (percent)."""
    return 100.0 * np.sqrt(_bgv(E, g)) / _wmean(E, g)


_ti.__doc__ = "1000 × Σ wⱼ rⱼ ln rⱼ with rⱼ = yⱼ / μ (healthequal scale)."
_mld.__doc__ = "1000 × Σ wⱼ (−ln rⱼ) with rⱼ = yⱼ / μ (healthequal scale)."


def _idisu(E: np.ndarray, g: Groups) -> np.ndarray:
    """100 × mean |yⱼ − μ| / μ (unweighted mean over subgroups; percent)."""
    mean = _wmean(E, g)
    return 100.0 * _unweighted(E - mean[..., None], g) / mean


def _idisw(E: np.ndarray, g: Groups) -> np.ndarray:
    """100 × Σ wⱼ |yⱼ − μ| / μ (percent)."""
    mean = _wmean(E, g)
    return 100.0 * _weighted(E - mean[..., None], g) / mean


def _mdbu(E: np.ndarray, g: Groups) -> np.ndarray:
    """Mean |yⱼ − y_best| (best = highest if favourable, else lowest)."""
    return _unweighted(E - _best(E, g)[..., None], g)


def _mdbw(E: np.ndarray, g: Groups) -> np.ndarray:
    """Σ wⱼ |yⱼ − y_best|."""
    return _weighted(E - _best(E, g)[..., None], g)


def _mdmu(E: np.ndarray, g: Groups) -> np.ndarray:
    """Mean |yⱼ − μ|."""
    return _unweighted(E - _wmean(E, g)[..., None], g)


def _mdmw(E: np.ndarray, g: Groups) -> np.ndarray:
    """Σ wⱼ |yⱼ − μ|."""
    return _weighted(E - _wmean(E, g)[..., None], g)


def _mdru(E: np.ndarray, g: Groups) -> np.ndarray:
    """Mean |yⱼ − y_ref| (``reference`` required)."""
    return _unweighted(E - _ref(E, g)[..., None], g)


def _mdrw(E: np.ndarray, g: Groups) -> np.ndarray:
    """Σ wⱼ |yⱼ − y_ref| (``reference`` required)."""
    return _weighted(E - _ref(E, g)[..., None], g)


bgsd = _measure("bgsd", "Between-group standard deviation", _bgsd, kind="absolute", weighted=True)
cov = _measure("cov", "Coefficient of variation", _cov, kind="relative", weighted=True)
ti = _measure("ti", "Theil index", _ti, kind="relative", weighted=True, se_formula=_ti_se)
mld = _measure("mld", "Mean log deviation", _mld, kind="relative", weighted=True,
               se_formula=_mld_se)  # fmt: skip
idisu = _measure("idisu", "Index of disparity (unweighted)", _idisu, kind="relative",
                 weighted=False)  # fmt: skip
idisw = _measure("idisw", "Index of disparity (weighted)", _idisw, kind="relative",
                 weighted=True)  # fmt: skip
mdbu = _measure("mdbu", "Mean difference from best performing subgroup (unweighted)", _mdbu,
                kind="absolute", weighted=False)  # fmt: skip
mdbw = _measure("mdbw", "Mean difference from best performing subgroup (weighted)", _mdbw,
                kind="absolute", weighted=True)  # fmt: skip
mdmu = _measure("mdmu", "Mean difference from mean (unweighted)", _mdmu, kind="absolute",
                weighted=False)  # fmt: skip
mdmw = _measure("mdmw", "Mean difference from mean (weighted)", _mdmw, kind="absolute",
                weighted=True)  # fmt: skip
mdru = _measure("mdru", "Mean difference from reference subgroup (unweighted)", _mdru,
                kind="absolute", weighted=False, needs_reference=True)  # fmt: skip
mdrw = _measure("mdrw", "Mean difference from reference subgroup (weighted)", _mdrw,
                kind="absolute", weighted=True, needs_reference=True)  # fmt: skip
