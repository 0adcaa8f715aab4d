"""A corpus of bad inputs to ``jamlik load``, each made in the test's folder.

For every case the command must exit with status 2 and print exactly one error line that names
the file, the row (where a row applies), the column and the value, never show a raw identity
number (in the output or the load report: they are masked, ``19500304-****``), and leave the
warehouse byte-identical (the file and its write-ahead log).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from _ingest_helpers import dashed, fingerprint, forms, personnummer, run_cli

# Six synthetic people (serial 900–999, valid Luhn digits).
P = personnummer(["1950-03-04", "1980-07-21", "1991-12-31", "1965-05-05", "2001-01-09",
                  "1938-10-30"], [True, False, True, False, True, False], seed=11)
ID = [dashed(p) for p in P]


def _bad_luhn(pnr: str) -> str:
    return pnr[:-1] + str((int(pnr[-1]) + 1) % 10)


BAD_LUHN = dashed(_bad_luhn(P[1]))
IMPOSSIBLE = "19870231-9876"  # 31 February
POP_HEADER = "PersonNr;Ar;Deso;Sun2000niva_old;DispInk04;FodLand"


def _pop_row(i: int, *, year="2023", deso="0580C1010", sun="3", income="250,5",
             country="SE", pnr: str | None = None) -> str:
    return ";".join([pnr or ID[i], year, deso, sun, income, country])


def population(bad: str, header: str = POP_HEADER, good: int = 2) -> str:
    """A population file: ``good`` good rows, then ``bad`` (on line ``good + 2``)."""
    return "\n".join([header, *[_pop_row(i) for i in range(good)], bad]) + "\n"


def _xlsx(rows: list[list]) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "RTB"
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


RANDOM = random.Random(20240501).randbytes(4096)


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    files: dict[str, bytes | str]
    rule: str  # a part of the rule the message states
    row: int | None = None
    column: str | None = None
    value: object = None  # shown as repr(value)
    file: str | None = None  # the file the message names (default: the first file)
    mapping: str | None = None  # YAML text of bad.yaml
    args: tuple[str, ...] = ()
    ids: tuple[str, ...] = field(default=())  # identity numbers that must never be shown


CASES = [
    # -- area codes ---------------------------------------------------------------------------
    Case("kommun 9999", "population",
         {"kommun.csv": "PersonNr;Ar;Kommun\n" + f"{ID[0]};2023;0580\n{ID[1]};2023;9999\n"},
         "unknown kommun code", 3, "kommun_code", "9999"),
    Case("DeSO XXXX", "population", {"deso.csv": population(_pop_row(2, deso="XXXX"))},
         "malformed area code", 4, "deso_code", "XXXX"),
    Case("DeSO of another vintage", "population",
         {"vintage.csv": population(_pop_row(2, deso="0580C1191"))},  # DeSO 2025 only
         "not in the declared vintage DeSO 2018", 4, "deso_code", "0580C1191"),
    Case("DeSO 2018 declared 2025", "population",
         {"vintage2025.csv": population(_pop_row(2, deso="0580C1190"))},  # DeSO 2018 only
         "not in the declared vintage DeSO 2025", 4, "deso_code", "0580C1190",
         args=("--vintage", "2025")),
    Case("kommun outside the home region", "population",
         {"stockholm.csv": "PersonNr;Ar;Kommun\n" + f"{ID[0]};2023;0580\n{ID[1]};2023;0180\n"},
         "outside the home region 05", 3, "kommun_code", "0180"),
    Case("unknown area of aggregates", "aggregates",
         {"agg_area.csv": "area_code;year;sex;age_band;deaths\nSE;2023;1;0;107\n"
                          "0599;2023;1;0;3\n"}, "unknown area code", 3, "area_code", "0599"),
    # -- categories ---------------------------------------------------------------------------
    Case("education phd", "population", {"edu.csv": population(_pop_row(2, sun="phd"))},
         "not a SUN level", 4, "education", "phd"),
    Case("sex code 3", "population",
         {"sex.csv": "PersonNr;Ar;Deso;Kon\n" + f"{ID[0]};2023;0580C1010;1\n"
                     f"{ID[1]};2023;0580C1010;3\n"}, "not a sex code", 3, "sex", "3"),
    Case("sex code z in aggregates", "aggregates",
         {"agg_sex.csv": "area_code;year;sex;age_band;deaths\nSE;2023;z;0;107\n"},
         "not a sex code", 2, "sex", "z"),
    Case("country that does not exist", "population",
         {"country.csv": population(_pop_row(2, country="Atlantis"))},
         "unknown country of birth", 4, "country_of_birth", "Atlantis"),
    Case("age band 0-4", "aggregates",
         {"agg_band.csv": "area_code;year;sex;age_band;deaths\nSE;2023;1;0-4;107\n"},
         "not a life-table band", 2, "age_band", "0-4"),
    Case("unknown vårdcentral", "listings",
         {"listings.csv": f"PersonNr;Ar;Vardcentral\n{ID[0]};2023;VC9999-99\n"},
         "unknown vårdcentral code", 2, "vardcentral_code", "VC9999-99"),
    Case("ICD-10 code that is not one", "deaths",
         {"dors.csv": f"PersonNr;DODSDAT;ULORSAK\n{ID[5]};20230314;I21.9\n"
                      f"{ID[0]};20230101;hjärta\n"}, "not an ICD-10 code", 3,
         "underlying_cause", "hjärta"),
    # -- ragged rows --------------------------------------------------------------------------
    Case("a row with a field too many", "population",
         {"ragged.csv": population(_pop_row(2) + ";extra")},
         "expected 6 fields separated by ';', found 7", 4, "(line)",
         f"{ID[2][:8]}-****;2023;0580C1010;3;250,5;SE;extra", ids=(P[2],)),
    Case("a row with a field too few", "population",
         {"short.csv": population(f"{ID[2]};2023;0580C1010")},
         "expected 6 fields separated by ';', found 3", 4, "(line)",
         f"{ID[2][:8]}-****;2023;0580C1010", ids=(P[2],)),
    # -- encodings ----------------------------------------------------------------------------
    Case("cp1252 that the mapping says is UTF-8", "population",
         {"cp1252.csv": population(_pop_row(2, country="Österrike")).encode("cp1252")},
         "not valid utf-8 text", 4, "FodLand", "\ufffdsterrike",
         mapping="encoding: utf-8\n"),
    Case("UTF-16 without a byte-order mark", "population",
         {"utf16.csv": population(_pop_row(2)).encode("utf-16-le")},
         "UTF-16 without a byte-order mark", 1),
    Case("random bytes as CSV", "population", {"random.csv": RANDOM},
         "not a text table", 1),
    Case("random bytes as Excel", "population", {"random.xlsx": RANDOM},
         "cannot read the file as Excel"),
    Case("random bytes as Parquet", "population", {"random.parquet": RANDOM},
         "cannot read the file as Parquet"),
    Case("random bytes as SPSS", "population", {"random.sav": RANDOM},
         "cannot read the file as spss"),
    Case("random bytes as Stata", "population", {"random.dta": RANDOM},
         "cannot read the file as stata"),
    Case("random bytes as SAS xport", "population", {"random.xpt": RANDOM},
         "cannot read the file as xport"),
    # -- identity numbers ---------------------------------------------------------------------
    Case("personnummer with a bad check digit", "population",
         {"luhn.csv": population(_pop_row(2, pnr=BAD_LUHN))},
         "check digit (Luhn) does not match", 4, "person_id", f"{BAD_LUHN[:8]}-****",
         ids=(_bad_luhn(P[1]),)),
    Case("personnummer with an impossible date", "population",
         {"date.csv": population(_pop_row(2, pnr=IMPOSSIBLE))},
         "birth date part is not a real date", 4, "person_id", "19870231-****",
         ids=("198702319876",)),
    Case("malformed personnummer", "population",
         {"malformed.csv": population(_pop_row(2, pnr="1950030-41X"))},
         "not a personnummer", 4, "person_id", "19500-****"),  # all but the last 4 digits
    Case("bad personnummer in Excel", "population",
         {"rtb.xlsx": _xlsx([["PersonNr", "Ar", "Deso"], [ID[0], 2023, "0580C1010"],
                             [BAD_LUHN, 2023, "0580C1010"]])},
         "check digit (Luhn) does not match", 3, "person_id", f"{BAD_LUHN[:8]}-****",
         ids=(_bad_luhn(P[1]),)),
    # -- duplicates ---------------------------------------------------------------------------
    Case("same person twice in a year", "population",
         {"dup.csv": population(_pop_row(0, sun="4"))},
         "another row for the same year", 4, "person_id", f"{ID[0][:8]}-****"),
    Case("a person with two deaths", "deaths",
         {"dors2.csv": f"PersonNr;DODSDAT;ULORSAK\n{ID[5]};20230314;I21.9\n"
                       f"{ID[5]};20230402;C34.9\n"},
         "another death record", 3, "person_id", f"{ID[5][:8]}-****"),
    # -- counts and numbers -------------------------------------------------------------------
    Case("negative count", "aggregates",
         {"agg_neg.csv": "area_code;year;sex;age_band;deaths\nSE;2023;1;0;107\nSE;2023;2;0;-3\n"},
         "counts are not negative", 3, "deaths", "-3"),
    Case("text in a count column", "aggregates",
         {"agg_text.csv": "area_code;year;sex;age_band;population;deaths\n"
                          "SE;2023;1;0;51091;107\nSE;2023;2;0;många;95\n"},
         "not a number", 3, "population", "många", mapping="options: {population_type: dec31}\n"),
    Case("text as income", "population", {"income.csv": population(_pop_row(2, income="hög"))},
         "not a number", 4, "disposable_income", "hög"),
    Case("text as year", "population", {"year.csv": population(_pop_row(2, year="2023a"))},
         "not a year", 4, "year", "2023a"),
    Case("a survey weight of zero", "survey",
         {"lhv.csv": "Lopnr;Ar;Kommun;Kon;Alder;Designvikt;F12\n1;2023;0580;1;40;412,5;2\n"
                     "2;2023;0580;2;50;0;1\n"}, "weights are positive", 3, "design_weight", "0",
         mapping="questions:\n  - {id: good_health, column: F12, label: {sv: Hälsa, en: Health},"
                 " yes: ['1', '2'], no: ['3', '4', '5']}\n"),
    # -- dates --------------------------------------------------------------------------------
    Case("an impossible date of death", "deaths",
         {"dors3.csv": f"PersonNr;DODSDAT;ULORSAK\n{ID[5]};20230231;I21.9\n"},
         "not a date", 2, "death_date", "20230231"),
    Case("an impossible admission date", "care",
         {"par.csv": f"PersonNr;INDATUM;UTDATUM;HDIA\n{ID[0]};20230104;20230108;I21.9\n"
                     f"{ID[1]};20231345;20231350;I63.9\n"}, "not a date", 3, "admission_date",
         "20231345"),
    Case("discharge before admission", "care",
         {"par2.csv": f"PersonNr;INDATUM;UTDATUM;HDIA\n{ID[0]};20230104;20230108;I21.9\n"
                      f"{ID[1]};20230310;20230302;I63.9\n"}, "discharge before admission", 3,
         "discharge_date", "20230302"),
    # -- whole files --------------------------------------------------------------------------
    Case("empty file", "population", {"empty.csv": b""}, "the file is empty"),
    Case("header only", "population", {"header.csv": POP_HEADER + "\n"},
         "a header line but no data rows", 1),
    Case("a required column is missing", "population",
         {"noyear.csv": "PersonNr;Deso\n" + f"{ID[0]};0580C1010\n"},
         "required column of the population layout is missing", column="year"),
    Case("unknown file type", "population", {"rtb.json": "{}"}, "unknown file type",
         value=".json"),
    # -- mapping files ------------------------------------------------------------------------
    Case("unknown mapping key", "population", {"pop.csv": population(_pop_row(2))},
         "unknown key", 2, "colums", {"person_id": "PersonNr"}, file="bad.yaml",
         mapping="kind: population\ncolums: {person_id: PersonNr}\n"),
    Case("non-finite number in a mapping", "population", {"pop.csv": population(_pop_row(2))},
         "must be a finite number", 3, "constants.year", float("nan"), file="bad.yaml",
         mapping="kind: population\nconstants:\n  year: .nan\n"),
    Case("infinite number as an option", "population", {"pop.csv": population(_pop_row(2))},
         "must be a finite number", 3, "options.quintile_min_age", float("inf"),
         file="bad.yaml",
         mapping="options:\n  synthetic: true\n  quintile_min_age: .inf\n"),
    Case("a mapping column the file lacks", "population", {"pop.csv": population(_pop_row(2))},
         "has no such column", column="Utbildning", file="pop.csv",
         mapping="columns: {education: Utbildning}\n"),
]


def _write(folder: Path, content: bytes | str, name: str) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_input_is_refused_with_one_clear_line(case: Case, fresh, tmp_path):
    db, key = fresh
    data = tmp_path / "data"
    data.mkdir()
    files = [_write(data, content, name) for name, content in case.files.items()]
    args = ["load", case.kind, *files, "--db", db, "--key-file", key,
            "--report", tmp_path / "report", *case.args]
    if case.mapping is not None:
        args += ["--mapping", _write(data, case.mapping, "bad.yaml")]
    before = fingerprint(db)

    result = run_cli(*args)

    assert result.code == 2, result.text
    assert len(result.error_lines) == 1, result.text
    line = result.error_lines[0]
    assert (case.file or files[0].name) in line, line
    if case.row is not None:
        assert f"row {case.row}," in line or f"row {case.row}:" in line, line
    else:
        assert ", row " not in line, line
    if case.column is not None:
        # the column as the file names it: the layout's name or a register name of it
        from jamlik.ingest import LAYOUTS

        names = [case.column]
        if case.column in LAYOUTS[case.kind].names:
            names += LAYOUTS[case.kind][case.column].register_names
        assert any(f"column {n!r}" in line for n in names), line
    if case.value is not None:
        assert f"value {case.value!r}" in line, line
    assert case.rule in line, line
    if "the load report lists them all: " in line:  # and it does
        report = Path(line.split("the load report lists them all: ")[1])
        assert report.is_file() and report.is_relative_to(tmp_path / "report")
        rows = report.read_text(encoding="utf-8").splitlines()
        assert any(r.startswith(f"{files[0].name};{case.row};") and r.endswith(";rejected")
                   for r in rows), rows
    # no identity number in the clear: not in the output, not in the report
    shown = result.text + "".join(p.read_text(encoding="utf-8", errors="replace")
                                  for p in (tmp_path / "report").rglob("*") if p.is_file())
    for number in (*P, *case.ids):
        for written in forms(number):
            assert written not in shown, f"{written} is shown"
    assert fingerprint(db) == before
