"""Persons: attributes from real DeSO distributions, the 2022 cross-section, births.

The synthesiser works for any set of DeSO (Östergötland persons, and the national sample that
fixes the income quintile cut-points), so every area is drawn from the same model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jamlik.demo import _params as P
from jamlik.demo._inputs import EDU_AGE_GROUPS, RealInputs
from jamlik.demo._rng import categorical, day


def life_band(age: np.ndarray) -> np.ndarray:
    """Index 0..19 of the 20 life-table bands '0', '1-4', '5-9', ..., '85-89', '90+'."""
    age = np.asarray(age)
    return np.where(age == 0, 0, np.minimum(age // 5 + 1, 19))



def deso_band(age: np.ndarray) -> np.ndarray:
    """Index 0..16 of the DeSO five-year bands (80+ last)."""
    return np.minimum(np.asarray(age) // 5, 16)


def male_share(inputs: RealInputs) -> np.ndarray:
    """P(male | kommun, single age 0..100) from the real 2019 kommun age x sex table."""
    pop = inputs.kommun_pop_2019
    tot = pop.sum(1)
    nation = pop.sum(0)
    fallback = nation[0] / nation.sum(0)
    return np.where(tot > 0, pop[:, 0] / np.maximum(tot, 1), fallback)


def age_within_band(inputs: RealInputs) -> np.ndarray:
    """(17, 25) P(offset | DeSO band) from the real 2022 riket single-age distribution.

    The riket 100+ group is spread over ages 100-104 with weights 0.65**k (assumed).
    """
    single = inputs.riket_single_age_2022
    out = np.zeros((17, 25))
    for b in range(16):
        out[b, :5] = single[5 * b:5 * b + 5]
    spread = 0.65 ** np.arange(5)
    out[16, :20] = single[80:100]
    out[16, 20:] = single[100] * spread / spread.sum()
    return out / out.sum(1, keepdims=True)


@dataclass(frozen=True)
class Attributes:
    education: np.ndarray  # int8 index into EDUCATION (drawn for everyone; masked under 25)
    birth_region: np.ndarray  # int8 index into BIRTH_REGIONS
    log_income: np.ndarray  # latent log income


def abroad_probability(inputs: RealInputs, deso: np.ndarray, band: np.ndarray) -> np.ndarray:
    """P(born abroad): logit = a[DeSO] + log(age profile[band]), with a[DeSO] solved so that
    each DeSO's expected share equals its real 2022 share exactly."""
    offset = _abroad_offset(inputs)
    prof = np.log(np.asarray(P.ABROAD_AGE_PROFILE))
    return 1 / (1 + np.exp(-(offset[deso] + prof[band])))


def _abroad_offset(inputs: RealInputs) -> np.ndarray:
    pop = inputs.deso_band_pop
    total = np.maximum(pop.sum(1), 1)
    target = np.clip(inputs.deso_abroad_share, 1e-4, 1 - 1e-4) * total
    prof = np.log(np.asarray(P.ABROAD_AGE_PROFILE))
    a = np.log(target / (total - target)) - prof.mean()
    for _ in range(50):  # Newton on a monotone function, vectorised over DeSO
        p = 1 / (1 + np.exp(-(a[:, None] + prof[None, :])))
        f = (pop * p).sum(1) - target
        a = a - f / np.maximum((pop * p * (1 - p)).sum(1), 1e-9)
    return a


def education_probs(inputs: RealInputs, deso: np.ndarray, sex: np.ndarray,
                    age: np.ndarray) -> np.ndarray:
    """(n, 5) P(level): DeSO 25-64 distribution x kommun age/sex ratio (ages < 25 as 25-34)."""
    edu = inputs.deso_edu + 0.25
    share = edu / edu.sum(1, keepdims=True)
    group = np.searchsorted(EDU_AGE_GROUPS, np.maximum(age, 25), side="right") - 1
    ratio = inputs.kommun_edu_ratio[inputs.deso_kommun[deso], sex, group]
    return share[deso] * ratio


def draw_attributes(rng: np.random.Generator, inputs: RealInputs, deso: np.ndarray,
                    sex: np.ndarray, age: np.ndarray) -> Attributes:
    """Education, birth region and latent log income for persons of given DeSO, sex, age."""
    band = deso_band(age)
    abroad = rng.random(deso.size) < abroad_probability(inputs, deso, band)
    split = np.asarray(list(P.ABROAD_SPLIT.values()))
    region = np.where(abroad, 1 + rng.choice(3, size=deso.size, p=split / split.sum()), 0)
    education = categorical(rng, education_probs(inputs, deso, sex, age))
    beta_e = np.asarray(P.INCOME["education"])[education] * (age >= 25)
    log_income = (np.log(inputs.deso_income_median[deso]) + beta_e
                  + np.asarray(P.INCOME["age_band"])[band]
                  + np.asarray(P.INCOME["birth_region"])[region]
                  + P.INCOME["sigma"] * rng.standard_normal(deso.size))
    return Attributes(education.astype(np.int8), region.astype(np.int8), log_income)


def expand_deso_bands(rng: np.random.Generator, inputs: RealInputs, deso_index: np.ndarray,
                      counts: np.ndarray, male: np.ndarray) -> tuple[np.ndarray, ...]:
    """Persons from (DeSO, band) counts: returns deso, single age, sex (0 male, 1 female)."""
    n_bands = counts.shape[1]
    flat = counts.astype(np.int64).ravel()
    cell = np.repeat(np.arange(flat.size), flat)
    deso = deso_index[cell // n_bands]
    band = cell % n_bands
    offset = categorical(rng, age_within_band(inputs)[band])
    age = np.where(band == 16, 80 + offset, 5 * band + offset)
    sex = (rng.random(deso.size) >= male[inputs.deso_kommun[deso], np.minimum(age, 100)])
    return deso, age.astype(np.int64), sex.astype(np.int8)


def national_cut_points(rng: np.random.Generator, inputs: RealInputs,
                        male: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Quintile cut-points of latent log income over all 5 984 DeSO (population-weighted)."""
    n = int(P.INCOME["national_sample_size"])
    pop = inputs.deso_band_pop
    counts = rng.multinomial(n, (pop / pop.sum()).ravel()).reshape(pop.shape)
    deso, age, sex = expand_deso_bands(rng, inputs, np.arange(pop.shape[0]), counts, male)
    attrs = draw_attributes(rng, inputs, deso, sex, age)
    cuts = np.quantile(attrs.log_income, [0.2, 0.4, 0.6, 0.8])
    quintile = np.searchsorted(cuts, attrs.log_income) + 1
    sample = {"deso": deso, "age": age, "sex": sex, "education": attrs.education,
              "birth_region": attrs.birth_region, "income_quintile": quintile}
    return cuts, sample


def birth_days(rng: np.random.Generator, birth_year: np.ndarray) -> np.ndarray:
    """A uniform birth day within each birth year (day numbers)."""
    from jamlik.demo._rng import year_start

    start = year_start(birth_year)
    length = year_start(birth_year + 1) - start
    return start + np.floor(rng.random(birth_year.size) * length).astype(np.int64)


def ostergotland_deso(inputs: RealInputs) -> np.ndarray:
    """Indices of the 276 Östergötland DeSO (län 05)."""
    return np.flatnonzero(np.char.startswith(inputs.deso_codes.astype(str), "05"))


CROSS_SECTION_YEAR = 2022
CROSS_SECTION_DAY = day(2022, 12, 31)
