"""Abridged Chiang II life tables: the one life-table computation of jamlik.

Life expectancy with its confidence limits (:mod:`jamlik.stats.life_expectancy`) and the Arriaga
decomposition of a life-expectancy gap (:mod:`jamlik.equity.arriaga`) both build their tables
here. The bands are :data:`jamlik.model.age_bands.LIFE_TABLE_BANDS` (0, 1–4, 5–9, …, 85–89,
90+). Separation factors are a₀ = 0.1 and 0.5 elsewhere; a closed band whose death rate is at
least 1 / (n·a) has qₓ = 1; the open band has Lₓ = lₓ / mₓ. This is the convention of PHE's life
expectancy calculator and PHEindicatormethods ``phe_life_expectancy`` (Chiang CL, *Introduction
to Stochastic Processes in Biostatistics*, 1968; Eayres DP, Williams ES. JECH 2004;58:243-9).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from jamlik.model.age_bands import LIFE_TABLE_BANDS, LIFE_TABLE_STARTS
from jamlik.model.errors import InputError

__all__ = ["LifeTable", "life_table"]

RADIX = 1e5
#: Widths n of the 19 closed bands.
WIDTHS = np.diff(np.array(LIFE_TABLE_STARTS, dtype=float))
#: Separation factors a of the 19 closed bands.
SEPARATION = np.array([0.1, *([0.5] * (len(LIFE_TABLE_BANDS) - 2))])
#: Death rates from which a closed band's probability of dying is 1.
_CERTAIN_DEATH = 1 / (WIDTHS * SEPARATION)


@dataclass(frozen=True, slots=True)
class LifeTable:
    """Columns of abridged life tables, one value per band (last axis) for each population."""

    mx: np.ndarray  #: central death rate
    qx: np.ndarray  #: probability of dying in the band
    lx: np.ndarray  #: survivors at the start of the band (radix 100 000)
    dx: np.ndarray  #: deaths in the band
    Lx: np.ndarray  #: person-years lived in the band
    Tx: np.ndarray  #: person-years lived from the start of the band
    ex: np.ndarray  #: life expectancy at the start of the band (0 where no one survives to it)


def _chiang_ii(m: np.ndarray) -> LifeTable:
    """Pure inner function: life tables from death rates of shape (populations, 20)."""
    width, a = WIDTHS, SEPARATION
    mc = m[:, :-1]
    q = np.where(mc <= _CERTAIN_DEATH, mc * width / (1 + mc * width * (1 - a)), 1.0)
    q = np.concatenate([q, np.ones((m.shape[0], 1))], axis=1)
    lx = np.empty_like(q)
    lx[:, 0] = RADIX
    lx[:, 1:] = RADIX * np.cumprod(1 - q[:, :-1], axis=1)
    dx = lx - np.concatenate([lx[:, 1:], np.zeros((m.shape[0], 1))], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        big_l = np.empty_like(lx)
        big_l[:, :-1] = width * (lx[:, 1:] + a * dx[:, :-1])
        big_l[:, -1] = lx[:, -1] / m[:, -1]
        t = np.cumsum(big_l[:, ::-1], axis=1)[:, ::-1]
        e = np.where(lx == 0, 0.0, t / lx)
    return LifeTable(mx=m, qx=q, lx=lx, dx=dx, Lx=big_l, Tx=t, ex=e)


def life_table(mx: Any) -> LifeTable:
    """Abridged Chiang II life table(s) from central death rates ``mx`` (deaths / person-years).

    ``mx`` holds one rate per band :data:`~jamlik.model.age_bands.LIFE_TABLE_BANDS`, either 20
    values (one population) or an array of shape (populations, 20); every column of the result
    has the same shape. A rate of 0 in the open band 90+ gives infinite Lₓ, Tₓ and eₓ. With
    the same rate m in every band, e₀ = 1 / m:

    >>> t = life_table([0.01] * 20)
    >>> round(float(t.ex[0]), 9), float(t.lx[0]), float(t.qx[-1])
    (100.0, 100000.0, 1.0)
    """
    try:
        m = np.asarray(mx, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError("mx", mx, "death rates (numbers)") from exc
    nb = len(LIFE_TABLE_BANDS)
    if m.ndim not in (1, 2) or m.shape[-1] != nb:
        raise InputError("mx", f"an array of shape {m.shape}",
                         f"{nb} rates, one per band {', '.join(LIFE_TABLE_BANDS)}, per population")
    if not np.isfinite(m).all() or (m < 0).any():
        raise InputError("mx", m, "finite non-negative death rates")
    table = _chiang_ii(m.reshape(-1, nb))
    if m.ndim == 2:
        return table
    return LifeTable(**{f.name: getattr(table, f.name)[0] for f in fields(LifeTable)})
