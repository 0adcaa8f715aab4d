"""The rest of Sweden's deaths: the model's rates by single age, and the national calibration.

A cell's population is the 31 December population (survivors), so deaths per person are
exp(m) - 1 and event exposure per person (exp(m) - 1) / m (see ``deaths_per_survivor``).

Mortality level: the baseline rates are Linköping's, whose real all-cause mortality is about 15 %
below Sweden's at the same age and sex, far more than the SES model explains. The rest of Sweden
therefore gets a level factor per (year, sex, life-table band of attained age) such that the
expected deaths of the demo nation (model-expected deaths of the region + the rest, both by
completed age at death) equal the real national deaths by completed age at death (HMD/SCB,
``population/riket_deaths_1yr_age_sex_1968_2023.csv``); see ``national_level``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from jamlik.demo._completed_age import first_age_share, single_ages
from jamlik.demo._inputs import RealInputs, _by_sex_age, _csv
from jamlik.demo._mi_rates import RegionMiRates
from jamlik.demo._mortality import Mortality
from jamlik.demo._population import life_band
from jamlik.demo._rest_cells import _band_sum, _cells, _pop_single, joint_education_income
from jamlik.model.errors import DataError, SchemaError

NATIONAL_DEATHS_FILE = ("population", "riket_deaths_1yr_age_sex_1968_2023.csv")


def national_deaths() -> dict[int, np.ndarray]:
    """Real deaths in Sweden by year: (2, 101) sex x completed age at death (100 = 100+).

    The file has deaths by completed age at death (HMD period 1x1, equal to SCB's totals), the
    age the demo's deaths are counted by, so they are taken as they are.
    """
    name = "/".join(NATIONAL_DEATHS_FILE)
    frame = _csv(*NATIONAL_DEATHS_FILE)
    for column in ("year", "sex", "age", "deaths"):
        if column not in frame.columns:
            raise SchemaError("required column missing", file=name, column=column,
                              value=list(frame.columns))
    bad = np.flatnonzero(~(frame["deaths"].to_numpy(float) >= 0))
    if bad.size:
        raise DataError("deaths must be a non-negative number", file=name, row=int(bad[0]) + 1,
                        column="deaths", value=frame["deaths"].iloc[bad[0]])
    frame = frame.assign(age=frame["age"].clip(upper=100))
    return {int(year): _by_sex_age(group, "deaths", name)
            for year, group in frame.groupby("year")}


def deaths_per_survivor(rate: np.ndarray) -> np.ndarray:
    """Expected deaths in the year per person alive on 31 December: exp(rate) - 1 (at most 1).

    A cell's population is the 31 December population, i.e. the survivors. With a constant
    hazard over the year, survivors = at-risk x exp(-rate) and deaths = at-risk x (1 -
    exp(-rate)), so deaths = survivors x (exp(rate) - 1): the same as the region's back-cast
    (Poisson(q / (1 - q)) dead "twins" per survivor). Capped at 1 so that deaths <= population
    (reached only at rate > ln 2, beyond the model's band-mean rates).
    """
    return np.minimum(np.expm1(rate), 1.0)


def _at_risk(rate: np.ndarray) -> np.ndarray:
    """Person-years at risk of events per survivor, counting the year's decedents' part-year as
    the region's person-level events do: (exp(m) - 1) / m for a constant hazard m."""
    return np.where(rate > 1e-9, np.expm1(rate) / np.maximum(rate, 1e-9), 1.0)


#: Single ages per cell: the 90+ band has 11 (90..100+), every other band at most 5.
_WIDTHS = ((lambda lb: lb < 19, 5), (lambda lb: lb == 19, 11))


@dataclass(frozen=True)
class _DeathParts:
    """A year's model death rates of cells (before the level factor) by single age of the
    band: for each group of cells of equal width (``_WIDTHS``) its rows, the single ages, their
    population weights within the band and the background rate at each age; the MI-related
    rate (the same at every age of the band) and the band rate the counts are drawn with."""

    groups: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], ...]
    mi: np.ndarray  # (n,)
    band: np.ndarray  # (n,) weighted mean background + mi

    def expected(self, level: np.ndarray, of_mi: bool = True) -> np.ndarray:
        """(5, n) per cell at level factor ``level`` (n,): expected deaths per survivor summed
        over the band's single ages, of them MI-related (0 unless ``of_mi``), the same two at
        the band's first age, and the death hazard at the first age."""
        out = np.zeros((5, self.band.size))
        for rows, _, weight, background in self.groups:
            mi = self.mi[rows, None]
            x = level[rows, None] * (background + mi)
            deaths = weight * deaths_per_survivor(x)
            out[0, rows], out[2, rows], out[4, rows] = deaths.sum(1), deaths[:, 0], x[:, 0]
            if of_mi:
                part = deaths * mi / np.maximum(background + mi, 1e-300)
                out[1, rows], out[3, rows] = part.sum(1), part[:, 0]
        return out


