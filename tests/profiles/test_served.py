"""What a served warehouse says about itself (:mod:`jamlik.profiles.served`): the region its
figures cover, read from ``meta`` of a small warehouse made here."""

from __future__ import annotations

import duckdb
import pytest

from jamlik.geo import AreaRegistry
from jamlik.profiles.served import Coverage, in_region, read_coverage
from jamlik.store import Warehouse


@pytest.fixture(scope="module")
def reg():
    return AreaRegistry.builtin()


def _warehouse(**meta: str) -> Warehouse:
    wh = Warehouse(":memory:")
    wh.migrate()
    for key, value in meta.items():
        wh.con.execute("INSERT INTO meta (key, value) VALUES (?, ?)", [key, value])
    return wh


@pytest.mark.parametrize(("code", "region", "inside"), [
    ("0580", "05", True),        # Linköping lies in Östergötland
    ("05", "05", True),          # the region itself
    ("SE", "05", True),          # the nation: every region's comparator
    ("1480", "05", False),       # Göteborg lies in Västra Götaland
    ("01", "05", False),         # another län
    ("1480", "SE", True),        # everything lies in the nation
])
def test_in_region(reg, code, region, inside):
    assert in_region(reg[code], region) is inside


def test_in_region_of_a_deso(reg):
    deso = next(a for a in reg if a.code.startswith("0580") and len(a.code) == 9)
    assert in_region(deso, "05") and not in_region(deso, "14")


def test_a_demo_warehouse_covers_its_synthetic_region(reg):
    with _warehouse(home_region="05", synthetic_region="05") as wh:
        cov = read_coverage(wh.con)
    assert cov == Coverage(home_region="05", synthetic_region="05")
    assert cov.region == "05" and cov.is_demo
    assert cov.covers(reg["0580"]) and cov.synthetic_covers(reg["0580"])
    assert not cov.covers(reg["1480"]) and not cov.synthetic_covers(reg["1480"])


def test_a_real_warehouse_has_no_synthetic_region(reg):
    with _warehouse(home_region="01") as wh:
        cov = read_coverage(wh.con)
    assert cov == Coverage(home_region="01")
    assert not cov.is_demo and not cov.synthetic_covers(reg["0180"])
    assert cov.covers(reg["0180"]) and not cov.covers(reg["0580"])


def test_without_a_home_region_the_nation_is_covered(reg):
    with _warehouse(home_region="") as wh:   # an empty value counts as none
        cov = read_coverage(wh.con)
    assert cov == Coverage() and cov.region == "SE"
    assert cov.covers(reg["0580"]) and cov.covers(reg["1480"])


def test_a_database_without_meta_has_empty_coverage():
    with duckdb.connect(":memory:") as con:
        assert read_coverage(con) == Coverage()
