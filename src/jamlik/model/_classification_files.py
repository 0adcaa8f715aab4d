"""Read and validate the classification CSV files (one ``FileSpec`` per file).

Every rule broken raises ``DataError`` naming the file, the CSV line (header = line 1), the
column and the value. ICD-10 code lists are ``;``-separated codes (``F01``, ``S720``) or ranges
(``I20-I25``, ``S720-S722``) and are expanded here to the 3- or 4-character prefixes they cover.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jamlik.model.breakdowns import BREAKDOWNS
from jamlik.model.errors import DataError, SchemaError

#: The groups jamlik's breakdowns know; a file mapping to anything else is refused.
EDUCATION_GROUPS = (*BREAKDOWNS["education"].groups, BREAKDOWNS["education"].unknown)
BIRTH_REGIONS = BREAKDOWNS["birth_region"].groups

_ITEM = re.compile(r"^([A-Z][0-9]{2}[0-9]?)(?:-([A-Z][0-9]{2}[0-9]?))?$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ROMAN = re.compile(r"^(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_COUNTRY = re.compile(r"^[A-Z]{2}([A-Z]{2})?$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
ALL_CATEGORIES = tuple(f"{chr(65 + k // 100)}{k % 100:02d}" for k in range(2600))


@dataclass(frozen=True)
class FileSpec:
    """What one classification file must look like."""

    name: str
    key: str                                 # the row's id column
    target: str                              # the column the code maps to
    columns: tuple[str, ...]                 # required columns
    icd_columns: tuple[str, ...] = ()        # ICD-10 code lists (first one required)
    targets: tuple[str, ...] | None = None   # the fixed target set, when there is one
    partition: bool = False                  # no code in two rows
    covers_all: bool = False                 # every category A00-Z99 exactly once

    @property
    def is_icd(self) -> bool:
        return bool(self.icd_columns)


SPECS = {
    "icd10_cause_of_death": FileSpec(
        "icd10_cause_of_death", key="group", target="group",
        columns=("group", "label_sv", "label_en", "icd10", "source"),
        icd_columns=("icd10",), partition=True, covers_all=True),
    "icd10_chapters": FileSpec(
        "icd10_chapters", key="chapter", target="chapter",
        columns=("chapter", "icd10", "label_sv", "label_en", "source"),
        icd_columns=("icd10",), partition=True),
    "icd10_care_conditions": FileSpec(
        "icd10_care_conditions", key="condition", target="condition",
        columns=("condition", "label_sv", "label_en", "main", "secondary", "source"),
        icd_columns=("main", "secondary")),
    "sun_education": FileSpec(
        "sun_education", key="code", target="group",
        columns=("code", "group", "label_sv", "label_en", "source"),
        targets=EDUCATION_GROUPS, partition=True),
    "countries_birth_region": FileSpec(
        "countries_birth_region", key="code", target="birth_region",
        columns=("code", "alpha3", "name_sv", "name_en", "birth_region", "source"),
        targets=BIRTH_REGIONS, partition=True),
}


@dataclass(frozen=True)
class Rows:
    """A file's header and data rows (stripped strings) with their CSV line numbers."""

    file: str
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    lines: tuple[int, ...]


def read_rows(path: Path, spec: FileSpec) -> Rows:
    """Read a UTF-8 CSV with a header; check the columns and that every row has a source."""
    file = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            records = [(reader.line_num, rec) for rec in reader]
    except UnicodeDecodeError as err:
        raise DataError("the file is not UTF-8 text", file=file,
                        hint="save it as UTF-8 (CSV UTF-8 in Excel)") from err
    if not records:
        raise SchemaError("the file is empty; expected a header line", file=file, row=1)
    _, header = records[0]
    header = [h.strip() for h in header]
    if header and header[0].startswith("#"):
        raise DataError("a comment line is not allowed in a classification CSV; the first line "
                        "must be the header", file=file, row=1, value=",".join(header),
                        hint="put sources in the 'source' column")
    for i, name in enumerate(header):
        if name in header[:i]:
            raise SchemaError("the column appears twice in the header", file=file, row=1,
                              column=name)
    for name in spec.columns:
        if name not in header:
            raise SchemaError(f"required column missing; expected columns {list(spec.columns)}",
                              file=file, row=1, column=name)
    rows, lines = [], []
    for line, rec in records[1:]:
        if not rec or all(not c.strip() for c in rec):
            continue
        if len(rec) != len(header):
            raise DataError(f"expected {len(header)} fields like the header, found {len(rec)}",
                            file=file, row=line, value=",".join(rec))
        row = {h: c.strip() for h, c in zip(header, rec, strict=True)}
        if not row["source"]:
            raise DataError("every row needs a source", file=file, row=line, column="source",
                            value="")
        rows.append(row)
        lines.append(line)
    if not rows:
        raise DataError("the file has a header but no rows", file=file, row=2)
    return Rows(file, tuple(header), tuple(rows), tuple(lines))


