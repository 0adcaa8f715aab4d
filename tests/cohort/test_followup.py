"""Follow-up builder on a hand-worked example (every expected number derived by hand below)."""

from __future__ import annotations

import copy
import datetime as dt

import polars as pl
import pytest
import yaml

from jamlik.cohort import build_cohort, example_spec_path, income_quintiles, load_spec

D = dt.date
Y = 365.25


def _spec():
    data = yaml.safe_load(example_spec_path("ami").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["follow_up"]["end_of_data"] = "2020-12-31"
    return load_spec(data)


def _tables():
    quality = pl.DataFrame({
        "pid": ["A", "B", "C", "D", "E", "A", "G", "H"],
        "index_date": [D(2015, 1, 1), D(2015, 1, 1), D(2019, 6, 30), D(2016, 1, 1), D(2010, 1, 1),
                       D(2016, 1, 1), D(2015, 1, 1), D(2019, 6, 1)],
        "age": [70.0, 64.0, 80.0, 90.0, 70.0, 71.0, 17.0, 75.0],
        "sex": pl.Series([1, 2, 1, 2, 1, 1, 2, 2], dtype=pl.Int8),
        "pci": pl.Series([1, 0, None, 1, 1, 1, 1, 0], dtype=pl.Int8),
    })
    population = pl.DataFrame({
        "pid": ["A", "B", "C", "D", "H", "X", "Y", "Z", "W", "V"],
        "year": pl.Series([2014, 2014, 2018, 2015, 2018, 2014, 2014, 2014, 2014, 2014], dtype=pl.Int32),
        "income": [100.0, 200.0, 50.0, 10.0, None, 300.0, 400.0, 500.0, 600.0, 700.0],
        "education": ["compulsory", "post_secondary", "upper_secondary", None, "compulsory"] + ["x"] * 5,
        "education_level": pl.Series([1, 6, 3, None, 2, 1, 1, 1, 1, 1], dtype=pl.Int8),
    })
    deaths = pl.DataFrame({"pid": ["A", "D", "H"], "death_date": [D(2015, 7, 2), D(2016, 2, 1), D(2025, 6, 1)]})
    patients = pl.DataFrame({
        "pid": ["A", "A", "B", "B", "C"],
        "admission_date": [D(2015, 1, 10), D(2015, 3, 1), D(2015, 3, 1), D(2015, 1, 1), D(2021, 2, 1)],
        "main_diagnosis": ["I214", "I639", "I219", "I639", "I219"],
        "secondary_diagnoses": [[], [], [], [], []],
    })
    return quality, population, deaths, patients


def test_hand_worked_follow_up():
    cohort = build_cohort(_spec(), *_tables())
    t = cohort.table.sort("pid")
    # E: index 2010 outside 2012–2019; A's second event dropped; G aged 17 excluded.
    assert t["pid"].to_list() == ["A", "B", "C", "D", "H"]
    row = {r["pid"]: r for r in t.iter_rows(named=True)}
    # A: dies day 182; MI on day 9 is inside the 28-day blanking; stroke day 59 → MACE day 59.
    assert row["A"]["death_time"] == pytest.approx(182 / Y) and row["A"]["death_event"] == 1
    assert row["A"]["mace_time"] == pytest.approx(59 / Y) and row["A"]["mace_event"] == 1
    assert row["A"]["mace_nonfatal_event"] == 1
    # B: alive; new MI on day 59 (> 28); the stroke code on the index date itself does not count.
    assert row["B"]["death_event"] == 0 and row["B"]["death_time"] == pytest.approx(5.0)
    assert row["B"]["mace_time"] == pytest.approx(59 / Y) and row["B"]["mace_event"] == 1
    # C: censored at end of data 2020-12-31 (550 days); the admission in 2021 is after the data end.
    assert row["C"]["death_time"] == pytest.approx(550 / Y) and row["C"]["mace_event"] == 0
    # D: dies on day 31 with no admission → MACE event; non-fatal MACE: death competes (code 2).
    assert row["D"]["mace_event"] == 1 and row["D"]["mace_time"] == pytest.approx(31 / Y)
    assert row["D"]["mace_nonfatal_event"] == 2
    # H: death in 2025 is after the end of data → censored at 2020-12-31 (579 days).
    assert row["H"]["death_event"] == 0 and row["H"]["death_time"] == pytest.approx(579 / Y)
    # exposures from the year before the index year; seven 2014 incomes 100…700, quintile =
    # floor((rank−1)·5/7) + 1 → A (rank 1) and B (rank 2) both Q1; C's 2018 income alone → Q1
    assert row["A"]["income_quintile"] == 1 and row["B"]["income_quintile"] == 1
    assert row["H"]["income_quintile"] is None and row["D"]["income_quintile"] == 1
    assert row["A"]["education"] == "compulsory" and row["D"]["education"] is None
    assert row["B"]["age_group"] == "18-64" and row["D"]["age_group"] == "85+"
    flow = cohort.flow
    assert flow["n"].to_list() == [8, 7, 6, 5, 5, 5]
    assert flow["excluded"].sum() == 3


def test_income_quintiles_ties_and_missing():
    df = pl.DataFrame({"year": [1] * 6, "income": [1.0, 2.0, 2.0, 3.0, 4.0, None]})
    q = income_quintiles(df)["income_quintile"].to_list()
    # five non-missing values: ranks 1, 2, 2, 4, 5 → (rank−1)·5/5 + 1
    assert q == [1, 2, 2, 4, 5, None]
