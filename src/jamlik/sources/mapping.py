"""Declarative mapping of a file (or any Arrow table) onto the warehouse's tidy shape.

A :class:`FileMapping` says which column holds the area (code or Swedish name), the period, the
sex, and the value / numerator / denominator. :func:`map_table` applies it and returns a tidy
table with the fixed columns of :data:`TIDY_SCHEMA` plus the issues it met on the way (names it
could not resolve, sexes it does not know, cells that are not numbers). Nothing is dropped
silently: a row that cannot be mapped keeps its raw text so that validation can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jamlik.model.areas import level_of_code
from jamlik.model.errors import DataError, InputError, SchemaError
from jamlik.model.yaml_input import load_yaml
from jamlik.sources._names import AreaNames, normalise
from jamlik.sources._text import MISSING_MARKS, parse_numbers
from jamlik.sources.files import FileTable
from jamlik.sources.provenance import Provenance, SourceResult
from jamlik.sources.report import Issue, Severity

__all__ = ["SEX_VALUES", "TIDY_SCHEMA", "FileMapping", "MappedTable", "map_table"]

TIDY_SCHEMA = pa.schema(
    [
        ("indicator_id", pa.string()),
        ("area_code", pa.string()),
        ("period", pa.string()),
        ("sex", pa.string()),
        ("value", pa.float64()),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("unit", pa.string()),
        ("source_row", pa.int64()),
    ]
)

#: Sex labels seen in Swedish sources (keys are compared after :func:`normalise`, so "Män" and
#: "man" are the same key "man"). SCB codes Kon 1 = men, 2 = women, 1+2 = both.
SEX_VALUES: Mapping[str, str] = {
    **dict.fromkeys(
        ["kvinnor", "kvinna", "k", "f", "female", "women", "woman", "flickor", "2"], "female"
    ),
    **dict.fromkeys(["man", "m", "male", "men", "pojkar", "1"], "male"),
    **dict.fromkeys(
        ["totalt", "total", "t", "samtliga", "bada konen", "alla", "1+2", "both"], "total"
    ),
}


@dataclass(frozen=True)
class FileMapping:
    """Which column is what. Give ``value``, or ``numerator`` and ``denominator``, or all three."""

    indicator_id: str
    area: str
    period: str | None = None
    fixed_period: str | None = None
    sex: str | None = None
    sex_values: Mapping[str, str] = field(default_factory=dict)
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    unit: str | None = None
    unit_column: str | None = None
    area_kind: str = "auto"
    decimal: str = "auto"

    def __post_init__(self) -> None:
        if not self.indicator_id:
            raise InputError("indicator_id", self.indicator_id, "a non-empty indicator id")
        if (self.period is None) == (self.fixed_period is None):
            raise InputError(
                "period/fixed_period", (self.period, self.fixed_period), "exactly one of the two"
            )
        if self.value is None and (self.numerator is None or self.denominator is None):
            raise InputError(
                "value", None, "a value column, or both numerator and denominator columns"
            )
        if self.area_kind not in ("auto", "code", "name"):
            raise InputError("area_kind", self.area_kind, "'auto', 'code' or 'name'")
        bad = {k: v for k, v in self.sex_values.items() if v not in ("female", "male", "total")}
        if bad:
            raise InputError("sex_values", bad, "labels mapped to 'female', 'male' or 'total'")

    @property
    def columns(self) -> dict[str, str]:
        """Role → column name for every column the mapping reads."""
        roles = ("area", "period", "sex", "value", "numerator", "denominator", "unit_column")
        return {role: getattr(self, role) for role in roles if getattr(self, role) is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FileMapping:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError("mapping", unknown, f"keys among {sorted(known)}")
        values = dict(data)
        if "sex_values" in values:
            values["sex_values"] = {str(k): str(v) for k, v in (values["sex_values"] or {}).items()}
        for key in ("period", "fixed_period"):
            if values.get(key) is not None:
                values[key] = str(values[key])
        return cls(**values)

    @classmethod
    def from_yaml(cls, source: str | Path) -> FileMapping:
        """From YAML text, or from a ``.yaml``/``.yml`` file path."""
        if str(source).endswith((".yaml", ".yml")) and "\n" not in str(source):
            name = Path(source).name
            data = load_yaml(Path(source), file=name)
        else:
            name = "mapping"
            data = load_yaml(str(source), file=name)
        if not isinstance(data, Mapping):
            raise DataError("a mapping file is a YAML mapping of roles to column names",
                            file=name, value=type(data).__name__)
        try:
            return cls.from_dict(data)
        except (InputError, TypeError) as exc:  # TypeError: a required role is missing
            raise DataError(str(exc), file=name) from None


@dataclass(frozen=True)
class MappedTable:
    """The tidy table plus the issues met while mapping and where the data came from."""

    table: pa.Table
    issues: tuple[Issue, ...]
    source: str
    provenance: tuple[Provenance, ...] = ()


def map_table(
    data: FileTable | SourceResult | pa.Table,
    mapping: FileMapping,
    areas: Mapping[str, str] | None = None,
    *,
    source: str | None = None,
    decimal_marks: dict[str, set[str]] | None = None,
) -> MappedTable:
    """Apply ``mapping`` to ``data``. ``areas`` (code → name) is needed to resolve names.

    With ``decimal: auto`` a column's decimal mark is the one its numbers use; a column that
    uses both ``.`` and ``,`` is reported cell by cell (``number.mixed_decimal``).
    ``decimal_marks`` (column → marks seen) carries that knowledge from batch to batch when a
    file is mapped in batches.
    """
    table, rows, name, provenance = _unpack(data, source)
    missing = [col for col in mapping.columns.values() if col not in table.column_names]
    if missing:
        raise SchemaError(
            f"column(s) {missing} named in the mapping are not in the file; it has {table.column_names}",
            file=name,
            column=missing[0],
        )
    issues: list[Issue] = []
    n = table.num_rows
    area_codes = _areas(table[mapping.area], mapping, areas, name, rows, issues)
    if mapping.period is not None:
        period = _text(table[mapping.period])
    else:
        period = np.full(n, mapping.fixed_period, dtype=object)
    sex = (
        _sex(table[mapping.sex], mapping, name, rows, issues)
        if mapping.sex
        else np.full(n, "total", dtype=object)
    )
    numbers = {}
    for role in ("value", "numerator", "denominator"):
        column = getattr(mapping, role)
        if column is None:
            numbers[role] = np.full(n, np.nan)
            continue
        decimal, mixed = mapping.decimal, False
        if decimal == "auto":
            seen = (decimal_marks if decimal_marks is not None else {}).setdefault(column, set())
            seen |= _decimal_marks(table[column])
            mixed = seen == {",", "."}
            decimal = "," if seen == {","} else "."
        parsed, bad = parse_numbers(table[column], decimal=decimal)
        raw = _text(table[column]) if bad.any() else None
        for i in np.flatnonzero(bad):
            rule = ("number.mixed_decimal" if mixed and _NUMBER_WITH_COMMA.fullmatch(
                str(raw[i]).replace(" ", "")) else "number.invalid")
            issues.append(Issue(Severity.ERROR, rule, name, int(rows[i]), column, raw[i]))
        numbers[role] = parsed
    if mapping.unit_column is not None:
        unit = _text(table[mapping.unit_column])
    else:
        unit = np.full(n, mapping.unit, dtype=object)
    tidy = pa.table(
        {
            "indicator_id": pa.array(np.full(n, mapping.indicator_id, dtype=object), pa.string()),
            "area_code": pa.array(area_codes, pa.string()),
            "period": pa.array(period, pa.string()),
            "sex": pa.array(sex, pa.string()),
            "value": pa.array(numbers["value"], pa.float64(), from_pandas=True),
            "numerator": pa.array(numbers["numerator"], pa.float64(), from_pandas=True),
            "denominator": pa.array(numbers["denominator"], pa.float64(), from_pandas=True),
            "unit": pa.array(unit, pa.string()),
            "source_row": pa.array(rows, pa.int64()),
        },
        schema=TIDY_SCHEMA,
    )
    return MappedTable(tidy, tuple(issues), name, provenance)


_NUMBER_WITH_COMMA = re.compile(r"[-+\u2212]?\d*,\d+([eE][-+]?\d+)?")


def _decimal_marks(column: pa.ChunkedArray) -> set[str]:
    """The decimal marks (``.``, ``,``) a text column's numbers use: a mark next to a digit
    (so the missing marks ``.``, ``..`` do not count)."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return set()
    return {mark for mark, pattern in ((",", r"\d,|,\d"), (".", r"\d\.|\.\d"))
            if pc.any(pc.match_substring_regex(column, pattern)).as_py()}


