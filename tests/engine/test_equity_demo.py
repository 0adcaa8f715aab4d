"""Issue 4 §2–§4 on the demo region: everything runs, in time, and recovers the ground truth.

Expected values come from the demo's documented ground truth (``demo_truth``: the mortality
model's baseline rates, year factors, normalisers and SES relative risks; the directions of
the generator's income effects in ``parameters``), never from running the engine.
"""

from __future__ import annotations

import shutil
import time

import numpy as np
import polars as pl
import pytest

from jamlik.engine.decomposition import compute_le_decomposition
from jamlik.engine.gaps import compute_gaps
from jamlik.engine.inequalities import compute_inequalities
from jamlik.store import Warehouse

from ._truth import truth_cells, truth_dsr

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
    """The SII of every indicator with an income gradient in the generator points its way:
    the inverse-variance pooled SII over the years has the expected sign, and so do three in
    four yearly SIIs where at least eight years have one. Disclosure control hides middle
    quintiles in years when a few deaths have no quintile (e.g. external causes), which leaves
    fewer yearly SIIs for the rare outcomes."""
    with Warehouse(equity_db[0], read_only=True) as wh:
        sii = pl.from_arrow(wh.con.execute(
            "SELECT indicator_id, year, estimate, se FROM inequalities WHERE area_code = '05' "
            "AND dimension = 'income_quintile' AND measure = 'sii'").arrow())
    for ind, sign in EXPECTED_SIGN.items():
        rows = sii.filter(pl.col("indicator_id") == ind, pl.col("estimate").is_not_null())
        est, se = rows["estimate"].to_numpy(), rows["se"].to_numpy()
        assert est.size >= 3, ind
        ok = np.isfinite(se) & (se > 0)
        pooled = (est[ok] / se[ok] ** 2).sum() / (1 / se[ok] ** 2).sum() if ok.any() \
            else est.mean()
        assert np.sign(pooled) == sign, ind
        if est.size >= 8:
            assert (np.sign(est) == sign).mean() >= 0.75, ind


def test_all_cause_rate_ratio_q1_q5_recovers_the_truth(equity_db):
    """Expected DSR ratio Q1/Q5 from the truth alone (``tests/engine/_truth.py``: background
    rate formula + MI-related deaths, 2016–2024 pooled, ESP 2013 weights as the indicator).
    Observed: the engine's stored R (= DSR Q1 / DSR Q5) for län 05, pooled over years by
    inverse-variance weights on the log scale. Tolerance: 3 pooled standard errors plus 2 % for
    the model-vs-register approximations (mean population as the average of two 31 December
    counts; the truth weights people by their 31 December person-years). Measured with seed
    20240501: observed 1.627 (se of ln 0.028), expected 1.642."""
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
    assert abs(pooled - np.log(expected_ratio)) < 3 * se + np.log(1.02)


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
