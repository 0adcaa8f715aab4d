"""Result tables: Wilson intervals, suppression, direct standardisation, end-to-end shape.

References:
* Newcombe RG (1998) "Two-sided confidence intervals for the single proportion: comparison of
  seven methods", Stat Med 17:857–872, Table I, method 3 (Wilson score): 81/263 → 0.2553–0.3662,
  15/148 → 0.0624–0.1605, 0/20 → 0.0000–0.1611, 1/29 → 0.0061–0.1718. Tolerance 5e-5 (4 decimals).
* Direct standardisation: hand-worked example below (no censoring before t, so Kaplan–Meier is the
  binomial proportion and Greenwood's variance is S(1−S)/n).
"""

from __future__ import annotations

import copy

import numpy as np
import polars as pl
import pytest
import yaml

from jamlik.cohort import (
    Cohort,
    example_spec_path,
    hazard_ratios,
    load_spec,
    process_estimates,
    standardised_estimates,
    survival_estimates,
)
from jamlik.cohort.estimates import _wilson_interval
from jamlik.model.errors import DataError


def _spec(**suppression):
    data = copy.deepcopy(yaml.safe_load(example_spec_path("ami").read_text(encoding="utf-8")))
    data["suppression"] = suppression or {"min_count": 5}
    return load_spec(data)


