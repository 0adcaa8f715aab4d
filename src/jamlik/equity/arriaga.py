"""Where a gap in life expectancy comes from: Arriaga's (1984) decomposition.

The difference e₀(2) − e₀(1) between two populations (e.g. income quintile 5 vs 1, an area vs
the nation) is split by age band into a direct effect (the change in years lived within the
band) and an indirect-plus-interaction effect (the change in the number surviving to the end of
the band, who then live the years of population 2), in the notation of Preston, Heuveline &
Guillot (2001):

    ₙΔₓ = lₓ¹/l₀ (ₙLₓ²/lₓ² − ₙLₓ¹/lₓ¹) + Tₓ₊ₙ²/l₀ (lₓ¹/lₓ² − lₓ₊ₙ¹/lₓ₊ₙ²)

and, for the open band, lₓ¹/l₀ (Tₓ²/lₓ² − Tₓ¹/lₓ¹). The age contributions sum exactly to the
difference. With cause-specific deaths each band's contribution is shared among causes in
proportion to the difference in cause-specific death rates (Arriaga 1989; Preston et al. 2001):
    ₙΔₓⁱ = ₙΔₓ (ₙmₓⁱ² − ₙmₓⁱ¹) / (ₙmₓ² − ₙmₓ¹).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jamlik.model.age_bands import LIFE_TABLE_BANDS
from jamlik.model.errors import InputError
from jamlik.stats import life_table

__all__ = ["ArriagaResult", "arriaga", "arriaga_from_life_tables"]


@dataclass(frozen=True, slots=True)
class ArriagaResult:
    """Contributions (years) of each age band — and cause — to e₀(2) − e₀(1)."""

    bands: tuple[str, ...]
    e0_1: float
    e0_2: float
    direct: np.ndarray
    indirect: np.ndarray
    interaction: np.ndarray
    by_cause: np.ndarray | None = None
    causes: tuple[str, ...] | None = None

    @property
    def difference(self) -> float:
        return self.e0_2 - self.e0_1

    @property
    def total(self) -> np.ndarray:
        """Contribution of each band (direct + indirect + interaction)."""
        return self.direct + self.indirect + self.interaction

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per band (and cause, when given) with the contribution."""
        frame = pd.DataFrame(
            {
                "age_band": self.bands,
                "direct": self.direct,
                "indirect": self.indirect,
                "interaction": self.interaction,
                "total": self.total,
            }
        )
        if self.by_cause is None or self.causes is None:
            return frame
        long = pd.DataFrame(self.by_cause, columns=list(self.causes))
        long.insert(0, "age_band", self.bands)
        return long.melt(id_vars="age_band", var_name="cause", value_name="contribution")


def _columns(argument: str, lx: object, Lx: object) -> tuple[np.ndarray, np.ndarray]:
    l_arr = np.asarray(lx, dtype=float)
    L_arr = np.asarray(Lx, dtype=float)
    if l_arr.ndim != 1 or l_arr.shape != L_arr.shape or l_arr.size < 2:
        raise InputError(argument, l_arr.shape, "matching 1-D lx and Lx columns (≥ 2 bands)")
    if not (np.isfinite(l_arr).all() and np.isfinite(L_arr).all()) or (l_arr <= 0).any():
        raise InputError(argument, l_arr, "finite columns with positive survivors lx")
    return l_arr / l_arr[0], L_arr / l_arr[0]


