"""Person measures (one row per eligible person-year) and the survey answer models."""

from __future__ import annotations

import numpy as np

from jamlik.demo import _params as P
from jamlik.demo._params import expit, logit

MEASURE_NAMES = tuple(P.MEASURES)


def eligible(measure: str, age: np.ndarray) -> np.ndarray:
    spec = P.MEASURES[measure]
    if "ages" in spec:
        lo, hi = spec["ages"]
        return (age >= lo) & (age <= hi)
    return age == spec["age"]


def measure_logit(measure: str, year: np.ndarray, quintile: np.ndarray,
                  birth_region: np.ndarray) -> np.ndarray:
    """Log-odds of the measure (gymnasium eligibility: before the kommun calibration shift)."""
    spec = P.MEASURES[measure]
    if measure == "gymnasium_eligible":
        base = np.log(np.asarray(spec["or_income"]))[quintile - 1]
    else:
        base = logit(np.asarray(spec["p_income"]))[quintile - 1]
    if "or_born_outside_europe" in spec:
        base = base + np.log(spec["or_born_outside_europe"]) * (birth_region == 3)
    return base + np.log(spec["yearly_or"]) * (year - 2022)


def gymnasium_shift(share: np.ndarray) -> np.ndarray:
    """Kommun log-odds of eligibility from the real 2018/19 share (clipped to 0.5..0.97,
    because Skolverket shows 0 ineligible when fewer than 5 were ineligible)."""
    fallback = np.nanmean(share)
    return logit(np.clip(np.where(np.isnan(share), fallback, share), 0.5, 0.97))


def draw_measures(rng: np.random.Generator, year: np.ndarray, age: np.ndarray,
                  quintile: np.ndarray, birth_region: np.ndarray, kommun: np.ndarray,
                  kommun_share: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each measure: (row indices of eligible person-years, bool value)."""
    out = {}
    for m in MEASURE_NAMES:
        idx = np.flatnonzero(eligible(m, age))
        lg = measure_logit(m, year[idx], quintile[idx], birth_region[idx])
        if m == "gymnasium_eligible":
            # centre the income effect within kommun x year, then shift to the real share
            key = kommun[idx] * 10_000 + year[idx]
            _, inv = np.unique(key, return_inverse=True)
            centre = np.bincount(inv, lg) / np.bincount(inv)
            lg = lg - centre[inv] + gymnasium_shift(kommun_share)[kommun[idx]]
        out[m] = (idx, rng.random(idx.size) < expit(lg))
    return out


ANSWERS = tuple(P.SURVEY["answers"])


def answer_probability(name: str, year: np.ndarray, age: np.ndarray, female: np.ndarray,
                       education: np.ndarray, quintile: np.ndarray,
                       birth_region: np.ndarray) -> np.ndarray:
    """P(yes) of a survey answer; education effect 0 under 25."""
    c = P.SURVEY["answers"][name]
    lg = (c["intercept"] + c["age_per_10y"] * (age - 50) / 10 + c["female"] * female
          + np.where(age >= 25, np.asarray(c["education"])[education], 0.0)
          + np.asarray(c["income"])[quintile - 1]
          + np.asarray(c["birth_region"])[birth_region]
          + c.get("trend_per_year", 0.0) * (year - 2022))
    return expit(lg)


def response_probability(age: np.ndarray, female: np.ndarray, education: np.ndarray,
                         birth_region: np.ndarray) -> np.ndarray:
    c = P.SURVEY["response"]
    lg = (c["intercept"] + c["age_per_10y"] * (np.minimum(age, 75) - 50) / 10
          + c["female"] * female
          + np.where(age >= 25, np.asarray(c["education"])[education], c["education_under_25"])
          + np.asarray(c["birth_region"])[birth_region])
    return expit(lg)
