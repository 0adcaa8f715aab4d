"""Readers for register extracts: file in, (clean Arrow table, RowIssues) out.

Identity numbers are validated and replaced by keyed pseudonyms (column ``pid``) before anything
else happens; the raw number never reaches the output table or an issue line (values are masked).
Rows with an invalid identity number or a missing/invalid required date are rejected and listed;
invalid optional values are set to missing and listed. ``rows_read == rows_kept + rows_rejected``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from jamlik.cohort import _parse
from jamlik.cohort._files import read_extract, resolve_columns
from jamlik.cohort.issues import (
    ACTION_IMPUTED,
    ACTION_REJECTED,
    ACTION_SET_MISSING,
    RowIssues,
    empty_issues,
    issue_frame,
)
from jamlik.cohort.mappings import (
    CauseOfDeathMapping,
    PatientRegisterMapping,
    PopulationRegisterMapping,
    QualityRegisterMapping,
)
from jamlik.model.errors import InputError
from jamlik.model.identity import PseudonymKey, check_identity_numbers, pseudonymise

SUN2000_GROUPS = {1: "compulsory", 2: "compulsory", 3: "upper_secondary", 4: "upper_secondary",
                  5: "post_secondary", 6: "post_secondary", 7: "post_secondary"}


@dataclass
class _Cleaner:
    """Collects issue lines and the reject mask while columns are parsed."""

    file: str
    frame: pl.DataFrame
    reject: np.ndarray = field(init=False)
    parts: list[pl.DataFrame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reject = np.zeros(self.frame.height, dtype=bool)
        self.rows = pl.Series("row", np.arange(1, self.frame.height + 1, dtype=np.int64))

    def flag(self, bad: pl.Series | np.ndarray, column: str, reason: str | pl.Series,
             values: pl.Series, action: str) -> None:
        mask = bad.to_numpy() if isinstance(bad, pl.Series) else bad
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        sel = pl.Series(mask)
        why = reason.filter(sel) if isinstance(reason, pl.Series) else reason
        self.parts.append(
            issue_frame(self.file, self.rows.filter(sel), column, why,
                        values.cast(pl.String, strict=False).filter(sel), action)
        )
        if action == ACTION_REJECTED:
            self.reject |= mask

    def identity(self, column: str, id_kind: str, key: PseudonymKey, reference_year: int | None) -> pl.Series:
        raw = self.frame[column]
        if id_kind == "lopnr":
            text = raw.cast(pl.String, strict=False).str.strip_chars()
            bad = (text.is_null() | (text == "")).fill_null(True)
            self.flag(bad, column, "missing LopNr", pl.Series(["<missing>"] * raw.len()), ACTION_REJECTED)
            values = [None if b else "L" + v for v, b in zip(text.to_list(), bad.to_list(), strict=True)]
            return pl.Series("pid", pseudonymise(values, key, prefix="l"), dtype=pl.String)
        checked = check_identity_numbers(raw.to_list(), reference_year=reference_year)
        bad = ~checked.valid
        self.flag(bad, column, pl.Series(checked.reason, dtype=pl.String),
                  pl.Series(checked.masked, dtype=pl.String), ACTION_REJECTED)
        self._birth = checked.normalised
        return pl.Series("pid", pseudonymise(checked.normalised, key), dtype=pl.String)

    def date(self, column: str, *, required: bool, impute_partial: bool = False) -> pl.Series:
        raw = self.frame[column]
        out, bad, imputed = _parse.parse_dates(raw, impute_partial=impute_partial)
        if required:
            missing = out.is_null() & ~bad
            self.flag(missing, column, "required date is missing", raw, ACTION_REJECTED)
        self.flag(bad, column, "not a date (expected YYYYMMDD, YYYY-MM-DD or a SAS day number)",
                  raw, ACTION_REJECTED if required else ACTION_SET_MISSING)
        self.flag(imputed, column, "incomplete date (day or month 00) imputed to mid-month/1 July",
                  raw, ACTION_IMPUTED)
        return out

    def parsed(self, column: str, parser, reason: str, *, required: bool = False) -> pl.Series:
        raw = self.frame[column]
        out, bad = parser(raw)
        self.flag(bad, column, reason, raw, ACTION_REJECTED if required else ACTION_SET_MISSING)
        if required:
            self.flag(out.is_null() & ~bad, column, "required value is missing", raw, ACTION_REJECTED)
        return out

    def finish(self, columns: dict[str, pl.Series]) -> tuple[pa.Table, RowIssues]:
        keep = pl.Series(~self.reject)
        clean = pl.DataFrame(columns).filter(keep)
        table = pl.concat(self.parts) if self.parts else empty_issues()
        issues = RowIssues(self.file, self.frame.height, int(keep.sum()), table.sort(["row", "column"]))
        return clean.to_arrow(), issues


def _load(path, fmt, encoding):
    p = Path(path)
    return p.name, read_extract(p, fmt=fmt, encoding=encoding)


def _check_key(key: PseudonymKey) -> None:
    if not isinstance(key, PseudonymKey):
        raise InputError("key", type(key).__name__, "a PseudonymKey (load it with PseudonymKey.from_file)")


def read_quality_register(path, key: PseudonymKey, mapping: QualityRegisterMapping | None = None, *,
                          fmt: str | None = None, encoding: str | None = None,
                          reference_year: int | None = None) -> tuple[pa.Table, RowIssues]:
    """Index events: pid, index_date, age, sex (1 man, 2 kvinna), hospital, one Int8 column per process measure.

    When no age column exists, age at the index date is computed from the birth date in the
    personnummer (in memory) before it is pseudonymised.
    """
    _check_key(key)
    m = mapping or QualityRegisterMapping()
    file, frame = _load(path, fmt, encoding)
    cols = resolve_columns(frame, {
        "person_id": (m.person_id, True), "index_date": (m.index_date, True),
        "age": (m.age, False), "sex": (m.sex, True), "hospital": (m.hospital, False),
    } | {f"process:{k}": (v, m.require_process) for k, v in m.process.items()}, file)
    c = _Cleaner(file, frame)
    pid = c.identity(cols["person_id"], m.id_kind, key, reference_year)
    out: dict[str, pl.Series] = {"pid": pid}
    out["index_date"] = c.date(cols["index_date"], required=True)
    if "age" in cols:
        age = c.parsed(cols["age"], _parse.parse_numbers, "age is not a number")
    elif m.id_kind == "personnummer":
        age = _age_from_identity(c._birth, out["index_date"])
    else:
        age = pl.Series([None] * frame.height, dtype=pl.Float64)
    bad_age = (age.is_not_null() & ((age < 0) | (age > 120))).fill_null(False)
    c.flag(bad_age, cols.get("age", cols["person_id"]) if "age" in cols else "age",
           "age outside 0–120", age, ACTION_SET_MISSING)
    out["age"] = pl.select(pl.when(bad_age).then(None).otherwise(age)).to_series().alias("age")
    out["sex"] = c.parsed(cols["sex"], _parse.parse_sex, "sex code not recognised (expected 1/2, M/K)",
                          required=True)
    if "hospital" in cols:
        out["hospital"] = frame[cols["hospital"]].cast(pl.String).str.strip_chars()
    for k in m.process:
        if f"process:{k}" in cols:
            out[k] = c.parsed(cols[f"process:{k}"], _parse.parse_flags,
                              "not a yes/no code (expected 1/0, Ja/Nej; 9 = unknown)")
    _flag_duplicates(c, out["pid"], out["index_date"], cols["person_id"],
                     "same person and index date already listed (the first row is kept)")
    return c.finish(out)


def _flag_duplicates(c: _Cleaner, pid: pl.Series, date: pl.Series, column: str, reason: str) -> None:
    """Reject later rows repeating (pid, date) of an earlier kept row, so no event counts twice."""
    ok_idx = np.flatnonzero(~c.reject)
    kept = pl.DataFrame({"pid": pid, "d": date})[ok_idx]
    first = kept.select(pl.struct("pid", "d").is_first_distinct() | pl.col("pid").is_null()
                        | pl.col("d").is_null()).to_series().to_numpy()
    repeat = np.zeros(pid.len(), dtype=bool)
    repeat[ok_idx[~first]] = True
    c.flag(repeat, column, reason, pl.Series(["<duplicate>"] * pid.len()), ACTION_REJECTED)


def read_population_register(path, key: PseudonymKey, mapping: PopulationRegisterMapping | None = None, *,
                             year: int | None = None, fmt: str | None = None, encoding: str | None = None,
                             reference_year: int | None = None) -> tuple[pa.Table, RowIssues]:
    """LISA-style rows: pid, year, education_level (SUN2000 1–7), education (group), income, sex, birth_year.

    ``year`` gives the year for a one-year file without a year column.
    """
    _check_key(key)
    m = mapping or PopulationRegisterMapping()
    file, frame = _load(path, fmt, encoding)
    cols = resolve_columns(frame, {
        "person_id": (m.person_id, True), "year": (m.year, year is None),
        "education": (m.education, True), "income": (m.income, True),
        "sex": (m.sex, False), "birth_year": (m.birth_year, False),
    }, file)
    c = _Cleaner(file, frame)
    out: dict[str, pl.Series] = {"pid": c.identity(cols["person_id"], m.id_kind, key, reference_year)}
    if "year" in cols:
        yr = c.parsed(cols["year"], _parse.parse_numbers, "year is not a number", required=True)
        out["year"] = yr.cast(pl.Int32, strict=False)
    else:
        out["year"] = pl.Series([int(year)] * frame.height, dtype=pl.Int32)
    edu_raw = frame[cols["education"]]
    edu_text = edu_raw.cast(pl.String, strict=False).str.strip_chars().str.replace(r"\.0$", "")
    level = edu_text.cast(pl.Int8, strict=False)
    bad = (level.is_not_null() & ((level < 1) | (level > 7))) | (
        level.is_null() & edu_text.is_not_null() & ~edu_text.is_in(["", "*", "9", "."]))
    c.flag(bad.fill_null(False), cols["education"], "not a SUN2000 old-level code 1–7", edu_raw, ACTION_SET_MISSING)
    level = pl.select(pl.when(bad.fill_null(False)).then(None).otherwise(level)).to_series()
    out["education_level"] = level.alias("education_level")
    out["education"] = level.replace_strict(SUN2000_GROUPS, default=None, return_dtype=pl.String)
    out["income"] = c.parsed(cols["income"], _parse.parse_numbers, "income is not a number")
    if "sex" in cols:
        out["sex"] = c.parsed(cols["sex"], _parse.parse_sex, "sex code not recognised")
    if "birth_year" in cols:
        out["birth_year"] = c.parsed(cols["birth_year"], _parse.parse_numbers,
                                     "birth year is not a number").cast(pl.Int32, strict=False)
    return c.finish(out)


def read_cause_of_death_register(path, key: PseudonymKey, mapping: CauseOfDeathMapping | None = None, *,
                                 fmt: str | None = None, encoding: str | None = None,
                                 reference_year: int | None = None) -> tuple[pa.Table, RowIssues]:
    """Deaths: pid, death_date, underlying_cause (ICD-10), contributing_causes (list). One row per person."""
    _check_key(key)
    m = mapping or CauseOfDeathMapping()
    file, frame = _load(path, fmt, encoding)
    cols = resolve_columns(frame, {
        "person_id": (m.person_id, True), "death_date": (m.death_date, True),
        "underlying_cause": (m.underlying_cause, False),
    }, file)
    c = _Cleaner(file, frame)
    out: dict[str, pl.Series] = {"pid": c.identity(cols["person_id"], m.id_kind, key, reference_year)}
    out["death_date"] = c.date(cols["death_date"], required=True, impute_partial=True)
    if "underlying_cause" in cols:
        out["underlying_cause"] = c.parsed(cols["underlying_cause"], _parse.normalise_icd10,
                                           "not an ICD-10 code")
    out["contributing_causes"] = _code_list(c, frame, m.contributing_prefix, None)
    dup = pl.DataFrame({"pid": out["pid"], "d": out["death_date"], "i": np.arange(frame.height)})
    dup = dup.with_columns(ok=pl.Series(~c.reject)).sort(["ok", "d", "i"], descending=[True, False, False])
    first = dup.with_columns(first=pl.col("pid").is_first_distinct() | pl.col("pid").is_null())
    later = np.zeros(frame.height, dtype=bool)
    later[first.filter(~pl.col("first") & pl.col("ok"))["i"].to_numpy()] = True
    c.flag(later, cols["person_id"], "person already has a death record (the earliest is kept)",
           pl.Series(["<duplicate>"] * frame.height), ACTION_REJECTED)
    return c.finish(out)


def read_patient_register(path, key: PseudonymKey, mapping: PatientRegisterMapping | None = None, *,
                          fmt: str | None = None, encoding: str | None = None,
                          reference_year: int | None = None) -> tuple[pa.Table, RowIssues]:
    """Admissions: pid, admission_date, discharge_date, main_diagnosis, secondary_diagnoses (list), hospital."""
    _check_key(key)
    m = mapping or PatientRegisterMapping()
    file, frame = _load(path, fmt, encoding)
    cols = resolve_columns(frame, {
        "person_id": (m.person_id, True), "admission_date": (m.admission_date, True),
        "discharge_date": (m.discharge_date, False), "main_diagnosis": (m.main_diagnosis, True),
        "hospital": (m.hospital, False),
    }, file)
    c = _Cleaner(file, frame)
    out: dict[str, pl.Series] = {"pid": c.identity(cols["person_id"], m.id_kind, key, reference_year)}
    out["admission_date"] = c.date(cols["admission_date"], required=True)
    if "discharge_date" in cols:
        out["discharge_date"] = c.date(cols["discharge_date"], required=False)
    out["main_diagnosis"] = c.parsed(cols["main_diagnosis"], _parse.normalise_icd10, "not an ICD-10 code")
    out["secondary_diagnoses"] = _code_list(c, frame, m.secondary_prefix, m.diagnosis_list)
    if "hospital" in cols:
        out["hospital"] = frame[cols["hospital"]].cast(pl.String).str.strip_chars()
    return c.finish(out)


def _code_list(c: _Cleaner, frame: pl.DataFrame, prefix: str, list_column: str | None) -> pl.Series:
    """Gather numbered code columns (``MORSAK1…``, ``DIA1…``) and/or a space-separated list column."""
    pattern = re.compile(rf"^{re.escape(prefix)}\d+$", re.IGNORECASE)
    numbered = sorted((col for col in frame.columns if pattern.match(col)),
                      key=lambda s: int(re.sub(r"\D", "", s)))
    pieces: list[pl.Series] = []
    for col in numbered:
        pieces.append(c.parsed(col, _parse.normalise_icd10, "not an ICD-10 code").alias(col))
    lower = {col.lower(): col for col in frame.columns}
    if list_column and list_column.lower() in lower:
        col = lower[list_column.lower()]
        exploded = (
            pl.DataFrame({"i": np.arange(frame.height), "code": frame[col].cast(pl.String)})
            .with_columns(pl.col("code").str.strip_chars().str.split(" "))
            .explode("code")
            .filter(pl.col("code").is_not_null() & (pl.col("code") != ""))
        )
        norm, bad = _parse.normalise_icd10(exploded["code"])
        bad_rows = np.zeros(frame.height, dtype=bool)
        bad_rows[exploded.filter(bad)["i"].to_numpy()] = True
        c.flag(bad_rows, col, "a code in the list is not ICD-10 (left out)", frame[col], ACTION_SET_MISSING)
        listed = (
            exploded.with_columns(code=norm).filter(pl.col("code").is_not_null())
            .group_by("i").agg("code")
        )
        joined = pl.DataFrame({"i": np.arange(frame.height)}).join(listed, on="i", how="left").sort("i")
        pieces.append(joined["code"].alias("__list"))
    if not pieces:
        return pl.Series([[]] * frame.height, dtype=pl.List(pl.String))
    wide = pl.DataFrame(pieces)
    exprs = [pl.concat_list([pl.col(s.name) for s in pieces if s.name != "__list"] or [pl.lit(None, pl.String)])]
    if "__list" in wide.columns:
        exprs = [pl.concat_list([exprs[0], pl.col("__list").fill_null([])])]
    return wide.select(exprs[0].list.drop_nulls().list.unique(maintain_order=True).alias("codes")).to_series()


def _age_from_identity(normalised: list[str | None], index_date: pl.Series) -> pl.Series:
    births = pl.Series([
        None if v is None else f"{v[:6]}{int(v[6:8]) - 60 if int(v[6:8]) > 60 else int(v[6:8]):02d}"
        for v in normalised
    ], dtype=pl.String).str.strptime(pl.Date, "%Y%m%d", strict=False)
    days = (index_date - births).dt.total_days()
    return (days / 365.25).floor().cast(pl.Float64).alias("age")
