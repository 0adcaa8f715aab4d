"""The demo region as register extracts in the documented layouts (docs/data-layouts.md).

``jamlik demo build`` writes these files and loads them with ``jamlik load``'s code, so the
demo proves the real path every time it is built. Every file is Parquet, with a mapping file
beside it; every mapping marks its load synthetic.

**Identity numbers** are synthetic (:func:`synthetic_personnummer`): the demo person's real
birth date, a serial number from 900–999 whose last digit is odd for men and even for women, and
a correct Luhn check digit. **Income**: each person gets a fixed disposable income drawn inside
their quintile's interval of the demo's national cut points, and the cut points go with the
population extract, so the loaded quintiles are the demo's. **Education** is written as a SUN
level of its group, **country of birth** as a country of its birth region, **causes of death and
diagnoses** as the ICD-10 codes the demo drew (classified back on load).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from jamlik.demo._rng import stream
from jamlik.model.errors import InputError

_EPOCH = np.datetime64("1970-01-01", "D")
#: SUN 2000 old levels written for each education group (the first, or a draw of the two).
SUN_LEVELS = {"compulsory": (1, 2), "upper_secondary": (3, 4), "post_secondary_lt3y": (5, 5),
              "post_secondary_ge3y": (6, 7)}
#: Countries written for each birth region (drawn with these weights).
COUNTRIES = {"sweden": (("SE",), (1.0,)),
             "nordic": (("FI", "NO", "DK", "IS"), (0.62, 0.2, 0.16, 0.02)),
             "europe": (("PL", "BA", "DE", "RS", "RO", "GR"), (0.3, 0.2, 0.2, 0.12, 0.1, 0.08)),
             "outside_europe": (("SY", "IQ", "IR", "SO", "AF", "ER", "TH", "CN"),
                                (0.22, 0.2, 0.12, 0.12, 0.12, 0.08, 0.08, 0.06))}
QUESTIONS = {"good_health": ("Bra självskattat hälsotillstånd", "Good self-rated health"),
             "trust_others": ("Tillit till andra", "Trust in others"),
             "sedentary_leisure": ("Stillasittande fritid", "Sedentary leisure time"),
             "daily_smoker": ("Röker dagligen", "Smokes daily"),
             "economic_hardship": ("Ekonomisk kris", "Economic hardship")}


def synthetic_personnummer(birth_days: np.ndarray, male: np.ndarray,
                           rng: np.random.Generator, *, first_serial: int = 900) -> np.ndarray:
    """Distinct 12-digit synthetic numbers ``YYYYMMDDNNNC`` (serial ``first_serial``–999, the
    last digit odd for men and even for women, Luhn check digit).

    ``birth_days`` are days since 1970-01-01. Numbers are distinct across the input.
    """
    span = (1000 - first_serial) // 10
    b = np.asarray(birth_days, dtype=np.int64)
    m = np.asarray(male, dtype=bool)
    if b.shape != m.shape:
        raise InputError("male", f"shape {m.shape}",
                         f"one sex flag per birth day (shape {b.shape})")
    date8 = np.char.replace(np.datetime_as_string(_EPOCH + b, unit="D"), "-", "")
    serial = np.zeros(b.size, dtype=np.int64)
    date8 = date8.astype("U8")
    todo = np.arange(b.size)
    for _ in range(100):  # redraw collisions (rare: 50 serials per sex and birth date)
        serial[todo] = first_serial + 10 * rng.integers(0, span, todo.size) \
            + 2 * rng.integers(0, 5, todo.size) + m[todo].astype(np.int64)
        key = np.char.add(date8, np.char.zfill(serial.astype(str), 3))
        _, first = np.unique(key, return_index=True)
        dup = np.setdiff1d(np.arange(b.size), first)
        if dup.size == 0:
            break
        todo = dup
    else:  # pragma: no cover - needs > 50 persons of one sex born on one day
        raise InputError("birth_days", "too many persons per birth date",
                         f"at most {span * 5} per sex and day")
    serial3 = np.char.zfill(serial.astype(str), 3)
    nine = np.char.add(np.array([d[2:] for d in date8.tolist()], dtype="U6"), serial3)
    digits = np.frombuffer(np.char.encode(nine, "ascii").astype("S9").tobytes(),
                           np.uint8).reshape(-1, 9) - 48
    prod = digits.astype(np.int64) * np.array([2, 1, 2, 1, 2, 1, 2, 1, 2])
    check = (10 - np.where(prod > 9, prod - 9, prod).sum(axis=1) % 10) % 10
    return np.char.add(np.char.add(date8, serial3), check.astype(str))


def income_in_quintile(cuts: np.ndarray, quintile: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """A log income drawn inside each quintile's interval of the cut points ``cuts`` (log
    scale); 0.03 away from the limits, so the quintile is recovered exactly."""
    cuts = np.asarray(cuts, dtype=float)
    q = np.asarray(quintile, dtype=np.int64)
    lo = np.concatenate([[cuts[0] - 1.2], cuts])[q - 1] + 0.03
    hi = np.concatenate([cuts, [cuts[-1] + 1.0]])[q - 1] - 0.03
    return lo + (hi - lo) * rng.random(q.size)


@dataclass(frozen=True)
class Extract:
    """One kind's files and mapping file."""

    kind: str
    files: tuple[Path, ...]
    mapping: Path


