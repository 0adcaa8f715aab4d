"""Demo register extracts: formats, synthetic identity numbers, dirty rows and the truth file."""

from __future__ import annotations

import json

import numpy as np
import pyreadstat
import pytest

from jamlik.cohort import (
    PseudonymKey,
    check_identity_numbers,
    load_spec,
    luhn_check_digit,
    read_cause_of_death_register,
    read_patient_register,
    read_population_register,
    read_quality_register,
)
from jamlik.demo.registers import FILES, synthetic_personnummer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def written(demo_registers):
    """The demo extracts (written once per test run, shared with the cohort tests)."""
    return demo_registers


@pytest.fixture(scope="module")
def key(written):
    return PseudonymKey.from_file(written / "pseudonym.key")


def test_luhn_reference_example():
    # Skatteverket SKV 704 scheme; worked example 811218-9876 (sv.wikipedia.org "Personnummer i Sverige")
    assert luhn_check_digit("811218987") == 6


def test_synthetic_numbers_are_valid_distinct_and_carry_sex_and_birth_date():
    rng = np.random.default_rng(1)
    birth = np.concatenate([np.full(40, 3000), rng.integers(-20000, 15000, 500)])  # 40 born the same day
    male = rng.random(birth.size) < 0.5
    numbers = synthetic_personnummer(birth, male, rng)
    assert len(set(numbers.tolist())) == birth.size
    checked = check_identity_numbers(numbers.tolist())
    assert checked.valid.all()
    assert all(int(n[8:11]) >= 900 for n in numbers)
    assert (np.array([int(n[10]) % 2 == 1 for n in numbers]) == male).all()  # odd = man (SKV 704)
    dates = np.datetime_as_string(np.datetime64("1970-01-01") + birth, unit="D")
    assert all(n[:8] == d.replace("-", "") for n, d in zip(numbers, dates, strict=True))


