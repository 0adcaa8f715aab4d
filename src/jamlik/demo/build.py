"""``build_demo``: the seeded synthetic Östergötland region as Arrow tables plus ground truth."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa

from jamlik.demo import _params as P
from jamlik.demo._aggregate import aggregate_counts, rest_of_sweden_levels
from jamlik.demo._care import build_units, list_persons
from jamlik.demo._events import (
    NEVER,
    background_events,
    calibrate,
    diabetes_onset,
    event_details,
    mi_outcomes,
)
from jamlik.demo._inputs import EDUCATION, read_inputs
from jamlik.demo._measures import ANSWERS, MEASURE_NAMES, draw_measures
from jamlik.demo._mi_rates import region_mi_rates
from jamlik.demo._mortality import draw_causes
from jamlik.demo._persons import CALIBRATION_KOMMUN, simulate_persons
from jamlik.demo._population import male_share, national_cut_points
from jamlik.demo._rng import completed_age, day, hex_ids, stream, year_of
from jamlik.demo._survey import draw_survey, national_survey
from jamlik.demo.schemas import SCHEMAS
from jamlik.model.age_bands import LIFE_TABLE_BANDS
from jamlik.model.errors import InputError

__all__ = ["DEFAULT_SEED", "FIRST_YEAR", "LAST_YEAR", "DemoData", "build_demo"]

DEFAULT_SEED = 20240501
FIRST_YEAR, LAST_YEAR = 2015, 2024
GENERATOR_VERSION = "4"  # bump when the same seed gives different data
SEXES = ("male", "female")


@dataclass(frozen=True)
class DemoData:
    """The demo region: Arrow tables (see ``jamlik.demo.SCHEMAS``) and the ground truth."""

    tables: Mapping[str, pa.Table]
    truth: Mapping[str, Any]


def _check(seed: Any, years: Any) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**63:
        raise InputError("seed", seed, "an integer in 0 .. 2**63 - 1")
    if (not isinstance(years, range) or years.step != 1 or len(years) == 0
            or years.start < FIRST_YEAR or years.stop > LAST_YEAR + 1):
        raise InputError("years", years,
                         f"a non-empty range with step 1 within {FIRST_YEAR}..{LAST_YEAR}",
                         hint="the mortality calibration covers 2015-2024 only")


def _text(index: np.ndarray, labels: Any, mask: np.ndarray | None = None) -> pa.Array:
    """Decode integer codes to a string array (vectorised, via a dictionary array)."""
    labels = np.asarray(labels, dtype=str)
    if mask is None and labels.size and np.char.str_len(labels).min() == labels.dtype.itemsize // 4:
        try:
            encoded = np.char.encode(labels, "ascii")
        except UnicodeEncodeError:
            encoded = None
        if encoded is not None and encoded.dtype.itemsize == labels.dtype.itemsize // 4:  # fixed-width ASCII labels (ids, area codes): gather bytes
            width = encoded.dtype.itemsize
            data = encoded[np.asarray(index)]
            offsets = np.arange(data.size + 1, dtype=np.int32) * width
            return pa.StringArray.from_buffers(data.size, pa.py_buffer(offsets),
                                               pa.py_buffer(data.tobytes()))
    idx = pa.array(np.asarray(index, np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(idx, pa.array(np.asarray(labels, dtype=str))) \
        .dictionary_decode()


def _date(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(days, np.int32), mask=mask).view(pa.date32())


def _table(name: str, columns: dict[str, Any]) -> pa.Table:
    schema = SCHEMAS[name]
    arrays = [pa.array(columns[f.name], type=f.type) if not isinstance(columns[f.name], pa.Array)
              else columns[f.name].cast(f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def build_demo(*, seed: int = DEFAULT_SEED, years: range = range(FIRST_YEAR, LAST_YEAR + 1),
               progress: Callable[[str, float], None] | None = None) -> DemoData:
    """Build the seeded synthetic Östergötland region (about 470 000 persons) in memory.

    Writes nothing. Same ``seed`` and ``years`` give identical tables; every random component
    has its own stream, so components stay stable when others change.
    """
    _check(seed, years)
    seed = int(seed)
    steps = ("reading real data", "income cut-points", "persons and deaths", "primary care",
             "diabetes and care events", "MI outcomes", "person-years", "person measures",
             "survey", "rest of Sweden", "tables")

    def step(i: int) -> None:
        if progress is not None:
            progress(steps[i], i / len(steps))

    step(0)
    inputs = read_inputs()
    male = male_share(inputs)
    step(1)
    cuts, sample = national_cut_points(stream(seed, "income_cut_points"), inputs, male)
    step(2)
    people, mort = simulate_persons(stream(seed, "persons"), inputs, cuts, male, years)
    step(3)
    units = build_units(stream(seed, "care_units"), inputs)
    listed = list_persons(stream(seed, "listing"), units, people.deso)
    step(4)
    onset = diabetes_onset(stream(seed, "diabetes"), people)
    calib = calibrate(people, onset)
    events = background_events(stream(seed, "care_events"), people, onset, calib, years)
    step(5)
    end_day = day(years.stop)
    outcome = mi_outcomes(stream(seed, "mi_outcomes"), people, events, end_day)
    factor = region_mi_rates(people, events, outcome, years)
    people = replace(people, death_day=outcome.death_day)
    events = outcome.events
    details = event_details(stream(seed, "event_details"), people, events, people.death_day,
                            onset)
    step(6)
    ids = hex_ids(stream(seed, "person_ids"), people.size)
    birth_year = people.birth_year
    py_person, py_year = [], []
    for year in years:
        idx = np.flatnonzero((birth_year <= year) & (people.death_day >= day(year + 1)))
        py_person.append(idx)
        py_year.append(np.full(idx.size, year))
    py_person, py_year = np.concatenate(py_person), np.concatenate(py_year)
    py_age = py_year - birth_year[py_person]
    step(7)
    k_of_py = inputs.deso_kommun[people.deso[py_person]]
    measures = draw_measures(stream(seed, "person_measures"), py_year, py_age,
                             people.quintile[py_person], people.birth_region[py_person],
                             k_of_py, inputs.kommun_gymn_eligible)
    step(8)
    survey_rng = stream(seed, "survey")
    survey_parts = []
    lo, hi = P.SURVEY["ages"]
    for year in years:
        rows = np.flatnonzero((py_year == year) & (py_age >= lo) & (py_age <= hi))
        pi = py_person[rows]
        part = draw_survey(survey_rng, year, rows, k_of_py[rows], people.sex[pi], py_age[rows],
                           people.education[pi], people.quintile[pi], people.birth_region[pi])
        part["year"] = np.full(part["rows"].size, year)
        survey_parts.append(part)
    survey = {k: np.concatenate([p[k] for p in survey_parts]) for k in survey_parts[0]}
    nat = national_survey(stream(seed, "national_survey"), sample, years)
    step(9)
    agg = aggregate_counts(stream(seed, "aggregate_counts"), inputs, cuts, mort, calib, years,
                           factor)
    step(10)

    # ---- deaths ----
    dead = np.flatnonzero((people.death_day < end_day) & (people.death_day >= day(years.start)))
    d_day = people.death_day[dead]
    d_age = completed_age(people.birth_day[dead], d_day)
    group, code = draw_causes(stream(seed, "causes"), d_age,
                              factor.cause_probabilities(year_of(d_day), d_age))
    diabetic = onset[dead] <= year_of(d_day)
    swap = (group == P.CAUSE_GROUPS.index("diabetes")) & ~diabetic
    group[swap] = P.CAUSE_GROUPS.index("other")
    code[swap] = "R99"
    over = np.array([outcome.cause_override.get(int(i), "") for i in dead[
        np.isin(dead, np.fromiter(outcome.cause_override, int, len(outcome.cause_override)))]])
    has = np.isin(dead, np.fromiter(outcome.cause_override, int, len(outcome.cause_override)))
    code[has] = over
    group[has] = P.CAUSE_GROUPS.index("ischaemic_heart")

    tables: dict[str, pa.Table] = {}
    deso_codes, kommun_codes = inputs.deso_codes, inputs.kommun_codes
    alive = people.death_day >= end_day
    tables["persons"] = _table("persons", {
        "person_id": _text(np.arange(ids.size), ids), "sex": _text(people.sex, SEXES), "birth_date": _date(people.birth_day),
        "birth_year": birth_year, "birth_region": _text(people.birth_region, P.BIRTH_REGIONS),
        "death_date": _date(np.where(alive, 0, people.death_day), mask=alive)})
    under25 = py_age < 25
    tables["person_years"] = _table("person_years", {
        "year": py_year, "person_id": _text(py_person, ids), "age": py_age,
        "deso_code": _text(people.deso[py_person], deso_codes),
        "kommun_code": _text(k_of_py, kommun_codes),
        "vardcentral_code": _text(listed[py_person], units.code),
        "education": _text(people.education[py_person], EDUCATION, mask=under25),
        "income_quintile": people.quintile[py_person]})
    tables["deaths"] = _table("deaths", {
        "person_id": _text(dead, ids), "death_date": _date(d_day), "year": year_of(d_day),
        "age": d_age, "sex": _text(people.sex[dead], SEXES),
        "deso_code": _text(people.deso[dead], deso_codes),
        "kommun_code": _text(inputs.deso_kommun[people.deso[dead]], kommun_codes),
        "underlying_cause": code, "cause_group": _text(group, P.CAUSE_GROUPS)})
    ep = events.person
    order = np.lexsort((ep, events.admission))
    ep = ep[order]
    hospital = np.array([P.HOSPITAL_OF_KOMMUN[k] for k in kommun_codes[np.unique(
        inputs.deso_kommun[people.deso])]])
    k_unique = np.unique(inputs.deso_kommun[people.deso])
    not_mi = ~details["is_mi"][order]
    tables["care_events"] = _table("care_events", {
        "event_id": hex_ids(stream(seed, "event_ids"), ep.size),
        "person_id": _text(ep, ids), "admission_date": _date(events.admission[order]),
        "discharge_date": _date(details["discharge"][order]), "year": details["year"][order],
        "hospital": _text(np.searchsorted(k_unique, inputs.deso_kommun[people.deso[ep]]),
                          hospital),
        "condition": _text(events.condition[order], P.CONDITIONS),
        "main_diagnosis": details["main"][order], "secondary_diagnoses": details["secondary"][order],
        **{m: pa.array(details[m][order], mask=not_mi) for m in P.MI_PROCESS}})
    has_diab = np.flatnonzero((onset != NEVER) & (onset <= years.stop - 1)
                              & (onset <= year_of(np.minimum(people.death_day, end_day))))
    tables["conditions"] = _table("conditions", {
        "person_id": ids[has_diab], "condition": np.full(has_diab.size, "diabetes"),
        "onset_year": onset[has_diab]})
    m_rows = np.concatenate([measures[m][0] for m in MEASURE_NAMES])
    m_name = np.concatenate([np.full(measures[m][0].size, i) for i, m in enumerate(MEASURE_NAMES)])
    m_value = np.concatenate([measures[m][1] for m in MEASURE_NAMES])
    tables["person_measures"] = _table("person_measures", {
        "year": py_year[m_rows], "person_id": _text(py_person[m_rows], ids),
        "measure": _text(m_name, MEASURE_NAMES), "value": m_value})
    sp = py_person[survey["rows"]]
    s_age = py_age[survey["rows"]]
    resp = survey["responded"]
    s_kommun = _text(k_of_py[survey["rows"]], kommun_codes)
    tables["survey"] = _table("survey", {
        "year": survey["year"], "respondent_id": hex_ids(stream(seed, "respondent_ids"), sp.size),
        "person_id": _text(sp, ids), "kommun_code": s_kommun,
        "deso_code": _text(people.deso[sp], deso_codes), "stratum": s_kommun,
        "sex": _text(people.sex[sp], SEXES), "age": s_age,
        "education": _text(people.education[sp], EDUCATION, mask=s_age < 25),
        "income_quintile": people.quintile[sp],
        "birth_region": _text(people.birth_region[sp], P.BIRTH_REGIONS),
        "design_weight": survey["design_weight"], "responded": resp,
        "weight": pa.array(np.nan_to_num(survey["weight"]), mask=~resp),
        **{a: pa.array(survey[a], mask=~resp) for a in ANSWERS}})
    tables["care_units"] = _table("care_units", {
        "code": units.code, "name": units.name, "kommun_code": units.kommun,
        "deso_code": deso_codes[units.deso], "lon": units.lon, "lat": units.lat,
        "operator": units.operator})
    edu_labels = (*EDUCATION, "not_applicable")
    tables["aggregate_counts"] = _table("aggregate_counts", {
        "kommun_code": _text(agg["kommun"], kommun_codes), "year": agg["year"],
        "sex": _text(agg["sex"], SEXES), "age_band": _text(agg["age_band"], LIFE_TABLE_BANDS),
        "education": _text(agg["education"], edu_labels),
        "income_quintile": agg["income_quintile"],
        **{c: agg[c] for c in SCHEMAS["aggregate_counts"].names[6:]}})
    tables["national_survey"] = _table("national_survey", {
        k: nat[k] for k in SCHEMAS["national_survey"].names})
    truth = _truth(seed, years, inputs, cuts, mort, calib, factor, units, nat, tables,
                   agg["level_factor"])
    if progress is not None:
        progress("done", 1.0)
    return DemoData(tables=tables, truth=truth)


def _truth(seed, years, inputs, cuts, mort, calib, factor, units, nat,
           tables, level) -> dict[str, Any]:
    def by_age(arr):
        return {s: [round(float(v), 8) for v in arr[i]] for i, s in enumerate(SEXES)}

    return P.as_plain({
        "generator": "jamlik.demo", "version": GENERATOR_VERSION, "seed": seed,
        "years": [years.start, years.stop - 1], "region": {"lan": "05", "name": "Östergötland"},
        "parameters": P.parameters(),
        "income_quintile_cut_points_log_tkr": [float(c) for c in cuts],
        "mortality": {
            "calibration_kommun": CALIBRATION_KOMMUN,
            "baseline_rate_by_attained_age": by_age(mort.rate),
            "year_factor": {str(y): f for y, f in mort.year_factor.items()},
            "rr_normaliser_by_life_band": {s: [float(v) for v in mort.normaliser[i]]
                                           for i, s in enumerate(SEXES)},
            "life_bands": LIFE_TABLE_BANDS,
            "rate_formula": "baseline[sex, a] * year_factor[year] * normaliser[sex, band(a)] * "
                            "(rr_income[q] * rr_education[e]) ** x(a), a = attained age, "
                            "rr_education = 1 under 25, x(a) = 1 - (1 - attenuation_floor) * "
                            "clip((a - attenuation_from_age) / (attenuation_to_age - "
                            "attenuation_from_age), 0, 1) (parameters.mortality_rr)",
        },
        "incidence_calibration": {"scale_per_person_year": calib.scale,
                                  "rr_population_mean_2022": calib.rr_mean},
        "rest_of_sweden_level_factor": rest_of_sweden_levels(level),
        "region_mi_rates": factor.as_truth(),
        "gymnasium_kommun_share_2018_19": {
            str(k): (None if np.isnan(v) else float(v))
            for k, v in zip(inputs.kommun_codes, inputs.kommun_gymn_eligible, strict=True)
            if str(k).startswith("05")},
        "care_units": int(units.code.size),
        "national_survey_true_values": [
            {"year": int(y), "sex": str(s), "measure": str(m), "value": float(v)}
            for y, s, m, v in zip(nat["year"], nat["sex"], nat["measure"], nat["true_value"],
                                  strict=True)],
        "assumptions": {
            "migration": "ignored: persons live in their 2022 DeSO for the whole window",
            "attained_age": "rates are indexed by age on 31 Dec (year - birth year)",
            "mi_recurrence": "only one generation: recurrent MI/stroke after an index MI "
                             "do not get their own outcomes",
            "education_over_time": "attained level is fixed; shown from age 25",
            "income_over_time": "latent income and quintile are fixed per person",
        },
        "row_counts": {name: t.num_rows for name, t in tables.items()},
    })