def icd_prefixes(text: str, *, file: str, row: int, column: str) -> list[str]:
    """Expand ``'I20-I25;F01'`` to the prefixes it covers: ``['I20', …, 'I25', 'F01']``.

    A range runs over consecutive categories of the same length (``S720-S722``); it may cross
    a letter as the official chapter ranges do (``C00-D48`` is C00…C99, D00…D48).
    """
    out: list[str] = []
    for raw in text.split(";"):
        item = re.sub(r"[\s.]", "", raw).upper()
        m = _ITEM.match(item)
        if not m:
            raise DataError("not an ICD-10 code or range; expected e.g. 'I21', 'S720' or "
                            "'I20-I25', separated by ';'", file=file, row=row, column=column,
                            value=raw.strip())
        lo, hi = m.group(1), m.group(2) or m.group(1)
        if len(lo) != len(hi):
            raise DataError("both ends of a range must have the same length", file=file,
                            row=row, column=column, value=raw.strip())
        a, b = _index(lo), _index(hi)
        if a > b:
            raise DataError("the range runs backwards (low end after high end)", file=file,
                            row=row, column=column, value=raw.strip())
        out += [_code(k, len(lo)) for k in range(a, b + 1)]
    return list(dict.fromkeys(out))


def _index(code: str) -> int:
    return (ord(code[0]) - 65) * 10 ** (len(code) - 1) + int(code[1:])


def _code(index: int, length: int) -> str:
    scale = 10 ** (length - 1)
    return f"{chr(65 + index // scale)}{index % scale:0{length - 1}d}"


def check_ids(rows: Rows, spec: FileSpec) -> None:
    """The id column: present, well formed, unique (ICD files), from the fixed set if any."""
    seen: dict[str, int] = {}
    pattern = _ROMAN if spec.key == "chapter" else _ID
    for row, line in zip(rows.rows, rows.lines, strict=True):
        if spec.is_icd:
            value = row[spec.key]
            if not value or not pattern.match(value):
                what = "a roman numeral I…XXII" if spec.key == "chapter" else \
                    "an id in lower case letters, digits and '_'"
                raise DataError(f"expected {what}", file=rows.file, row=line, column=spec.key,
                                value=value)
            if value in seen:
                raise DataError(f"the id is already used in row {seen[value]}", file=rows.file,
                                row=line, column=spec.key, value=value)
            seen[value] = line
        if spec.targets is not None and row[spec.target] not in spec.targets:
            raise DataError(f"unknown {spec.target}; expected one of {list(spec.targets)}",
                            file=rows.file, row=line, column=spec.target,
                            value=row[spec.target])


def check_partition(rows: Rows, prefixes: list[list[str]]) -> None:
    """No ICD-10 code may match two rows: prefixes of different rows never nest or repeat."""
    owner: dict[str, int] = {}
    for line, codes in zip(rows.lines, prefixes, strict=True):
        for p in codes:
            clash = owner.get(p) or (owner.get(p[:3]) if len(p) == 4 else None)
            if clash is None and len(p) == 3:
                clash = next((owner[q] for q in _children(p) if q in owner), None)
            if clash is not None and clash != line:
                raise DataError(f"the code is already covered by row {clash}; a code may "
                                "belong to one row only", file=rows.file, row=line,
                                column="icd10", value=p)
        for p in codes:
            owner[p] = line


def _children(p3: str) -> Iterable[str]:
    return (f"{p3}{d}" for d in range(10))


def check_coverage(rows: Rows, prefixes: list[list[str]]) -> None:
    """Every 3-character category A00–Z99 must be in the file (once: see check_partition)."""
    covered = {p for codes in prefixes for p in codes if len(p) == 3}
    missing = [c for c in ALL_CATEGORIES if c not in covered]
    if missing:
        raise DataError(f"{len(missing)} ICD-10 categories are in no row; every category "
                        "A00–Z99 must belong to exactly one group", file=rows.file,
                        column="icd10", value=missing[0],
                        hint="add them to a group, e.g. 'other' (missing: "
                             + ", ".join(missing[:10]) + ("…" if len(missing) > 10 else "") + ")")


def code_keys(rows: Rows, spec: FileSpec) -> dict[str, str]:
    """Case-folded lookup keys → target for the code files, refusing keys in two rows."""
    cols = ("code", "alpha3", "name_sv", "name_en") if spec.name == "countries_birth_region" \
        else ("code",)
    keys: dict[str, tuple[str, int]] = {}
    for row, line in zip(rows.rows, rows.lines, strict=True):
        if spec.name == "countries_birth_region":
            _check_country(rows.file, row, line)
        for col in cols:
            key = row[col].casefold()
            if key in keys and keys[key][1] != line:
                raise DataError(f"the value is already used in row {keys[key][1]}",
                                file=rows.file, row=line, column=col, value=row[col])
            keys[key] = (row[spec.target], line)
    return {k: v for k, (v, _) in keys.items()}


def _check_country(file: str, row: dict[str, str], line: int) -> None:
    if not _COUNTRY.match(row["code"]):
        raise DataError("expected an ISO 3166-1 alpha-2 code (or a 4-letter ISO 3166-3 code "
                        "for a former country)", file=file, row=line, column="code",
                        value=row["code"])
    if not _ALPHA3.match(row["alpha3"]):
        raise DataError("expected an ISO 3166-1 alpha-3 code", file=file, row=line,
                        column="alpha3", value=row["alpha3"])
    for col in ("name_sv", "name_en"):
        if not row[col]:
            raise DataError("the country needs a name", file=file, row=line, column=col,
                            value="")
