"""LE-gap decomposition rows (jamlik.engine.decomposition).

The Arriaga method itself is checked in tests/equity/test_arriaga.py against Andreev's formula
(Ponnapalli 2005). Here: the stored rows are exactly :func:`jamlik.equity.arriaga`'s result,
and the contributions add up (Arriaga 1984: the band contributions sum to the e0 gap; the cause
shares of a band sum to the band's total), tolerance 1e-9 years.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import jamlik.equity as eq
from jamlik.engine.decomposition import CAUSES, decomposition_rows


def _synthetic(rr: float):
    ages = np.array([0, 2.5, *range(7, 90, 5), 92])
    pop = np.full(20, 10_000.0)
    rate = 0.0001 * np.exp(0.085 * ages) * rr
    shares = np.linspace(1, 2, len(CAUSES))
    deaths = rate[:, None] * pop[:, None] * shares / shares.sum()
    return deaths, pop


def test_rows_equal_arriaga_and_add_up():
    d1, p1 = _synthetic(1.6)
    d2, p2 = _synthetic(1.0)
    out = decomposition_rows("income_quintile:1 vs 5", "income_quintile", "lan", "05", "1", "5",
                             d1, p1, d2, p2, first_year=2020, last_year=2024)
    res = eq.arriaga(d1.sum(1), p1, d2.sum(1), p2, cause_deaths1=d1, cause_deaths2=d2,
                     causes=CAUSES)
    bands = out.filter(out["cause"] == "all").sort("band_order")
    np.testing.assert_allclose(bands["contribution"].to_numpy(), res.total, rtol=1e-12)
    gap = res.e0_2 - res.e0_1
    assert gap > 0
    assert bands["contribution"].sum() == pytest.approx(gap, abs=1e-9)
    causes = out.filter(out["cause"] != "all")
    assert causes["contribution"].sum() == pytest.approx(gap, abs=1e-9)
    per_band = causes.group_by("band_order").agg(pl.col("contribution").sum()).sort("band_order")
    np.testing.assert_allclose(per_band["contribution"].to_numpy(), res.total, atol=1e-12)
    assert set(out["period"]) == {"2020–2024"}