def _death_parts(cells: dict[str, np.ndarray], pop_single: np.ndarray, mort: Mortality,
                 year_factor: np.ndarray | float, mi_rate: np.ndarray | float) -> _DeathParts:
    """The model's death rates of ``cells`` by single age: baseline x year factor (one, or one
    per cell) x normaliser x the cell's RR (band level, as the normaliser) + the MI-related
    deaths per person-year."""
    k, s, lb = cells["k"], cells["s"], cells["lb"]
    factor = mort.normaliser[s, lb] * cells["rr_death"] * year_factor
    mi = np.broadcast_to(np.asarray(mi_rate, float), lb.shape)
    band = mi.copy()
    groups = []
    for member, width in _WIDTHS:
        rows = np.flatnonzero(member(lb))
        ages, weight = single_ages(lb[rows], k[rows], s[rows], pop_single, width)
        background = mort.rate[s[rows, None], ages] * factor[rows, None]
        band[rows] += (weight * background).sum(1)
        groups.append((rows, ages, weight, background))
    return _DeathParts(tuple(groups), mi, band)


def _subset(parts: _DeathParts, rows: np.ndarray) -> _DeathParts:
    """``parts`` of the cells ``rows`` (in that order)."""
    where = np.full(parts.band.size, -1)
    where[rows] = np.arange(rows.size)
    groups = []
    for g_rows, *arrays in parts.groups:
        keep = np.flatnonzero(where[g_rows] >= 0)
        groups.append((where[g_rows[keep]], *(x[keep] for x in arrays)))
    return _DeathParts(tuple(groups), parts.mi[rows], parts.band[rows])


