"""store.queries, strategy section: the observations goal views read, and whether areas are
loaded."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from jamlik.store import Warehouse, queries


def _row(indicator: str, code: str, year: int, value: float | None, *, level: str = "kommun",
         suppressed: bool = False, breakdown: str = "total") -> dict:
    return {"indicator_id": indicator, "year": year, "period": str(year), "area_level": level,
            "area_code": code, "breakdown": breakdown,
            "group_value": "total" if breakdown == "total" else "1", "value": value,
            "lower_95": None if value is None else value - 1.0,
            "upper_95": None if value is None else value + 1.0, "method": "crude_rate",
            "multiplier": 100.0, "vs_parent_95": "similar", "vs_parent_998": "similar",
            "vs_nation_95": "similar", "vs_nation_998": "similar",
            "judgement_nation": "similar", "trend": "increasing",
            "suppressed": suppressed, "computed_at": datetime(2025, 1, 1)}


@pytest.fixture
def con():
    rows = [_row("a", "0580", 2022, 10.0), _row("a", "0580", 2023, 11.0),
            _row("a", "0580", 2024, None, suppressed=True), _row("a", "0581", 2023, 12.0),
            _row("a", "0581", 2024, 13.0, breakdown="sex"),
            _row("a", "05", 2024, 14.0, level="lan"), _row("b", "0580", 2021, 5.0)]
    with Warehouse(":memory:") as wh:
        wh.migrate()
        wh.load("observations", pl.DataFrame(rows), source="test observations")
        yield wh.con


def test_observations_for_indicators(con):
    assert queries.observations_for_indicators(con, ["a"]).height == 6
    assert queries.observations_for_indicators(con, ["a", "b"], area_level="kommun").height == 6
    assert queries.observations_for_indicators(con, ["c"]).height == 0


def test_total_series_skips_suppressed_and_missing_values(con):
    assert queries.total_series(con, "a", ["0581", "0580"]) == [
        ("0580", 2022, 10.0, 9.0, 11.0), ("0580", 2023, 11.0, 10.0, 12.0),
        ("0581", 2023, 12.0, 11.0, 13.0)]


def test_latest_totals_take_each_indicators_latest_year(con):
    latest = sorted(queries.latest_area_totals(con, ["a", "b"], "0580"))
    assert latest == [("a", 2024, None, None, None, "increasing", "similar", True),
                      ("b", 2021, 5.0, 4.0, 6.0, "increasing", "similar", False)]


def test_has_areas():
    with Warehouse(":memory:") as wh:
        assert not queries.has_rows(wh.con, "areas")  # no table yet
        wh.migrate()
        assert not queries.has_rows(wh.con, "areas")  # an empty table
        wh.con.execute("INSERT INTO areas (code, level, name, vintage) "
                       "VALUES ('SE', 'nation', 'Sverige', '2025')")
        assert queries.has_rows(wh.con, "areas")