@pytest.mark.parametrize(("x", "n", "lo", "hi"), [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                                  (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_newcombe_1998(x, n, lo, hi):
    p, a, b = _wilson_interval([x], [n])
    assert p[0] == pytest.approx(x / n)
    assert a[0] == pytest.approx(lo, abs=5e-5) and b[0] == pytest.approx(hi, abs=5e-5)


def _block(group, age_group, n, deaths):
    return pl.DataFrame({
        "education": [group] * n, "age_group": [age_group] * n, "sex": pl.Series([1] * n, dtype=pl.Int8),
        "death_time": [0.5] * deaths + [5.0] * (n - deaths),
        "death_event": pl.Series([1] * deaths + [0] * (n - deaths), dtype=pl.Int8),
    })


def test_direct_standardisation_hand_worked():
    # weights over age groups in the whole cohort: 18-64: 40/60, 65-74: 20/60
    # g1: S = 0.8 (2/10 die) and 0.5 (5/10) → 2/3·0.8 + 1/3·0.5 = 0.7
    #     Var = (2/3)²·0.8·0.2/10 + (1/3)²·0.5·0.5/10 = 0.0098889
    # g2: S = 0.9 (3/30) and 0.2 (8/10) → 2/3·0.9 + 1/3·0.2 = 0.666667
    #     Var = (2/3)²·0.9·0.1/30 + (1/3)²·0.2·0.8/10 = 0.0031111
    table = pl.concat([_block("g1", "18-64", 10, 2), _block("g1", "65-74", 10, 5),
                       _block("g2", "18-64", 30, 3), _block("g2", "65-74", 10, 8)])
    res = standardised_estimates(Cohort(table, pl.DataFrame()), _spec(), by=("education",), outcomes=["death"])
    at1 = res.filter(time_years=1.0).sort("group")
    np.testing.assert_allclose(at1["value"].to_numpy(), [0.7, 2 / 3], atol=1e-12)
    np.testing.assert_allclose(at1["std_error"].to_numpy(), np.sqrt([0.0098889, 0.0031111]), atol=1e-6)
    assert at1["standardised"].all() and "directly standardised by age_group × sex" in at1["method"][0]
    crude = survival_estimates(Cohort(table, pl.DataFrame()), _spec(), by=("education",), outcomes=["death"])
    np.testing.assert_allclose(crude.filter(time_years=1.0).sort("group")["value"].to_numpy(), [0.65, 0.725])


def test_small_cells_are_suppressed_with_reason():
    # tiny (3 persons) and few (2 events) are primary; together they hold 3 events, which total −
    # g1 − g2 would give back, so the smallest other group (g1) is suppressed too; g2 stays.
    table = pl.concat([_block("g1", "18-64", 20, 10), _block("g2", "18-64", 30, 12),
                       _block("tiny", "18-64", 3, 1), _block("few", "18-64", 20, 2)])
    res = survival_estimates(Cohort(table, pl.DataFrame()), _spec(), by=("total", "education",), outcomes=["death"])
    at1 = {r["group"]: r for r in res.filter(time_years=1.0).iter_rows(named=True)}
    assert at1["g2"]["value"] == pytest.approx(0.6) and not at1["g2"]["suppressed"]
    assert at1["tiny"]["value"] is None and at1["tiny"]["suppression_reason"] == "fewer than 5 persons"
    assert at1["few"]["value"] is None and at1["few"]["suppression_reason"] == "fewer than 5 events"
    assert at1["g1"]["value"] is None and at1["g1"]["suppression_reason"].startswith("secondary suppression")
    for g in ("tiny", "few", "g1"):  # a suppressed row shows no count at all (n_at_risk was 2 for tiny)
        assert {at1[g][c] for c in ("n_persons", "n_at_risk", "n_events", "std_error", "lower")} == {None}
    hidden = {c: at1["all"][c] - at1["g2"][c] for c in ("n_persons", "n_events")}
    assert hidden == {"n_persons": 43, "n_events": 13}  # what subtraction gives: three groups together


def test_secondary_suppression_spares_key_groups_and_hides_group_sizes_everywhere():
    # income quintile 'missing' has 2 persons; Q1 and Q5 are what key results compare, so the
    # smallest of Q2–Q4 is suppressed with it, in the survival and in the process table alike.
    rows = []
    for q, n in (("1", 30), ("2", 25), ("3", 24), ("4", 26), ("5", 20), (None, 2)):
        block = _block("g", "18-64", n, n // 2).with_columns(income_quintile=pl.lit(q, pl.String),
                                                             pci=pl.lit(1, pl.Int8))
        rows.append(block)
    cohort = Cohort(pl.concat(rows), pl.DataFrame())
    spec = _spec()
    surv = survival_estimates(cohort, spec, by=("total", "income_quintile"), outcomes=["death"])
    proc = process_estimates(cohort, spec, by=("total", "income_quintile"), measures=["pci"])
    for table in (surv, proc):
        hidden = set(table.filter(pl.col("suppressed"))["group"])
        assert hidden == {"missing", "3"}, table


def test_min_count_below_the_floor_is_refused():
    with pytest.raises(DataError) as err:
        _spec(min_count=2)
    assert err.value.column == "suppression.min_count" and err.value.value == 2
    assert "floor" in err.value.rule and "5" in err.value.rule
    assert _spec(min_count=10).min_cell_count == 10


def test_end_to_end_tables_have_the_contract_columns():
    rng = np.random.default_rng(7)
    n = 3000
    age = rng.uniform(40, 95, n).round()
    q = rng.integers(1, 6, n)
    t = np.minimum(rng.exponential(8 / np.exp(0.04 * (age - 70) + 0.1 * (5 - q)), n), 5.0)
    e = (t < 5.0).astype(np.int8)
    table = pl.DataFrame({
        "death_time": t, "death_event": e, "mace_time": t, "mace_event": e,
        "mace_nonfatal_time": t, "mace_nonfatal_event": (e * rng.integers(1, 3, n)).astype(np.int8),
        "age": age, "sex": rng.integers(1, 3, n).astype(np.int8),
        "income_quintile": q.astype(np.int8),
        "education": rng.choice(["compulsory", "upper_secondary", "post_secondary"], n),
        "age_group": np.where(age < 65, "18-64", np.where(age < 75, "65-74", np.where(age < 85, "75-84", "85+"))),
        "pci": (rng.random(n) < 0.6).astype(np.int8),
    })
    cohort = Cohort(table, pl.DataFrame())
    spec = _spec()
    surv = survival_estimates(cohort, spec)
    assert {"value", "lower", "upper", "confidence", "statistic", "method", "suppressed"} <= set(surv.columns)
    assert set(surv.filter(outcome="mace_nonfatal")["statistic"]) == {"cumulative incidence"}
    assert set(surv.filter(outcome="death")["statistic"]) == {"survival"}
    hr = hazard_ratios(cohort, spec, outcomes=["death"])
    inc = hr.filter(exposure="income_quintile", role="exposure")
    assert inc["level"].to_list() == ["1", "2", "3", "4"] and set(inc["reference"]) == {"5"}
    # simulated hazard rises from Q5 to Q1 (true log-HR 0.1 per step): Q1 HR should be clearly > 1
    assert inc.filter(level="1")["hazard_ratio"][0] > 1.1
    proc = process_estimates(cohort, spec, measures=["pci"])
    total = proc.filter(group_variable="total")
    assert total["value"][0] == pytest.approx(table["pci"].mean())
