"""The mapping file of a load: rename columns, recode values, set constants and options.

>>> m = LoadMapping.from_dict({"columns": {"person_id": "PersonNr"},
...                            "values": {"sex": {"M": "male", "K": "female"}},
...                            "options": {"deso_vintage": 2018}}, kind="population")
>>> m.columns["person_id"], m.values["sex"]["K"], m.options.deso_vintage
('PersonNr', 'female', '2018')
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from jamlik.ingest.layouts import LAYOUTS
from jamlik.model.errors import DataError
from jamlik.model.yaml_input import decode_text, load_yaml

ID_KINDS = ("personnummer", "lopnr")
DESO_VINTAGES = ("2018", "2025", "by_year")
POPULATION_TYPES = ("dec31", "jan1", "mean", "dec31_survivors")
CHILD_INCOME = ("family", "own", "none")
POLARITIES = ("high_is_good", "low_is_good", "no_judgement")


@dataclass(frozen=True)
class Options:
    """Options of a load (``options:`` in the mapping file); see docs/data-layouts.md."""

    id_kind: str = "personnummer"
    deso_vintage: str = "by_year"
    income_cut_points: str | None = None
    quintile_min_age: int = 20
    education_min_age: int = 25
    child_income: str = "family"
    family_education: bool = True
    population_type: str | None = None
    synthetic: bool = False
    #: The year an identity number's 10-digit form is read against (default: the current year).
    reference_year: int | None = None


@dataclass(frozen=True)
class Question:
    """A survey question declared in the mapping: it becomes a survey indicator."""

    id: str
    column: str
    label_sv: str
    label_en: str
    yes: tuple[str, ...]
    no: tuple[str, ...]
    ages: tuple[int | None, int | None] = (None, None)
    polarity: str = "no_judgement"


@dataclass(frozen=True)
class LoadMapping:
    """What ``--mapping FILE.yaml`` says (every part optional)."""

    kind: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    options: Options = field(default_factory=Options)
    questions: tuple[Question, ...] = ()
    #: Wide measures (measure id → column) and aggregate counts (variable → column).
    measures: Mapping[str, str] = field(default_factory=dict)
    variables: Mapping[str, str] | None = None
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    source: str = "(no mapping)"
    base_dir: Path = Path(".")

    @classmethod
    def from_yaml(cls, path: str | Path, *, kind: str | None = None) -> LoadMapping:
        path = Path(path)
        if not path.is_file():
            raise DataError("the mapping file does not exist", file=str(path))
        text = decode_text(path.read_bytes(), file=path.name)
        try:
            data = load_yaml(text, file=path.name)
            return cls.from_dict(data or {}, kind=kind, source=path.name, base_dir=path.parent)
        except DataError as exc:
            if exc.row is not None or not exc.column or exc.file != path.name:
                raise
            raise DataError(exc.rule, file=exc.file, row=_line_of(text, exc.column),
                            column=exc.column, value=exc.value, hint=exc.hint) from None

    @classmethod
    def from_dict(cls, data: Any, *, kind: str | None = None, source: str = "(mapping)",
                  base_dir: Path = Path(".")) -> LoadMapping:
        def bad(key: str, value: Any, rule: str) -> DataError:
            return DataError(rule, file=source, column=key, value=value)

        if not isinstance(data, dict):
            raise bad("(top)", type(data).__name__, "a mapping file is a YAML mapping")
        known = {"kind", "columns", "values", "constants", "options", "questions", "measures",
                 "variables", "sheet", "encoding", "delimiter"}
        for key in data:
            if key not in known:
                raise bad(str(key), data[key], f"unknown key; expected some of {sorted(known)}")
        declared = data.get("kind")
        if declared is not None and kind is not None and declared != kind:
            raise bad("kind", declared, f"the mapping is for {declared!r}, the load is {kind!r}")
        kind = kind or declared
        if kind is not None and kind not in LAYOUTS:
            raise bad("kind", kind, f"one of {list(LAYOUTS)}")
        columns = _str_map(data.get("columns"), "columns", source)
        if kind is not None and not LAYOUTS[kind].open:
            for name in columns:
                if name not in LAYOUTS[kind].names:
                    raise bad(f"columns.{name}", columns[name],
                              f"not a column of the {kind} layout ({', '.join(LAYOUTS[kind].names)})")
        values = {}
        for col, recode in (data.get("values") or {}).items():
            values[str(col)] = _str_map(recode, f"values.{col}", source)
        constants = _str_map(data.get("constants"), "constants", source)
        options = _options(data.get("options") or {}, source)
        questions = tuple(_question(q, i, source) for i, q in
                          enumerate(data.get("questions") or []))
        if len({q.id for q in questions}) != len(questions):
            raise bad("questions", [q.id for q in questions], "question ids must be unique")
        variables = data.get("variables")
        if isinstance(variables, list):
            variables = {str(v): str(v) for v in variables}
        elif variables is not None:
            variables = _str_map(variables, "variables", source)
        for name in (variables or {}):
            _identifier(name, "variables", source)
        measures = _str_map(data.get("measures"), "measures", source)
        for name in measures:
            _identifier(name, "measures", source)
        return cls(kind=kind, columns=MappingProxyType(columns),
                   values=MappingProxyType(values), constants=MappingProxyType(constants),
                   options=options, questions=questions, measures=MappingProxyType(measures),
                   variables=None if variables is None else MappingProxyType(variables),
                   sheet=data.get("sheet"), encoding=data.get("encoding"),
                   delimiter=data.get("delimiter"), source=source, base_dir=base_dir)

    def path(self, value: str) -> Path:
        """A path named in the mapping, relative to the mapping file."""
        p = Path(value)
        return p if p.is_absolute() else self.base_dir / p


def _line_of(text: str, key: str) -> int | None:
    """The line of the mapping file where ``key`` (``options.population_type``,
    ``questions[0].yes``) is written, or of the nearest enclosing part that is."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for part in re.findall(r"\[\d+\]|[^.\[\]]+", key):
        if part.startswith("[") and isinstance(node, yaml.SequenceNode):
            index = int(part[1:-1])
            if index >= len(node.value):
                break
            node = node.value[index]
            line = node.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if str(k.value) == part]
            if not found:
                break
            line = found[0][0].start_mark.line + 1
            node = found[0][1]
        else:
            break
    return line


