"""Summary measures against WHO's R package healthequal (independent implementation).

Expected values are copied from healthequal's own test files (GitHub WHOequity/healthequal,
tests/testthat/test-<measure>.R, version 1.0.1; those expectations were produced by running
healthequal in R, an implementation independent of ours). The test inputs are generated there
with R's RNG; they are reproduced here verbatim as produced by R 4.2 from the same code:

    set.seed(123); pop <- round(rnorm(5, 100, 40))                      # ORDERED_POP
    set.seed(123); pop <- round(rnorm(25, 1000, 300))
    est <- rbinom(25, 1000, .065); se <- rbinom(25, 100, .045)
    ref <- rep(0, 25); ref[sample(25, 1)] <- 1                          # UNORDERED_*

Tolerances are relative (``pytest.approx(rel=...)``) and equal to or tighter than those of the
corresponding healthequal test, unless stated.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

import jamlik.equity as eq

ORDERED_POP = [78, 91, 162, 103, 105]
ORDERED_EST = [20, 30, 40, 50, 60]
ORDERED_SE = [5, 7, 10, 12, 14]
ORDER = [1, 2, 3, 4, 5]

UNORDERED_POP = [832, 931, 1468, 1021, 1039, 1515, 1138, 620, 794, 866, 1367, 1108, 1120,
                 1033, 833, 1536, 1149, 410, 1210, 858, 680, 935, 692, 781, 812]  # fmt: skip
UNORDERED_EST = [61, 74, 58, 59, 72, 75, 74, 68, 75, 67, 73, 63, 66, 62, 60, 66, 71, 73, 71,
                 61, 74, 84, 55, 69, 60]  # fmt: skip
UNORDERED_SE = [5, 3, 3, 3, 4, 9, 2, 2, 2, 5, 5, 7, 5, 6, 4, 5, 6, 6, 9, 4, 3, 4, 1, 3, 7]
UNORDERED_REF = 13  # R's which(ref == 1) is 14 (1-based)

Z975 = norm.ppf(0.975)


def _ordered(fn, **kw):
    return fn(ORDERED_POP, ORDERED_EST, order=ORDER, **kw)


def _unordered(fn, **kw):
    return fn(UNORDERED_POP, UNORDERED_EST, se=UNORDERED_SE, **kw)


# --- ordered: test-sii.R, test-rii.R, test-aci.R, test-rci.R, test-paf.R, test-parisk.R ----


def test_sii_logit_matches_healthequal_test_sii():
    # test-sii.R "sii function calculates SII correctly": tolerance 1e-6 there; we allow 1e-5
    # because healthequal's delta method uses numerical derivatives (marginaleffects).
    res = _ordered(eq.sii)
    assert res.estimate == pytest.approx(44.44502, rel=1e-6)
    # healthequal reports this se on the 0-1 scale (0.02190822); ours is on the indicator scale.
    assert res.se / 100 == pytest.approx(0.02190822, rel=1e-5)
    assert res.lower == pytest.approx(40.15109, rel=1e-5)
    assert res.upper == pytest.approx(48.73895, rel=1e-5)
    assert res.method == "delta_hc1"


def test_rii_logit_matches_healthequal_test_rii():
    # test-rii.R "rii function calculates RII correctly" (tolerance 1e-6; se of ln RII).
    res = _ordered(eq.rii)
    assert res.estimate == pytest.approx(3.159506, rel=1e-6)
    assert res.se == pytest.approx(0.07644001, rel=1e-5)
    assert res.lower == pytest.approx(2.719902, rel=1e-5)
    assert res.upper == pytest.approx(3.67016, rel=1e-5)


def test_aci_matches_healthequal_test_aci():
    # test-aci.R "aci function calculates ACI correctly" (tolerance 1e-6; we use 1e-5 for se).
    res = _ordered(eq.aci)
    assert res.estimate == pytest.approx(7.3284202, rel=1e-6)
    assert res.se == pytest.approx(0.29368517, rel=1e-5)
    assert res.lower == pytest.approx(7.3284202 - 0.29368517 * Z975, rel=1e-5)
    assert res.upper == pytest.approx(7.3284202 + 0.29368517 * Z975, rel=1e-5)


def test_rci_matches_healthequal_test_rci():
    # test-rci.R "rci function calculates RCI correctly" (tolerance 1e-3 there; 1e-5 here).
    res = _ordered(eq.rci)
    assert res.estimate == pytest.approx(0.17776859, rel=1e-5)
    assert res.se == pytest.approx(0.0071240491, rel=1e-5)
    assert res.lower == pytest.approx(0.16380545, rel=1e-5)
    assert res.upper == pytest.approx(0.19173172, rel=1e-5)


def test_paf_matches_healthequal_test_paf():
    # test-paf.R "paf function calculates PAF correctly" (tolerance 1e-6). healthequal's se
    # (0.10689361) is Walter's se of the *fraction*; we report it in percent (× 100) so that
    # the interval is on the scale of the estimate (documented deviation).
    res = _ordered(eq.paf)
    assert res.estimate == pytest.approx(45.544548, rel=1e-6)
    assert res.se == pytest.approx(100 * 0.10689361, rel=1e-6)


def test_par_matches_healthequal_test_parisk():
    # test-parisk.R "parisk function calculates PAR correctly" (tolerance 1e-2 there; 1e-5 here).
    res = _ordered(eq.par)
    assert res.estimate == pytest.approx(18.775509, rel=1e-5)
    assert res.se == pytest.approx(4.4066348, rel=1e-5)
    assert res.lower == pytest.approx(10.138505, rel=1e-4)
    assert res.upper == pytest.approx(27.412513, rel=1e-4)


# --- unordered: test-bgv.R … test-mdrw.R --------------------------------------------------


def test_bgv_matches_healthequal_test_bgv():
    res = _unordered(eq.bgv)  # test-bgv.R, tolerance 1e-6
    assert res.estimate == pytest.approx(46.198326, rel=1e-6)
    assert res.se == pytest.approx(17.134647, rel=1e-6)
    assert res.lower == pytest.approx(46.198326 - 17.134647 * Z975, rel=1e-6)
    assert res.upper == pytest.approx(46.198326 + 17.134647 * Z975, rel=1e-6)


@pytest.mark.parametrize(
    ("name", "expected", "kw"),
    [
        ("bgsd", 6.7969351, {}),  # test-bgsd.R, tolerance 1e-4
        ("idisu", 8.7018175, {}),  # test-idisu.R, tolerance 1e-4
        ("idisw", 8.6178417, {}),  # test-idisw.R, tolerance 1e-4
        ("mdbu", 16.360001, {}),  # test-mdbu.R, tolerance 1e-4
        ("mdbw", 16.293156, {}),  # test-mdbw.R, tolerance 1e-4
        ("mdmu", 5.891726, {}),  # test-mdmu.R, tolerance 1e-4
        ("mdmw", 5.8348689, {}),  # test-mdmw.R, tolerance 1e-4
        ("mdru", 7.2399998, {"reference": UNORDERED_REF}),  # test-mdru.R, tolerance 1e-4
        ("mdrw", 7.2228465, {"reference": UNORDERED_REF}),  # test-mdrw.R, tolerance 1e-4
    ],
)
def test_simulated_measures_estimates_match_healthequal(name, expected, kw):
    res = _unordered(getattr(eq, name), **kw)
    assert res.estimate == pytest.approx(expected, rel=1e-4)
    assert res.method == "simulation"
    assert np.isnan(res.se)
    assert res.lower <= res.upper


def test_ti_matches_healthequal_test_ti():
    # test-ti.R, tolerance 1e-4. The estimate is × 1000 as in healthequal; healthequal's se
    # (0.0014201) is on the unscaled index, ours on the estimate's scale (× 1000).
    res = _unordered(eq.ti)
    assert res.estimate == pytest.approx(5.0359201, rel=1e-4)
    assert res.se / 1000 == pytest.approx(0.0014201, rel=1e-4)


def test_mld_matches_healthequal_test_mld():
    # test-mld.R, tolerance 1e-3 (same scale note as Theil).
    res = _unordered(eq.mld)
    assert res.estimate == pytest.approx(5.0524006, rel=1e-3)
    assert res.se / 1000 == pytest.approx(0.0014242, rel=1e-3)


def test_d_from_healthequal_reference_page_example_rule():
    # healthequal reference page for d() (reference/d.html, "Details"): ordered & favourable
    # = most advantaged − least advantaged; se = sqrt(se1² + se2²) (Ahn et al. 2018).
    res = _ordered(eq.d, se=ORDERED_SE)
    assert res.estimate == 60 - 20
    assert res.se == pytest.approx(np.hypot(14, 5), rel=1e-12)
    adverse = _ordered(eq.d, se=ORDERED_SE, favourable=False)
    assert adverse.estimate == 20 - 60


def test_r_uses_log_scale_se_as_healthequal_r():
    # healthequal R/r.R: se(ln R) = sqrt(se1²/y1² + se2²/y2²); CI exp(ln R ± z·se).
    res = _ordered(eq.r, se=ORDERED_SE)
    log_se = np.sqrt((14 / 60) ** 2 + (5 / 20) ** 2)
    assert res.estimate == pytest.approx(3.0, rel=1e-12)
    assert res.se == pytest.approx(log_se, rel=1e-12)
    assert res.lower == pytest.approx(3.0 * np.exp(-Z975 * log_se), rel=1e-12)
