"""What a measure returns for many sets (:class:`Columns`), and how its interval is made.

Analytic intervals are estimate ± z·se; simulation intervals are the percentile interval of the
measure over WHO-style truncated-normal draws of the subgroup estimates (:func:`draws`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from jamlik.equity._sets import GroupSets
from jamlik.equity.result import InequalityResult
from jamlik.model.errors import InputError

NAN = float("nan")
DEFAULT_N_SIM = 100  # WHO healthequal default (argument ``sim``)
DEFAULT_SEED = 123456  # WHO healthequal default (argument ``seed``)


@dataclass(frozen=True, eq=False)
class Undefined:
    """Sets for which a measure is not defined, and the error the single-set API raises."""

    where: np.ndarray  # (n,) bool
    argument: str
    value: np.ndarray  # (n,) the offending value of each set
    expected: str
    hint: str | None = None

    def error(self, i: int) -> InputError:
        return InputError(self.argument, self.value[i], self.expected, hint=self.hint)


@dataclass(frozen=True, eq=False)
class Columns:
    """One measure for ``n`` sets: ``(n,)`` arrays of estimate, se, limits and CI method.

    ``undefined`` lists the sets where the measure is not defined (the engine leaves them out,
    the single-set API raises the error).
    """

    estimate: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    method: np.ndarray
    undefined: tuple[Undefined, ...] = ()

    @property
    def skip(self) -> np.ndarray:
        """``(n,)``: the measure is not defined for the set."""
        out = np.zeros(np.size(self.estimate), bool)
        for u in self.undefined:
            out |= u.where
        return out

    def result(self, measure: str, confidence: float, i: int = 0) -> InequalityResult:
        """Set ``i`` as an :class:`InequalityResult`, or the error if it is undefined there."""
        for u in self.undefined:
            if u.where[i]:
                raise u.error(i)
        return InequalityResult(measure, _float(self.estimate[i]), _float(self.se[i]),
                                _float(self.lower[i]), _float(self.upper[i]),
                                str(self.method[i]), confidence)  # fmt: skip

    @classmethod
    def concat(cls, parts: Sequence[Columns]) -> Columns:
        """The columns of consecutive batches of sets, one after the other."""
        if len(parts) == 1:
            return parts[0]

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in parts])

        undefined = tuple(
            Undefined(np.concatenate([p.undefined[j].where for p in parts]), u.argument,
                      np.concatenate([p.undefined[j].value for p in parts]), u.expected, u.hint)
            for j, u in enumerate(parts[0].undefined))  # fmt: skip
        return cls(cat("estimate"), cat("se"), cat("lower"), cat("upper"), cat("method"),
                   undefined)  # fmt: skip


def _float(x: object) -> float:
    """``x`` as a float; NaN as the one :data:`NAN` object, so that equal results compare equal."""
    x = float(x)  # type: ignore[arg-type]
    return NAN if x != x else x


def as_columns(estimate, se, lower, upper, method) -> Columns:
    """Columns from arrays (``method`` may be one string for all sets)."""
    n = np.size(estimate)
    m = np.broadcast_to(np.asarray(method, dtype=object), (n,)).copy()
    return Columns(np.asarray(estimate, float), np.asarray(se, float), np.asarray(lower, float),
                   np.asarray(upper, float), m)  # fmt: skip


def analytic(estimate, se, z: float, ok=None) -> Columns:
    """estimate ± z·se; ``none`` (no se, no limits) where se is not finite or ``ok`` is false."""
    estimate = np.asarray(estimate, float)
    se = np.asarray(se, float)
    fine = np.isfinite(se) if ok is None else np.isfinite(se) & ok
    se = np.where(fine, se, np.nan)
    return as_columns(estimate, se, estimate - z * se, estimate + z * se,
                   np.where(fine, "analytic", "none"))  # fmt: skip


def quantiles(values: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """The (α/2, 1 − α/2) quantiles (R type 7) over the last axis, ignoring NaN draws."""
    alpha = 1.0 - confidence
    q = [alpha / 2, 1 - alpha / 2]
    if not np.isnan(values).any():
        lo, hi = np.quantile(values, q, axis=-1)
        return lo, hi
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows give NaN
        lo, hi = np.nanquantile(values, q, axis=-1)
    return lo, hi


def simulated(s: GroupSets, estimate: np.ndarray, values: np.ndarray) -> Columns:
    """Percentile interval of simulated ``values`` ``(n, n_sim)``; none for sets without se."""
    lo, hi = quantiles(values, s.confidence)
    return as_columns(estimate, np.full(s.n, np.nan), np.where(s.has_se, lo, np.nan),
                   np.where(s.has_se, hi, np.nan),
                   np.where(s.has_se, "simulation", "none"))  # fmt: skip


def check_simulation(n_sim: int, seed: int | None) -> None:
    if isinstance(n_sim, bool) or not isinstance(n_sim, int | np.integer) or n_sim < 10:
        raise InputError("n_sim", n_sim, "an integer number of simulations of at least 10")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise InputError("seed", seed, "an integer seed or None")


def draws(s: GroupSets, n_sim: int, seed: int | None) -> np.ndarray:
    """``(n, n_sim, k)`` draws of the subgroup estimates, as WHO's HEAT/healthequal simulate them.

    Each estimate is drawn from a normal distribution with its standard error, truncated at 0
    below and, for percentages (``scale == 100``), at 100 above (healthequal redraws until the
    value is in range, which is the same truncated normal distribution), by inverting the
    distribution function at ``n_sim × k`` uniforms that every set shares. Subgroups without a
    positive standard error keep their estimate.
    """

    def compute() -> np.ndarray:
        U = np.random.default_rng(seed).uniform(size=(n_sim, s.k))[None, :, :]
        Y, S = s.est[:, None, :], np.nan_to_num(s.se)[:, None, :]
        sd = np.where(S > 0, S, 1.0)
        upper = s.scale if s.scale == 100 else np.inf
        pa, pb = ndtr((0.0 - Y) / sd), ndtr((upper - Y) / sd)
        x = Y + sd * ndtri(pa + U * (pb - pa))
        return np.where(S > 0, x, Y)

    if seed is None:
        return compute()
    return s.shared(("draws", n_sim, seed), compute)


def draw(s: GroupSets, n_sim: int, seed: int | None) -> np.ndarray:
    """``(n_sim, k)`` draws of a single set (see :func:`draws`)."""
    return draws(s, n_sim, seed)[0]
