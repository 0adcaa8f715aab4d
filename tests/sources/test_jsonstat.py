"""JSON-stat 2.0 decoding.

Reference: JSON-stat 2.0 format specification (https://json-stat.org/format/), section "value":
values are in row-major order — the last dimension in ``id`` changes fastest — so the cell
with category positions (i1, …, in) sits at index Σ i_k · Π_{j>k} size_j. Sparse ``value``/
``status`` objects are keyed by that index; ``status`` may be one string for all cells;
``category.index`` may be an array or an object and may be omitted for a single category.
Expected values below follow from these rules by hand (tolerance: exact).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jamlik.model.errors import DataError
from jamlik.sources import decode_jsonstat


def cube(sizes, value, **extra):
    names = [chr(ord("A") + k) for k in range(len(sizes))]
    dims = {
        name: {"category": {"index": [f"{name.lower()}{i + 1}" for i in range(n)]}}
        for name, n in zip(names, sizes, strict=True)
    }
    return {
        "version": "2.0",
        "class": "dataset",
        "id": names,
        "size": list(sizes),
        "dimension": dims,
        "value": value,
        **extra,
    }


def test_row_major_order_from_the_specification():
    # A: 3 categories, B: 2, C: 4. Encode each cell's 1-based positions as a number abc, laid out
    # by the spec's rule (C fastest): index = a*8 + b*4 + c (0-based).
    values = [
        100 * (a + 1) + 10 * (b + 1) + (c + 1) for a in range(3) for b in range(2) for c in range(4)
    ]
    table = decode_jsonstat(cube([3, 2, 4], values))
    rows = table.to_pylist()
    assert len(rows) == 24
    assert rows[0] == {
        "A": "a1",
        "A_label": "a1",
        "B": "b1",
        "B_label": "b1",
        "C": "c1",
        "C_label": "c1",
        "value": 111.0,
    }
    # index 13 = 1*8 + 1*4 + 1 → a2, b2, c2
    assert (rows[13]["A"], rows[13]["B"], rows[13]["C"], rows[13]["value"]) == (
        "a2",
        "b2",
        "c2",
        222.0,
    )
    for row in rows:
        expected = int(row["A"][1]) * 100 + int(row["B"][1]) * 10 + int(row["C"][1])
        assert row["value"] == expected


def test_object_index_labels_sparse_values_and_status():
    payload = {
        "class": "dataset",
        "id": ["region", "year"],
        "size": [2, 2],
        "dimension": {
            "region": {
                "category": {
                    "index": {"0580": 0, "0581": 1},
                    "label": {"0580": "Linköping", "0581": "Norrköping"},
                }
            },
            "year": {"category": {"index": {"2018": 0, "2019": 1}}},
        },
        "value": {"0": 1.5, "3": 4.0},
        "status": {"1": "..", "2": ".."},
    }
    table = decode_jsonstat(payload)
    assert table.column("region_label").to_pylist() == [
        "Linköping",
        "Linköping",
        "Norrköping",
        "Norrköping",
    ]
    assert table.column("value").to_pylist() == [1.5, None, None, 4.0]
    assert table.column("status").to_pylist() == [None, "..", "..", None]


def test_single_category_may_omit_index_and_status_may_be_a_string():
    payload = cube([2], [1, 2], status="p")
    payload["dimension"]["Z"] = {"category": {"label": {"only": "Only"}}}
    payload["id"], payload["size"] = ["A", "Z"], [2, 1]
    table = decode_jsonstat(payload)
    assert table.column("Z").to_pylist() == ["only", "only"]
    assert table.column("status").to_pylist() == ["p", "p"]


def test_metric_units_become_a_column():
    payload = cube([1, 2], [1, 2], role={"metric": ["B"]})
    payload["dimension"]["B"]["category"]["unit"] = {
        "b1": {"base": "antal"},
        "b2": {"base": "procent"},
    }
    assert decode_jsonstat(payload).column("unit").to_pylist() == ["antal", "procent"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "class 'dataset'"),
        ({"class": "collection"}, "class 'dataset'"),
        (cube([2, 2], [1, 2, 3]), "'value' has 3 cells but the sizes multiply to 4"),
        ({**cube([2], [1, 2]), "size": [3]}, "has 2 categories but size says 3"),
        ({**cube([2], [1, 2]), "size": [2, 1]}, "'id' has 1 entries but 'size' has 2"),
        (cube([2], [1, "x"]), "non-number"),
        (cube([2], {"7": 1}), "outside 0..1"),
        ({**cube([1], [1]), "dimension": {}}, "missing"),
    ],
)
def test_malformed_payloads_raise_data_error_naming_the_problem(payload, message):
    with pytest.raises(DataError, match=message):
        decode_jsonstat(payload, where="https://api.example/data")


@given(st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_every_cell_decodes_to_its_own_coordinates(sizes):
    # Property: with value[i] = i, the decoded coordinates recompute i by the spec's formula.
    n = 1
    for s in sizes:
        n *= s
    table = decode_jsonstat(cube(sizes, list(range(n))), labels=False)
    names = [chr(ord("A") + k) for k in range(len(sizes))]
    for row in table.to_pylist():
        index = 0
        for name, size in zip(names, sizes, strict=True):
            index = index * size + int(row[name][1:]) - 1
        assert row["value"] == index
