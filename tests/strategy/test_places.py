"""What goal views read (``jamlik.strategy.places``): the observations of the followed places and
their direct sub-areas, and which of them are synthetic."""

from __future__ import annotations

from jamlik.store.queries import GOAL_OBSERVATION_COLUMNS
from jamlik.strategy.places import read_observations, synthetic_in, synthetic_pairs

#: (indicator, area level, area code, parent code, synthetic): made-up rows.
ROWS = [("x", "kommun", "0580", "05", None), ("x", "regso", "0580R006", "0580", True),
        ("x", "kommun", "0581", "05", False), ("y", "kommun", "0580", "05", True)]


def _fill(wh) -> None:
    with wh.transaction() as con:
        for indicator, level, code, parent, synthetic in ROWS:
            con.execute(
                "INSERT INTO observations (indicator_id, year, period, area_level, area_code, "
                "breakdown, group_value, value, method, multiplier, parent_code, vs_parent_95, "
                "vs_parent_998, vs_nation_95, vs_nation_998, judgement_nation, trend, suppressed, "
                "computed_at, synthetic) VALUES (?, 2024, '2024', ?, ?, 'total', 'total', 1.0, "
                "'rate', 1, ?, 'similar', 'similar', 'similar', 'similar', 'similar', "
                "'no_significant_change', false, TIMESTAMP '2025-01-01', ?)",
                [indicator, level, code, parent, synthetic])


def test_observations_of_places_and_their_sub_areas(wh):
    _fill(wh)
    obs = read_observations(wh.con, ["x"], ["0580"])
    assert obs.columns == list(GOAL_OBSERVATION_COLUMNS)
    assert sorted(obs["area_code"]) == ["0580", "0580R006"]  # 0581 is neither the place nor below it
    assert obs.sort("area_code")["synthetic"].to_list() == [False, True]  # NULL reads as false


def test_synthetic_pairs_name_indicator_and_area(wh):
    _fill(wh)
    assert synthetic_pairs(wh.con, ["x", "y"], ["0580", "0580R006", "0581"]) == {
        ("x", "0580R006"), ("y", "0580")}
    assert synthetic_in(wh.con, ["x"], ["0580"]) is False
    assert synthetic_in(wh.con, ["y"], ["0580"]) is True


def test_nothing_to_read(wh):
    assert read_observations(wh.con, [], ["0580"]).height == 0
    assert synthetic_pairs(None, ["x"], ["0580"]) == set()
    assert synthetic_pairs(wh.con, ["x"], []) == set()
