"""Small-count suppression: primary and secondary, audited with linear programming."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from jamlik.model.errors import DataError
from jamlik.stats import suppress, suppress_matrix


def audit(table: np.ndarray, sup: np.ndarray) -> list[tuple[float, float]]:
    """Independent audit: min/max of each suppressed cell subject to the published cells, the
    additivity of every row and column of the table-with-margins, and non-negativity."""
    r1, c1 = table.shape
    idx = {cell: k for k, cell in enumerate(zip(*np.nonzero(sup), strict=True))}
    a_eq, b_eq = [], []
    for line in [[(i, j) for j in range(c1)] for i in range(r1)] + [
        [(i, j) for i in range(r1)] for j in range(c1)
    ]:
        coef = np.zeros(len(idx))
        rhs = 0.0
        for pos, cell in enumerate(line):
            sign = -1.0 if pos == len(line) - 1 else 1.0  # last cell of a line is its total
            if cell in idx:
                coef[idx[cell]] += sign
            else:
                rhs -= sign * table[cell]
        a_eq.append(coef)
        b_eq.append(rhs)
    out = []
    for k in range(len(idx)):
        c = np.zeros(len(idx))
        c[k] = 1
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert lo.status == 0
        out.append((lo.fun, np.inf if hi.status == 3 else -hi.fun))
    return out


def test_worked_example():
    counts = np.array([[3, 10, 12], [20, 2, 15], [30, 40, 50]])
    table, sup, reason = suppress_matrix(counts)
    assert reason[0, 0] == "primary" and reason[1, 1] == "primary"
    assert sup.sum() == 4  # the two small cells plus the two cells that complete the rectangle
    for lo, hi in audit(table, sup):
        assert hi - lo > 0.5


def test_zero_policy_and_margins():
    _, sup, _ = suppress_matrix(np.array([[0, 10], [20, 40]]))
    assert not sup.any()  # zeros are published by default
    _, sup, _ = suppress_matrix(np.array([[0, 10], [20, 40]]), suppress_zero=True)
    assert sup[0, 0]
    _, sup, reason = suppress_matrix(np.array([[1, 2], [20, 40]]))
    assert reason[0, 2] == "primary"  # the row total 3 is itself small


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.data())
def test_property_no_suppressed_cell_can_be_derived(r, c, data):
    counts = np.array(data.draw(st.lists(st.integers(0, 30), min_size=r * c, max_size=r * c)))
    table, sup, reason = suppress_matrix(counts.reshape(r, c))
    small = (table > 0) & (table < 5)
    assert sup[small].all()
    assert set(reason[sup]) <= {"primary", "secondary"}
    for lo, hi in audit(table, sup):
        assert hi - lo > 1e-6, "a suppressed cell could be derived exactly"


def test_long_table_interface():
    df = pl.DataFrame(
        {
            "year": [2024] * 4 + [2025] * 4,
            "sex": ["m", "m", "f", "f"] * 2,
            "edu": ["low", "high"] * 4,
            "n": [3, 40, 25, 30, 12, 14, 16, 18],
        }
    )
    out = suppress(df, count="n", row="sex", column="edu", by="year")
    assert out.height == 2 * 9
    y24 = out.filter(pl.col("year") == 2024)
    assert y24.filter(pl.col("suppressed"))["published"].is_null().all()
    assert y24.filter((pl.col("sex") == "m") & (pl.col("edu") == "low"))["reason"][0] == "primary"
    assert not out.filter(pl.col("year") == 2025)["suppressed"].any()
    with pytest.raises(DataError, match="non-negative"):
        suppress(df.with_columns(pl.lit(-1).alias("n")), count="n", row="sex", column="edu")
