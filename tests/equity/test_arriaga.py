"""Arriaga decomposition of a life-expectancy gap.

No published table with the same abridged bands was found within the time box, so the checks
are (1) exact additivity (Arriaga 1984; LEdecomp's test "Arriaga … decompositions are
additive"), (2) equality with Andreev's (1982) formula, which Ponnapalli (2005, Demographic
Research 12(7), section 2.2) shows is algebraically the same decomposition — written here from
that source directly: Δx = lx¹(ex² − ex¹) − lx+n¹(ex+n² − ex+n¹) with radix 1 — and (3) the
analytic special case that a mortality difference in one band contributes only at that band.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik.equity import arriaga, arriaga_from_life_tables
from jamlik.model.age_bands import LIFE_TABLE_BANDS
from jamlik.model.errors import InputError
from jamlik.stats import life_table

AGES = np.array([0, 1, *range(5, 95, 5)], dtype=float)
POP = np.full(20, 10_000.0)


def _gompertz(level: float) -> np.ndarray:
    return level * np.exp(0.085 * AGES) + 0.0005


def _deaths(level: float) -> np.ndarray:
    return _gompertz(level) * POP


def test_age_contributions_sum_exactly_to_the_gap():
    res = arriaga(_deaths(3e-5), POP, _deaths(2e-5), POP)
    assert res.total.sum() == pytest.approx(res.difference, abs=1e-10)
    assert res.difference > 0  # lower mortality in population 2
    assert res.bands == LIFE_TABLE_BANDS and len(res.bands) == 20


def test_equals_andreev_formula_from_ponnapalli_2005():
    t1, t2 = life_table(_gompertz(3e-5)), life_table(_gompertz(1.5e-5))
    res = arriaga_from_life_tables(t1.lx, t1.Lx, t2.lx, t2.Lx)
    l1 = t1.lx / t1.lx[0]
    de = t2.ex - t1.ex
    andreev = l1 * de - np.append(l1[1:] * de[1:], 0.0)
    np.testing.assert_allclose(res.total, andreev, rtol=1e-10, atol=1e-12)


def test_difference_in_one_band_contributes_only_there():
    m1 = _gompertz(3e-5)
    m2 = m1.copy()
    m2[10] *= 0.5  # band 45-49
    t1, t2 = life_table(m1), life_table(m2)
    res = arriaga_from_life_tables(t1.lx, t1.Lx, t2.lx, t2.Lx)
    others = np.delete(res.total, 10)
    np.testing.assert_allclose(others, 0.0, atol=1e-12)
    assert res.total[10] == pytest.approx(t2.ex[0] - t1.ex[0], rel=1e-12)


def test_direct_indirect_interaction_split_is_consistent():
    res = arriaga(_deaths(3e-5), POP, _deaths(2e-5), POP)
    assert res.direct.sum() + res.indirect.sum() + res.interaction.sum() == pytest.approx(
        res.difference, abs=1e-10
    )
    assert res.indirect[-1] == 0 and res.interaction[-1] == 0


def test_cause_contributions_add_up_to_age_contributions():
    d1, d2 = _deaths(3e-5), _deaths(2e-5)
    share1 = np.column_stack([0.6 * d1, 0.4 * d1])
    share2 = np.column_stack([0.7 * d2, 0.3 * d2])
    res = arriaga(d1, POP, d2, POP, cause_deaths1=share1, cause_deaths2=share2,
                  causes=["circulatory", "other"])  # fmt: skip
    assert res.by_cause is not None
    np.testing.assert_allclose(res.by_cause.sum(axis=1), res.total, rtol=1e-12, atol=1e-14)
    frame = res.to_frame()
    assert set(frame["cause"]) == {"circulatory", "other"} and len(frame) == 40


def test_cause_deaths_must_add_up():
    d1 = _deaths(3e-5)
    with pytest.raises(InputError) as info:
        arriaga(d1, POP, d1, POP, cause_deaths1=np.column_stack([d1, d1]),
                cause_deaths2=np.column_stack([d1, 0 * d1]))  # fmt: skip
    assert info.value.argument == "cause_deaths1"


def test_bad_shapes_and_zero_population_are_named():
    with pytest.raises(InputError) as info:
        arriaga(np.ones(19), np.ones(19), np.ones(20), np.ones(20))
    assert info.value.argument == "deaths1"
    pop = POP.copy()
    pop[3] = 0
    with pytest.raises(InputError, match="10-14") as info:
        arriaga(_deaths(3e-5), pop, _deaths(3e-5), POP)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.2, 5.0), min_size=20, max_size=20),
    st.lists(st.floats(0.2, 5.0), min_size=20, max_size=20),
)
def test_additivity_holds_for_any_rates(f1, f2):
    base = _gompertz(3e-5)
    d1 = base * np.array(f1) * POP
    d2 = base * np.array(f2) * POP
    res = arriaga(d1, POP, d2, POP)
    assert res.total.sum() == pytest.approx(res.difference, abs=1e-9)
    t1, t2 = life_table(d1 / POP), life_table(d2 / POP)
    assert res.e0_1 == pytest.approx(t1.ex[0], rel=1e-12)
    assert res.e0_2 == pytest.approx(t2.ex[0], rel=1e-12)
