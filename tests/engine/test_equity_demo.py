"""Issue 4 §2–§4 on the demo region: everything runs, in time, and recovers the ground truth.

Expected values come from the demo's documented ground truth (``demo_truth``: the mortality
model's baseline rates, year factors, normalisers and SES relative risks; the directions of
the generator's income effects in ``parameters``), never from running the engine.
"""

from __future__ import annotations

import json
import shutil
import time

import numpy as np
import polars as pl
import pytest

from jamlik.demo._mortality import rr_exponent
from jamlik.engine.decomposition import compute_le_decomposition
from jamlik.engine.gaps import compute_gaps
from jamlik.engine.inequalities import compute_inequalities
from jamlik.stats.standard_populations import standard_age_group, standard_population
from jamlik.store import Warehouse

pytestmark = pytest.mark.slow

#: Sign of the income SII (positive = higher among the richer) implied by the generator's
#: parameters (demo_truth parameters: mortality_rr, incidence.*.income_rr, diabetes.income_rr,
#: person_measures.*, mi_outcome/mi_process, survey.answers.*.income). mi_betablocker is left
#: out: its only income effect is OR 0.95 in Q1, too weak to show in a region.
EXPECTED_SIGN = {
    **{i: -1 for i in ("mortality_all_cause", "mortality_circulatory", "mortality_ischaemic_heart",
                       "mortality_cerebrovascular", "mortality_neoplasms", "mortality_respiratory",
                       "mortality_external", "mortality_premature", "mi_incidence",
                       "stroke_incidence", "heart_failure_admissions", "fall_injuries_elderly",
                       "diabetes_prevalence", "smoke_exposed_infants", "caries_age3",
                       "econ_vulnerable_children", "mi_death_28d", "daily_smoking",
                       "sedentary_leisure", "economic_hardship")},
    **{i: 1 for i in ("gymnasium_eligibility", "mi_pci", "mi_reperfusion", "mi_statin",
                      "good_health", "trust_others", "life_expectancy_birth",
                      "life_expectancy_65")},
}


@pytest.fixture(scope="module")
def equity_db(demo_db_computed, tmp_path_factory):
    path = tmp_path_factory.mktemp("equity") / "jamlik.duckdb"
    shutil.copy(demo_db_computed, path)
    with Warehouse(path) as wh:
        t0 = time.perf_counter()
        ineq = compute_inequalities(wh)
        gaps = compute_gaps(wh)
        dec = compute_le_decomposition(wh)
        seconds = time.perf_counter() - t0
    print(f"\nequity on the demo region: {ineq.group_sets} group sets, {ineq.rows} measures "
          f"({ineq.seconds:.1f} s), {gaps.rows} gap rows ({gaps.seconds:.1f} s), "
          f"{len(dec.comparisons)} decompositions ({dec.seconds:.1f} s); total {seconds:.1f} s")
    return path, seconds, ineq, gaps, dec


def test_everything_runs_in_time(equity_db):
    _, seconds, ineq, gaps, dec = equity_db
    assert ineq.rows > 100_000 and gaps.rows > 10_000 and not dec.skipped
    assert seconds < 120  # target 60 s alone on 2 cores (benchmarks/bench_equity_engine.py)


def test_income_sii_sign_matches_the_generator(equity_db):
    with Warehouse(equity_db[0], read_only=True) as wh:
        sii = pl.from_arrow(wh.con.execute(
            "SELECT indicator_id, year, estimate FROM inequalities WHERE area_code = '05' AND "
            "dimension = 'income_quintile' AND measure = 'sii'").arrow())
    for ind, sign in EXPECTED_SIGN.items():
        est = sii.filter(pl.col("indicator_id") == ind)["estimate"].drop_nulls().to_numpy()
        assert est.size >= 5, ind
        assert np.sign(est.mean()) == sign, ind
        assert (np.sign(est) == sign).mean() >= 0.75, ind


def truth_cells(wh, quintiles=(1, 2, 3, 4, 5), first_year: int = 2016) -> pl.DataFrame:
    """Expected all-cause deaths ``e`` and person-years ``n`` of the region (län 05) per year ×
    income quintile × ESP 2013 age group, from the demo truth alone: every person-year of the
    region gets the model's death rate baseline[sex, age] × year_factor × normaliser[sex, band]
    × (RR_income × RR_education)^x(age) (demo_truth.mortality.rate_formula, age = attained
    age), split half and half between completed ages a − 1 and a as the engine counts deaths
    by age at death. ``e / n`` is the group's true mean rate (person-years weight the people of
    the group)."""
    truth = {k: json.loads(v) for k, v in wh.con.execute(
        "SELECT key, value FROM demo_truth").fetchall()}
    py = pl.from_arrow(wh.con.execute(
        "SELECT p.year, p.age, s.sex, p.education, p.income_quintile, count(*) AS n "
        "FROM person_years p JOIN persons s USING (person_id) WHERE p.income_quintile IN "
        f"({', '.join(str(int(q)) for q in quintiles)}) AND p.year >= ? GROUP BY ALL",
        [first_year]).arrow())
    mort, params = truth["mortality"], truth["parameters"]["mortality_rr"]
    edu_levels = ["compulsory", "upper_secondary", "post_secondary_lt3y",
                  "post_secondary_ge3y", "missing"]
    age = py["age"].to_numpy()
    sex = py["sex"].to_list()
    band = np.searchsorted([1, 5, *range(10, 95, 5)], age, side="right")
    base = np.array([mort["baseline_rate_by_attained_age"][s][min(a, 110)]
                     for s, a in zip(sex, age, strict=True)])
    norm = np.array([mort["rr_normaliser_by_life_band"][s][b]
                     for s, b in zip(sex, band, strict=True)])
    year = np.array([mort["year_factor"][str(y)] for y in py["year"]])
    rr_q = np.array(params["income_quintile"])[py["income_quintile"].to_numpy() - 1]
    edu = [e if e in edu_levels else None for e in py["education"].to_list()]
    rr_e = np.array([params["education"][edu_levels.index(e)] if e and a >= 25 else 1.0
                     for e, a in zip(edu, age, strict=True)])
    expected = base * norm * year * (rr_q * rr_e) ** rr_exponent(age) * py["n"].to_numpy()
    # The truth's age is attained age (age on 31 Dec); deaths are counted by completed age at
    # death, so a person of attained age a spends about half the year at completed age a − 1
    # and half at a: half of the row's person-time (and expected deaths) goes to each.
    frame = py.with_columns(e=pl.Series(expected), n=pl.col("n").cast(pl.Float64))
    halves = [frame.with_columns(pl.col("e", "n") * 0.5, group=pl.Series(
        [standard_age_group(max(int(a) - shift, 0)) for a in age])) for shift in (0, 1)]
    return (pl.concat(halves).group_by("year", "income_quintile", "group")
            .agg(pl.col("e", "n").sum()))


