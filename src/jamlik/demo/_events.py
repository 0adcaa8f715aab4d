"""Diabetes, hospital care events (MI, stroke, heart failure, fall injury) and MI outcomes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jamlik.demo import _params as P
from jamlik.demo._inputs import MAX_AGE
from jamlik.demo._persons import Persons
from jamlik.demo._rng import completed_age, day

NEVER = 9999
_MAIN = {
    "mi": (("I21.0", "I21.1", "I21.4", "I21.9"), (0.15, 0.12, 0.65, 0.08)),
    "stroke": (("I63.9", "I63.4", "I61.9", "I61.0"), (0.50, 0.33, 0.13, 0.04)),
    "heart_failure": (("I50.0", "I50.1", "I50.9"), (0.40, 0.10, 0.50)),
    "fall_injury": (("S72.0", "S72.1", "S72.2"), (0.50, 0.40, 0.10)),
}
_SECONDARY = {
    "mi": ("", "I10.9", "I10.9 E78.0", "E78.0", "I48.9"),
    "stroke": ("", "I10.9", "I48.9", "I10.9 I48.9"),
    "heart_failure": ("", "I48.9", "I10.9 I48.9", "N18.3", "I25.1"),
    "fall_injury": ("", "I10.9", "F03.9"),
}
_LENGTH_OF_STAY = {"mi": 4, "stroke": 7, "heart_failure": 5, "fall_injury": 6}


def diabetes_onset(rng: np.random.Generator, people: Persons) -> np.ndarray:
    """Year of diabetes onset (``NEVER`` for persons who never get diabetes)."""
    d = P.DIABETES
    rr = (np.asarray(d["income_rr"])[people.quintile - 1]
          * np.asarray(d["education_rr"])[people.education])
    p_ever = np.minimum(np.asarray(d["pmax_reference"])[people.sex] * rr, 0.95)
    ever = rng.random(people.size) < p_ever
    f0 = 1 / (1 + np.exp(d["midpoint_age"] / d["scale_years"]))
    u = f0 + (1 - f0) * rng.random(people.size)
    onset_age = d["midpoint_age"] + d["scale_years"] * np.log(u / (1 - u))
    onset = people.birth_year + np.floor(onset_age).astype(np.int64)
    return np.where(ever, onset, NEVER)


def diabetes_probability(sex: np.ndarray, age: np.ndarray, quintile: np.ndarray,
                         education: np.ndarray) -> np.ndarray:
    """P(diabetic at attained age) under the model (used for the national aggregates)."""
    d = P.DIABETES
    rr = np.asarray(d["income_rr"])[quintile - 1] * np.asarray(d["education_rr"])[education]
    p_ever = np.minimum(np.asarray(d["pmax_reference"])[sex] * rr, 0.95)
    f0 = 1 / (1 + np.exp(d["midpoint_age"] / d["scale_years"]))
    f = 1 / (1 + np.exp(-(age + 1 - d["midpoint_age"]) / d["scale_years"]))
    return p_ever * np.clip((f - f0) / (1 - f0), 0, 1)


def incidence_shape(condition: str, sex: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Relative age/sex shape of the incidence (zero under 18)."""
    c = P.INCIDENCE[condition]
    a = np.minimum(age, MAX_AGE)
    shape = np.exp(c["age_slope"] * (np.maximum(a, 25) - 70))
    return shape * np.where(sex == 1, c["female_ratio"], 1.0) * (a >= 18)


def incidence_rr(condition: str, quintile: np.ndarray, education: np.ndarray,
                 adult: np.ndarray, diabetic: np.ndarray) -> np.ndarray:
    c = P.INCIDENCE[condition]
    rr = np.asarray(c["income_rr"])[quintile - 1]
    rr = rr * np.where(adult, np.asarray(c["education_rr"])[education], 1.0)
    return rr * np.where(diabetic, c["diabetes_rr"], 1.0)


@dataclass(frozen=True)
class Calibration:
    """Per condition: scale K (per person-year for shape 1) and RR normaliser."""

    scale: dict[str, float]
    rr_mean: dict[str, float]


