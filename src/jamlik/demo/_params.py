"""Every parameter of the demo model. ``truth()`` of the build writes all of them out.

Values marked *assumed* are round numbers of realistic Swedish magnitude chosen for the demo;
they are not estimates. Sources for magnitudes are named in docs/demo.md.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

#: Foreign-born share by DeSO five-year band relative to the population mean (assumed national
#: profile: few young children are born abroad, most migrants are 25-44).
ABROAD_AGE_PROFILE = (0.04, 0.09, 0.12, 0.15, 0.22, 0.30, 0.33, 0.32, 0.30, 0.26, 0.22, 0.19,
                      0.17, 0.15, 0.13, 0.12, 0.11)
#: Split of the foreign-born by birth region (approximate SCB 2022 national shares).
ABROAD_SPLIT = MappingProxyType({"nordic": 0.11, "europe": 0.33, "outside_europe": 0.56})
BIRTH_REGIONS = ("sweden", "nordic", "europe", "outside_europe")

#: Latent log household disposable income per consumption unit:
#: log(DeSO median, tkr) + education + age band + birth region + N(0, sigma).
INCOME = MappingProxyType({
    "education": (-0.25, -0.08, 0.05, 0.22, -0.35),  # EDUCATION order; 0 when under 25
    "age_band": (-0.10, -0.10, -0.08, -0.15, -0.45, -0.20, -0.05, 0.0, 0.05, 0.10, 0.12, 0.12,
                 0.08, 0.02, -0.05, -0.12, -0.20),
    "birth_region": (0.0, -0.05, -0.15, -0.40),
    "sigma": 0.30,
    "national_sample_size": 400_000,
})

#: All-cause mortality relative risks (reference: Q5, post_secondary_ge3y); renormalised per
#: (life-table band, sex) so the population mean equals the Linköping baseline.
MORTALITY_RR = MappingProxyType({
    "income_quintile": (1.70, 1.40, 1.20, 1.10, 1.00),
    "education": (1.35, 1.20, 1.10, 1.00, 1.20),  # under 25: 1
    "attenuation_from_age": 65, "attenuation_to_age": 95, "attenuation_floor": 0.4,
})

#: Rest of Sweden (``aggregate_counts``): mortality level relative to the Linköping baseline.
#: The factors themselves are data-derived (truth ``rest_of_sweden_level_factor``).
REST_OF_SWEDEN_MORTALITY = MappingProxyType({
    "deaths_per_survivor": "exp(rate) - 1, capped at 1: the cell population is the 31 Dec "
                           "population (survivors), as in the region's back-cast",
    "model_rate": "background rate + the region's expected MI-related deaths per person-year "
                  "at equal year, sex, life-table band and income quintile (truth "
                  "region_mi_rates); the region has it as it is, the rest of Sweden times the "
                  "level factor, so every cause of death is level factor x the region's rate",
    "level_factor": "per year x sex x life-table band of attained age, solved so that the "
                    "model-expected deaths of the region plus the rest of Sweden by completed "
                    "age at death equal the real national deaths (by completed age at death) "
                    "of that year, sex and band, from the oldest band down (a band of "
                    "completed age holds deaths of its own attained-age band and of the first "
                    "age of the band above)",
    "completed_age": "deaths and care events are counted by completed age at the death or "
                     "admission: of those at attained age a >= 1, the share 1 - 1/m + "
                     "1/(exp(m) - 1) - 1/730.5 (m the death hazard; uniform birthdays, "
                     "constant hazard over the year, the birthday itself reached) fell before "
                     "the birthday, at completed age a - 1; computed per single age of the "
                     "band (jamlik.demo._completed_age)",
    "population": "31 December population by age on 31 December; the year before the first "
                  "year holds the population only",
    "source": "population/riket_deaths_1yr_age_sex_1968_2023.csv (HMD period 1x1 deaths, "
              "Sweden; totals equal SCB's)",
    "years_without_real_deaths": "use the rest-of-Sweden background rates and level factor of "
                                 "the last year in the file (the MI-related deaths of the year)",
})

#: Causes of death: share of all deaths by age group (0-14, 15-44, 45-64, 65-79, 80+); the
#: MI-related deaths are part of the ischaemic heart disease share (``jamlik.demo._mi_rates``).
CAUSE_GROUPS = ("ischaemic_heart", "cerebrovascular", "other_circulatory", "neoplasms",
                "respiratory", "external", "dementia", "diabetes", "other")
CAUSE_AGE_LIMITS = (0, 15, 45, 65, 80)
CAUSE_SHARES = (
    (0.00, 0.01, 0.03, 0.12, 0.04, 0.15, 0.00, 0.00, 0.65),
    (0.04, 0.02, 0.05, 0.18, 0.03, 0.45, 0.00, 0.01, 0.22),
    (0.11, 0.04, 0.07, 0.42, 0.06, 0.08, 0.01, 0.02, 0.19),
    (0.13, 0.06, 0.09, 0.36, 0.09, 0.02, 0.06, 0.03, 0.16),
    (0.13, 0.08, 0.14, 0.15, 0.08, 0.02, 0.17, 0.02, 0.21),
)
CAUSE_CODES = MappingProxyType({
    "ischaemic_heart": ("I219", "I251", "I259"),
    "cerebrovascular": ("I639", "I619", "I64"),
    "other_circulatory": ("I500", "I489", "I269", "I119"),
    "neoplasms": ("C349", "C189", "C509", "C61", "C259", "C679"),
    "respiratory": ("J449", "J189", "J690"),
    "external": ("X59", "W19", "V892", "X70"),
    "dementia": ("F03", "G309", "F019"),
    "diabetes": ("E119", "E109"),
    "other": ("K746", "N189", "A419", "R99"),
})

#: Hospital-treated incidence: crude rate per 100 000 aged 20+ in the region in 2022 (assumed,
#: Swedish order of magnitude), log-linear age slope from age 30, female/male ratio, SES RRs
#: (renormalised to a population mean of 1), diabetes RR and a yearly trend.
CONDITIONS = ("mi", "stroke", "heart_failure", "fall_injury")
INCIDENCE = MappingProxyType({
    "mi": {"crude_per_100k_20plus": 280.0, "age_slope": 0.070, "female_ratio": 0.55,
           "income_rr": (1.45, 1.25, 1.12, 1.04, 1.00), "education_rr": (1.30, 1.15, 1.05, 1.00, 1.15),
           "diabetes_rr": 1.8, "trend_per_year": -0.02},
    "stroke": {"crude_per_100k_20plus": 240.0, "age_slope": 0.080, "female_ratio": 0.85,
               "income_rr": (1.35, 1.20, 1.10, 1.03, 1.00), "education_rr": (1.25, 1.12, 1.05, 1.00, 1.10),
               "diabetes_rr": 1.6, "trend_per_year": -0.015},
    "heart_failure": {"crude_per_100k_20plus": 220.0, "age_slope": 0.095, "female_ratio": 0.75,
                      "income_rr": (1.50, 1.25, 1.10, 1.03, 1.00), "education_rr": (1.30, 1.15, 1.05, 1.00, 1.10),
                      "diabetes_rr": 2.0, "trend_per_year": 0.0},
    "fall_injury": {"crude_per_100k_20plus": 180.0, "age_slope": 0.110, "female_ratio": 1.9,
                    "income_rr": (1.20, 1.10, 1.05, 1.00, 1.00), "education_rr": (1.10, 1.05, 1.00, 1.00, 1.05),
                    "diabetes_rr": 1.3, "trend_per_year": -0.01},
})

#: After a first (index) MI in 2015-2024: MI-related death hazard (on top of background
#: mortality; the rest of Sweden gets the same per person-year, see ``jamlik.demo._mi_rates``),
#: proportional hazards: h(t) = h0(t) * exp(age_coef * (age - 70)) * HR[quintile].
#: h0 gives a 28-day risk ``p28_ref`` for a 70-year-old in Q5, then ``rate_after_28d`` per year.
MI_OUTCOME = MappingProxyType({
    "p28_ref": 0.05,
    "rate_after_28d_per_year": 0.030,
    "age_coef_per_year": 0.05,
    "hazard_ratio_income_quintile": (1.50, 1.30, 1.15, 1.05, 1.00),
    "recurrent_mi_rate_per_year": 0.050,
    "post_mi_stroke_rate_per_year": 0.015,
    "mace_hazard_ratio_income_quintile": (1.40, 1.25, 1.12, 1.05, 1.00),
    "cause_within_28d": "I219",
    "cause_after_28d": "I259",
})
#: Process measures: logit(p) = logit(base) + age_coef*(age-70) + log OR[quintile].
MI_PROCESS = MappingProxyType({
    "reperfusion": {"base": 0.30, "age_coef": -0.030, "or_income": (0.80, 0.88, 0.95, 1.0, 1.0)},
    "pci": {"base": 0.62, "age_coef": -0.060, "or_income": (0.65, 0.78, 0.90, 0.97, 1.0)},
    "statin_at_discharge": {"base": 0.90, "age_coef": -0.045, "or_income": (0.80, 0.88, 0.95, 1.0, 1.0)},
    "betablocker_at_discharge": {"base": 0.82, "age_coef": -0.010, "or_income": (0.95, 1.0, 1.0, 1.0, 1.0)},
})

#: Diabetes: P(diabetic by age a) = pmax[sex] * RR / (1 + exp(-(a - midpoint) / scale)).
DIABETES = MappingProxyType({
    "pmax_reference": (0.16, 0.11),  # male, female; Q5 and post_secondary_ge3y
    "midpoint_age": 62.0, "scale_years": 9.0,
    "income_rr": (1.60, 1.35, 1.20, 1.08, 1.00),
    "education_rr": (1.40, 1.20, 1.10, 1.00, 1.25),
})

#: Person measures: probability by income quintile (Q1..Q5), trend as a yearly odds ratio.
MEASURES = MappingProxyType({
    "smoke_exposed_infant": {"age": 0, "p_income": (0.12, 0.07, 0.04, 0.025, 0.015),
                             "yearly_or": 0.95},
    "caries_age3": {"age": 3, "p_income": (0.10, 0.06, 0.04, 0.03, 0.02), "yearly_or": 1.0,
                    "or_born_outside_europe": 2.5},
    "gymnasium_eligible": {"age": 16, "or_income": (0.35, 0.60, 0.85, 1.10, 1.60),
                           "calibration": "kommun share 2018/19 (Skolverket), logit shift",
                           "yearly_or": 1.0},
    "econ_vulnerable_child": {"ages": (0, 17), "p_income": (0.42, 0.12, 0.04, 0.015, 0.005),
                              "yearly_or": 0.97},
})

#: Survey: logit(p) = intercept + age*(age-50)/10 + female + education + income quintile +
#: birth region. Response propensity has the same form (no income term).
SURVEY = MappingProxyType({
    "sample_per_year": 20_000,
    "ages": (16, 84),
    "allocation": "n_h proportional to sqrt(N_h), at most N_h",
    "nonresponse_cells": "stratum (kommun) x sex x age group 16-29/30-44/45-64/65-84",
    "response": {"intercept": 0.10, "age_per_10y": 0.22, "female": 0.30,
                 "education": (-0.45, -0.15, 0.05, 0.35, -0.60), "education_under_25": -0.2,
                 "birth_region": (0.0, -0.20, -0.45, -0.75)},
    "answers": {
        "good_health": {"intercept": 1.55, "age_per_10y": -0.28, "female": -0.12,
                        "education": (-0.55, -0.20, 0.0, 0.25, -0.40), "income": (-0.65, -0.35, -0.15, 0.0, 0.15),
                        "birth_region": (0.0, -0.05, -0.20, -0.35)},
        "trust_others": {"intercept": 1.10, "age_per_10y": 0.10, "female": -0.05,
                         "education": (-0.45, -0.20, 0.0, 0.30, -0.50), "income": (-0.50, -0.30, -0.10, 0.0, 0.10),
                         "birth_region": (0.0, -0.10, -0.35, -0.60)},
        "sedentary_leisure": {"intercept": -1.60, "age_per_10y": 0.05, "female": -0.05,
                              "education": (0.50, 0.25, 0.05, 0.0, 0.40), "income": (0.45, 0.25, 0.10, 0.0, -0.10),
                              "birth_region": (0.0, 0.10, 0.30, 0.55)},
        "daily_smoker": {"intercept": -2.55, "age_per_10y": 0.05, "female": 0.05,
                         "education": (0.80, 0.45, 0.10, 0.0, 0.50), "income": (0.60, 0.35, 0.15, 0.0, -0.15),
                         "birth_region": (0.0, 0.20, 0.35, 0.15), "trend_per_year": -0.06},
        "economic_hardship": {"intercept": -2.40, "age_per_10y": -0.25, "female": 0.10,
                              "education": (0.55, 0.25, 0.05, 0.0, 0.60), "income": (1.70, 0.90, 0.40, 0.10, 0.0),
                              "birth_region": (0.0, 0.20, 0.50, 0.90)},
    },
    "national_design_effect": 1.5,
    "national_respondents_per_sex": 9_000,
})

#: Primary care: about 40 units, listing by distance decay.
CARE = MappingProxyType({
    "n_units": 40, "distance_scale_km": 4.0, "private_share": 0.3,
    "operators": ("Region Östergötland", "Privat vårdgivare"),
})
#: Catchment hospital per kommun (code -> hospital short code).
HOSPITALS = MappingProxyType({
    "US": "Universitetssjukhuset i Linköping",
    "ViN": "Vrinnevisjukhuset i Norrköping",
    "LiM": "Lasarettet i Motala",
})
HOSPITAL_OF_KOMMUN = MappingProxyType({
    "0509": "LiM", "0512": "US", "0513": "US", "0560": "LiM", "0561": "US", "0562": "ViN",
    "0563": "ViN", "0580": "US", "0581": "ViN", "0582": "ViN", "0583": "LiM", "0584": "LiM",
    "0586": "LiM",
})


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.asarray(p, float)
    return np.log(p / (1 - p))


def expit(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, float)))


def as_plain(value: Any) -> Any:
    """Recursively turn parameter containers into JSON-serialisable values."""
    if isinstance(value, MappingProxyType | dict):
        return {str(k): as_plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [as_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return as_plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def parameters() -> dict[str, Any]:
    """All fixed model parameters as a JSON-serialisable dict."""
    return as_plain({
        "abroad_age_profile": ABROAD_AGE_PROFILE, "abroad_split": ABROAD_SPLIT,
        "income": INCOME, "mortality_rr": MORTALITY_RR,
        "rest_of_sweden_mortality": REST_OF_SWEDEN_MORTALITY,
        "cause_of_death": {"age_limits": CAUSE_AGE_LIMITS, "groups": CAUSE_GROUPS,
                           "shares": CAUSE_SHARES, "icd10_codes": CAUSE_CODES},
        "incidence": INCIDENCE, "mi_outcome": MI_OUTCOME, "mi_process": MI_PROCESS,
        "diabetes": DIABETES, "person_measures": MEASURES, "survey": SURVEY, "care": CARE,
        "hospitals": HOSPITALS, "hospital_of_kommun": HOSPITAL_OF_KOMMUN,
    })
