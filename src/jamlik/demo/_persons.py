"""The person file: 2022 cross-section, back-cast deaths 2015-2021, births and deaths after 2022.

Migration is ignored: everybody lives in the same DeSO for their whole life in the window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from jamlik.demo._inputs import RealInputs
from jamlik.demo._mortality import Mortality, build_mortality, ses_rr
from jamlik.demo._population import (
    CROSS_SECTION_YEAR,
    birth_days,
    draw_attributes,
    expand_deso_bands,
    ostergotland_deso,
)
from jamlik.demo._rng import day, year_of

ALIVE = np.int64(10**7)
CALIBRATION_KOMMUN = "0580"  # Linköping: the real deaths file the baseline rates come from  # day number used for "no death" (far in the future)


@dataclass(frozen=True)
class Persons:
    deso: np.ndarray  # index into inputs.deso_codes
    sex: np.ndarray  # 0 male, 1 female
    birth_day: np.ndarray  # days since 1970-01-01
    death_day: np.ndarray  # ALIVE if alive at the end of the window
    education: np.ndarray  # 0..4, drawn for everyone, null in tables under 25
    birth_region: np.ndarray  # 0..3
    log_income: np.ndarray
    quintile: np.ndarray  # 1..5

    @property
    def size(self) -> int:
        return int(self.deso.size)

    @property
    def birth_year(self) -> np.ndarray:
        return year_of(self.birth_day)

    def take(self, index: np.ndarray) -> Persons:
        return Persons(**{k: v[index] for k, v in self.__dict__.items()})

    def concat(self, other: Persons) -> Persons:
        return Persons(**{k: np.concatenate([v, other.__dict__[k]])
                          for k, v in self.__dict__.items()})


def _new_persons(rng, inputs, cuts, deso, age, sex, birth_day) -> Persons:
    attrs = draw_attributes(rng, inputs, deso, sex, age)
    quintile = (np.searchsorted(cuts, attrs.log_income) + 1).astype(np.int8)
    return Persons(deso, sex.astype(np.int8), birth_day, np.full(deso.size, ALIVE),
                   attrs.education, attrs.birth_region, attrs.log_income, quintile)


def cross_section(rng: np.random.Generator, inputs: RealInputs, cuts: np.ndarray,
                  male: np.ndarray) -> Persons:
    """Everybody resident in Östergötland on 31 Dec 2022, matching the real DeSO band counts."""
    region = ostergotland_deso(inputs)
    deso, age, sex = expand_deso_bands(rng, inputs, region, inputs.deso_band_pop[region], male)
    birth = birth_days(rng, CROSS_SECTION_YEAR - age)
    return _new_persons(rng, inputs, cuts, deso, age, sex, birth)


def _death_probability(mort: Mortality, people: Persons, idx: np.ndarray, year: int):
    ys, ye = day(year), day(year + 1)
    attained = year - people.birth_year[idx]
    start = np.maximum(ys, people.birth_day[idx])
    exposure = (ye - start) / (ye - ys)
    rr = ses_rr(people.quintile[idx], people.education[idx], attained)
    rate = mort.person_rate(year, people.sex[idx], attained, rr) * exposure
    return -np.expm1(-rate), start


def _uniform_day(rng, start: np.ndarray, end_exclusive: int) -> np.ndarray:
    return start + np.floor(rng.random(start.size) * (end_exclusive - start)).astype(np.int64)


def simulate_persons(rng: np.random.Generator, inputs: RealInputs, cuts: np.ndarray,
                     male: np.ndarray, years: range) -> tuple[Persons, Mortality]:
    """Cross-section, then deaths backwards to ``years.start`` and forwards to ``years.stop-1``."""
    people = cross_section(rng, inputs, cuts, male)
    age = CROSS_SECTION_YEAR - people.birth_year
    calib = inputs.kommun_codes[inputs.deso_kommun[people.deso]] == CALIBRATION_KOMMUN
    rr = ses_rr(people.quintile, people.education, age)
    mort = build_mortality(inputs, people.sex[calib], age[calib], rr[calib])
    for year in range(CROSS_SECTION_YEAR, years.start - 1, -1):
        ye = day(year + 1)
        idx = np.flatnonzero((people.birth_year <= year) & (people.death_day >= ye))
        q, start = _death_probability(mort, people, idx, year)
        twins = rng.poisson(q / (1 - q))
        template = np.repeat(idx, twins)
        dead = people.take(template)
        died = _uniform_day(rng, np.repeat(start, twins), ye)
        people = people.concat(replace(dead, death_day=died))
    age0 = np.bincount(people.deso[(people.birth_year == CROSS_SECTION_YEAR)
                                   & (people.death_day == ALIVE)],
                       minlength=inputs.deso_codes.size)
    for year in range(CROSS_SECTION_YEAR + 1, years.stop):
        births = rng.poisson(age0)
        deso = np.repeat(np.arange(births.size), births)
        sex = (rng.random(deso.size) >= male[inputs.deso_kommun[deso], 0]).astype(np.int8)
        born = birth_days(rng, np.full(deso.size, year))
        people = people.concat(_new_persons(rng, inputs, cuts, deso, np.zeros(deso.size, int),
                                            sex, born))
        ye = day(year + 1)
        idx = np.flatnonzero((people.birth_year <= year) & (people.death_day == ALIVE))
        q, start = _death_probability(mort, people, idx, year)
        dies = rng.random(idx.size) < q
        death_day = people.death_day.copy()
        death_day[idx[dies]] = _uniform_day(rng, start[dies], ye)
        people = replace(people, death_day=death_day)
    return people, mort
