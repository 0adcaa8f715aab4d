"""Splitting PxWeb selections under the cell limit.

Reference: SCB, "API för Statistikdatabasen" (PxWeb API v1 description, section Limitations): a
request may return at most 150 000 cells (earlier 100 000), where the number of cells is the
product of the number of selected values of every variable. Invariants tested: every chunk is
under the limit and the chunks partition the requested cells exactly (no cell lost or repeated).
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik.model.errors import InputError
from jamlik.sources import cell_count, split_selection


def cells(selection):
    names = list(selection)
    return [
        tuple(zip(names, combo, strict=True)) for combo in itertools.product(*selection.values())
    ]


def test_cell_count_is_the_product_of_value_counts():
    # 290 kommuner x 2 sexes x 101 ages x 56 years (SCB BE0101N1): 3 280 480 cells.
    selection = {"Region": ["r"] * 290, "Kon": ["1", "2"], "Alder": ["a"] * 101, "Tid": ["t"] * 56}
    assert cell_count(selection) == 290 * 2 * 101 * 56 == 3_280_480


def test_splits_largest_variable_into_fewest_chunks():
    selection = {"Region": [f"r{i}" for i in range(13)], "Kon": ["1", "2"]}
    chunks = split_selection(selection, 10)
    assert [c["Region"] for c in chunks] == [
        [f"r{i}" for i in range(0, 5)],
        [f"r{i}" for i in range(5, 10)],
        [f"r{i}" for i in range(10, 13)],
    ]
    assert all(c["Kon"] == ["1", "2"] for c in chunks)


def test_under_the_limit_is_one_request():
    selection = {"Region": ["0580"], "Tid": ["2019", "2020"]}
    assert split_selection(selection, 150_000) == [selection]


def test_recurses_when_one_value_of_the_largest_variable_is_too_big():
    selection = {"A": list("abcd"), "B": list("xyz"), "C": list("pq")}  # 24 cells, limit 5
    chunks = split_selection(selection, 5)
    assert all(cell_count(c) <= 5 for c in chunks)
    assert sorted(itertools.chain.from_iterable(cells(c) for c in chunks)) == sorted(
        cells(selection)
    )


def test_rejects_impossible_limits_and_empty_selections():
    with pytest.raises(InputError, match="max_cells"):
        split_selection({"A": ["a"]}, 0)
    with pytest.raises(InputError, match="at least one value"):
        split_selection({"A": []}, 10)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 7), min_size=1, max_size=4),
    st.integers(1, 60),
)
def test_chunks_partition_the_cells_and_respect_the_limit(sizes, limit):
    selection = {f"V{k}": [f"v{k}_{i}" for i in range(n)] for k, n in enumerate(sizes)}
    chunks = split_selection(selection, limit)
    assert all(cell_count(c) <= limit for c in chunks)
    got = list(itertools.chain.from_iterable(cells(c) for c in chunks))
    assert len(got) == math.prod(sizes) == len(set(got))
    assert set(got) == set(cells(selection))