def calibrate(people: Persons, onset: np.ndarray) -> Calibration:
    """Scale each condition so the 2022 crude rate at ages 20+ equals its target."""
    alive = (people.birth_year <= 2022) & (people.death_day >= day(2023))
    age = 2022 - people.birth_year[alive]
    adult = age >= 20
    scale, rr_mean = {}, {}
    for cond in P.CONDITIONS:
        sex, a = people.sex[alive][adult], age[adult]
        rr = incidence_rr(cond, people.quintile[alive][adult], people.education[alive][adult],
                          a >= 25, onset[alive][adult] <= 2022)
        rr_mean[cond] = float(rr.mean())
        target = P.INCIDENCE[cond]["crude_per_100k_20plus"] / 1e5
        scale[cond] = float(target / (incidence_shape(cond, sex, a) * rr / rr_mean[cond]).mean())
    return Calibration(scale, rr_mean)


@dataclass(frozen=True)
class Events:
    person: np.ndarray  # index into Persons
    condition: np.ndarray  # index into P.CONDITIONS
    admission: np.ndarray  # day
    recurrent: np.ndarray  # bool: MACE after an index MI


def background_events(rng: np.random.Generator, people: Persons, onset: np.ndarray,
                      calib: Calibration, years: range) -> Events:
    parts = []
    by = people.birth_year
    for year in years:
        ys, ye = day(year), day(year + 1)
        idx = np.flatnonzero((by <= year - 18) & (people.death_day >= ys))
        start = np.maximum(ys, people.birth_day[idx])
        stop = np.minimum(ye, people.death_day[idx] + 1)
        exposure = (stop - start) / (ye - ys)
        age = year - by[idx]
        for c, cond in enumerate(P.CONDITIONS):
            rr = incidence_rr(cond, people.quintile[idx], people.education[idx], age >= 25,
                              onset[idx] <= year)
            trend = (1 + P.INCIDENCE[cond]["trend_per_year"]) ** (year - 2022)
            rate = (calib.scale[cond] * incidence_shape(cond, people.sex[idx], age)
                    * rr / calib.rr_mean[cond] * trend)
            hit = rng.poisson(rate * exposure) > 0
            when = start[hit] + np.floor(rng.random(hit.sum()) * (stop[hit] - start[hit]))
            parts.append((idx[hit], np.full(hit.sum(), c), when.astype(np.int64)))
    person, cond, admission = (np.concatenate(x) for x in zip(*parts, strict=True))
    return Events(person, cond, admission, np.zeros(person.size, bool))


@dataclass(frozen=True)
class IndexMi:
    """The index MIs and the latent times drawn for them (what the expected MI-related deaths
    and MACE of :mod:`jamlik.demo._mi_rates` are computed from)."""

    person: np.ndarray  # index into Persons
    admission: np.ndarray  # day
    event: np.ndarray  # index into the background Events
    hazard_multiplier: np.ndarray  # k = exp(age_coef (age - 70)) HR[quintile]
    days_to_mi_death: np.ndarray  # latent time (days, continuous) to an MI-related death
    mace_hr: np.ndarray  # MACE hazard ratio of the quintile
    days_to_mace: tuple[np.ndarray, np.ndarray]  # latent days after admission + 1: (MI, stroke)


@dataclass(frozen=True)
class MiOutcomes:
    death_day: np.ndarray  # updated death days of all persons
    cause_override: dict[int, str]  # person index -> ICD-10 underlying cause
    events: Events  # background events (MI only the index MI) + recurrent MI/stroke
    index: IndexMi