def truth_dsr(cells: pl.DataFrame, by: list[str]) -> dict[tuple, float]:
    """Expected DSRs per 100 000 (ESP 2013 weights, as the indicator) of ``truth_cells`` pooled
    over everything but ``by``."""
    weights = standard_population("esp2013")
    c = cells.group_by(*by, "group").agg(pl.col("e", "n").sum()).with_columns(
        w=pl.col("group").replace_strict(weights, return_dtype=pl.Float64))
    out = c.group_by(by).agg(
        dsr=(pl.col("w") * pl.col("e") / pl.col("n")).sum() / pl.col("w").sum() * 100_000)
    return {tuple(r[:-1]): r[-1] for r in out.iter_rows()}


def test_all_cause_rate_ratio_q1_q5_recovers_the_truth(equity_db):
    """Expected DSR ratio Q1/Q5 from the truth alone (:func:`truth_cells`, 2016–2024 pooled,
    ESP 2013 weights as the indicator). Observed: the engine's stored R (= DSR Q1 / DSR Q5) for
    län 05, pooled over years by inverse-variance weights on the log scale.
    Tolerance: 3 pooled standard errors plus 5 % for the model-vs-register approximations
    (deaths take the previous year's attributes; the mean population is approximated as 31 Dec
    population + ½ deaths; the truth weights people by their 31 Dec person-years; the
    generator's MI-related deaths, more common in Q1, are not in the rate formula). Measured
    with seed 20240501: observed 1.691 (31 Dec denominator: 1.715), expected 1.594."""
    path = equity_db[0]
    with Warehouse(path, read_only=True) as wh:
        r = wh.con.execute(
            "SELECT estimate, se FROM inequalities WHERE indicator_id = 'mortality_all_cause' "
            "AND area_code = '05' AND dimension = 'income_quintile' AND measure = 'r'"
        ).fetchnumpy()
        cells = truth_cells(wh, quintiles=(1, 5))
    dsr = {k[0]: v for k, v in truth_dsr(cells, ["income_quintile"]).items()}
    expected_ratio = dsr[1] / dsr[5]
    ok = np.isfinite(r["se"]) & (r["se"] > 0)
    w = 1 / r["se"][ok] ** 2
    pooled = float((w * np.log(r["estimate"][ok])).sum() / w.sum())
    se = float(1 / np.sqrt(w.sum()))
    assert 1.3 < expected_ratio < 2.2  # sanity: near the RR of 1.70, attenuated at old ages
    print(f"\nQ1/Q5 DSR ratio: observed {np.exp(pooled):.3f} (se ln {se:.3f}), "
          f"expected from the truth {expected_ratio:.3f}")
    assert abs(pooled - np.log(expected_ratio)) < 3 * se + np.log(1.05)


def test_le_decomposition_adds_up_and_points_the_right_way(equity_db):
    with Warehouse(equity_db[0], read_only=True) as wh:
        rows = pl.from_arrow(wh.con.execute("SELECT * FROM le_decomposition").arrow())
    sums = rows.group_by("comparison").agg(
        gap=(pl.col("e0_2") - pl.col("e0_1")).first(),
        bands=pl.col("contribution").filter(pl.col("cause") == "all").sum(),
        causes=pl.col("contribution").filter(pl.col("cause") != "all").sum())
    for c in sums.iter_rows(named=True):
        assert c["bands"] == pytest.approx(c["gap"], abs=1e-9), c["comparison"]
        assert c["causes"] == pytest.approx(c["gap"], abs=1e-9), c["comparison"]
    gap = dict(sums.select("comparison", "gap").iter_rows())
    # The generator gives Q1 RR 1.70 and compulsory education RR 1.35 vs the reference: the
    # advantaged groups must live longer (by years, not by a rounding error).
    assert gap["income_quintile:1 vs 5"] > 2
    assert gap["education:compulsory vs post_secondary_ge3y"] > 1
    assert len([c for c in gap if c.startswith("area:05")]) == 14  # 13 kommuner + the län


def test_smoke_exposed_infants_show_hidden_gaps(equity_db):
    """The national follow-up's example: the region's kommuner are mostly similar to the nation
    while infants in income quintile 1 are exposed far more often (generator p 0.12 vs 0.015)."""
    with Warehouse(equity_db[0], read_only=True) as wh:
        n = wh.con.execute(
            "SELECT count(*) FROM gaps WHERE indicator_id = 'smoke_exposed_infants' AND "
            "area_level = 'kommun' AND area_code LIKE '05%' AND dimension = 'income_quintile' "
            "AND hidden_gap").fetchone()[0]
    assert n > 0