def _unpack(data, source) -> tuple[pa.Table, np.ndarray, str, tuple[Provenance, ...]]:
    if isinstance(data, FileTable):
        return data.table, data.rows.to_numpy(), source or data.name, (data.provenance,)
    if isinstance(data, SourceResult):
        table = data.table
        name = source or (data.provenance[0].table_id if data.provenance else "table")
        return table, np.arange(1, table.num_rows + 1), name, data.provenance
    if isinstance(data, pa.Table):
        return data, np.arange(1, data.num_rows + 1), source or "table", ()
    raise InputError("data", type(data).__name__, "a FileTable, SourceResult or pyarrow.Table")


def _text(column: pa.ChunkedArray) -> np.ndarray:
    """Cells as stripped text (None for nulls); whole floats lose their '.0' (Excel years)."""
    if pa.types.is_floating(column.type):
        values = column.to_pylist()
        return np.array(
            [
                None if v is None or v != v else (str(int(v)) if float(v).is_integer() else str(v))
                for v in values
            ],
            dtype=object,
        )
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    return np.array([None if v is None else v.strip() for v in column.to_pylist()], dtype=object)


def _areas(column, mapping, areas, name, rows, issues) -> np.ndarray:
    text = _text(column)
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        # Excel and statistics packages drop leading zeros: 580 → 0580, 5 → 05.
        text = np.array(
            [t if t is None or len(t) not in (1, 3) else t.zfill(len(t) + 1) for t in text],
            dtype=object,
        )
    if mapping.area_kind == "code":
        return text
    known = frozenset(areas or ())
    codes, uniques = pd.factorize(pd.Series(text, dtype=object), use_na_sentinel=True)
    looks_like_code = np.array(
        [u in known or level_of_code(u) is not None for u in uniques] + [False], dtype=bool
    )[codes]
    if mapping.area_kind == "auto" and looks_like_code.all():
        return text
    if areas is None:
        raise InputError(
            "areas", None, "a mapping of area code → name, to resolve area names", hint=f"{name}"
        )
    index = AreaNames(areas)
    out = text.copy()
    cache: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for i in np.flatnonzero(
        ~looks_like_code if mapping.area_kind == "auto" else np.ones(len(text), bool)
    ):
        raw = text[i]
        if raw is None or raw in MISSING_MARKS:
            continue
        if raw not in cache:
            cache[raw] = index.resolve(raw)
        code, candidates = cache[raw]
        if code is not None:
            out[i] = code
            continue
        reason = (
            ("sources.reason.ambiguous", {"codes": ", ".join(candidates)})
            if candidates
            else ("sources.reason.unknown", {})
        )
        issues.append(
            Issue(
                Severity.ERROR,
                "area.unresolved",
                name,
                int(rows[i]),
                mapping.area,
                raw,
                {"reason": reason},
            )
        )
        out[i] = None
    return out


def _sex(column, mapping, name, rows, issues) -> np.ndarray:
    lookup = dict(SEX_VALUES) | {normalise(k): v for k, v in mapping.sex_values.items()}
    text = _text(column)
    codes, uniques = pd.factorize(pd.Series(text, dtype=object), use_na_sentinel=True)
    found = np.array([lookup.get(normalise(u)) for u in uniques] + [None], dtype=object)
    out = found[codes]  # the sentinel -1 picks the trailing None
    for i in np.flatnonzero(np.array([o is None for o in out], dtype=bool)):
        issues.append(
            Issue(Severity.ERROR, "sex.unknown", name, int(rows[i]), mapping.sex, text[i])
        )
    return out
