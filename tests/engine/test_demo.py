"""The full compute on the demo warehouse: coverage and recovery of the demo's ground truth."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from jamlik.model.catalogue import load_catalogue
from jamlik.store import Warehouse

from ._truth import truth_cells, truth_dsr

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_obs(demo_db_computed):
    with Warehouse(demo_db_computed, read_only=True) as wh:
        report = wh.con.execute("SELECT * FROM compute_runs").fetchall()
        obs = pl.from_arrow(wh.con.execute("SELECT * FROM observations").arrow())
        truth = {k: json.loads(v) for k, v in wh.con.execute(
            "SELECT key, value FROM demo_truth").fetchall()}
    return report, obs, truth


def test_every_indicator_has_every_level(demo_obs):
    _, obs, _ = demo_obs
    have = obs.group_by("indicator_id").agg(pl.col("area_level").unique())
    have = {r[0]: set(r[1]) for r in have.iter_rows()}
    for ind in load_catalogue().values():
        want = {str(lv) for lv in ind.levels}
        if not ind.national:  # no figures outside the region, so no nation row (by design)
            want.discard("nation")
        assert want <= have[ind.id], ind.id


def test_income_gradient_in_all_cause_mortality(demo_obs):
    """The demo's all-cause mortality RR of income quintile 1 vs 5 is 1.70 (demo_truth
    parameters.mortality_rr; education is also a risk factor, so the observed DSR ratio may be
    somewhat higher). Tolerance: the region's 2015–2024 mean DSR ratio within 1.70 × [0.85, 1.35]."""
    _, obs, truth = demo_obs
    rr = truth["parameters"]["mortality_rr"]["income_quintile"]
    true_ratio = rr[0] / rr[4]
    rows = obs.filter(pl.col("indicator_id") == "mortality_all_cause",
                      pl.col("area_code") == "05", pl.col("breakdown") == "income_quintile")
    q = rows.group_by("group_value").agg(pl.col("value").mean())
    q = dict(q.iter_rows())
    ratio = q["1"] / q["5"]
    assert 0.85 * true_ratio <= ratio <= 1.35 * true_ratio


def test_all_cause_dsr_ci_covers_the_truth(demo_dsr_coverage):
    """Län 05, each year 2016–2024 × income quintile (45 cases less the few that disclosure
    control hides; 2015 has no income-quintile deaths because deaths take the attributes of
    the previous year's register row): the
    expected all-cause DSR from the demo truth (background rate formula + the MI-related death
    hazard, ``tests/engine/_truth.py``; ESP 2013 as the indicator) lies inside the engine's
    95 % CI. If the CIs were exact, the number covered would be Binomial(45, 0.95):
    P(≤ 37 of 45) = 0.16 %, so 0.84 is a lower bound at about the 0.1 % level.
    Measured with seed 20240501: 43/45 = 0.96 with the mean population of the year as the
    denominator (31 Dec population + ½ deaths instead: 32/45, because it counts the people who
    turn 90 during the year as if they had been 90+ all year)."""
    inside, n = demo_dsr_coverage
    print(f"\nall-cause DSR 95 % CI coverage of the truth: {inside}/{n} = {inside / n:.2f}")
    assert 40 <= n <= 45  # 2021 and 2022 hide Q3 and Q4: 4 deaths without a quintile in 05
    assert inside / n >= 0.84


@pytest.fixture(scope="module")
def demo_dsr_coverage(demo_db_computed):
    with Warehouse(demo_db_computed, read_only=True) as wh:
        cells = truth_cells(wh, first_year=2016)
        obs = pl.from_arrow(wh.con.execute(
            "SELECT year, group_value, lower_95, upper_95 FROM observations WHERE "
            "indicator_id = 'mortality_all_cause' AND area_code = '05' AND breakdown = "
            "'income_quintile' AND year BETWEEN 2016 AND 2024 AND NOT suppressed").arrow())
    expected = truth_dsr(cells, ["year", "income_quintile"])
    e = np.array([expected[(y, int(q))] for y, q in zip(obs["year"], obs["group_value"],
                                                          strict=True)])
    covered = (obs["lower_95"].to_numpy() <= e) & (e <= obs["upper_95"].to_numpy())
    return int(covered.sum()), obs.height


