"""Kaplan–Meier and Aalen–Johansen against published reference values.

References:
* aml data (Miller 1981, *Survival Analysis*, Wiley; R survival package ``aml``), 23 patients.
  Expected values: R ``summary(survfit(Surv(time, status) ~ x, data = aml))`` printed output
  (default conf.type = "log", 95%), as reproduced in public R teaching material. Printed to 3–4
  significant digits → tolerance 6e-4 absolute (survival 3 decimals for one group).
* Satagopan JM et al. (2004) "A note on competing risks in survival data analysis", Br J Cancer
  91:1229–1235, Table 2: 305 breast-cancer patients, events at 10, 16, 23, 27 months (breast
  cancer) and 18, 26 (other causes), censored at 7, 14, 24 and beyond 27. Published overall
  survival and cumulative incidence (percent, one decimal) → tolerance 0.05 percentage points.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik.cohort import aalen_johansen, kaplan_meier
from jamlik.model.errors import InputError

AML_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
AML_STATUS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
AML_X = ["Maintained"] * 11 + ["Nonmaintained"] * 12

# time, n.risk, survival, std.err, lower 95% CI, upper 95% CI  (R summary.survfit, conf.type="log")
R_MAINTAINED = [
    (9, 11, 0.909, 0.0867, 0.7541, 1.000),
    (13, 10, 0.818, 0.1163, 0.6192, 1.000),
    (18, 8, 0.716, 0.1397, 0.4884, 1.000),
    (23, 7, 0.614, 0.1526, 0.3769, 0.999),
    (31, 5, 0.491, 0.1642, 0.2549, 0.946),
    (34, 4, 0.368, 0.1627, 0.1549, 0.875),
    (48, 2, 0.184, 0.1535, 0.0359, 0.944),
]
R_NONMAINTAINED = [
    (5, 12, 0.8333, 0.1076, 0.6470, 1.000),
    (8, 10, 0.6667, 0.1361, 0.4468, 0.995),
    (12, 8, 0.5833, 0.1423, 0.3616, 0.941),
    (23, 6, 0.4861, 0.1481, 0.2675, 0.883),
    (27, 5, 0.3889, 0.1470, 0.1854, 0.816),
    (30, 4, 0.2917, 0.1387, 0.1148, 0.741),
    (33, 3, 0.1944, 0.1219, 0.0569, 0.664),
    (43, 2, 0.0972, 0.0919, 0.0153, 0.620),
]
# pooled: survfit(Surv(time, status) ~ 1, data = aml)
R_POOLED = [(12, 18, 0.7391, 0.0916, 0.5798, 0.942), (24, 11, 0.5466, 0.1073, 0.3721, 0.803),
            (48, 2, 0.0828, 0.0727, 0.0148, 0.462)]


@pytest.mark.parametrize(("group", "rows"), [("Maintained", R_MAINTAINED), ("Nonmaintained", R_NONMAINTAINED)])
def test_km_matches_r_survfit_aml(group, rows):
    times = [r[0] for r in rows]
    res = kaplan_meier(AML_TIME, AML_STATUS, AML_X, times=times, conf_type="log").filter(group=group)
    ref = np.array([r[1:] for r in rows], dtype=float)
    np.testing.assert_array_equal(res["n_at_risk"].to_numpy(), ref[:, 0])
    for col, k, tol in (("value", 1, 6e-4), ("std_error", 2, 6e-5), ("lower", 3, 6e-5), ("upper", 4, 6e-4)):
        np.testing.assert_allclose(res[col].to_numpy(), ref[:, k], atol=tol, err_msg=col)


def test_km_pooled_at_chosen_times_matches_r():
    res = kaplan_meier(AML_TIME, AML_STATUS, times=[12, 24, 48], conf_type="log")
    ref = np.array(R_POOLED, dtype=float)
    np.testing.assert_array_equal(res["n_at_risk"].to_numpy(), ref[:, 1])
    np.testing.assert_allclose(res["value"].to_numpy(), ref[:, 2], atol=6e-5)
    np.testing.assert_allclose(res["std_error"].to_numpy(), ref[:, 3], atol=6e-5)
    np.testing.assert_allclose(res["lower"].to_numpy(), ref[:, 4], atol=6e-5)
    np.testing.assert_allclose(res["upper"].to_numpy(), ref[:, 5], atol=6e-4)


def test_km_log_log_interval_follows_kalbfleisch_prentice_from_published_values():
    # CI = S^exp(±1.96·se/(S·log S)) applied to R's published S and std.err at t = 23, 31, 34
    # (Maintained). Checks the transform, tolerance 2e-3 because inputs are rounded.
    rows = R_MAINTAINED[3:6]
    res = kaplan_meier(AML_TIME, AML_STATUS, AML_X, times=[r[0] for r in rows]).filter(group="Maintained")
    for (_, _, s, se, _, _), lo, hi in zip(rows, res["lower"], res["upper"], strict=True):
        k = np.exp(1.959964 * se / (s * np.log(s)))
        assert lo == pytest.approx(s ** (1 / k), abs=2e-3)
        assert hi == pytest.approx(s**k, abs=2e-3)


def test_km_survival_zero_gives_missing_error():
    res = kaplan_meier(AML_TIME, AML_STATUS, AML_X, times=[45]).filter(group="Nonmaintained")
    assert res["value"][0] == 0.0
    assert np.isnan(res["std_error"][0]) and np.isnan(res["lower"][0])


def test_aj_without_competing_events_is_one_minus_km_with_greenwood_se():
    # the delta-method variance reduces to Greenwood's when there is one cause: R std.err again
    rows = R_MAINTAINED
    res = aalen_johansen(AML_TIME, AML_STATUS, AML_X, times=[r[0] for r in rows]).filter(group="Maintained")
    np.testing.assert_allclose(res["value"].to_numpy(), 1 - np.array([r[2] for r in rows]), atol=6e-4)
    np.testing.assert_allclose(res["std_error"].to_numpy(), [r[3] for r in rows], atol=6e-5)


def _satagopan():
    times = [7, 10, 14, 16, 18, 23, 24, 26, 27] + [30] * 296
    codes = [0, 1, 0, 1, 2, 1, 0, 2, 1] + [0] * 296
    return np.array(times, float), np.array(codes)


def test_aj_satagopan_2004_table2():
    t, e = _satagopan()
    times = [10, 16, 18, 23, 26, 27]
    cif = aalen_johansen(t, e, times=times, cause=1)
    km = kaplan_meier(t, e, times=times)
    np.testing.assert_array_equal(km["n_at_risk"].to_numpy(), [304, 302, 301, 300, 298, 297])
    np.testing.assert_allclose(100 * km["value"].to_numpy(), [99.7, 99.3, 99.0, 98.7, 98.3, 98.0], atol=0.05)
    # Step 2 of the table: each breast-cancer death adds h1(tj)·S(tj−1) = 0.3 % (one decimal) and the
    # published cumulative incidence is the sum of those rounded increments (0.3, 0.6, 0.9, 1.2):
    # tolerance 0.05 per increment, 0.05·k for the k-th cumulative value.
    f = 100 * cif.filter(pl.col("time").is_in([10.0, 16.0, 23.0, 27.0]))["value"].to_numpy()
    np.testing.assert_allclose(np.diff(np.r_[0, f]), [0.3, 0.3, 0.3, 0.3], atol=0.05)
    for k, (published, value) in enumerate(zip([0.3, 0.6, 0.9, 1.2], f, strict=True), start=1):
        assert abs(value - published) <= 0.05 * k
    # S(tj−1) column of step 2: 100, 99.7, 99.0, 98.3 % before the deaths at 10, 16, 23, 27
    before = kaplan_meier(t, e, times=[9, 15, 22, 26.5])["value"].to_numpy()
    np.testing.assert_allclose(100 * before, [100, 99.7, 99.0, 98.3], atol=0.05)


def test_bad_input_is_named():
    with pytest.raises(InputError, match="time"):
        kaplan_meier([1, -2], [1, 0], times=[1])
    with pytest.raises(InputError, match="event"):
        kaplan_meier([1, 2], [1], times=[1])
    with pytest.raises(InputError, match="conf_type"):
        kaplan_meier([1, 2], [1, 0], times=[1], conf_type="arcsin")
    with pytest.raises(InputError, match="group"):
        kaplan_meier([1, 2], [1, 0], [None, "a"], times=[1])


_data = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 2), st.sampled_from("ab")), min_size=1, max_size=60)


@settings(max_examples=80, deadline=None)
@given(_data)
def test_properties_km_monotone_and_cifs_add_up(rows):
    t = np.array([r[0] for r in rows], float)
    e = np.array([r[1] for r in rows])
    g = np.array([r[2] for r in rows])
    grid = list(range(0, 32, 2))
    km = kaplan_meier(t, e, g, times=grid)
    for _, part in km.group_by("group"):
        v = part.sort("time")["value"].to_numpy()
        assert np.all(np.diff(v) <= 1e-12) and np.all((v >= 0) & (v <= 1))
    f1 = aalen_johansen(t, e, g, times=grid, cause=1)["value"].to_numpy()
    f2 = aalen_johansen(t, e, g, times=grid, cause=2)["value"].to_numpy()
    np.testing.assert_allclose(f1 + f2, 1 - km["value"].to_numpy(), atol=1e-12)
    lo, hi = km["lower"].to_numpy(), km["upper"].to_numpy()
    ok = ~np.isnan(lo)
    assert np.all(lo[ok] <= km["value"].to_numpy()[ok] + 1e-12)
    assert np.all(hi[ok] >= km["value"].to_numpy()[ok] - 1e-12)
