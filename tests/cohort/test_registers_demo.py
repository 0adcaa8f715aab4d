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
from jamlik.cohort.registers_demo import FILES, synthetic_personnummer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Demo extracts, shared through the session's base temp folder with the other cohort tests."""
    out = tmp_path_factory.getbasetemp() / "demo_registers"
    if not (out / "truth.json").is_file():
        from jamlik.cohort.registers_demo import write_demo_registers

        write_demo_registers(out)
    return out


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
    # the all-cause estimand lies between the MI-related (1.5) and background (1.7) Q1 ratios
    assert 1.45 < hr["1"] < 1.75
    surv = {(s["group_variable"], s["group"], s["time_years"]): s["survival"] for s in truth["death"]["survival"]}
    for g in ("1", "2", "3", "4", "5"):
        assert 0 < surv[("income_quintile", g, 5)] < surv[("income_quintile", g, 1)] < 1
    assert {p["measure"] for p in truth["process_measures"]} == {"reperfusion", "pci", "statin_discharge",
                                                                "betablocker_discharge"}
