"""The named queries of ``store.queries`` on a small hand-made warehouse: two län, two kommuner,
one RegSO with one DeSO, one vårdcentral (and a stale copy of it in ``areas``), a few
observations, source values, survey questions and compute runs. Every expected value is read
off the rows written here."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from jamlik.store import Warehouse, queries

AREAS = pl.DataFrame(
    [("SE", "nation", None, None, None, None),
     ("05", "lan", "SE", "05", None, None),
     ("01", "lan", "SE", "01", None, None),
     ("0580", "kommun", "05", "05", "0580", None),
     ("0180", "kommun", "01", "01", "0180", None),
     ("0580R001", "regso", "0580", "05", "0580", "0580R001"),
     ("0580A0010", "deso", "0580R001", "05", "0580", "0580R001"),
     # a vårdcentral copied into areas at init, since moved to 0180 in care_units
     ("VC1", "vardcentral", "0580", "05", "0580", None)],
    schema=["code", "level", "parent_code", "lan_code", "kommun_code", "regso_code"],
    orient="row").with_columns(name=pl.col("code"), vintage=pl.lit("2025"))
UNITS = pl.DataFrame({"code": ["VC1", "VC2"], "name": ["VC1", "VC2"],
                      "kommun_code": ["0180", "0580"]})


def _observations(ids: list[str]) -> pl.DataFrame:
    rows = [(i, b, g) for i in ids for b, g in (("total", "total"), ("sex", "male"),
                                                  ("age_group", "0-19"))]
    n = len(rows)
    return pl.DataFrame(rows, schema=["indicator_id", "breakdown", "group_value"],
                        orient="row").with_columns(
        year=pl.lit(2024, pl.Int16), period=pl.lit("2024"), area_level=pl.lit("kommun"),
        area_code=pl.lit("0580"), value=pl.Series(range(n), dtype=pl.Float64),
        method=pl.lit("rate"), multiplier=pl.lit(1.0), suppressed=pl.lit(False),
        **{c: pl.lit("none") for c in ("vs_parent_95", "vs_parent_998", "vs_nation_95",
                                       "vs_nation_998", "judgement_nation", "trend")},
        computed_at=pl.lit(datetime(2025, 1, 1)))


@pytest.fixture
def wh():
    with Warehouse() as warehouse:
        warehouse.migrate()
        with warehouse.load_session("test areas") as load:
            load.put("areas", AREAS)
            load.put("care_units", UNITS)
        yield warehouse


def test_area_parents_one_level_up_and_vardcentraler_from_care_units(wh):
    parents = queries.area_parents(wh.con)
    got = {(r["area_level"], r["area_code"]): r["parent_code"]
           for r in parents.iter_rows(named=True)}
    assert got == {("nation", "SE"): None, ("lan", "05"): "SE", ("lan", "01"): "SE",
                   ("kommun", "0580"): "05", ("kommun", "0180"): "01",
                   ("regso", "0580R001"): "0580", ("deso", "0580A0010"): "0580R001",
                   ("vardcentral", "VC1"): "0180", ("vardcentral", "VC2"): "0580"}
    assert parents.height == len(got)
    assert parents.schema == {"area_level": pl.Utf8, "area_code": pl.Utf8,
                              "parent_code": pl.Utf8}


def test_area_ancestors_skip_levels_to_the_ancestor_asked_for(wh):
    pairs = (("deso", "kommun"), ("regso", "kommun"), ("kommun", "lan"), ("lan", "nation"))
    got = {(r["level"], r["code"]): r["parent"]
           for r in queries.area_ancestors(wh.con, pairs).iter_rows(named=True)}
    assert got == {("deso", "0580A0010"): "0580", ("regso", "0580R001"): "0580",
                   ("kommun", "0580"): "05", ("kommun", "0180"): "01",
                   ("lan", "05"): "SE", ("lan", "01"): "SE"}
    deso_regso = queries.area_ancestors(wh.con, [("deso", "regso")])
    assert deso_regso.rows() == [("0580A0010", "deso", "0580R001")]


@pytest.mark.parametrize("pairs", [[("deso", "vardcentral")],
                                   [("deso", "kommun"), ("deso", "lan")]])
def test_area_ancestors_refuse_unknown_or_repeated_levels(wh, pairs):
    with pytest.raises(ValueError, match="level"):
        queries.area_ancestors(wh.con, pairs)


def test_kommuner_outside_a_lan(wh):
    assert queries.kommuner_outside(wh.con, "05") == {"0180"}
    assert queries.kommuner_outside(wh.con, "01") == {"0580"}


def test_observations_read_and_replaced_by_indicator(wh):
    assert queries.observed_indicator_ids(wh.con) == []
    with wh.load_session("first") as load:
        first = queries.replace_indicator_rows(load, "observations", _observations(["b", "a"]),
                                               ["a", "b"])
    with wh.load_session("second") as load:
        second = queries.replace_indicator_rows(load, "observations",
                                                _observations(["b"]).with_columns(value=9.0),
                                                ["b"])
        assert queries.replace_indicator_rows(load, "observations", None, ["nothing"]) is None
    assert queries.observed_indicator_ids(wh.con) == ["a", "b"]
    obs = queries.observations_for(wh.con, ["a", "b"], ("indicator_id", "breakdown", "value"),
                                   except_breakdowns=("age_group",))
    assert obs.columns == ["indicator_id", "breakdown", "value"]
    assert sorted(obs.rows()) == [("a", "sex", 4.0), ("a", "total", 3.0), ("b", "sex", 9.0),
                                  ("b", "total", 9.0)]
    every = queries.observations_for(wh.con, ["a"], ("breakdown",))
    assert sorted(every["breakdown"]) == ["age_group", "sex", "total"]
    assert queries.observations_for(wh.con, [], ("breakdown",)).height == 0
    loads = dict(wh.con.execute("SELECT indicator_id, max(load_id) FROM observations "
                                "GROUP BY 1").fetchall())
    assert loads == {"a": first, "b": second} and second > first


def test_observations_for_refuses_a_column_observations_lacks(wh):
    with pytest.raises(ValueError, match="'load_id'"):
        queries.observations_for(wh.con, ["a"], ("value", "load_id"))


def test_source_values_for_one_indicator_at_the_levels_asked_for(wh):
    values = pl.DataFrame({"source": "kolada", "indicator_id": ["x", "x", "x", "y"],
                           "area_code": ["0580", "05", "SE", "0580"], "period": "2024",
                           "sex": "total", "value": [1.0, 2.0, 3.0, 4.0],
                           "content_hash": "h", "load_id": [11, 11, 11, 12]})
    with wh.load_session("values") as load:
        load.put("source_values", values)
    got = queries.source_values_for(wh.con, "x", ["kommun", "nation"])
    assert sorted(got.select("area_code", "area_level", "value", "load_id").rows()) == [
        ("0580", "kommun", 1.0, 11), ("SE", "nation", 3.0, 11)]
    assert got.columns == ["source", "indicator_id", "area_code", "period", "sex", "value",
                           "numerator", "denominator", "load_id", "area_level"]


def test_table_rows_latest_load_and_latest_year(wh):
    assert queries.table_rows(wh.con, "areas") == AREAS.height
    assert queries.table_rows(wh.con, "deaths") == 0
    assert queries.latest_load_id(wh.con, "deaths") is None
    assert queries.latest_year(wh.con, "observations") is None
    with wh.load_session("obs") as load:
        stamped = queries.replace_indicator_rows(load, "observations", _observations(["a"]),
                                                 ["a"])
    assert queries.latest_load_id(wh.con, "observations") == stamped
    assert queries.latest_load_id(wh.con, "areas") < stamped
    assert queries.latest_year(wh.con, "observations") == 2024


def test_survey_questions_by_question(wh):
    questions = pl.DataFrame({"question": ["smoker", "good_health"], "label_sv": ["r", "h"],
                              "label_en": ["s", "g"], "yes": '["1"]', "no": '["0"]',
                              "polarity": ["high_is_bad", "high_is_good"]})
    with wh.load_session("questions") as load:
        load.put("survey_questions", questions)
    got = queries.survey_questions(wh.con)
    assert [q["question"] for q in got] == ["good_health", "smoker"]
    assert got[1]["label_en"] == "s" and got[1]["polarity"] == "high_is_bad"
    assert got[0]["min_age"] is None


def test_compute_runs_keep_the_latest_fingerprints(wh):
    assert queries.last_compute_fingerprints(wh.con) == {}
    queries.record_compute_run(wh.con, run_id="r1", started_at=datetime(2025, 1, 1),
                               finished_at=datetime(2025, 1, 1, 0, 1), indicators=["a", "b"],
                               rows=10, fingerprints={"a": "1", "b": "2"})
    queries.record_compute_run(wh.con, run_id="r2", started_at=datetime(2025, 1, 2),
                               finished_at=datetime(2025, 1, 2, 0, 1), indicators=["b"],
                               rows=5, fingerprints={"a": "1", "b": "3"})
    assert queries.last_compute_fingerprints(wh.con) == {"a": "1", "b": "3"}
    assert wh.con.execute("SELECT indicators, rows FROM compute_runs ORDER BY run_id"
                          ).fetchall() == [("a,b", 10), ("b", 5)]
