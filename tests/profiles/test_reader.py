"""Profiles read from the computed demo (:class:`jamlik.profiles.ProfileReader`): what a profile
shows equals the published observation, in the order of :data:`jamlik.model.breakdowns.BREAKDOWNS`.

Expected values are read from ``observations`` with SQL written here, independently of the
reader's named queries.
"""

from __future__ import annotations

import pytest

from jamlik.model.breakdowns import BREAKDOWNS

from ._demo import LINKOPING

pytestmark = pytest.mark.slow

GOTEBORG = "1480"


def test_latest_total_is_the_published_observation(linkoping, con):
    year, value, lower, upper = con.execute(
        "SELECT year, value, lower_95, upper_95 FROM observations WHERE indicator_id = "
        "'population_total' AND area_code = ? AND breakdown = 'total' ORDER BY year DESC "
        "LIMIT 1", [LINKOPING]).fetchone()
    row = linkoping.row("population_total")
    assert row is not None
    assert (row.year, row.value) == (year, value)
    assert (row.lower_95, row.upper_95) == (lower, upper)
    assert row.synthetic  # the demo's figures are synthetic and marked so
    assert [p.year for p in row.series] == sorted(p.year for p in row.series)
    assert row.series[-1].value == value


def test_the_profile_names_area_and_comparator(linkoping):
    assert linkoping.area.code == LINKOPING and linkoping.parent.code == "05"
    assert linkoping.comparator == "parent"
    assert linkoping.comparator_name == "Östergötlands län"
    assert linkoping.outside is None and linkoping.synthetic


def test_groups_come_in_the_breakdowns_display_order(linkoping):
    order = list(BREAKDOWNS)
    seen_with_groups = 0
    for row in linkoping.rows:
        names = [g.breakdown for g in row.groups]
        assert "total" not in names
        assert names == sorted(names, key=order.index), row.indicator.id
        for breakdown in dict.fromkeys(names):
            groups = [g.group for g in row.groups_of(breakdown)]
            levels = BREAKDOWNS[breakdown].groups
            known = [g for g in groups if g in levels]
            assert known == sorted(known, key=levels.index), (row.indicator.id, breakdown)
            assert groups[:len(known)] == known  # groups outside the levels come last
        seen_with_groups += bool(row.groups)
    assert seen_with_groups > 0


def test_group_values_are_the_published_ones(linkoping, con):
    row = next(r for r in linkoping.rows if r.groups_of("sex"))
    published = dict(con.execute(
        "SELECT group_value, value FROM observations WHERE indicator_id = ? AND area_code = ? "
        "AND breakdown = 'sex' AND year = ?", [row.indicator.id, LINKOPING, row.year]).fetchall())
    assert {g.group: g.value for g in row.groups_of("sex")} == published


def test_a_kommun_outside_the_demo_region_says_so(reader):
    profile = reader.area_profile(GOTEBORG)
    assert profile.outside == "synthetic"
    assert profile.region_name == "Östergötlands län"
    assert not any(r.synthetic for r in profile.rows)
