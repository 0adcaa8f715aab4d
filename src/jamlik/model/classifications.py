"""Classifications that raw register codes pass through on entry.

Five CSV files shipped in ``jamlik/data/classifications/`` (sources in each row's ``source``
column and in ``data/PROVENANCE.md``) turn ICD-10 codes into cause-of-death groups, chapters
and hospital care conditions, SCB's SUN levels into education groups and countries of birth
into birth regions. A region may replace any file with its own (``load_classifications(dir)``);
every file is validated on load.

>>> c = load_classifications()
>>> c.cause_group(["I21.9", "i63.9", "C34.9", "U07.1", "R99", "nonsense", None])
['ischaemic_heart', 'cerebrovascular', 'neoplasms', 'other', 'other', None, None]
>>> c.care_condition(["S72.0", "S72.0"], [["W19"], []])
['fall_injury', 'hip_fracture']
>>> c.education_group(["3", 6, "", "compulsory"])
['upper_secondary', 'post_secondary_ge3y', 'missing', 'compulsory']
>>> c.birth_region_of(["SE", "fin", "Tyskland", "outside_europe"])
['sweden', 'nordic', 'europe', 'outside_europe']

How a code is matched, in Python here and in SQL through :meth:`Classification.lookup`:
the ICD-10 code is normalised (``'i21.9+'`` → ``'I219'``) and compared with the 3- and
4-character prefixes its file lists; the longest matching prefix wins, then the lowest
priority number (the file's row order). In the cause-of-death and chapter files no code
matches two rows, so only one prefix can match. In the care-conditions file the first row
whose main *and* secondary codes match wins; ``lookup()`` repeats an earlier row's target
under every longer prefix of a later row that it covers, so the same "longest, then lowest
priority" rule gives the first row. A value equal to a target id (``'neoplasms'``,
``'compulsory'``) is that target, so files that are already recoded load too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from jamlik.model import _classification_files as _files
from jamlik.model.errors import DataError, InputError

__all__ = ["Classification", "Classifications", "load_classifications", "normalise_icd10"]

_ICD = r"^[A-Z][0-9]{2}[0-9A-Z]{0,4}$"
_STRIP = r"[.\s+*†‡]"


def normalise_icd10(code: Any) -> str | None:
    """An ICD-10 code in upper case without dot, space, dagger or asterisk; None if not one.

    >>> normalise_icd10("i21.9"), normalise_icd10("I21.9+"), normalise_icd10("F00.1*")
    ('I219', 'I219', 'F001')
    >>> normalise_icd10("21.9") is None, normalise_icd10(None) is None
    (True, True)
    """
    return _normalise(pl.Series([_text(code)], dtype=pl.String))[0]


def _normalise(s: pl.Series) -> pl.Series:
    t = s.str.to_uppercase().str.replace_all(_STRIP, "")
    return pl.select(pl.when(t.str.contains(_ICD)).then(t).otherwise(None)).to_series()


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # SAS/Stata numerics: 1.0 → '1'
    return str(value).strip()


def _texts(values: Iterable[Any]) -> pl.Series:
    if isinstance(values, (str, bytes)):
        raise InputError("codes", values, "a sequence of codes, not one string",
                         "wrap a single code in a list: ['I21.9']")
    return pl.Series([_text(v) for v in values], dtype=pl.String)


@dataclass(frozen=True)
class _Rule:
    target: str
    priority: int
    main: frozenset[str]
    secondary: frozenset[str] | None


@dataclass(frozen=True)
class Classification:
    """One validated classification file."""

    name: str
    path: str
    table: pa.Table
    _targets: tuple[str, ...] = field(default=(), repr=False, compare=False)
    _rules: tuple[_Rule, ...] = field(default=(), repr=False, compare=False)
    _keys: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def targets(self) -> tuple[str, ...]:
        """The ids a code can be classified to, in file order."""
        return self._targets

    def lookup(self) -> pa.Table:
        """Rows for an SQL join: ``(prefix, target, priority[, role])`` for the ICD-10 files,
        ``(code, target)`` for the education and country files (keys case-folded; countries
        by alpha-2, alpha-3, Swedish and English name; target ids map to themselves)."""
        if not self._rules:
            return _arrow({"code": list(self._keys), "target": list(self._keys.values())})
        rows: list[tuple[str, str, int, str]] = []
        for rule in self._rules:
            rows += [(p, rule.target, rule.priority, "main") for p in sorted(rule.main)]
            rows += [(p, rule.target, rule.priority, "secondary")
                     for p in sorted(rule.secondary or ())]
        # an earlier row keeps winning under a later row's longer prefix that it covers
        for early in self._rules:
            for late in self._rules:
                if late.priority > early.priority:
                    rows += [(p, early.target, early.priority, "main") for p in sorted(late.main)
                             if len(p) == 4 and p[:3] in early.main]
        rows = list(dict.fromkeys(rows))
        cols: dict[str, list[Any]] = {"prefix": [r[0] for r in rows],
                                      "target": [r[1] for r in rows],
                                      "priority": [r[2] for r in rows]}
        if self.name == "icd10_care_conditions":
            cols["role"] = [r[3] for r in rows]
        return _arrow(cols)

    # -- classification ----------------------------------------------------------------------
    def _identity(self, texts: pl.Series) -> pl.Series:
        ids = {t.casefold(): t for t in self._targets}
        return texts.str.to_lowercase().replace_strict(ids, default=None, return_dtype=pl.String)

    def _by_prefix(self, texts: pl.Series) -> pl.Series:
        best3: dict[str, str] = {}
        best4: dict[str, str] = {}
        for rule in sorted(self._rules, key=lambda r: -r.priority):  # lowest priority last
            for p in rule.main:
                (best4 if len(p) == 4 else best3)[p] = rule.target
        code = _normalise(texts)
        four = code.str.slice(0, 4).replace_strict(best4, default=None, return_dtype=pl.String)
        three = code.str.slice(0, 3).replace_strict(best3, default=None, return_dtype=pl.String)
        return self._identity(texts).fill_null(four.fill_null(three))

    def _by_rules(self, main: pl.Series, secondary: Sequence[Any]) -> pl.Series:
        code = _normalise(main)
        p3, p4 = code.str.slice(0, 3), code.str.slice(0, 4)
        sec = _secondary_codes(secondary, len(main))
        result = np.full(len(main), None, dtype=object)
        done = np.zeros(len(main), dtype=bool)
        for rule in self._rules:  # file order: the first row that matches wins
            ok = (p3.is_in(list(rule.main)) | p4.is_in(list(rule.main))).fill_null(False)
            ok = ok.to_numpy() & ~done
            if rule.secondary is not None:
                hit = (sec["p3"].is_in(list(rule.secondary))
                       | sec["p4"].is_in(list(rule.secondary))).fill_null(False)
                has = np.zeros(len(main), dtype=bool)
                has[sec["event"].filter(hit).to_numpy()] = True
                ok &= has
            result[ok] = rule.target
            done |= ok
        out = pl.Series(list(result), dtype=pl.String)
        return self._identity(main).fill_null(out)

    def _by_key(self, texts: pl.Series, missing_key: str | None) -> pl.Series:
        folded = [missing_key if v is None else v.casefold() for v in texts.to_list()]
        return pl.Series(folded, dtype=pl.String).replace_strict(
            self._keys, default=None, return_dtype=pl.String)


def _arrow(columns: dict[str, list[Any]]) -> pa.Table:
    """Columns of str (or int16 ``priority``) as an Arrow table (built by polars, which
    spares pyarrow's lazy import of pandas)."""
    frame = pl.DataFrame({k: pl.Series(v, dtype=pl.Int16 if k == "priority" else pl.String)
                          for k, v in columns.items()})
    schema = pa.schema([(k, pa.int16() if k == "priority" else pa.string()) for k in columns])
    return frame.to_arrow().cast(schema)


def _secondary_codes(secondary: Sequence[Any], n: int) -> pl.DataFrame:
    """Explode the secondary codes of each event (a list, or one string of codes separated by
    space, comma or ';') to ``event, p3, p4`` rows."""
    if len(secondary) != n:
        raise InputError("secondary", f"{len(secondary)} lists",
                         f"one list of secondary codes per main diagnosis ({n})")
    event, codes = [], []
    for i, item in enumerate(secondary):
        if item is None:
            continue
        parts = re.split(r"[\s,;]+", item) if isinstance(item, str) else list(item)
        for p in parts:
            event.append(i)
            codes.append(_text(p))
    code = _normalise(pl.Series(codes, dtype=pl.String))
    return pl.DataFrame({"event": pl.Series(event, dtype=pl.Int64),
                         "p3": code.str.slice(0, 3), "p4": code.str.slice(0, 4)})


@dataclass(frozen=True)
class Classifications:
    """The five classifications, each from the shipped file or a region's override."""

    cause_of_death: Classification
    chapters: Classification
    care_conditions: Classification
    education: Classification
    birth_region: Classification

    def cause_group(self, codes: Iterable[Any]) -> list[str | None]:
        """Cause-of-death group of each underlying cause (ICD-10); None if not ICD-10."""
        return self.cause_of_death._by_prefix(_texts(codes)).to_list()

    def cause_chapter(self, codes: Iterable[Any]) -> list[str | None]:
        """ICD-10 chapter (roman numeral) of each code; None outside the chapters."""
        return self.chapters._by_prefix(_texts(codes)).to_list()

    def care_condition(self, main: Iterable[Any],
                       secondary: Sequence[Any] | None = None) -> list[str | None]:
        """Care condition of each event from its main diagnosis and its secondary and
        external-cause codes (one list, or one string of codes, per event)."""
        texts = _texts(main)
        sec = [None] * len(texts) if secondary is None else secondary
        return self.care_conditions._by_rules(texts, sec).to_list()

    def education_group(self, codes: Iterable[Any]) -> list[str | None]:
        """Education group of each SUN level (LISA ``Sun2000niva_old``); blank → missing."""
        return self.education._by_key(_texts(codes), missing_key="").to_list()

    def birth_region_of(self, codes: Iterable[Any]) -> list[str | None]:
        """Birth region of each country (ISO alpha-2/alpha-3 code or Swedish/English name)."""
        return self.birth_region._by_key(_texts(codes), missing_key=None).to_list()


_FIELDS = {"icd10_cause_of_death": "cause_of_death", "icd10_chapters": "chapters",
           "icd10_care_conditions": "care_conditions", "sun_education": "education",
           "countries_birth_region": "birth_region"}


def load_classifications(override_dir: str | Path | None = None) -> Classifications:
    """Read and validate the five classification files.

    A file ``<name>.csv`` in ``override_dir`` replaces the shipped file of that name; any other
    CSV file there is refused (a misspelt name would otherwise be ignored silently).
    """
    if override_dir is None:
        return _shipped()
    folder = Path(override_dir)
    if not folder.is_dir():
        raise InputError("override_dir", str(folder), "an existing directory of CSV files")
    for extra in sorted(folder.glob("*.csv")):
        if extra.stem not in _FIELDS:
            raise DataError(f"not a classification file; expected one of "
                            f"{[n + '.csv' for n in _FIELDS]}", file=str(extra))
    parts = {}
    for name, attr in _FIELDS.items():
        path = folder / f"{name}.csv"
        parts[attr] = _load(path) if path.is_file() else getattr(_shipped(), attr)
    return Classifications(**parts)


@cache
def _shipped() -> Classifications:
    base = resources.files("jamlik") / "data" / "classifications"
    return Classifications(**{attr: _load(Path(str(base / f"{name}.csv")))
                              for name, attr in _FIELDS.items()})


def _load(path: Path) -> Classification:
    spec = _files.SPECS[path.stem]
    rows = _files.read_rows(path, spec)
    _files.check_ids(rows, spec)
    table = _arrow({h: [r[h] for r in rows.rows] for h in rows.header})
    targets = tuple(dict.fromkeys(r[spec.target] for r in rows.rows))
    if not spec.is_icd:
        keys = _files.code_keys(rows, spec)
        keys |= {t.casefold(): t for t in (spec.targets or targets)}
        return Classification(spec.name, str(path), table, targets, (), keys)
    rules, mains = [], []
    for priority, (row, line) in enumerate(zip(rows.rows, rows.lines, strict=True), start=1):
        main_col, *sec_cols = spec.icd_columns
        if not row[main_col]:
            raise DataError("at least one ICD-10 code or range is required", file=rows.file,
                            row=line, column=main_col, value="")
        main = _files.icd_prefixes(row[main_col], file=rows.file, row=line, column=main_col)
        sec = None
        for col in sec_cols:
            if row[col]:
                sec = frozenset(_files.icd_prefixes(row[col], file=rows.file, row=line,
                                                    column=col))
        mains.append(main)
        rules.append(_Rule(row[spec.key], priority, frozenset(main), sec))
    if spec.partition:
        _files.check_partition(rows, mains)
    if spec.covers_all:
        _files.check_coverage(rows, mains)
    return Classification(spec.name, str(path), table, targets, tuple(rules))