def _completed_deaths(parts: _DeathParts, lb: np.ndarray, s: np.ndarray, n: np.ndarray,
                      level: np.ndarray, expected: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Expected deaths by sex x band of completed age at death (2, 20), and of them the part
    from the band above (2, 20); ``n`` the cells' expected populations, ``level`` their level
    factors, ``lb`` and ``s`` their bands of attained age and sexes (``expected``:
    ``parts.expected(level)`` if already computed)."""
    total = n * deaths_per_survivor(level * parts.band)
    summed, _, first, _, first_rate = (parts.expected(level, of_mi=False) if expected is None
                                       else expected)
    moved = total * first_age_share(summed, first, first_rate, lb)
    stay = np.bincount(s * 20 + lb, total - moved, 40).reshape(2, 20)
    below = np.bincount(s * 20 + np.maximum(lb - 1, 0), moved, 40).reshape(2, 20)
    return stay + below, below


def _solve_levels(parts: _DeathParts, group: np.ndarray, lb: np.ndarray, n: np.ndarray,
                  target: np.ndarray) -> np.ndarray:
    """(G, 20) L by group (``group`` of each cell: sex, or reference year x sex) x band of
    attained age such that the expected deaths by band of completed age equal ``target``
    (G, 20).

    Completed band b holds the deaths of attained band b except those at its first age before
    the birthday, plus those of band b + 1's first age before the birthday. So the bands are
    solved from the top down: band b's L given band b + 1's, by secant steps on the deaths that
    stay in band b (which increase with L, nearly in proportion) from the linear guess.
    """
    size = target.shape[0]
    level = np.ones((size, 20))
    moved_in = np.zeros(size)
    for b in range(19, -1, -1):
        rows = np.flatnonzero(lb == b)
        sub, gr, nr, band = _subset(parts, rows), group[rows], n[rows], lb[rows]
        want = np.minimum(np.maximum(target[:, b] - moved_in, 0),
                          0.99 * np.bincount(gr, nr, size))

        def kept_and_moved(lv: np.ndarray, sub=sub, gr=gr, nr=nr, band=band):
            total = nr * deaths_per_survivor(lv[gr] * sub.band)
            summed, _, first, _, first_rate = sub.expected(lv[gr], of_mi=False)
            moved = total * first_age_share(summed, first, first_rate, band)
            return np.bincount(gr, total - moved, size), np.bincount(gr, moved, size)

        linear = np.bincount(gr, nr * sub.band, size)
        lv = np.where(linear > 0, want / np.maximum(linear, 1e-300), 1.0)
        previous = kept_previous = None
        for _ in range(30):  # a proportional step, then secant steps
            kept, moved = kept_and_moved(lv)
            if np.all(np.abs(kept - want) <= 1e-10 * want):
                break
            if previous is None:
                new = lv * np.where(kept > 0, want / np.maximum(kept, 1e-300), 1.0)
            else:
                slope = (kept - kept_previous) / np.where(lv != previous, lv - previous, 1.0)
                new = np.where(slope > 0, lv - (kept - want) / np.maximum(slope, 1e-300), lv)
            previous, kept_previous, lv = lv, kept, np.maximum(new, 0.5 * lv)
        level[:, b] = np.where(linear > 0, lv, 1.0)
        moved_in = moved
    return level


def _mi_death_rate(mi: RegionMiRates | None, year: int,
                   cells: dict[str, np.ndarray]) -> np.ndarray | float:
    """The region's expected MI-related deaths per person-year in each cell (0 without ``mi``)."""
    if mi is None:
        return 0.0
    return mi.mi_death_rate[mi.year_index(year)][cells["s"], cells["lb"], cells["q"]]


def _levels(inputs: RealInputs, joint: np.ndarray, mort: Mortality, years: range,
            real: dict[int, np.ndarray],
            mi: RegionMiRates | None = None) -> dict[int, tuple[int, np.ndarray]]:
    """Year -> (reference year, (2, 20) rest-of-Sweden level factor by sex x life band of
    attained age).

    The model's death rate of a cell is background + MI-related (``mi``); the region has it as
    it is, the rest of Sweden times the level factor. For a reference year with real national
    deaths the factor makes the expected deaths of region + rest, by completed age at death,
    equal the real deaths in every (sex, life band of completed age). Later years (no real
    deaths yet) reuse the last real year's rest-of-Sweden background rates and level.
    """
    codes = inputs.kommun_codes.astype(str)
    region = np.flatnonzero(np.char.startswith(codes, "05"))
    rest = np.flatnonzero(~np.char.startswith(codes, "05"))
    last = max(real)
    refs = sorted({min(year, last) for year in years})
    targets = []
    cells = _cells(joint, region)
    for ref in refs:
        pop = _pop_single(inputs, region, ref)
        n = _band_sum(pop, np.ones(101))[cells["k"], cells["s"], cells["lb"]] * cells["p_eq"]
        rates = _death_parts(cells, pop, mort, mort.year_factor.get(ref, 1.0),
                             _mi_death_rate(mi, ref, cells))
        expected, _ = _completed_deaths(rates, cells["lb"], cells["s"], n, np.ones(n.size))
        targets.append(np.maximum(life_band_sum(real[ref]) - expected, 0))
    # the rest of Sweden, all reference years at once: cells stacked, group = year x sex
    one = _cells(joint, rest)
    stacked = {c: np.tile(one[c], len(refs)) for c in ("s", "lb", "q", "rr_death")}
    stacked["k"] = np.concatenate([one["k"] + i * rest.size for i in range(len(refs))])
    pop = np.concatenate([_pop_single(inputs, rest, ref) for ref in refs])
    n = _band_sum(pop, np.ones(101))[stacked["k"], stacked["s"], stacked["lb"]] \
        * np.tile(one["p_eq"], len(refs))
    per_ref = np.repeat(np.arange(len(refs)), one["s"].size)
    year_factor = np.array([mort.year_factor.get(ref, 1.0) for ref in refs])[per_ref]
    mi_rate = np.concatenate([np.broadcast_to(_mi_death_rate(mi, ref, one), one["s"].shape)
                              for ref in refs])
    rates = _death_parts(stacked, pop, mort, year_factor, mi_rate)
    group = 2 * per_ref + stacked["s"]
    solved = _solve_levels(rates, group, stacked["lb"], n,
                           np.concatenate(targets)).reshape(-1, 2, 20)
    return {year: (min(year, last), solved[refs.index(min(year, last))]) for year in years}


def life_band_sum(by_age: np.ndarray) -> np.ndarray:
    """(2, 101) by single age -> (2, 20) by life-table band."""
    out = np.zeros((2, 20))
    np.add.at(out, (slice(None), life_band(np.arange(101))), by_age)
    return out


def rest_of_sweden_levels(levels: dict[int, tuple[int, np.ndarray, np.ndarray]]
                          ) -> dict[str, Any]:
    """``level_factor`` of ``aggregate_counts`` for the truth: year -> reference year, the
    factor by sex x life-table band of attained age (the order of ``LIFE_TABLE_BANDS``), which
    multiplies the model's rates, and ``by_completed_age``: the level of the counted deaths,
    by sex x band of completed age at death: the rest of Sweden's expected deaths in the band
    over those its cells would have at the region's rates of the year (L = 1). A band's deaths
    mix two bands of attained age; after the last year with real deaths the rest of Sweden
    keeps that year's background rates, the region has its own year factor."""

    def by_sex(level: np.ndarray) -> dict[str, list[float]]:
        return {sex: [round(float(v), 6) for v in level[i]]
                for i, sex in enumerate(("male", "female"))}

    return {str(year): {"reference_year": int(ref), **by_sex(level),
                        "by_completed_age": by_sex(completed)}
            for year, (ref, level, completed) in levels.items()}


def national_level(inputs: RealInputs, cuts: np.ndarray, mort: Mortality, years: range,
                   mi: RegionMiRates | None = None) -> dict[int, tuple[int, np.ndarray]]:
    """The rest-of-Sweden mortality level factors used by ``aggregate_counts`` (which also
    returns them, as ``level_factor``)."""
    joint, _ = joint_education_income(inputs, cuts)
    return _levels(inputs, joint, mort, years, national_deaths(), mi)