def test_files_in_documented_formats(written):
    assert {p.name for p in written.iterdir()} >= {*FILES.values(), "studie.yaml", "pseudonym.key", "truth.json"}
    raw = (written / FILES["patient"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # Windows-1252 (å/ö in hospital names and the VÅRDTID header)
    text = raw.decode("cp1252")
    header, first = text.splitlines()[:2]
    assert header.count(";") >= 8 and "VÅRDTID" in header
    assert "," in first.split(";")[header.split(";").index("ALDER")]  # decimal comma
    lisa, _meta = pyreadstat.read_sav(str(written / FILES["population"]))
    assert set(lisa.columns) >= {"personnummer", "AR", "Sun2000niva_old", "DispInkKE04"}
    assert lisa["AR"].min() == 2015 and lisa["AR"].max() == 2023
    dors, _ = pyreadstat.read_dta(str(written / FILES["death"]))
    assert dors["DODSDAT"].str.fullmatch(r"\d{8}").all()
    assert len(bytes.fromhex((written / "pseudonym.key").read_text().strip())) == 32


def test_every_register_reads_cleanly(written, key):
    spec = load_spec(written / "studie.yaml")
    readers = [(read_population_register, "population", None), (read_cause_of_death_register, "death", None),
               (read_patient_register, "patient", "cp1252")]
    for reader, name, enc in readers:
        table, issues = reader(written / FILES[name], key, encoding=enc)
        assert issues.rows_read == issues.rows_kept == table.num_rows > 0, issues.summary()
        assert issues.table.height == 0
    assert spec.files["patient"].encoding == "cp1252"
    assert spec.exposures.income_cut_points is not None and len(spec.exposures.income_cut_points) == 4


def test_dirty_rows_are_each_reported(written, key):
    truth = json.loads((written / "truth.json").read_text(encoding="utf-8"))["dirty_rows"]
    table, issues = read_quality_register(written / FILES["quality"], key)
    assert issues.rows_read == truth["rows_read"] == issues.rows_kept + issues.rows_rejected
    assert issues.rows_rejected == truth["rejected"] == 6
    found = issues.table.to_dicts()
    assert len(found) == len(truth["rows"]) == 8  # nothing else is flagged, nothing is silent
    for expected in truth["rows"]:
        hit = [f for f in found if f["row"] == expected["row"]]
        assert len(hit) == 1, expected
        assert hit[0]["column"] == expected["column"] and hit[0]["action"] == expected["action"]
        assert expected["reason_contains"] in hit[0]["reason"]
        assert hit[0]["file"] == FILES["quality"]
    assert table.num_rows == issues.rows_kept


def test_truth_file_is_complete_and_consistent_with_generator(written):
    from jamlik.demo._params import MI_OUTCOME

    truth = json.loads((written / "truth.json").read_text(encoding="utf-8"))
    gen = truth["generator_parameters"]
    assert gen["mi_related_death_hazard_ratio_income_quintile"] == list(MI_OUTCOME["hazard_ratio_income_quintile"])
    hr = truth["death"]["hazard_ratio_income_quintile"]
    assert hr["5"] == 1.0 and hr["1"] > hr["2"] > hr["3"] > hr["4"] > 1.0
    # The all-cause estimand blends the MI-related Q1 ratio (1.5) and the background Q1 RR, which
    # the generator attenuates with age from 1.7 (up to 65) to 1.7 ** 0.4 = 1.24 (95+); most MI
    # patients are 65-90, so it lies inside that range (plus a little education confounding).
    from jamlik.demo._params import MORTALITY_RR

    rr_q1 = MORTALITY_RR["income_quintile"][0]
    assert rr_q1 ** MORTALITY_RR["attenuation_floor"] < hr["1"] < rr_q1 + 0.05
    surv = {(s["group_variable"], s["group"], s["time_years"]): s["survival"] for s in truth["death"]["survival"]}
    for g in ("1", "2", "3", "4", "5"):
        assert 0 < surv[("income_quintile", g, 5)] < surv[("income_quintile", g, 1)] < 1
    assert {p["measure"] for p in truth["process_measures"]} == {"reperfusion", "pci", "statin_discharge",
                                                                "betablocker_discharge"}


# ---- the ground truth computation (jamlik.demo.registers._truth helpers) ----------------

_STEP_DAYS = 365.25 / 52


def _no_mi_hazard() -> dict:
    from jamlik.demo._params import MI_OUTCOME

    return {**MI_OUTCOME, "p28_ref": 0.0, "rate_after_28d_per_year": 0.0}


def test_truth_background_hazard_is_the_generators_mortality_model():
    """The truth's background hazard must be the generator's rate, including the age attenuation
    of the socioeconomic RRs (``jamlik.demo._mortality.ses_rr``; omitting it biased the true
    survival of the low income quintiles down by 2-3 points). Reference: the generator's own
    ``Mortality.person_rate`` x ``ses_rr`` (the truth is defined as the generator's model), on the
    truth's 1/52-year grid; tolerance 1e-9 relative."""
    from jamlik.demo._mortality import Mortality, ses_rr
    from jamlik.demo._params import MORTALITY_RR
    from jamlik.demo.registers import _person_curves, _year

    rng = np.random.default_rng(3)
    n = 400
    rate = np.exp(-9.5 + 0.09 * np.arange(111))[None, :] * np.array([[1.2], [0.9]])
    normaliser = rng.uniform(0.8, 1.2, (2, 20))
    year_factor = {y: float(f) for y, f in zip(range(2015, 2025), rng.uniform(0.9, 1.1, 10), strict=True)}
    mort = Mortality(np.minimum(rate, 0.6), year_factor, normaliser)
    as_json = {"baseline_rate_by_attained_age": {s: mort.rate[i].tolist() for i, s in enumerate(("male", "female"))},
               "rr_normaliser_by_life_band": {s: mort.normaliser[i].tolist() for i, s in enumerate(("male", "female"))},
               "year_factor": {str(y): f for y, f in year_factor.items()}}
    adm = rng.integers(16800, 20000, n)  # 2016-2024
    birth = adm - rng.integers(20 * 365, 100 * 365, n)
    female = rng.random(n) < 0.5
    q = rng.integers(1, 6, n)
    edu = rng.integers(0, 5, n)
    age = ((adm - birth) // 365.25).astype(float)
    end = 20089  # 2025-01-01
    surv, _dead, _obs = _person_curves(as_json, dict(MORTALITY_RR), _no_mi_hazard(), adm, birth, female, q, edu,
                                       age, end)
    mid = adm[:, None] + (np.arange(260) + 0.5) * _STEP_DAYS
    year = _year(np.floor(mid).astype(np.int64))
    attained = year - _year(birth)[:, None]
    sex = np.broadcast_to(female.astype(int)[:, None], attained.shape)
    per_year = np.empty(attained.shape)
    for y in np.unique(year):  # the generator's function, one calendar year at a time
        m = year == y
        rr = ses_rr(np.broadcast_to(q[:, None], m.shape)[m], np.broadcast_to(edu[:, None], m.shape)[m], attained[m])
        per_year[m] = mort.person_rate(int(y), sex[m], attained[m], rr)
    expected = np.exp(-np.cumsum(per_year * _STEP_DAYS / 365.25, axis=1))
    np.testing.assert_allclose(surv[:, 1:], expected, rtol=1e-9)


def test_km_limit_of_exponential_and_uncensored_mixture():
    """Reference (analytic): with one constant hazard λ for everybody, the Kaplan–Meier limit is
    exp(−λt) whatever the (independent) censoring; without censoring it is the mean of the
    persons' survival curves, the empirical survival function (Kaplan & Meier 1958, JASA 53:457).
    Tolerance 1e-12."""
    from jamlik.demo.registers import _km_limit

    t = np.arange(261) * _STEP_DAYS / 365.25
    rng = np.random.default_rng(5)
    censor = rng.uniform(0.3, 5, 300)  # years
    observed = np.clip((censor[:, None] - t[None, :-1]) / (t[1] - t[0]), 0, 1)
    surv = np.exp(-0.2 * np.broadcast_to(t, (300, t.size)))
    np.testing.assert_allclose(_km_limit(surv, surv[:, :-1] - surv[:, 1:], observed), np.exp(-0.2 * t), rtol=1e-12)
    lam = rng.uniform(0.01, 0.8, 300)
    mixed = np.exp(-lam[:, None] * t[None, :])
    km = _km_limit(mixed, mixed[:, :-1] - mixed[:, 1:], np.ones_like(observed))
    np.testing.assert_allclose(km, mixed.mean(0), rtol=1e-12)


def test_cox_limit_recovers_true_coefficients_under_proportional_hazards():
    """Reference (analytic): when the hazards are proportional, h_i(t) = h0(t) exp(β·z_i), the
    root of the expected Cox score is the true β under independent censoring (Struthers &
    Kalbfleisch 1986, Biometrika 73:363–369). Tolerance 0.005 on β (the 1/52-year grid)."""
    from jamlik.demo.registers import _cox_limit

    rng = np.random.default_rng(11)
    n = 3000
    t = np.arange(261) * _STEP_DAYS / 365.25
    z = np.column_stack([rng.random(n) < 0.3, rng.random(n) < 0.2, rng.uniform(40, 95, n)]).astype(float)
    beta = np.array([np.log(1.5), np.log(1.2), 0.05])
    base = 0.04 * t + 0.05 * np.minimum(t, 28 / 365.25) / (28 / 365.25)  # early peak, then constant
    surv = np.exp(-np.exp((z - z.mean(0)) @ beta)[:, None] * base[None, :])
    censor = rng.uniform(0, 9, n)
    observed = np.clip((censor[:, None] - t[None, :-1]) / (t[1] - t[0]), 0, 1)
    est = _cox_limit(z, surv, surv[:, :-1] - surv[:, 1:], observed)
    np.testing.assert_allclose(est, beta, atol=0.005)
