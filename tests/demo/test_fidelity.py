"""Demographic fidelity of the demo region against the real files it was built from.

Reference values are the real public data shipped in ``jamlik/data`` (see PROVENANCE.md):
SCB DeSO statistics 31 Dec 2022 (``deso2018_stats_2022.csv``), SCB kommun population 2019
(``kommun_pop_1yr_age_sex_2019.csv``), SCB population and deaths of Linköping 2015-2024
(``linkoping_0580_pop_deaths_1yr_age_sex_1968_2025.csv``) and Skolverket grade-9 eligibility
2018/19. Tolerances are stated per test.
"""

from __future__ import annotations

import io
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

OSTERGOTLAND = ("0509", "0512", "0513", "0560", "0561", "0562", "0563", "0580", "0581", "0582",
                "0583", "0584", "0586")


def _real(*parts, **kw) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(files("jamlik").joinpath("data", *parts).read_bytes()), **kw)


@pytest.fixture(scope="module")
def deso_stats():
    d = _real("deso_regso", "deso2018_stats_2022.csv",
              dtype={"deso_kod": str, "kommun_kod": str, "regso_kod": str})
    return d[d.kommun_kod.isin(OSTERGOTLAND)].set_index("deso_kod")


@pytest.fixture(scope="module")
def py2022(person_years):
    return person_years[person_years.year == 2022]


def test_every_kommun_has_persons_every_year(person_years):
    counts = person_years.groupby(["year", "kommun_code"]).size().unstack(fill_value=0)
    assert list(counts.index) == list(range(2015, 2025))
    assert sorted(counts.columns) == list(OSTERGOTLAND)
    assert (counts.to_numpy() > 1000).all()  # smallest kommun, Ydre, has about 3 700


def test_deso_totals_2022_within_two_percent(py2022, deso_stats):
    # Reference: SCB DeSO population 31 Dec 2022. Tolerance: 2 % per DeSO (deaths after MI,
    # added on top of the calibrated mortality, remove a few persons before 2022), 0.6 % in total.
    demo = py2022.groupby("deso_code").size().reindex(deso_stats.index, fill_value=0)
    rel = (demo - deso_stats.pop_total) / deso_stats.pop_total
    assert rel.abs().max() < 0.02, rel.abs().sort_values().tail()
    assert abs(demo.sum() / deso_stats.pop_total.sum() - 1) < 0.006
    assert deso_stats.pop_total.sum() == 471_912


def test_kommun_age_structure_2022(py2022, deso_stats):
    # Reference: SCB DeSO five-year bands summed to kommun. Tolerance 0.5 percentage points
    # per band share.
    band = np.minimum(py2022.age.to_numpy() // 5, 16)
    demo = pd.crosstab(py2022.kommun_code, band, normalize="index")
    cols = [c for c in deso_stats.columns if c.startswith("pop_") and c != "pop_total"]
    real = deso_stats.groupby("kommun_kod")[cols].sum()
    real = real.div(real.sum(1), axis=0)
    assert np.abs(demo.to_numpy() - real.to_numpy()).max() < 0.005


def test_kommun_sex_ratio_matches_kommun_table(tables, py2022):
    # Reference: SCB kommun population by sex 31 Dec 2019. Tolerance 1.5 percentage points
    # (the 2019 ratio is applied to the 2022 age structure).
    real = _real("population", "kommun_pop_1yr_age_sex_2019.csv", dtype={"kommun_kod": str})
    real = real[real.kommun_kod.isin(OSTERGOTLAND)]
    real_male = real[real.sex == "male"].groupby("kommun_kod").population.sum() / \
        real.groupby("kommun_kod").population.sum()
    sex = tables["persons"].set_index("person_id").sex
    male = py2022.person_id.map(sex).eq("male")
    demo_male = male.groupby(py2022.kommun_code.to_numpy()).mean()
    assert (demo_male - real_male).abs().max() < 0.015


def test_education_shares_per_kommun(py2022, deso_stats):
    # Reference: SCB DeSO education of ages 25-64, 2022, summed to kommun. Tolerance:
    # 2.5 percentage points per level (the kommun age x sex adjustment of 2019 shifts levels a
    # little; sampling noise in Ydre is about 1 pp).
    adults = py2022[(py2022.age >= 25) & (py2022.age <= 64)]
    demo = pd.crosstab(adults.kommun_code, adults.education, normalize="index")
    edu = ["compulsory", "upper_secondary", "post_secondary_lt3y", "post_secondary_ge3y",
           "missing"]
    real = deso_stats.groupby("kommun_kod")[["edu_" + e for e in edu]].sum()
    real = real.div(real.sum(1), axis=0)
    diff = np.abs(demo[edu].to_numpy() - real.to_numpy())
    assert diff.max() < 0.025, diff.max()


def test_born_abroad_share_per_kommun(tables, py2022, deso_stats):
    # Reference: SCB DeSO born_abroad 2022 summed to kommun. Tolerance: 4 binomial standard
    # errors of the kommun share (Ödeshög, 5 300 people: 1.9 pp; Linköping: 0.4 pp).
    p = tables["persons"].set_index("person_id").birth_region
    abroad = py2022.person_id.map(p).ne("sweden")
    demo = abroad.groupby(py2022.kommun_code.to_numpy()).mean()
    real = deso_stats.groupby("kommun_kod").apply(
        lambda g: g.born_abroad.sum() / g.pop_total.sum(), include_groups=False)
    n = py2022.kommun_code.value_counts()
    se = np.sqrt(real * (1 - real) / n.reindex(real.index))
    assert ((demo - real).abs() < 4 * se).all(), (demo - real) / se


def test_linkoping_deaths_per_year_match_real_file(tables):
    # Reference: SCB deaths in Linköping 2015-2024 (1 228, 1 180, 1 268, 1 234, 1 175, 1 336,
    # 1 275, 1 248, 1 262, 1 184). The baseline rates are calibrated on this file, but the
    # population is the demo's own: no migration, and deaths before 2022 are back-cast from the
    # 2022 cross-section (sensitive at ages 90+), and MI-related deaths come on top.
    # Tolerances: within 10 % every year and 4 % over the ten years.
    real = _real("population", "linkoping_0580_pop_deaths_1yr_age_sex_1968_2025.csv")
    real = real[(real.year >= 2015) & (real.year <= 2024)].groupby("year").deaths.sum()
    assert real.sum() == 12_390
    d = tables["deaths"]
    demo = d[d.kommun_code == "0580"].groupby("year").size()
    rel = demo / real - 1
    assert rel.abs().max() < 0.10, rel
    assert abs(demo.sum() / real.sum() - 1) < 0.04, demo.sum()


def test_gymnasium_eligibility_tracks_skolverket(tables, person_years):
    # Reference: Skolverket grade-9 eligibility 2018/19 (Linköping 83.4 %, Norrköping 80.8 %,
    # Motala 87.1 %, Mjölby 76.0 %). Tolerance: 4 percentage points on the ten-year pool.
    m = tables["person_measures"]
    g = m[m.measure == "gymnasium_eligible"]
    kommun = person_years.drop_duplicates("person_id").set_index("person_id").kommun_code
    share = g.value.groupby(g.person_id.map(kommun).to_numpy()).mean()
    expected = {"0580": 1475.346 / 1769, "0581": 1250.784 / 1548, "0583": 452.92 / 520,
                "0586": 218.88 / 288}
    for k, v in expected.items():
        assert abs(share[k] - v) < 0.04, (k, share[k], v)
