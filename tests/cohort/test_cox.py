"""Cox hazard ratios against R ``survival::coxph`` published output.

References:
* aml (Miller 1981; R survival ``aml``): ``coxph(Surv(time, status) ~ x)`` with maintained = 1,
  non-maintained = 0: coef −0.9155, se 0.5119 (R output printed to 4 digits) → tolerance 1e-4.
* ovarian (Edmonson et al. 1979; R survival ``ovarian``, 26 patients):
  ``summary(coxph(Surv(futime, fustat) ~ age + rx, data = ovarian))`` printed with 8 digits:
  age coef 0.14732660, se 0.04614705, 95% CI for exp(coef) 1.0585288–1.268421;
  rx coef −0.80397301, se 0.63204937, CI 0.1296694–1.544687. lifelines and R both use Efron
  ties; tolerance 1e-4 on coefficients and standard errors, 1e-3 relative on CI limits.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from jamlik.cohort import cox_hazard_ratios
from jamlik.model.errors import InputError

AML = pl.DataFrame({
    "time": [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
    "status": [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
    "drug": [1] * 11 + [0] * 12,
})

# futime, fustat, age, rx  (R survival::ovarian, columns resid.ds and ecog.ps not used)
OVARIAN = pl.DataFrame(
    [(59, 1, 72.3315, 1), (115, 1, 74.4932, 1), (156, 1, 66.4658, 1), (421, 0, 53.3644, 2),
     (431, 1, 50.3397, 1), (448, 0, 56.4301, 1), (464, 1, 56.937, 2), (475, 1, 59.8548, 2),
     (477, 0, 64.1753, 1), (563, 1, 55.1781, 2), (638, 1, 56.7562, 1), (744, 0, 50.1096, 2),
     (769, 0, 59.6301, 2), (770, 0, 57.0521, 2), (803, 0, 39.2712, 1), (855, 0, 43.1233, 1),
     (1040, 0, 38.8932, 1), (1106, 0, 44.6, 1), (1129, 0, 53.9068, 2), (1206, 0, 44.2055, 2),
     (1227, 0, 59.589, 2), (268, 1, 74.5041, 1), (329, 1, 43.137, 1), (353, 1, 63.2192, 2),
     (365, 1, 64.4247, 2), (377, 0, 58.3096, 2)],
    schema=["futime", "fustat", "age", "rx"], orient="row",
)


def test_aml_treatment_effect_matches_r():
    res = cox_hazard_ratios(AML, duration="time", event="status", exposure="drug", reference=0)
    row = res.filter(term="drug=1")
    assert row["coef"][0] == pytest.approx(-0.9155, abs=1e-4)
    assert row["std_error"][0] == pytest.approx(0.5119, abs=1e-4)
    assert row["hazard_ratio"][0] == pytest.approx(0.4003, abs=1e-4)
    assert row["n"][0] == 23 and row["n_events"][0] == 18


def test_ovarian_adjusted_model_matches_r():
    res = cox_hazard_ratios(OVARIAN, duration="futime", event="fustat", exposure="rx", reference=1,
                            covariates={"age": "continuous"})
    rx = res.filter(term="rx=2")
    age = res.filter(term="age")
    assert rx["role"][0] == "exposure" and age["role"][0] == "adjustment"
    assert rx["coef"][0] == pytest.approx(-0.80397301, abs=1e-4)
    assert rx["std_error"][0] == pytest.approx(0.63204937, abs=1e-4)
    assert age["coef"][0] == pytest.approx(0.14732660, abs=1e-4)
    assert age["std_error"][0] == pytest.approx(0.04614705, abs=1e-4)
    np.testing.assert_allclose([rx["lower"][0], rx["upper"][0]], [0.1296694, 1.544687], rtol=1e-3)
    np.testing.assert_allclose([age["lower"][0], age["upper"][0]], [1.0585288, 1.268421], rtol=1e-3)


def test_competing_codes_are_censored_and_missing_rows_counted():
    df = AML.with_columns(status=pl.when(pl.col("time") == 45).then(2).otherwise(pl.col("status")),
                          drug=pl.when(pl.col("time") == 161).then(None).otherwise(pl.col("drug")))
    res = cox_hazard_ratios(df, duration="time", event="status", exposure="drug", reference=0)
    assert res["n_excluded"][0] == 1
    # both rows at time 45 get code 2; only the one that was an event (status 1) is lost: 18 − 1
    assert res["n_events"][0] == 17


def test_bad_reference_named():
    with pytest.raises(InputError, match="reference"):
        cox_hazard_ratios(AML, duration="time", event="status", exposure="drug", reference=7)
