"""Table contract and referential integrity of the demo tables."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jamlik.demo import SCHEMAS
from jamlik.model.age_bands import LIFE_TABLE_BANDS


def test_tables_match_contract(demo):
    assert set(demo.tables) == set(SCHEMAS)
    for name, table in demo.tables.items():
        assert table.schema.equals(SCHEMAS[name]), name
        assert table.num_rows > 0, name


def test_person_ids_are_pseudonymous_and_unique(tables):
    ids = tables["persons"].person_id
    assert ids.is_unique
    assert ids.str.fullmatch(r"[0-9a-f]{16}").all()
    assert not ids.str.fullmatch(r"\d{12}").any()  # nothing like a personnummer


def test_references_resolve(demo, tables):
    t = demo.tables
    persons = t["persons"].column("person_id")
    for name in ("person_years", "deaths", "care_events", "conditions", "person_measures",
                 "survey"):
        assert pc.all(pc.is_in(t[name].column("person_id"), value_set=persons)).as_py(), name
    py = t["person_years"]
    assert pc.all(pc.is_in(py.column("vardcentral_code"),
                           value_set=t["care_units"].column("code"))).as_py()
    assert set(tables["care_units"].deso_code) <= set(pc.unique(py.column("deso_code")).to_pylist())
    deso = pc.unique(py.column("deso_code")).to_pylist()
    assert all(re.fullmatch(r"05\d{2}[ABC]\d{4}", c) for c in deso) and len(deso) == 276
    assert pc.all(pc.equal(pc.utf8_slice_codeunits(py.column("deso_code"), 0, 4),
                           py.column("kommun_code"))).as_py()
    # persons never resident on a 31 December died in the year they entered the window
    seen = pc.is_in(persons, value_set=pc.unique(py.column("person_id")))
    p = tables["persons"][~seen.to_numpy(zero_copy_only=False)]
    entered = np.maximum(p.birth_year, 2015)
    assert (pd.to_datetime(p.death_date).dt.year == entered).all()


def test_deaths_are_consistent_with_persons(tables, person_years):
    p = tables["persons"].set_index("person_id")
    d = tables["deaths"].set_index("person_id")
    assert d.index.is_unique
    dead = p.death_date.notna()
    assert set(d.index) == set(p.index[dead])
    assert (p.loc[d.index, "death_date"] == d.death_date).all()
    last = person_years.groupby("person_id").year.max().reindex(d.index)
    assert (last.isna() | (last < d.year)).all()  # no person-year in or after the death year
    assert (d.age >= 0).all() and (d.age <= 115).all()


def test_person_years_follow_conventions(person_years, tables):
    assert person_years.duplicated(["person_id", "year"]).sum() == 0
    assert person_years.education.isna().eq(person_years.age < 25).all()
    by = tables["persons"].set_index("person_id").birth_year
    assert (person_years.year - person_years.person_id.map(by) == person_years.age).all()
    assert person_years.income_quintile.between(1, 5).all()


def test_care_events(tables):
    e = tables["care_events"]
    assert e.event_id.is_unique
    assert (e.discharge_date >= e.admission_date).all()
    assert e.year.between(2015, 2024).all()
    assert set(e.hospital) == {"US", "ViN", "LiM"}
    mi = e.condition == "mi"
    for col in ("reperfusion", "pci", "statin_at_discharge", "betablocker_at_discharge"):
        assert e.loc[mi, col].notna().all() and e.loc[~mi, col].isna().all()
    prefix = {"mi": "I21.", "stroke": "I6", "heart_failure": "I50.", "fall_injury": "S72."}
    for cond, pre in prefix.items():
        assert e.main_diagnosis[e.condition == cond].str.startswith(pre).all()
    falls = e.secondary_diagnoses[e.condition == "fall_injury"]
    assert falls.str.contains(r"\bW[01]\d\b").all()
    deaths = tables["deaths"].set_index("person_id").death_date
    died = e.person_id.map(deaths)
    assert (died.isna() | (e.admission_date <= died)).all()
    # Realistic magnitude: about 1 000-1 400 hospital-treated MI a year in ~470 000 people.
    per_year = e[mi].groupby("year").size()
    assert per_year.between(900, 1500).all()


def test_care_units(tables, person_years):
    u = tables["care_units"]
    assert 35 <= len(u) <= 45
    assert u.code.str.fullmatch(r"VC05\d{2}-\d{2}").all() and u.code.is_unique
    assert u.name.str.startswith("Vårdcentralen ").all()
    assert set(u.kommun_code) == set(person_years.kommun_code)
    assert u.lon.between(14.4, 17.2).all() and u.lat.between(57.7, 59.0).all()
    # most people are listed in their home kommun
    home = person_years.vardcentral_code.str[2:6] == person_years.kommun_code
    assert home.mean() > 0.85


def test_person_measures(tables, person_years):
    m = tables["person_measures"]
    assert not m.duplicated(["year", "person_id", "measure"]).any()
    age = m.merge(person_years[["year", "person_id", "age"]], on=["year", "person_id"]).age
    bounds = {"smoke_exposed_infant": (0, 0), "caries_age3": (3, 3),
              "gymnasium_eligible": (16, 16), "econ_vulnerable_child": (0, 17)}
    for measure, (lo, hi) in bounds.items():
        a = age[(m.measure == measure).to_numpy()]
        assert a.between(lo, hi).all(), measure


def test_survey_design(tables, person_years):
    s = tables["survey"]
    assert s.respondent_id.is_unique
    assert (s.stratum == s.kommun_code).all()
    assert s.age.between(16, 84).all()
    per_year = s.groupby("year")
    assert per_year.size().between(19_900, 20_100).all()
    assert per_year.responded.sum().between(9_000, 11_500).all()
    assert s.weight.isna().eq(~s.responded).all()
    assert s.good_health.isna().eq(~s.responded).all()
    # design weights and non-response adjusted weights both sum to the frame size N_h
    frame = person_years[person_years.age.between(16, 84)].groupby(["year", "kommun_code"]).size()
    dw = s.groupby(["year", "stratum"]).design_weight.sum()
    w = s.groupby(["year", "stratum"]).weight.sum()
    assert np.allclose(dw.to_numpy(), frame.loc[dw.index].to_numpy(), rtol=1e-6)
    assert np.allclose(w.to_numpy(), frame.loc[w.index].to_numpy(), rtol=1e-6)


def test_aggregate_counts_rest_of_sweden(demo):
    a = demo.tables["aggregate_counts"]
    kommun = a.column("kommun_code").to_numpy(zero_copy_only=False)
    assert len(set(kommun)) == 277 and not any(k.startswith("05") for k in set(kommun))
    counts = np.column_stack([a.column(c).to_numpy() for c in SCHEMAS["aggregate_counts"].names[6:]])
    assert (counts.sum(1) > 0).all()
    pop = a.column("population").to_numpy()
    # Deaths are by completed age at death, the population by age on 31 December (the year's
    # survivors): a band's deaths come from its own population and, those before the birthday
    # at the band above's first age, from the band above's. So per kommun x year x sex x
    # quintile x band: deaths <= population + the band above's population.
    f = a.to_pandas()
    f["band"] = f.age_band.map({b: i for i, b in enumerate(LIFE_TABLE_BANDS)})
    keys = ["kommun_code", "year", "sex", "income_quintile", "band"]
    g = f.groupby(keys, as_index=False)[["population", "deaths"]].sum()
    above = g[keys].assign(band=g.band - 1, above=g.population)
    g = g.merge(above, on=keys, how="left").fillna({"above": 0})
    assert (g.deaths <= g.population + g.above).all()
    # the year before the window (2014) holds the 31 December population only
    assert set(f.year) == set(range(2014, 2025))
    assert (f.loc[f.year == 2014, list(SCHEMAS["aggregate_counts"].names[7:])] == 0).all().all()
    causes = [c for c in a.column_names if c.startswith("deaths_")]
    assert (sum(a.column(c).to_numpy() for c in causes) == a.column("deaths").to_numpy()).all()
    # Reference: SCB, Sweden 31 Dec 2022 = 10 521 556; minus Östergötland 471 912 (DeSO file).
    # The demo scales the 2019 kommun table by the riket change per age; tolerance 1 %.
    year = a.column("year").to_numpy()
    assert abs(pop[year == 2022].sum() / (10_521_556 - 471_912) - 1) < 0.01
    # Reference: SCB, Sweden 31 Dec 2014 = 9 747 355: the 2014 population follows the riket
    # change from 2014 to 2022 (the rest of Sweden grew like Sweden); tolerance 1 %.
    ratio = pop[year == 2014].sum() / pop[year == 2022].sum()
    assert abs(ratio / (9_747_355 / 10_521_556) - 1) < 0.01
    edu = a.column("education").to_numpy(zero_copy_only=False)
    band = a.column("age_band").to_numpy(zero_copy_only=False)
    young = np.isin(band, ["0", "1-4", "5-9", "10-14", "15-19", "20-24"])
    assert (young == (edu == "not_applicable")).all()
    assert pa.compute.max(a.column("income_quintile")).as_py() == 5


def test_national_survey(tables):
    n = tables["national_survey"]
    assert set(n.sex) == {"male", "female", "total"}
    assert n.estimate.between(0, 1).all() and (n.se > 0).all()
    assert len(n) == 10 * 5 * 3
