"""Applicability, validation, simulation engine and invariants of the summary measures."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

import jamlik.equity as eq
from jamlik.equity._ci import draw
from jamlik.equity._validate import prepare
from jamlik.model.errors import InputError

POP = [78, 91, 162, 103, 105]
EST = [20, 30, 40, 50, 60]
SE = [5, 7, 10, 12, 14]
ORDER = [1, 2, 3, 4, 5]


def test_every_measure_of_the_issue_is_registered():
    names = {"d", "r", "par", "paf", "sii", "rii", "aci", "rci", "bgv", "bgsd", "cov", "ti",
             "mld", "idisu", "idisw", "mdbu", "mdbw", "mdmu", "mdmw", "mdru", "mdrw"}  # fmt: skip
    assert set(eq.MEASURES) == names
    for name in names:
        assert getattr(eq, name) is eq.MEASURES[name].function


def test_applicable_measures_by_dimension_and_size():
    ordered = {m.name for m in eq.applicable_measures(True, 5)}
    assert ordered == {"d", "r", "par", "paf", "sii", "rii", "aci", "rci"}
    unordered = {m.name for m in eq.applicable_measures(False, 4)}
    assert "sii" not in unordered and "bgv" in unordered and "mdru" not in unordered
    assert "mdru" in {m.name for m in eq.applicable_measures(False, 4, has_reference=True)}
    assert {m.name for m in eq.applicable_measures(False, 2)} == {"d", "r"}


def test_ordered_measure_without_order_is_a_clear_error_unless_forced():
    with pytest.raises(InputError, match="ordered dimensions only") as info:
        eq.sii(POP, EST)
    assert info.value.argument == "order"
    forced = eq.sii(POP, EST, force=True)  # listed order taken as the ranking
    assert forced.estimate == pytest.approx(eq.sii(POP, EST, order=ORDER).estimate)


def test_unordered_measure_on_ordered_data_is_an_error_unless_forced():
    with pytest.raises(InputError, match="unordered dimensions only"):
        eq.bgv(POP, EST, order=ORDER)
    assert eq.bgv(POP, EST, order=ORDER, force=True).estimate > 0


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"pop": [1, 2], "est": [1, 2, 3]}, "pop"),
        ({"pop": [1, -2, 3], "est": [1, 2, 3]}, "pop"),
        ({"pop": [1, 2, 3], "est": [1, 2, 3], "se": [1, 1]}, "se"),
        ({"pop": [1, 2, 3], "est": [1, 2, 3], "confidence": 1.5}, "confidence"),
        ({"pop": [1, 2, 3], "est": [1, 2, 3], "scale": 0}, "scale"),
        ({"pop": [1, 2, 3], "est": [1, 2, 3], "reference": 7}, "reference"),
        ({"pop": [1, 2, 3], "est": [1, float("nan"), 3]}, "est"),
        ({"pop": [1, 2], "est": [1, 2]}, "est"),  # too few subgroups for bgv
    ],
)
def test_bad_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(InputError) as info:
        eq.bgv(**kwargs)
    assert info.value.argument == argument


def test_order_must_be_distinct_integers():
    with pytest.raises(InputError, match="distinct"):
        eq.sii(POP, EST, order=[1, 1, 2, 3, 4])
    with pytest.raises(InputError, match="integer"):
        eq.sii(POP, EST, order=[1, 2.5, 3, 4, 5])


def test_force_drops_missing_estimates_and_remaps_reference():
    est = [61, float("nan"), 58, 59, 72]
    res = eq.mdru([1, 1, 1, 1, 1], est, reference=4, force=True)
    assert res.estimate == pytest.approx(np.mean(np.abs(np.array([61, 58, 59, 72]) - 72)))


def test_mdru_needs_a_reference():
    with pytest.raises(InputError) as info:
        eq.mdru([1, 1, 1], [1, 2, 3])
    assert info.value.argument == "reference"


def test_no_standard_errors_means_no_interval():
    res = eq.bgsd([1, 2, 3], [10, 20, 30])
    assert res.method == "none" and not res.has_ci and res.estimate > 0


def test_simulation_is_reproducible_with_seed():
    a = eq.bgsd(POP, EST, se=SE, seed=1, n_sim=200)
    b = eq.bgsd(POP, EST, se=SE, seed=1, n_sim=200)
    c = eq.bgsd(POP, EST, se=SE, seed=2, n_sim=200)
    assert a == b and a != c


def test_simulation_draws_respect_who_truncation():
    g = prepare("bgsd", POP, [1, 50, 99, 50, 2], se=[10, 10, 10, 10, 10])
    sims = draw(g, 5000, 0)
    assert sims.min() >= 0 and sims.max() <= 100


def test_simulation_engine_reproduces_expected_bgv_inflation():
    # Without truncation (est far from 0, scale ≠ 100) the mean of simulated BGV is
    # bgv + Σ wⱼ(1 − wⱼ) seⱼ² (expectation of a weighted variance under independent noise).
    pop = np.array([1.0, 2.0, 3.0, 4.0])
    est = np.array([500.0, 520.0, 540.0, 600.0])
    se = np.array([3.0, 4.0, 5.0, 6.0])
    g = prepare("bgv", pop, est, se=se, scale=1000)
    sims = draw(g, 200_000, 7)
    w = pop / pop.sum()
    simulated_bgv = (((sims - (sims @ w)[:, None]) ** 2) @ w).mean()
    expected = eq.bgv(pop, est, scale=1000).estimate + (w * (1 - w) * se**2).sum()
    assert simulated_bgv == pytest.approx(expected, rel=5e-3)


def test_linear_sii_point_estimate_equals_statsmodels_wls():
    # statsmodels WLS is an independent implementation of weighted least squares; the rank is
    # the cumulative-population midpoint (PHEindicatormethods phe_sii convention).
    pop = np.array(POP, float)
    rank = (np.cumsum(pop) - pop / 2) / pop.sum()
    fit = sm.WLS(np.array(EST, float), sm.add_constant(rank), weights=pop).fit()
    res = eq.sii(POP, EST, order=ORDER, se=SE, method="linear", n_sim=2000)
    assert res.estimate == pytest.approx(fit.params[1], rel=1e-10)
    rii = eq.rii(POP, EST, order=ORDER, method="linear")
    assert rii.estimate == pytest.approx(fit.params.sum() / fit.params[0], rel=1e-10)
    assert res.lower < res.estimate < res.upper and res.method == "simulation"


def test_linear_sii_simulation_interval_matches_normal_theory():
    # The linear SII is linear in the estimates, so with normal draws its simulated interval
    # converges to estimate ± z·sqrt(Σ cⱼ² seⱼ²) for the WLS slope weights cⱼ.
    pop = np.array(POP, float)
    rank = (np.cumsum(pop) - pop / 2) / pop.sum()
    w = pop / pop.sum()
    c = w * (rank - w @ rank) / (w @ (rank - w @ rank) ** 2)
    sd = np.sqrt((c**2 * np.array(SE, float) ** 2).sum())
    res = eq.sii(POP, EST, order=ORDER, se=SE, method="linear", n_sim=200_000, seed=3)
    assert res.upper - res.lower == pytest.approx(2 * 1.959964 * sd, rel=0.01)


def test_compute_all_returns_one_result_per_applicable_measure():
    results = eq.compute_all(POP, EST, SE, ORDER)
    assert [r.measure for r in results] == ["d", "r", "par", "paf", "sii", "rii", "aci", "rci"]
    assert all(r.confidence == 0.95 for r in results)


def test_logit_sii_rejects_values_outside_the_scale():
    with pytest.raises(InputError, match="method='linear'"):
        eq.sii(POP, [20, 30, 40, 50, 160], order=ORDER)


positive = st.floats(min_value=1.0, max_value=1e4, allow_nan=False)
values = st.floats(min_value=1.0, max_value=99.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(positive, values), min_size=3, max_size=8))
def test_unordered_invariants(rows):
    pop = [p for p, _ in rows]
    est = [e for _, e in rows]
    bgv = eq.bgv(pop, est).estimate
    assert bgv >= -1e-9
    assert eq.bgsd(pop, est).estimate == pytest.approx(np.sqrt(max(bgv, 0)), abs=1e-9)
    assert eq.ti(pop, est).estimate >= -1e-6 and eq.mld(pop, est).estimate >= -1e-6
    # Scale invariance of the relative measures: multiplying every estimate by 2.
    doubled = [2 * e for e in est]
    for name in ("cov", "ti", "mld", "idisu", "idisw"):
        fn = getattr(eq, name)
        assert fn(pop, doubled, scale=1000).estimate == pytest.approx(
            fn(pop, est, scale=1000).estimate, rel=1e-6, abs=1e-6
        )
    # Equal estimates: no inequality.
    flat = [est[0]] * len(est)
    for name in ("bgv", "idisw", "mdmw", "mdbu"):
        assert getattr(eq, name)(pop, flat).estimate == pytest.approx(0, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(positive, values), min_size=3, max_size=8))
def test_ordered_reversal_flips_the_sign_of_aci_and_sii(rows):
    pop = [p for p, _ in rows]
    est = [e for _, e in rows]
    if np.ptp(est) < 1e-6:
        return
    k = len(rows)
    order = list(range(1, k + 1))
    reverse = order[::-1]
    a = eq.aci(pop, est, order=order).estimate
    b = eq.aci(pop, est, order=reverse).estimate
    assert a == pytest.approx(-b, rel=1e-9, abs=1e-9)
    s1 = eq.sii(pop, est, order=order, method="linear").estimate
    s2 = eq.sii(pop, est, order=reverse, method="linear").estimate
    assert s1 == pytest.approx(-s2, rel=1e-9, abs=1e-9)
