"""The named queries of :mod:`jamlik.store.queries` that read published figures and loads, on a
small warehouse whose every expected value is written out here (made-up figures: two kommuner
of Östergötland, the län and the nation, two years)."""

from __future__ import annotations

import pytest

from jamlik.store import Warehouse, queries
from jamlik.store.schema import PROFILE_OBSERVATION_COLUMNS, PUBLIC_OBSERVATION_COLUMNS

#: (indicator, year, level, area, breakdown, group, value, load); parents: 0580, 0581 → 05 → SE.
ROWS = [
    ("mortality", 2023, "kommun", "0580", "total", "total", 10.0, 1),
    ("mortality", 2024, "kommun", "0580", "total", "total", 11.0, 1),
    ("mortality", 2024, "kommun", "0580", "sex", "female", 9.0, 1),
    ("mortality", 2023, "kommun", "0580", "sex", "female", 8.0, 1),
    ("mortality", 2024, "kommun", "0581", "total", "total", 13.0, 1),
    ("mortality", 2024, "kommun", "0513", "total", "total", 15.0, 1),
    ("mortality", 2024, "lan", "05", "total", "total", 12.0, 1),
    ("mortality", 2023, "nation", "SE", "total", "total", 12.5, 1),
    ("mortality", 2024, "nation", "SE", "total", "total", 12.0, 1),
    ("population_total", 2023, "kommun", "0580", "total", "total", None, 2),
    ("population_total", 2024, "kommun", "0580", "total", "total", None, 2),
    ("population_total", 2024, "kommun", "0581", "total", "total", None, 2),
]


@pytest.fixture(scope="module")
def con():
    with Warehouse() as wh:
        wh.migrate()
        wh.con.execute("INSERT INTO meta VALUES ('home_region', '05')")
        wh.con.executemany(
            "INSERT INTO loads (load_id, source, target, mode, rows, content_hash, started_at, "
            "finished_at, jamlik_version, kind, synthetic) VALUES (?, ?, ?, 'replace', ?, ?, "
            "TIMESTAMP '2025-01-01', ?, 'test', ?, ?)",
            [[1, "compute", "observations", 9, "h1", "2025-01-02", None, False],
             [2, "demo", "observations", 3, "h2", "2025-01-03", "population", True],
             [3, "demo", "person_years", 5, "h3", "2025-01-04", "population", True]])
        wh.con.executemany(
            "INSERT INTO observations (indicator_id, year, period, area_level, area_code, "
            "breakdown, group_value, denominator, value, lower_95, upper_95, method, multiplier, "
            "vs_parent_95, vs_parent_998, vs_nation_95, vs_nation_998, judgement_nation, trend, "
            "suppressed, computed_at, load_id, synthetic) VALUES (?, ?, CAST(? AS VARCHAR), ?, "
            "?, ?, ?, ?, ?, ? - 1, ? + 1, 'rate', 1000, 'similar', 'similar', 'similar', "
            "'similar', 'similar', 'no_change', false, ?, ?, ?)",
            [[i, y, y, lv, a, b, g, 1000 + 10 * len(a) + y % 10 if v is None else 1000, v, v, v,
              f"2025-01-0{load}", load, load == 2] for i, y, lv, a, b, g, v, load in ROWS])
        wh.con.executemany(
            "INSERT INTO inequalities (indicator_id, year, period, area_level, area_code, "
            "dimension, ordered, measure, estimate, ci_method, confidence, n_groups, n_missing, "
            "favourable, scale, computed_at) VALUES ('mortality', ?, CAST(? AS VARCHAR), "
            "'kommun', '0580', ?, true, ?, ?, 'none', 0.95, 5, 0, false, 1, "
            "TIMESTAMP '2025-01-01')",
            [[2023, 2023, "income_quintile", "sii", 1.0],
             [2024, 2024, "income_quintile", "sii", 2.0],
             [2024, 2024, "income_quintile", "rii", 1.5],
             [2024, 2024, "education", "sii", 3.0]])
        yield wh.con


def _keys(rows, *names):
    return [tuple(r[n] for n in names) for r in rows]


def test_tables_and_rows(con):
    assert {"observations", "meta", "loads"} <= queries.table_names(con)
    assert queries.has_table(con, "observations")
    assert not queries.has_table(con, "no_such_table")
    assert queries.has_rows(con, "observations")
    assert not queries.has_rows(con, "gaps")
    assert not queries.has_rows(con, "no_such_table")
    assert queries.schema_version(con) >= 7
    assert queries.meta_values(con, ("home_region", "synthetic_region")) == {"home_region": "05"}


def test_area_observations_hold_comparator_totals_and_the_latest_groups(con):
    rows = queries.area_observations(con, "0580", ["05", "SE"])
    assert set(rows[0]) == set(PROFILE_OBSERVATION_COLUMNS)
    assert sorted(_keys(rows, "indicator_id", "year", "area_code", "breakdown")) == [
        ("mortality", 2023, "0580", "total"), ("mortality", 2023, "SE", "total"),
        ("mortality", 2024, "05", "total"), ("mortality", 2024, "0580", "sex"),
        ("mortality", 2024, "0580", "total"), ("mortality", 2024, "SE", "total"),
        ("population_total", 2023, "0580", "total"),
        ("population_total", 2024, "0580", "total")]
    assert [(r["indicator_id"], r["year"]) for r in rows] == sorted(
        (r["indicator_id"], r["year"]) for r in rows)


