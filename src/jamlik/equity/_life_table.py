"""A small abridged Chiang II life table for the Arriaga decomposition (private).

Bands 0, 1–4, 5–9, …, 85–89, 90+. Separation factors a₀ = 0.1 and 0.5 elsewhere; the open
band has L = l / m (the convention of the English public-health life-expectancy calculator,
PHEindicatormethods ``phe_life_expectancy``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jamlik.model.errors import InputError

AGE_BANDS: tuple[str, ...] = ("0", "1-4", *(f"{a}-{a + 4}" for a in range(5, 90, 5)), "90+")
WIDTHS = np.array([1.0, 4.0, *([5.0] * 17), np.inf])
AX = np.array([0.1, *([0.5] * 19)])
RADIX = 100_000.0


@dataclass(frozen=True, slots=True)
class LifeTable:
    """Columns of an abridged life table (one value per age band)."""

    mx: np.ndarray
    qx: np.ndarray
    lx: np.ndarray
    Lx: np.ndarray
    Tx: np.ndarray
    ex: np.ndarray


def rates(deaths: object, pop: object, *, which: str) -> np.ndarray:
    """Validated age-specific death rates D / P for the 20 standard bands."""
    d = np.asarray(deaths, dtype=float)
    p = np.asarray(pop, dtype=float)
    for name, arr in ((f"deaths{which}", d), (f"pop{which}", p)):
        if arr.shape != (len(AGE_BANDS),):
            raise InputError(name, arr.shape, f"{len(AGE_BANDS)} values, one per band {AGE_BANDS}")
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise InputError(name, arr, "finite non-negative numbers")
    if (p <= 0).any():
        i = int(np.flatnonzero(p <= 0)[0])
        raise InputError(f"pop{which}", p[i], f"a positive population in band {AGE_BANDS[i]}")
    if d[-1] <= 0:
        raise InputError(f"deaths{which}", d[-1], "at least one death in the open band 90+")
    return d / p


def chiang_ii(mx: np.ndarray) -> LifeTable:
    """Life table from central death rates ``mx`` (pure, vectorised)."""
    n = WIDTHS[:-1]
    a = AX[:-1]
    m = mx[:-1]
    qx = np.minimum(n * m / (1 + n * (1 - a) * m), 1.0)
    qx = np.append(qx, 1.0)
    lx = RADIX * np.concatenate([[1.0], np.cumprod(1 - qx[:-1])])
    dx = lx * qx
    Lx = np.append(n * (lx[:-1] - (1 - a) * dx[:-1]), lx[-1] / mx[-1])
    Tx = np.cumsum(Lx[::-1])[::-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        ex = Tx / lx
    return LifeTable(mx=mx, qx=qx, lx=lx, Lx=Lx, Tx=Tx, ex=ex)