def mi_outcomes(rng: np.random.Generator, people: Persons, events: Events,
                end_day: int) -> MiOutcomes:
    """Index MI -> MI-related death (proportional hazards) and recurrent MI/stroke (MACE)."""
    o = P.MI_OUTCOME
    mi = np.flatnonzero(events.condition == 0)
    order = mi[np.lexsort((events.admission[mi], events.person[mi]))]
    first = order[np.r_[True, events.person[order][1:] != events.person[order][:-1]]]
    keep = np.ones(events.person.size, bool)
    keep[np.setdiff1d(mi, first)] = False
    person, adm = events.person[first], events.admission[first]
    age = completed_age(people.birth_day[person], adm)
    q = people.quintile[person]
    k = np.exp(o["age_coef_per_year"] * (age - 70)) * np.asarray(
        o["hazard_ratio_income_quintile"])[q - 1]
    h28 = -np.log1p(-o["p28_ref"])
    e = rng.exponential(size=person.size)
    early = e < k * h28
    t_days = np.where(early, e / (k * h28) * 28,
                      28 + (e - k * h28) / (k * o["rate_after_28d_per_year"]) * 365.25)
    mi_death = adm + np.floor(t_days).astype(np.int64)
    death_day = people.death_day.copy()
    moved = (mi_death < death_day[person]) & (mi_death < end_day)
    death_day[person[moved]] = mi_death[moved]
    codes = np.where(early[moved], o["cause_within_28d"], o["cause_after_28d"])
    override = dict(zip(person[moved].tolist(), codes.tolist(), strict=True))
    hr = np.asarray(o["mace_hazard_ratio_income_quintile"])[q - 1]
    limit = np.minimum(death_day[person], end_day)
    extra, latent = [], []
    for c, rate in ((0, o["recurrent_mi_rate_per_year"]), (1, o["post_mi_stroke_rate_per_year"])):
        tau = rng.exponential(size=person.size) / (rate * hr) * 365.25
        t = adm + 1 + np.floor(tau)
        hit = t < limit
        extra.append((person[hit], np.full(hit.sum(), c), t[hit].astype(np.int64)))
        latent.append(tau)
    base = Events(events.person[keep], events.condition[keep], events.admission[keep],
                  events.recurrent[keep])
    ep, ec, ea = (np.concatenate([getattr(base, f), *(x[i] for x in extra)])
                  for i, f in enumerate(("person", "condition", "admission")))
    rec = np.concatenate([base.recurrent, np.ones(ep.size - base.person.size, bool)])
    alive_then = ea <= death_day[ep]
    merged = Events(ep[alive_then], ec[alive_then], ea[alive_then], rec[alive_then])
    index = IndexMi(person, adm, first, k, t_days, hr, (latent[0], latent[1]))
    return MiOutcomes(death_day, override, merged, index)


def event_details(rng: np.random.Generator, people: Persons, events: Events,
                  death_day: np.ndarray, onset: np.ndarray) -> dict[str, np.ndarray]:
    """Discharge, diagnoses and MI process measures for each event."""
    n = events.person.size
    cond = events.condition
    los = np.zeros(n, np.int64)
    main = np.empty(n, dtype="U5")
    secondary = np.empty(n, dtype="U32")
    for c, name in enumerate(P.CONDITIONS):
        idx = np.flatnonzero(cond == c)
        los[idx] = 1 + rng.poisson(_LENGTH_OF_STAY[name], size=idx.size)
        codes, probs = _MAIN[name]
        main[idx] = np.asarray(codes)[rng.choice(len(codes), size=idx.size, p=probs)]
        options = np.asarray(_SECONDARY[name])
        secondary[idx] = options[rng.integers(0, options.size, size=idx.size)]
        if name == "fall_injury":
            w = np.char.add("W", np.char.zfill(rng.integers(0, 20, idx.size).astype(str), 2))
            secondary[idx] = np.char.strip(np.char.add(np.char.add(w, " "), secondary[idx]))
    year = events.admission.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    diabetic = onset[events.person] <= year
    secondary = np.where(diabetic, np.char.strip(np.char.add("E11.9 ", secondary)), secondary)
    discharge = np.minimum(events.admission + los, death_day[events.person])
    age = completed_age(people.birth_day[events.person], events.admission)
    q = people.quintile[events.person]
    process = {}
    is_mi = cond == 0
    for name, spec in P.MI_PROCESS.items():
        logit = (np.log(spec["base"] / (1 - spec["base"])) + spec["age_coef"] * (age - 70)
                 + np.log(np.asarray(spec["or_income"])[q - 1]))
        process[name] = (rng.random(n) < 1 / (1 + np.exp(-logit))) & is_mi
    return {"discharge": discharge, "main": main, "secondary": secondary, "year": year,
            "is_mi": is_mi, **process}
