"""A small, seeded warehouse for engine tests (3 DeSO in two kommuner, 2016–2022).

Expected counts in the tests are computed from these raw tables with plain pandas, independently
of the engine's Ibis expressions.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from jamlik.geo import AreaRegistry
from jamlik.store import Warehouse

YEARS = range(2016, 2023)
DESO = {"0580A0010": "0580", "0580A0020": "0580", "0581A0010": "0581"}
UNITS = {"VC0580-01": "0580", "VC0581-01": "0581"}
EDU = ("compulsory", "upper_secondary", "post_secondary_lt3y", "post_secondary_ge3y", "missing")
REGIONS = ("sweden", "nordic", "europe", "outside_europe")
CAUSES = ("ischaemic_heart", "cerebrovascular", "neoplasms", "respiratory", "external", "other")
ANSWERS = ("good_health", "trust_others", "sedentary_leisure", "daily_smoker", "economic_hardship")
REST = ("0180", "1480")  # the rest of Sweden in this test warehouse
MOVER = "P_MOVER"


def build_tables(seed: int = 7, n: int = 4000) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    desos = np.array(list(DESO))
    pid = np.array([f"P{i:05d}" for i in range(n)] + [MOVER])
    sex = np.where(rng.random(n + 1) < 0.5, "male", "female")
    birth_year = rng.integers(1922, 2022, n + 1)
    birth_year[-1] = 1940
    region = rng.choice(REGIONS, n + 1, p=[0.7, 0.05, 0.1, 0.15])
    deso = rng.choice(desos, n + 1)
    deso[-1] = "0580A0010"
    edu = rng.choice(EDU, n + 1, p=[0.2, 0.4, 0.15, 0.2, 0.05])
    quint = rng.integers(1, 6, n + 1)
    # frailty: quintile 1 dies twice as often as quintile 5
    frail = np.array([2.0, 1.6, 1.3, 1.1, 1.0])[quint - 1]
    death_year = np.full(n + 1, 0)
    py_rows, death_rows = [], []
    for y in YEARS:
        age = y - birth_year
        alive = (birth_year <= y) & (death_year == 0)
        q = np.minimum(0.0004 * np.exp(0.085 * (np.maximum(age, 0) - 30)) * frail, 0.6)
        dies = alive & (rng.random(n + 1) < q)
        dies[-1] = y == 2020
        where = deso.copy()
        if y >= 2020:
            where[-1] = "0581A0010"  # the mover lives in Norrköping from 2020
        kommun = np.array([DESO[d] for d in where])
        vc = np.where(rng.random(n + 1) < 0.9, "VC" + kommun + "-01",
                      np.where(kommun == "0580", "VC0581-01", "VC0580-01"))
        for i in np.flatnonzero(dies):
            death_rows.append((pid[i], date(y, 6, 1), y, int(age[i]), sex[i], where[i],
                               kommun[i], "X", rng.choice(CAUSES)))
            death_year[i] = y
        res = alive & ~dies
        for i in np.flatnonzero(res):
            py_rows.append((y, pid[i], int(age[i]), where[i], kommun[i], vc[i],
                            edu[i] if age[i] >= 25 else None, int(quint[i])))
    py = pd.DataFrame(py_rows, columns=["year", "person_id", "age", "deso_code", "kommun_code",
                                        "vardcentral_code", "education", "income_quintile"])
    deaths = pd.DataFrame(death_rows, columns=["person_id", "death_date", "year", "age", "sex",
                                               "deso_code", "kommun_code", "underlying_cause",
                                               "cause_group"])
    persons = pd.DataFrame({
        "person_id": pid, "sex": sex, "birth_date": [date(int(b), 1, 1) for b in birth_year],
        "birth_year": birth_year, "birth_region": region,
        "death_date": [date(int(d), 6, 1) if d else None for d in death_year]})
    # care events: MI etc. among adults, some of them dying within 28 days (the death dates)
    adults = py[py.age >= 40].sample(frac=0.03, random_state=seed)
    k = len(adults)
    cond = rng.choice(["mi", "stroke", "heart_failure", "fall_injury"], k)
    adm = [date(int(y), 5, 20) for y in adults.year]
    events = pd.DataFrame({
        "event_id": [f"E{i}" for i in range(k)], "person_id": adults.person_id.to_numpy(),
        "admission_date": adm, "discharge_date": adm, "year": adults.year.to_numpy(),
        "hospital": "US", "condition": cond, "main_diagnosis": "I21.9",
        "secondary_diagnoses": None, "reperfusion": rng.random(k) < 0.4,
        "pci": rng.random(k) < 0.6, "statin_at_discharge": rng.random(k) < 0.9,
        "betablocker_at_discharge": rng.random(k) < 0.8})
    # the mover's MI the year he moved and died (admission 20 May, death 1 June: 12 days)
    events.loc[len(events)] = ["E_MOVER", MOVER, date(2020, 5, 20), date(2020, 5, 25), 2020,
                               "US", "mi", "I21.9", None, True, True, True, True]
    # a first-year MI of somebody who died 12 days later: no register row of 2015 or 2016
    first = deaths[deaths.year == YEARS.start].iloc[0]
    events.loc[len(events)] = ["E_FIRST", first.person_id, date(YEARS.start, 5, 20),
                               date(YEARS.start, 5, 25), YEARS.start, "US", "mi", "I21.9", None,
                               True, True, True, True]
    diab = persons.sample(frac=0.08, random_state=seed + 1)
    conditions = pd.DataFrame({"person_id": diab.person_id.to_numpy(), "condition": "diabetes",
                               "onset_year": diab.birth_year.to_numpy() + 50})
    kids = py[py.age.isin([0, 3, 16])]
    measure = kids.age.map({0: "smoke_exposed_infant", 3: "caries_age3",
                            16: "gymnasium_eligible"})
    pm = pd.DataFrame({"year": kids.year.to_numpy(), "person_id": kids.person_id.to_numpy(),
                       "measure": measure.to_numpy(), "value": rng.random(len(kids)) < 0.3})
    survey = _survey(rng, py, persons)
    return {"persons": persons, "person_years": py, "deaths": deaths, "care_events": events,
            "conditions": conditions, "person_measures": pm, "survey": survey,
            "aggregate_counts": _aggregate(rng), "national_survey": _national(rng)}


def _survey(rng, py: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    frames = []
    sexes = persons.set_index("person_id").sex
    regions = persons.set_index("person_id").birth_region
    for y in YEARS:
        frame = py[(py.year == y) & py.age.between(16, 84)]
        s = pd.concat([g.sample(n=min(len(g), 120), random_state=int(y))
                       for _, g in frame.groupby("kommun_code")])
        big_n = frame.kommun_code.value_counts()
        small_n = s.kommun_code.value_counts()
        m = len(s)
        responded = rng.random(m) < 0.6
        w = (big_n[s.kommun_code] / small_n[s.kommun_code]).to_numpy()
        out = pd.DataFrame({
            "year": y, "respondent_id": [f"R{y}_{i}" for i in range(m)],
            "person_id": s.person_id.to_numpy(), "kommun_code": s.kommun_code.to_numpy(),
            "deso_code": s.deso_code.to_numpy(), "stratum": s.kommun_code.to_numpy(),
            "sex": sexes[s.person_id].to_numpy(), "age": s.age.to_numpy(),
            "education": s.education.to_numpy(), "income_quintile": s.income_quintile.to_numpy(),
            "birth_region": regions[s.person_id].to_numpy(), "design_weight": w,
            "responded": responded,
            "weight": np.where(responded, w * rng.uniform(1.2, 2.0, m), np.nan)})
        for a in ANSWERS:
            out[a] = np.where(responded, rng.random(m) < 0.35, None)
        frames.append(out)
    return pd.concat(frames, ignore_index=True)


def _aggregate(rng) -> pd.DataFrame:
    from jamlik.model.age_bands import LIFE_TABLE_BANDS

    rows = []
    for k in REST:
        for y in YEARS:
            for s in ("male", "female"):
                for i, b in enumerate(LIFE_TABLE_BANDS):
                    for e in (None, *EDU) if i >= 6 else (None,):
                        if i >= 7 and e is None:
                            continue
                        for q in range(1, 6):
                            pop = int(rng.integers(50, 400))
                            rows.append((k, y, s, b, e, q, pop,
                                         int(rng.poisson(pop * 0.0005 * np.exp(0.4 * i))) if i
                                         else 1))
    df = pd.DataFrame(rows, columns=["kommun_code", "year", "sex", "age_band", "education",
                                     "income_quintile", "population", "deaths"])
    df["deaths"] = np.minimum(df.deaths, df.population)
    df["deaths_neoplasms"] = df.deaths // 4
    df["mi_events"] = df.deaths // 10
    df["diabetes_prevalent"] = df.population // 12
    df["infants"] = np.where(df.age_band == "0", df.population, 0)
    df["smoke_exposed_infants"] = df.infants // 20
    return df


def _national(rng) -> pd.DataFrame:
    rows = []
    for y in YEARS:
        for s in ("male", "female", "total"):
            for a in ANSWERS:
                rows.append((y, s, a, float(rng.uniform(0.2, 0.5)), 0.01, 9000))
    return pd.DataFrame(rows, columns=["year", "sex", "measure", "estimate", "se",
                                       "respondents"])


def _long_aggregates(agg: pd.DataFrame) -> pd.DataFrame:
    """``aggregates`` rows (one per variable) of the rest of Sweden's kommuner, and national
    rows (``SE``: the two kommuner's counts × 40, a made-up nation that is loaded as such)."""
    counts = [c for c in agg.columns if c not in ("kommun_code", "year", "sex", "age_band",
                                                  "education", "income_quintile")]
    dims = ["year", "sex", "age_band", "education", "income_quintile"]
    nation = agg.groupby(dims, dropna=False)[counts].sum().reset_index()
    nation[counts] = nation[counts] * 40
    nation["kommun_code"] = "SE"
    both = pd.concat([agg, nation], ignore_index=True)
    long = both.melt(id_vars=["kommun_code", *dims], value_vars=counts, var_name="variable",
                     value_name="value").rename(columns={"kommun_code": "area_code"})
    long["value"] = long["value"].astype(float)
    long["income_quintile"] = long["income_quintile"].astype("Int8")
    long["birth_region"] = None
    long["population_type"] = np.where(long.variable == "population", "dec31_survivors", None)
    long["synthetic"] = False
    return long


def build_warehouse(path, seed: int = 7, n: int = 4000) -> dict[str, pd.DataFrame]:
    tables = build_tables(seed, n)
    units = pd.DataFrame({"code": list(UNITS), "name": list(UNITS),
                          "kommun_code": list(UNITS.values()), "deso_code": None,
                          "lon": 15.6, "lat": 58.4, "operator": "Region"})
    registry = AreaRegistry.builtin().with_care_units(
        __import__("pyarrow").Table.from_pandas(units, preserve_index=False))
    survey = tables["survey"]
    answers = survey[survey.responded].melt(
        id_vars=["year", "respondent_id"], value_vars=list(ANSWERS), var_name="question",
        value_name="value").dropna(subset=["value"])
    answers["value"] = answers["value"].astype(bool)
    questions = pd.DataFrame({"question": list(ANSWERS), "label_sv": list(ANSWERS),
                              "label_en": list(ANSWERS), "yes": '["1"]', "no": '["0"]',
                              "polarity": "no_judgement"})
    stored = {**tables, "survey": survey.drop(columns=list(ANSWERS)),
              "survey_answers": answers, "survey_questions": questions,
              "aggregates": _long_aggregates(tables["aggregate_counts"])}
    del stored["aggregate_counts"]
    with Warehouse(path) as wh:
        wh.migrate()
        with wh.load_session("engine test fixture") as load:
            load.put("areas", registry.table, mode="replace")
            load.put("care_units", units)
            for name, df in stored.items():
                load.put(name, df)
            load.set_meta("home_region", "05")
    tables["care_units"] = units
    return tables