def test_level_distribution_of_the_latest_year(con):
    (mortality,) = [r for r in queries.level_distribution(con, "kommun")
                    if r["indicator_id"] == "mortality"]
    assert (mortality["min"], mortality["median"], mortality["max"], mortality["n"]) == (
        11.0, 13.0, 15.0, 3)
    assert mortality["q1"] == pytest.approx(12.0) and mortality["q3"] == pytest.approx(14.0)
    (within,) = [r for r in queries.level_distribution(con, "kommun", "058")
                 if r["indicator_id"] == "mortality"]
    assert within["n"] == 2


def test_inequalities(con):
    latest = queries.latest_area_inequalities(con, "0580", "income_quintile", ("sii", "rii"))
    assert sorted((r["measure"], r["year"], r["estimate"]) for r in latest) == [
        ("rii", 2024, 1.5), ("sii", 2024, 2.0)]
    rows = queries.area_inequalities(con, "mortality", "0580", 2024)
    assert [(r["dimension"], r["measure"]) for r in rows] == [
        ("education", "sii"), ("income_quintile", "rii"), ("income_quintile", "sii")]


def test_indicator_views(con):
    assert queries.indicator_years(con, "mortality", "kommun") == [2023, 2024]
    at_level = queries.indicator_at_level(con, "mortality", "kommun", 2024)
    assert [r["area_code"] for r in at_level] == ["0513", "0581", "0580"]
    assert [r["area_code"] for r in queries.indicator_at_level(
        con, "mortality", "kommun", 2024, within="058")] == ["0581", "0580"]
    assert [(r["year"], r["value"]) for r in queries.nation_series(con, "mortality")] == [
        (2023, 12.5), (2024, 12.0)]
    assert _keys(queries.area_series(con, "mortality", ["SE", "0580"]), "area_code", "year") == [
        ("0580", 2023), ("0580", 2024), ("SE", 2023), ("SE", 2024)]
    assert _keys(queries.area_groups(con, "mortality", "0580", 2024), "group_value",
                 "value") == [("female", 9.0)]
    assert sorted(_keys(queries.latest_level_values(con, "kommun", ["mortality"]),
                        "area_code", "value")) == [("0513", 15.0), ("0580", 11.0), ("0581", 13.0)]


def test_latest_figures(con):
    assert queries.nation_latest(con, ["mortality", "population_total"]) == [
        {"indicator_id": "mortality", "year": 2024, "value": 12.0, "synthetic": False}]
    totals = queries.latest_totals(con, "kommun", ["0580", "0513"])
    assert sorted(_keys(totals, "indicator_id", "area_code", "year", "synthetic")) == [
        ("mortality", "0513", 2024, False), ("mortality", "0580", 2024, False),
        ("population_total", "0580", 2024, True)]
    # Denominators of the population rows: 1000 + 10 × len(code) + year % 10.
    assert queries.kommun_population(con) == {"0580": 1044, "0581": 1044}
    assert str(queries.last_computed(con)) == "2025-01-02 00:00:00"


def test_public_observations_filter_count_page_and_stream(con):
    every = queries.public_observations(con, {})
    assert every.column_names == list(PUBLIC_OBSERVATION_COLUMNS)
    assert every.num_rows == len(ROWS) == queries.count_public_observations(con, {})
    kommun = {"indicator_id": "mortality", "area_level": "kommun", "year": None}
    assert queries.count_public_observations(con, kommun) == 6
    page = queries.public_observations(con, kommun, limit=2, offset=1)
    assert page.to_pydict()["area_code"] == ["0580", "0580"]
    streamed = queries.public_observation_batches(con, kommun, batch_rows=4).read_all()
    assert streamed.equals(queries.public_observations(con, kommun))
    with pytest.raises(ValueError, match="cannot filter observations on 'value'"):
        queries.public_observations(con, {"value": 1})


def test_provenance_and_loads(con):
    rows = queries.observation_provenance(
        con, "population_total", {"area_code": "0580", "year": None, "breakdown": None},
        limit=10, with_sources=False)
    assert _keys(rows, "year", "load_id", "source", "content_hash", "source_name") == [
        (2023, 2, "demo", "h2", None), (2024, 2, "demo", "h2", None)]
    updates = queries.indicator_updates(con, with_sources=False)
    assert {i: u["load_source"] for i, u in updates.items()} == {
        "mortality": "compute", "population_total": "demo"}
    assert queries.synthetic_targets(con) == {"observations", "person_years"}
    assert queries.loaded_kinds(con) == ("population",)
    assert _keys(queries.latest_loads(con, ["observations", "person_years"]), "target",
                 "load_id") == [("observations", 2), ("person_years", 3)]
    (demo, compute) = queries.recent_sources(con)
    assert (demo["source"], demo["tables"], demo["rows"], demo["synthetic"]) == (
        "demo", 2, 8, True)
    assert (compute["source"], compute["kinds"], compute["synthetic"]) == (
        "compute", None, False)
