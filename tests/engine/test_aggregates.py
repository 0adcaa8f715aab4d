"""Counts from ``aggregates``: the declared population type, coverage of län and nation, and a
variable that is not loaded being missing, not zero (jamlik.engine._aggregates)."""

from __future__ import annotations

import pytest
import yaml

from jamlik.engine import compute
from jamlik.ingest import LoadMapping, LoadRequest
from jamlik.model.catalogue import Catalogue, parse_indicator
from jamlik.pipeline.init import init_warehouse
from jamlik.pipeline.load import load_requests
from jamlik.store import Warehouse

RATE = parse_indicator(yaml.safe_load("""
id: test_death_rate
title: {sv: Dödstal, en: Death rate}
definition: {sv: Döda per 1 000, en: Deaths per 1,000}
topic: mortality
method: rate
multiplier: 1000
unit: {sv: per 1 000, en: per 1,000}
polarity: low_is_good
numerator: {source: deaths}
denominator: {source: population}
source: {sv: Test, en: Test}
national: {numerator: deaths, denominator: population}
levels: [nation, lan, kommun]
breakdowns: [total, sex]
"""), "test_death_rate.yaml")


def _warehouse(tmp_path, rows: list[tuple], population_type: str):
    db = tmp_path / "w.duckdb"
    init_warehouse(db, region="05")
    path = tmp_path / "agg.csv"
    lines = ["area_code;year;sex;age;population;deaths"]
    lines += [";".join("" if v is None else str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = LoadMapping.from_dict({"options": {"population_type": population_type}},
                                    kind="aggregates")
    load_requests(db, [LoadRequest("aggregates", (path,), mapping)])
    with Warehouse(db) as wh:
        compute(wh, catalogue=Catalogue([RATE]))
        return {(r[0], r[1]): r[2:] for r in wh.con.execute(
            "SELECT area_code, year, numerator, denominator, value, note FROM observations "
            "WHERE breakdown = 'total'").fetchall()}


def test_dec31_population_gives_the_mean_of_consecutive_year_ends(tmp_path):
    rows = [("0180", 2019, "male", 40, 1000, 8), ("0180", 2020, "male", 40, 1200, 10)]
    out = _warehouse(tmp_path, rows, "dec31")
    num, den, value, note = out[("0180", 2020)]
    assert (num, den) == (10, 1100)  # ½ × 1 000 + ½ × 1 200
    assert value == pytest.approx(10 / 1100 * 1000)
    # 2019 has no year before: 31 Dec + ½ deaths, and the note says so
    num, den, value, note = out[("0180", 2019)]
    assert den == 1004 and "not loaded" in note


def test_jan1_and_mean_population(tmp_path):
    rows = [("0180", 2020, "female", 40, 1000, 10), ("0180", 2021, "female", 40, 1200, 6)]
    out = _warehouse(tmp_path / "jan1", rows, "jan1")
    assert out[("0180", 2020)][1] == 1100  # ½ × 1 Jan 2020 + ½ × 1 Jan 2021
    assert out[("0180", 2021)][1] == 1197  # no next year: 1 Jan − ½ deaths
    out = _warehouse(tmp_path / "mean", rows, "mean")
    assert out[("0180", 2020)][1] == 1000


def test_a_lan_only_from_all_its_kommuner_and_never_a_partial_nation(tmp_path):
    # Gotland's län (09) has one kommun, 0980; Blekinge (10) has five.
    rows = [("0980", 2020, "male", 40, 1000, 5), ("1080", 2020, "male", 40, 2000, 9)]
    out = _warehouse(tmp_path / "a", rows, "dec31_survivors")
    assert ("09", 2020) in out and out[("09", 2020)][:2] == (5, 1002.5)
    assert ("10", 2020) not in out  # 1 of Blekinge's 5 kommuner
    assert ("SE", 2020) not in out
    assert "no national data" in out[("0980", 2020)][3]
    rows += [(k, 2020, "male", 40, 100, 1) for k in ("1060", "1081", "1082", "1083")]
    out = _warehouse(tmp_path / "b", rows, "dec31_survivors")
    assert out[("10", 2020)][:2] == (13, 2406.5)


def test_a_variable_that_is_not_loaded_is_missing_not_zero(tmp_path):
    rows = [("SE", 2022, "male", 40, 100000, 50), ("SE", 2023, "male", 40, 100000, None),
            ("0580", 2023, "male", 40, 1000, 2)]
    out = _warehouse(tmp_path, rows, "dec31_survivors")
    assert ("SE", 2022) in out
    assert ("SE", 2023) not in out  # population loaded, deaths not: no nation that year
