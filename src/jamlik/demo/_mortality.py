"""All-cause mortality calibrated on the real Linköping file, SES relative risks, causes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jamlik.demo import _params as P
from jamlik.demo._inputs import MAX_AGE, RealInputs
from jamlik.demo._population import life_band
from jamlik.demo._rng import categorical

FIRST_RATE_YEAR, LAST_RATE_YEAR = 2015, 2024


@dataclass(frozen=True)
class Mortality:
    """Baseline death rate per person-year by sex (0 male, 1 female) and attained age.

    Attained age = age on 31 December of the calendar year (= year - birth year).
    """

    rate: np.ndarray  # (2, MAX_AGE + 1)
    year_factor: dict[int, float]
    normaliser: np.ndarray  # (2, 20) by life-table band, makes the population-mean RR 1

    def person_rate(self, year: int, sex: np.ndarray, attained: np.ndarray,
                    rr: np.ndarray) -> np.ndarray:
        a = np.minimum(attained, MAX_AGE)
        return (self.rate[sex, a] * self.year_factor.get(year, 1.0)
                * self.normaliser[sex, life_band(a)] * rr)


def baseline_rates(inputs: RealInputs) -> tuple[np.ndarray, dict[int, float]]:
    """Smoothed attained-age rates pooled over 2015-2024 and yearly level factors."""
    pop, deaths = inputs.linkoping_pop, inputs.linkoping_deaths  # pop 2014..2024, deaths 2015..
    d_att = 0.5 * deaths.copy()
    d_att[..., 1:] += 0.5 * deaths[..., :-1]
    exposure = np.zeros_like(deaths)
    exposure[..., 1:] = 0.5 * (pop[:-1, :, :-1] + pop[1:, :, 1:])
    exposure[..., 0] = 0.5 * pop[1:, :, 0]
    exposure[..., 100] += 0.5 * pop[:-1, :, 100]
    d_sum, e_sum = d_att.sum(0), exposure.sum(0)
    rate = np.zeros((2, MAX_AGE + 1))
    ages = np.arange(MAX_AGE + 1)
    for s in range(2):
        rate[s, 0] = d_sum[s, 0] / e_sum[s, 0]
        for a in range(1, 90):
            w = 2 if a < 40 else 1
            lo, hi = max(1, a - w), min(100, a + w) + 1
            rate[s, a] = max(d_sum[s, lo:hi].sum(), 0.5) / e_sum[s, lo:hi].sum()
        # Kannisto (logistic) fit at 80-98 for ages 90+: logit(m) linear in age, which
        # levels off at the oldest ages as observed mortality does (Gompertz overshoots).
        fit = np.arange(80, 99)
        weights = np.sqrt(np.maximum(d_sum[s, fit], 1))
        m_fit = np.maximum(d_sum[s, fit], 0.5) / e_sum[s, fit]
        slope, intercept = np.polyfit(fit, np.log(m_fit / (1 - m_fit)), 1, w=weights)
        rate[s, 90:] = 1 / (1 + np.exp(-(intercept + slope * ages[90:])))
    expected = (exposure * rate[None, :, :101]).sum((1, 2))
    factor = d_att.sum((1, 2)) / expected
    return rate, {FIRST_RATE_YEAR + i: float(f) for i, f in enumerate(factor)}


def ses_rr(income_quintile: np.ndarray, education: np.ndarray, age: np.ndarray) -> np.ndarray:
    """All-cause mortality relative risk (reference Q5, post-secondary >= 3 years).

    Education counts from age 25. The log RR is attenuated with age: full up to
    ``attenuation_from_age``, then linearly down to ``attenuation_floor`` times at
    ``attenuation_to_age`` (socioeconomic gradients in mortality narrow at old ages).
    """
    spec = P.MORTALITY_RR
    rr_q = np.asarray(spec["income_quintile"])[income_quintile - 1]
    rr_e = np.where(age >= 25, np.asarray(spec["education"])[education], 1.0)
    return (rr_q * rr_e) ** rr_exponent(age)


def rr_exponent(age: np.ndarray) -> np.ndarray:
    spec = P.MORTALITY_RR
    lo, hi, floor = spec["attenuation_from_age"], spec["attenuation_to_age"], \
        spec["attenuation_floor"]
    return 1 - (1 - floor) * np.clip((np.asarray(age, float) - lo) / (hi - lo), 0, 1)


def build_mortality(inputs: RealInputs, sex: np.ndarray, age: np.ndarray,
                    rr: np.ndarray) -> Mortality:
    """Baseline + normaliser from the calibration population (sex, attained age, RR).

    The baseline rates are Linköping's, so pass the Linköping cross-section: the mean RR there
    is then 1 in every (sex, band) and Linköping's expected deaths equal its real rates.
    """
    rate, factor = baseline_rates(inputs)
    band = life_band(np.minimum(age, MAX_AGE))
    total = np.zeros((2, 20))
    count = np.zeros((2, 20))
    np.add.at(total, (sex, band), rr)
    np.add.at(count, (sex, band), 1)
    normaliser = np.where(total > 0, count / np.maximum(total, 1e-12), 1.0)
    return Mortality(rate, factor, normaliser)


def cause_shares(age_at_death: np.ndarray) -> np.ndarray:
    """(n, groups) ``CAUSE_SHARES`` of each death's age group (normalised)."""
    group = np.searchsorted(P.CAUSE_AGE_LIMITS, age_at_death, side="right") - 1
    shares = np.asarray(P.CAUSE_SHARES, float)
    return (shares / shares.sum(1, keepdims=True))[group]


def draw_causes(rng: np.random.Generator, age_at_death: np.ndarray,
                probabilities: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Cause group index and ICD-10 code for each death.

    ``probabilities`` (n, groups): each death's cause probabilities; default the
    ``CAUSE_SHARES`` of its age group (the region passes the background-death shares of
    :class:`jamlik.demo._mi_rates.RegionMiRates`, whose MI-related deaths are set afterwards).
    """
    if probabilities is None:
        probabilities = cause_shares(age_at_death)
    group = categorical(rng, np.asarray(probabilities, float))
    code = np.empty(age_at_death.size, dtype="U4")
    for g, name in enumerate(P.CAUSE_GROUPS):
        idx = np.flatnonzero(group == g)
        options = np.asarray(P.CAUSE_CODES[name])
        code[idx] = options[rng.integers(0, options.size, size=idx.size)]
    return group, code
