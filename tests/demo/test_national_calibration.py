"""The demo nation (region micro data + rest-of-Sweden aggregates) has Sweden's real deaths."""

from __future__ import annotations

import io
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from jamlik.demo import _params as P
from jamlik.demo._aggregate import deaths_per_survivor

YEARS = range(2015, 2024)  # the real national deaths file ends in 2023


def _real_national_deaths() -> pd.DataFrame:
    path = files("jamlik").joinpath("data", "population", "riket_deaths_1yr_age_sex_1968_2023.csv")
    return pd.read_csv(io.BytesIO(path.read_bytes()))


@pytest.fixture(scope="module")
def national(demo):
    deaths = demo.tables["deaths"].to_pandas()
    agg = demo.tables["aggregate_counts"].select(
        ["year", "sex", "age_band", "deaths", *(f"deaths_{g}" for g in P.CAUSE_GROUPS)]
    ).to_pandas()
    return deaths, agg


def test_real_file_totals_are_scb_totals():
    # Reference: SCB, deaths in Sweden 2019-2023 (Befolkningsstatistik, "Döda"): 88 766, 98 124,
    # 91 958, 94 737, 94 385 (also in src/jamlik/data/PROVENANCE.md). HMD 1x1 counts can carry
    # fractions from redistribution, hence the tolerance of 1 death.
    real = _real_national_deaths().groupby("year").deaths.sum()
    expected = {2019: 88_766, 2020: 98_124, 2021: 91_958, 2022: 94_737, 2023: 94_385}
    for year, total in expected.items():
        assert abs(real[year] - total) < 1, (year, real[year])


def test_national_deaths_per_year_match_real(national):
    # Reference: real deaths in Sweden by year, src/jamlik/data/population/
    # riket_deaths_1yr_age_sex_1968_2023.csv (HMD period 1x1 "Deaths" = SCB totals).
    # Demo nation = region deaths table + aggregate_counts deaths. Tolerance 3 % per year (the
    # binomial noise is about 0.3 %, the region's MI-related excess deaths, which the
    # calibration does not see, about 0.2 %).
    deaths, agg = national
    real = _real_national_deaths().groupby("year").deaths.sum().loc[list(YEARS)]
    demo = (deaths.groupby("year").size().loc[list(YEARS)]
            + agg.groupby("year").deaths.sum().loc[list(YEARS)])
    rel = demo / real - 1
    assert rel.abs().max() < 0.03, rel
    # and over the nine years together within 1 %
    assert abs(demo.sum() / real.sum() - 1) < 0.01, demo.sum() / real.sum()


def test_national_deaths_by_sex_and_ten_year_band(national):
    # Reference: as above, pooled 2015-2023 by sex and completed age at death: the age of the
    # real file, of the region's deaths table (``age``) and of the aggregate bands, all as
    # counted. Tolerance: 5 % in bands with at least 5 000 real deaths, 15 % in the smaller
    # bands (ages 0-49: 500-7 500 deaths, where the real counts are noisy).
    deaths, agg = national
    real = _real_national_deaths()
    real = real[real.year.isin(YEARS)]
    d = deaths[deaths.year.isin(YEARS)]
    d_band = np.minimum(d.age // 10, 9)
    a = agg[agg.year.isin(YEARS)]
    start = a.age_band.str.extract(r"^(\d+)")[0].astype(int)
    a_band = np.minimum(start // 10, 9)
    for s in ("male", "female"):
        m = real.sex == s
        ref = np.bincount(np.minimum(real.age[m] // 10, 9), real.deaths[m], 10)
        demo = (np.bincount(d_band[d.sex == s], minlength=10)
                + np.bincount(a_band[a.sex == s], a.deaths[a.sex == s], 10))
        rel = demo / ref - 1
        tol = np.where(ref >= 5_000, 0.05, 0.15)
        assert (np.abs(rel) < tol).all(), (s, np.round(rel, 3))


def test_rest_of_sweden_cause_shares_follow_parameters(national):
    # Reference: the documented cause shares (docs/demo.md model step 7, truth parameters
    # cause_of_death.shares) by age group; the level calibration must not change them.
    # Tolerance: 4 binomial standard errors + 0.005.
    _, agg = national
    start = agg.age_band.str.extract(r"^(\d+)")[0].astype(int).to_numpy()
    group = np.searchsorted(P.CAUSE_AGE_LIMITS, start, side="right") - 1
    shares = np.asarray(P.CAUSE_SHARES)
    for g in range(len(P.CAUSE_AGE_LIMITS)):
        rows = agg[group == g]
        n = rows.deaths.sum()
        p = shares[g] / shares[g].sum()
        obs = np.array([rows[f"deaths_{c}"].sum() for c in P.CAUSE_GROUPS]) / n
        se = np.sqrt(p * (1 - p) / n)
        assert (np.abs(obs - p) < 4 * se + 0.005).all(), (g, obs, p)


def test_deaths_per_survivor_is_constant_hazard_identity():
    # Reference: constant hazard m over the year: of N0 at risk, N0 exp(-m) survive and
    # N0 (1 - exp(-m)) die, so deaths per survivor = exp(m) - 1. m = ln 2: half die (1 per
    # survivor); m = ln(1.25): a fifth die (0.25 per survivor). Exact to 1e-12.
    assert deaths_per_survivor(np.log(2.0)) == pytest.approx(1.0, abs=1e-12)
    assert deaths_per_survivor(np.log(1.25)) == pytest.approx(0.25, abs=1e-12)
    assert deaths_per_survivor(np.array([0.0, 5.0])).tolist() == [0.0, 1.0]