def test_life_expectancy_ci_covers_the_truth(demo_db_computed):
    """Län 05, life expectancy at birth by income quintile, each 5-year window 2016–2020 …
    2020–2024 (25 cases; 2015–2019 is blank for the register breakdowns, see
    docs/indicators.md): the true life expectancy — the same Chiang II life table applied to
    the demo truth's rates (background + MI-related deaths, ``tests/engine/_truth.py``, pooled
    over the window by life-table band) — lies inside the engine's 95 % CI.
    Bound: if the CIs were exact and the windows independent, P(≤ 18 of 25) = 0.03 %; the
    windows overlap, which fattens the tail, so 0.72 leaves room for that. The mean difference
    observed − true must be within 0.3 years (about 3 standard errors of a mean of 25
    correlated windows). Measured with seed 20240501: 24/25 covered, mean difference +0.09."""
    from jamlik import stats
    from jamlik.model.age_bands import LIFE_TABLE_BANDS

    from ._truth import le_band

    with Warehouse(demo_db_computed, read_only=True) as wh:
        cells = truth_cells(wh, first_year=2016, group_of=le_band)
        obs = pl.from_arrow(wh.con.execute(
            "SELECT year, group_value, value, lower_95, upper_95 FROM observations WHERE "
            "indicator_id = 'life_expectancy_birth' AND area_code = '05' AND breakdown = "
            "'income_quintile' AND year >= 2020").arrow())
    assert obs.height == 25 and obs["value"].is_not_null().all()
    inside, diff = 0, []
    for year, q, value, lower, upper in obs.iter_rows():
        window = (cells.filter(pl.col("year").is_between(year - 4, year),
                               pl.col("income_quintile") == int(q))
                  .group_by("group").agg(pl.col("e", "n").sum()))
        band = {g: (e, n) for g, e, n in window.iter_rows()}
        true = float(stats.life_expectancy([band[b][0] for b in LIFE_TABLE_BANDS],
                                           [band[b][1] for b in LIFE_TABLE_BANDS]).value[0])
        inside += lower <= true <= upper
        diff.append(value - true)
    print(f"\nlife expectancy 95 % CI coverage of the truth: {inside}/25, "
          f"mean observed − true {np.mean(diff):+.2f} years")
    assert inside / 25 >= 0.72
    assert abs(np.mean(diff)) < 0.3


#: Region ÷ nation, pooled 2016–2024, that the model explains (tests/demo/test_region_vs_nation.py
#: checks region ÷ rest of Sweden against the model's expected ratio cell by cell; the nation
#: holds the region, so its ratios lie between those and 1). Measured (seed 20240501): external
#: causes 0.909 (the model expects 0.925 against the rest of Sweden: the young-age mortality level
#: of the national calibration), neoplasms 0.971 (0.971), all the others 0.987–1.019.
CAUSES_AND_CONDITIONS = {
    "mortality_all_cause": (0.96, 1.02), "mortality_ischaemic_heart": (0.95, 1.05),
    "mortality_cerebrovascular": (0.93, 1.07), "mortality_circulatory": (0.96, 1.04),
    "mortality_neoplasms": (0.94, 1.01), "mortality_respiratory": (0.93, 1.07),
    "mortality_external": (0.84, 0.98), "mi_incidence": (0.97, 1.07),
    "stroke_incidence": (0.97, 1.07), "heart_failure_admissions": (0.97, 1.07),
    "fall_injuries_elderly": (0.96, 1.06),
}


@pytest.mark.parametrize("indicator", sorted(CAUSES_AND_CONDITIONS))
def test_the_region_agrees_with_the_nation_in_every_cause_and_condition(demo_obs, indicator):
    """The published figures: no false excess like the 55 % of ischaemic heart disease the demo
    once showed (158.5 against 102.6 per 100 000 in 2024). Limits: the model's expectation
    (above) ± 3 standard errors of the pooled ratio (≈ 1–2 %) and the allowance of the model
    test."""
    _, obs, _ = demo_obs
    rows = obs.filter(pl.col("indicator_id") == indicator, pl.col("breakdown") == "total",
                      pl.col("year").is_between(2016, 2024),
                      pl.col("area_code").is_in(["05", "SE"]))
    mean = rows.group_by("area_code").agg(pl.col("value").mean())
    value = dict(zip(mean["area_code"], mean["value"], strict=True))
    low, high = CAUSES_AND_CONDITIONS[indicator]
    assert low <= value["05"] / value["SE"] <= high