def _str_map(value: Any, key: str, source: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DataError("must be a mapping (name: value)", file=source, column=key, value=value)
    out = {}
    for k, v in value.items():
        if isinstance(v, dict | list) or v is None:
            raise DataError("must be a single value", file=source, column=f"{key}.{k}", value=v)
        if isinstance(v, float) and not math.isfinite(v):
            raise DataError("must be a finite number", file=source, column=f"{key}.{k}", value=v)
        out[_scalar(k)] = _scalar(v)
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _identifier(name: str, key: str, source: str) -> None:
    if not name.replace("_", "").isalnum() or name != name.lower() or not name[:1].isalpha():
        raise DataError("names are lower-case letters, digits and underscores, starting with a "
                        "letter", file=source, column=key, value=name)


def _options(data: Any, source: str) -> Options:
    if not isinstance(data, dict):
        raise DataError("must be a mapping", file=source, column="options", value=data)
    allowed = {f.name: f for f in fields(Options)}
    out: dict[str, Any] = {}
    for key, value in data.items():
        where = f"options.{key}"
        if key not in allowed:
            raise DataError(f"unknown option; expected some of {sorted(allowed)}", file=source,
                            column=where, value=value)
        choices = {"id_kind": ID_KINDS, "deso_vintage": DESO_VINTAGES,
                   "population_type": POPULATION_TYPES, "child_income": CHILD_INCOME}
        if key in choices:
            value = str(value)
            if value not in choices[key]:
                raise DataError(f"one of {list(choices[key])}", file=source, column=where,
                                value=value)
        elif key in ("synthetic", "family_education"):
            if not isinstance(value, bool):
                raise DataError("true or false", file=source, column=where, value=value)
        elif key in ("quintile_min_age", "education_min_age", "reference_year"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise DataError("a whole number ≥ 0", file=source, column=where, value=value)
        elif key == "income_cut_points" and not isinstance(value, str):
            raise DataError("a file name", file=source, column=where, value=value)
        out[key] = value
    return Options(**out)


def _question(data: Any, index: int, source: str) -> Question:
    where = f"questions[{index}]"
    if not isinstance(data, dict):
        raise DataError("a question is a mapping (id, column, label, yes, no)", file=source,
                        column=where, value=data)
    # YAML 1.1 (PyYAML) reads the bare keys ``yes:`` and ``no:`` as the booleans true/false.
    data = {("yes" if k is True else "no" if k is False else k): v for k, v in data.items()}
    for key in ("id", "label", "yes"):
        if key not in data:
            raise DataError("required key is missing", file=source, column=f"{where}.{key}")
    ident = str(data["id"])
    _identifier(ident, f"{where}.id", source)
    label = data["label"]
    if not isinstance(label, dict) or not {"sv", "en"} <= set(label):
        raise DataError("needs Swedish and English text (sv:, en:)", file=source,
                        column=f"{where}.label", value=label)
    yes = _answers(data["yes"], f"{where}.yes", source)
    no = _answers(data.get("no", []), f"{where}.no", source)
    if set(yes) & set(no):
        raise DataError("an answer cannot be both yes and no", file=source, column=where,
                        value=sorted(set(yes) & set(no)))
    ages = data.get("ages", [None, None])
    if (not isinstance(ages, list) or len(ages) != 2
            or any(a is not None and (isinstance(a, bool) or not isinstance(a, int))
                   for a in ages)):
        raise DataError("ages is [min, max] (whole numbers or null)", file=source,
                        column=f"{where}.ages", value=ages)
    polarity = data.get("polarity", "no_judgement")
    if polarity not in POLARITIES:
        raise DataError(f"one of {list(POLARITIES)}", file=source, column=f"{where}.polarity",
                        value=polarity)
    return Question(id=ident, column=str(data.get("column", ident)),
                    label_sv=str(label["sv"]).strip(), label_en=str(label["en"]).strip(),
                    yes=yes, no=no, ages=(ages[0], ages[1]), polarity=polarity)


def _answers(value: Any, key: str, source: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or any(isinstance(v, dict | list) or v is None for v in items):
        raise DataError("a list of answer codes", file=source, column=key, value=value)
    return tuple(_scalar(v) for v in items)