def _write(out: Path, kind: str, table: pa.Table, mapping: dict) -> Extract:
    path = out / f"{kind}.parquet"
    pq.write_table(table, path, compression="lz4")
    mapping_path = out / f"{kind}.yaml"
    header = (f"# Mapping of the demo's synthetic {kind} extract (docs/data-layouts.md).\n")
    mapping_path.write_text(header + yaml.safe_dump({"kind": kind, **mapping},
                                                    allow_unicode=True, sort_keys=False),
                            encoding="utf-8")
    return Extract(kind, (path,), mapping_path)


def _pick(rng: np.random.Generator, groups: np.ndarray, table: dict) -> np.ndarray:
    """For each group value, a code drawn from ``table[group]`` = (codes, weights)."""
    out = np.empty(groups.size, dtype=object)
    for group, (codes, weights) in table.items():
        idx = np.flatnonzero(groups == group)
        w = np.asarray(weights, dtype=float)
        out[idx] = np.asarray(codes, dtype=object)[rng.choice(len(codes), idx.size, p=w / w.sum())]
    return out


def write_extracts(tables, truth, out: str | Path, *, seed: int) -> list[Extract]:
    """Write the demo's tables as extracts in the documented layouts, in load order."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = stream(seed, "extracts")
    synthetic = {"options": {"synthetic": True}}
    extracts = [_write(out, "care-units", tables["care_units"], synthetic)]

    persons = tables["persons"]
    n_persons = persons.num_rows
    birth = persons["birth_date"].cast(pa.int32()).to_numpy().astype(np.int64)
    male = persons["sex"].to_numpy(zero_copy_only=False) == "male"
    pnr = synthetic_personnummer(birth, male, rng, first_serial=0)
    dashed = np.char.add(np.char.add(pnr.astype("U8"), "-"),
                         np.char.replace(pnr, pnr.astype("U8"), "")).astype(object)

    def positions(column) -> np.ndarray:
        return pc.index_in(column, value_set=persons["person_id"]).to_numpy().astype(np.int64)

    def identity(column) -> pa.Array:
        return pa.array(dashed[positions(column)], pa.string())

    cuts = np.asarray(truth["income_quintile_cut_points_log_tkr"], dtype=float)
    py = tables["person_years"]
    person_pos = positions(py["person_id"])
    quintile_of = np.zeros(n_persons, dtype=np.int64)
    quintile_of[person_pos] = py["income_quintile"].to_numpy()
    income = np.round(np.exp(income_in_quintile(cuts, np.maximum(quintile_of, 1), rng)), 3)
    groups = np.asarray([g or "missing" for g in _education_of(tables)], dtype=object)
    education_of = _pick(rng, groups, {
        g: ((str(a),) if a == b else (str(a), str(b)), (1.0,) if a == b else (0.4, 0.6))
        for g, (a, b) in SUN_LEVELS.items()} | {"missing": (("",), (1.0,))})
    region = persons["birth_region"].to_numpy(zero_copy_only=False)
    country = _pick(rng, region, COUNTRIES)
    population = pa.table({
        "PersonNr": pa.array(dashed[person_pos], pa.string()),
        "Ar": py["year"], "Deso": py["deso_code"], "Kommun": py["kommun_code"],
        "Sun2000niva_old": pa.array(education_of[person_pos].astype(str), pa.string()),
        "DispInk04": pa.array(income[person_pos], pa.float64()),
        "FodLand": pa.array(country[person_pos].astype(str), pa.string()),
        "Vardcentral": py["vardcentral_code"],
    })
    cut_file = out / "income_cut_points.csv"
    cut_rows = ["year,p20,p40,p60,p80"] + [
        f"{y},{','.join(repr(float(np.exp(c))) for c in cuts)}"
        for y in sorted(set(py["year"].to_pylist()))]
    cut_file.write_text("\n".join(cut_rows) + "\n", encoding="utf-8")
    extracts.append(_write(out, "population", population, {
        "options": {"deso_vintage": "2018", "income_cut_points": cut_file.name,
                    "child_income": "own", "synthetic": True}}))

    deaths = tables["deaths"]
    extracts.append(_write(out, "deaths", pa.table({
        "PersonNr": identity(deaths["person_id"]), "DODSDAT": deaths["death_date"],
        "ULORSAK": deaths["underlying_cause"], "Deso": deaths["deso_code"],
        "Kommun": deaths["kommun_code"], "KON": deaths["sex"], "ALDER": deaths["age"],
        "FODLAND": pa.array(country[positions(deaths["person_id"])].astype(str), pa.string())}),
        {"options": {"deso_vintage": "2018", "synthetic": True}}))

    care = tables["care_events"]
    process = ("reperfusion", "pci", "statin_at_discharge", "betablocker_at_discharge")
    extracts.append(_write(out, "care", pa.table({
        "PersonNr": identity(care["person_id"]), "INDATUM": care["admission_date"],
        "UTDATUM": care["discharge_date"], "HDIA": care["main_diagnosis"],
        "DIAGNOS": care["secondary_diagnoses"], "SJUKHUS": care["hospital"],
        **{p: care[p] for p in process}}),
        {"columns": {"secondary_diagnoses": "DIAGNOS"}, **synthetic}))

    conditions = tables["conditions"]
    extracts.append(_write(out, "conditions", pa.table({
        "PersonNr": identity(conditions["person_id"]), "condition": conditions["condition"],
        "onset_year": conditions["onset_year"]}), synthetic))

    measures = tables["person_measures"]
    extracts.append(_write(out, "measures", pa.table({
        "PersonNr": identity(measures["person_id"]), "Ar": measures["year"],
        "measure": measures["measure"], "value": measures["value"]}), synthetic))

    survey = tables["survey"]
    answers = {q: pc.if_else(survey[q], "1", "0") for q in QUESTIONS}
    extracts.append(_write(out, "survey", pa.table({
        "Lopnr": survey["respondent_id"], "Ar": survey["year"], "Kommun": survey["kommun_code"],
        "Deso": survey["deso_code"], "Stratum": survey["stratum"],
        "Designvikt": survey["design_weight"], "Vikt": survey["weight"],
        "Svarat": survey["responded"], "Kon": survey["sex"], "Alder": survey["age"],
        "Utbildning": survey["education"], "Inkomstkvintil": survey["income_quintile"],
        "Fodelseregion": survey["birth_region"], "PersonNr": identity(survey["person_id"]),
        **answers}), {
        "questions": [{"id": q, "column": q, "label": {"sv": sv, "en": en}, "yes": ["1"],
                       "no": ["0"]} for q, (sv, en) in QUESTIONS.items()], **synthetic}))

    national = tables["national_survey"]
    extracts.append(_write(out, "survey-national", pa.table({
        "year": national["year"], "sex": national["sex"], "question": national["measure"],
        "estimate": national["estimate"], "se": national["se"],
        "respondents": national["respondents"]}), synthetic))

    agg = tables["aggregate_counts"]
    counts = [c for c in agg.column_names if c not in ("kommun_code", "year", "sex", "age_band",
                                                       "education", "income_quintile")]
    # The year before the first (2014) holds the 31 December population only: its other counts
    # are not known (blank), not zero.
    first = min(tables["person_years"]["year"].to_pylist())
    before = pc.less(agg["year"], first)
    extracts.append(_write(out, "aggregates", pa.table({
        "area_code": agg["kommun_code"], "year": agg["year"], "sex": agg["sex"],
        "age_band": agg["age_band"], "education": agg["education"],
        "income_quintile": agg["income_quintile"],
        **{c: agg[c] if c == "population" else pc.if_else(before, pa.scalar(None, agg[c].type),
                                                            agg[c]) for c in counts}}),
        {"options": {"population_type": "dec31", "synthetic": True}}))
    return extracts


def _education_of(tables) -> list[str | None]:
    """Each person's education group (the demo's is fixed per person; under 25 it is blank in
    the tables, so the group is taken from any adult row; None when there is none)."""
    import polars as pl

    py = pl.from_arrow(tables["person_years"].select(["person_id", "education"]))
    known = py.drop_nulls("education").unique("person_id", keep="last")
    persons = pl.from_arrow(tables["persons"].select(["person_id"]))
    return persons.join(known, on="person_id", how="left")["education"].to_list()