def _decompose(l1, L1, l2, L2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Direct, indirect and interaction effects (radix 1), vectorised over bands."""
    T1 = np.cumsum(L1[::-1])[::-1]
    T2 = np.cumsum(L2[::-1])[::-1]
    direct = l1 * (L2 / l2 - L1 / l1)
    direct[-1] = l1[-1] * (T2[-1] / l2[-1] - T1[-1] / l1[-1])
    # Survivors to the next band: indirect at population-1 remaining life, then interaction.
    other = np.zeros_like(l1)
    other[:-1] = T2[1:] * (l1[:-1] / l2[:-1] - l1[1:] / l2[1:])
    indirect = np.zeros_like(l1)
    indirect[:-1] = T1[1:] * (l1[:-1] * l2[1:] / (l2[:-1] * l1[1:]) - 1.0)
    return direct, indirect, other - indirect


def arriaga_from_life_tables(lx1, Lx1, lx2, Lx2, *, bands=None) -> ArriagaResult:
    """Arriaga decomposition of e₀(2) − e₀(1) from two life tables (any radix, any bands).

    ``lx`` are survivors at the start of each band, ``Lx`` person-years lived in it (the last
    band open). ``bands`` labels the bands (default 0, 1, 2, …).
    """
    l1, L1 = _columns("lx1", lx1, Lx1)
    l2, L2 = _columns("lx2", lx2, Lx2)
    if l1.size != l2.size:
        raise InputError("lx2", l2.size, f"{l1.size} bands, as in lx1")
    labels = tuple(str(b) for b in (bands if bands is not None else range(l1.size)))
    if len(labels) != l1.size:
        raise InputError("bands", bands, f"{l1.size} labels")
    direct, indirect, interaction = _decompose(l1, L1, l2, L2)
    return ArriagaResult(labels, float(L1.sum()), float(L2.sum()), direct, indirect, interaction)


def _rates(deaths: object, pop: object, *, which: str) -> np.ndarray:
    """Validated age-specific death rates D / P for the 20 life-table bands."""
    d = np.asarray(deaths, dtype=float)
    p = np.asarray(pop, dtype=float)
    nb = len(LIFE_TABLE_BANDS)
    for name, arr in ((f"deaths{which}", d), (f"pop{which}", p)):
        if arr.shape != (nb,):
            raise InputError(name, arr.shape, f"{nb} values, one per band {LIFE_TABLE_BANDS}")
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise InputError(name, arr, "finite non-negative numbers")
    if (p <= 0).any():
        i = int(np.flatnonzero(p <= 0)[0])
        raise InputError(f"pop{which}", p[i], f"a positive population in band {LIFE_TABLE_BANDS[i]}")
    if d[-1] <= 0:
        raise InputError(f"deaths{which}", d[-1], "at least one death in the open band 90+")
    return d / p


def _cause_rates(argument: str, cause_deaths, deaths, pop) -> np.ndarray:
    c = np.asarray(cause_deaths, dtype=float)
    if c.ndim != 2 or c.shape[0] != len(LIFE_TABLE_BANDS):
        raise InputError(argument, c.shape, f"a ({len(LIFE_TABLE_BANDS)} bands × causes) array")
    if not np.isfinite(c).all() or (c < 0).any():
        raise InputError(argument, c, "finite non-negative death counts")
    total = np.asarray(deaths, dtype=float)
    if not np.allclose(c.sum(axis=1), total, rtol=1e-9, atol=1e-9):
        i = int(np.flatnonzero(~np.isclose(c.sum(axis=1), total, rtol=1e-9, atol=1e-9))[0])
        raise InputError(
            argument,
            c.sum(axis=1)[i],
            f"cause-specific deaths that add up to all-cause deaths ({total[i]:g}) in band "
            f"{LIFE_TABLE_BANDS[i]}",
            hint="Add an 'other causes' column for the remainder",
        )
    return c / np.asarray(pop, dtype=float)[:, None]


def arriaga(
    deaths1,
    pop1,
    deaths2,
    pop2,
    *,
    cause_deaths1=None,
    cause_deaths2=None,
    causes=None,
) -> ArriagaResult:
    """Decompose the life-expectancy gap e₀(2) − e₀(1) by age band (and cause).

    ``deaths`` and ``pop`` are counts (deaths and mid-year population or person-years) for
    the 20 bands :data:`~jamlik.model.age_bands.LIFE_TABLE_BANDS` (0, 1–4, 5–9, …, 85–89,
    90+); the abridged Chiang II life table of each population is
    :func:`jamlik.stats.life_table`. ``cause_deaths`` are (20 × causes) arrays whose rows add
    up to ``deaths``; ``causes`` names the columns.
    """
    m1 = _rates(deaths1, pop1, which="1")
    m2 = _rates(deaths2, pop2, which="2")
    t1, t2 = life_table(m1), life_table(m2)
    result = arriaga_from_life_tables(t1.lx, t1.Lx, t2.lx, t2.Lx, bands=LIFE_TABLE_BANDS)
    if cause_deaths1 is None and cause_deaths2 is None:
        return result
    if cause_deaths1 is None or cause_deaths2 is None:
        missing = "cause_deaths1" if cause_deaths1 is None else "cause_deaths2"
        raise InputError(missing, None, "cause-specific deaths for both populations")
    c1 = _cause_rates("cause_deaths1", cause_deaths1, deaths1, pop1)
    c2 = _cause_rates("cause_deaths2", cause_deaths2, deaths2, pop2)
    if c1.shape != c2.shape:
        raise InputError("cause_deaths2", c2.shape, f"the shape of cause_deaths1 {c1.shape}")
    names = (
        tuple(str(c) for c in causes)
        if causes is not None
        else tuple(f"cause_{j + 1}" for j in range(c1.shape[1]))
    )
    if len(names) != c1.shape[1]:
        raise InputError("causes", causes, f"{c1.shape[1]} cause names")
    dm = m2 - m1
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(dm[:, None] != 0, (c2 - c1) / dm[:, None], 0.0)
    by_cause = result.total[:, None] * share
    return ArriagaResult(
        result.bands,
        result.e0_1,
        result.e0_2,
        result.direct,
        result.indirect,
        result.interaction,
        by_cause,
        names,
    )
