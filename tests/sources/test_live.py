"""Live smoke tests against the real APIs. Skipped unless JAMLIK_LIVE=1 (and marked ``network``).

Reference values: SCB Statistikdatabasen BE0101N1 / Kolada N01951, Linköping 31 Dec 2019 = 163 051.
"""

from __future__ import annotations

import os

import pytest

from jamlik.sources import Kolada, PxWebV1, PxWebV2

pytestmark = [
    pytest.mark.network,
    pytest.mark.skipif(
        os.environ.get("JAMLIK_LIVE") != "1", reason="live API test; set JAMLIK_LIVE=1"
    ),
]


def test_scb_v1_linkoping_2019():
    result = PxWebV1().fetch(
        "BE/BE0101/BE0101A/BefolkningNy",
        {"Region": ["0580"], "ContentsCode": ["BE0101N1"], "Tid": ["2019"]},
    )
    assert result.table.column("value").to_pylist() == [163_051.0]


def test_scb_v2_table_list_and_metadata():
    px = PxWebV2()
    assert px.max_cells > 0
    assert px.metadata("TAB638").variable("Region").values


def test_kolada_linkoping_2019():
    table = Kolada().data("N01951", municipality="0580", years=2019, gender="T").table
    assert table.column("value").to_pylist() == [163_051.0]
