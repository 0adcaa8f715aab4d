"""Study specification: YAML → frozen dataclasses, with errors that name the YAML key path.

See ``specs/ami.yaml`` for a complete, commented example (acute myocardial infarction).
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jamlik.cohort._parse import icd_prefix_regex
from jamlik.cohort._suppress import MIN_COUNT_FLOOR
from jamlik.cohort.mappings import (
    CauseOfDeathMapping,
    PatientRegisterMapping,
    PopulationRegisterMapping,
    QualityRegisterMapping,
)
from jamlik.model.errors import DataError, InputError

SPEC_DIR = Path(__file__).parent / "specs"
POSITIONS = ("main", "any")
EDUCATION_GROUPS = ("compulsory", "upper_secondary", "post_secondary")


@dataclass(frozen=True)
class IndexEvent:
    register: str = "quality"
    period_start: _dt.date | None = None
    period_end: _dt.date | None = None
    first_event_only: bool = True


@dataclass(frozen=True)
class Inclusion:
    age_min: float = 18.0
    age_max: float = 120.0
    sexes: tuple[int, ...] = (1, 2)


@dataclass(frozen=True)
class Exposures:
    year_offset: int = -1
    income_quintiles: int = 5
    income_reference: int = 5
    education_reference: str = "post_secondary"
    age_breaks: tuple[int, ...] = (18, 65, 75, 85)
    #: fixed income limits between quintiles (e.g. SCB's national limits, in the extract's unit);
    #: when given, quintiles are taken from them instead of from the extract itself
    income_cut_points: tuple[float, ...] | None = None


@dataclass(frozen=True)
class RegisterFile:
    """Where one register extract is: ``path`` (absolute, resolved against the spec's folder)."""

    path: Path
    encoding: str | None = None


@dataclass(frozen=True)
class DiagnosisComponent:
    """Hospitalisation with one of ``codes`` (ICD-10 prefixes or ranges like ``I60-I64``)."""

    name: str
    codes: tuple[str, ...]
    positions: str = "main"
    blanking_days: int = 0

    @property
    def regex(self) -> str:
        return icd_prefix_regex(list(self.codes))


@dataclass(frozen=True)
class Outcome:
    """Time to the first of the components (and death when ``include_death``).

    When ``include_death`` is false and the outcome has components, death before the outcome is
    a competing risk (event code 2).
    """

    name: str
    include_death: bool = True
    components: tuple[DiagnosisComponent, ...] = ()
    label_sv: str | None = None
    label_en: str | None = None

    @property
    def competing_death(self) -> bool:
        return not self.include_death


@dataclass(frozen=True)
class FollowUp:
    windows_years: tuple[float, ...] = (1.0, 5.0)
    end_of_data: _dt.date | None = None


@dataclass(frozen=True)
class StudySpec:
    name: str
    index_event: IndexEvent = field(default_factory=IndexEvent)
    inclusion: Inclusion = field(default_factory=Inclusion)
    exposures: Exposures = field(default_factory=Exposures)
    follow_up: FollowUp = field(default_factory=FollowUp)
    outcomes: tuple[Outcome, ...] = ()
    process_measures: tuple[str, ...] = ()
    min_cell_count: int = 5
    confidence: float = 0.95
    quality_columns: QualityRegisterMapping = field(default_factory=QualityRegisterMapping)
    population_columns: PopulationRegisterMapping = field(default_factory=PopulationRegisterMapping)
    death_columns: CauseOfDeathMapping = field(default_factory=CauseOfDeathMapping)
    patient_columns: PatientRegisterMapping = field(default_factory=PatientRegisterMapping)
    title_sv: str | None = None
    title_en: str | None = None
    files: dict[str, RegisterFile] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.min_cell_count, bool) or not isinstance(self.min_cell_count, int) \
                or self.min_cell_count < MIN_COUNT_FLOOR:
            raise InputError("min_cell_count", self.min_cell_count,
                             f"an integer of at least {MIN_COUNT_FLOOR} (the floor of small-count suppression)")


REGISTERS = ("quality", "population", "death", "patient")


class _Reader:
    """Walks the YAML mapping and raises DataError naming the key path on the first problem."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, path: str, value: Any, rule: str) -> DataError:
        return DataError(rule, file=self.file, column=path, value=value)

    def mapping(self, data: Any, path: str, allowed: set[str]) -> dict[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise self.fail(path, data, "expected a mapping (key: value)")
        unknown = sorted(set(map(str, data)) - allowed)
        if unknown:
            raise self.fail(f"{path}.{unknown[0]}".lstrip("."), unknown[0],
                            f"unknown key; allowed: {', '.join(sorted(allowed))}")
        return data

    def texts(self, data: Any, path: str) -> dict[str, str]:
        """``{sv: …, en: …}`` with text values (a title or a label)."""
        out = self.mapping(data, path, {"sv", "en"})
        for lang, value in out.items():
            if not isinstance(value, str):
                raise self.fail(f"{path}.{lang}", value, "expected a text")
        return out

    def number(self, data: dict, key: str, path: str, default, lo=None, hi=None, integer=False):
        value = data.get(key, default)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if ok and integer:
            ok = float(value).is_integer()
        if ok and ((lo is not None and value < lo) or (hi is not None and value > hi)):
            ok = False
        if not ok:
            rng = f" between {lo} and {hi}" if lo is not None and hi is not None else ""
            raise self.fail(f"{path}.{key}".lstrip("."), value, f"expected a{'n integer' if integer else ' number'}{rng}")
        return int(value) if integer else float(value)

    def date(self, data: dict, key: str, path: str) -> _dt.date | None:
        value = data.get(key)
        if isinstance(value, _dt.datetime):
            raise self.fail(f"{path}.{key}".lstrip("."), value, "expected a date YYYY-MM-DD (without a time)")
        if value is None or isinstance(value, _dt.date):
            return value
        try:
            return _dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(f"{path}.{key}".lstrip("."), value, "expected a date YYYY-MM-DD") from None

    def boolean(self, data: dict, key: str, path: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{path}.{key}".lstrip("."), value, "expected true or false")
        return value


def load_spec(source: str | Path | dict) -> StudySpec:
    """Load and validate a study specification from a YAML file (or an already parsed dict)."""
    if isinstance(source, dict):
        data, file, base = source, "<spec>", Path.cwd()
    else:
        p = Path(source)
        if not p.is_file():
            raise InputError("source", str(p), "an existing YAML file")
        file, base = p.name, p.resolve().parent
        data = _parse_yaml(p.read_bytes(), file)
    r = _Reader(file)
    top = r.mapping(data, "", {"name", "title", "index_event", "inclusion", "exposures", "follow_up",
                               "outcomes", "process_measures", "suppression", "confidence", "columns",
                               "files"})
    name = top.get("name")
    if not isinstance(name, str) or not name:
        raise r.fail("name", name, "expected a non-empty study name")
    title = r.texts(top.get("title"), "title")

    ie = r.mapping(top.get("index_event"), "index_event", {"register", "period", "first_event_only"})
    if ie.get("register", "quality") != "quality":
        raise r.fail("index_event.register", ie.get("register"), "only 'quality' is supported")
    period = r.mapping(ie.get("period"), "index_event.period", {"start", "end"})
    index_event = IndexEvent("quality", r.date(period, "start", "index_event.period"),
                             r.date(period, "end", "index_event.period"),
                             r.boolean(ie, "first_event_only", "index_event", True))
    if index_event.period_start and index_event.period_end and index_event.period_start > index_event.period_end:
        raise r.fail("index_event.period", f"{index_event.period_start}..{index_event.period_end}", "start is after end")

    inc = r.mapping(top.get("inclusion"), "inclusion", {"age", "sex"})
    age = r.mapping(inc.get("age"), "inclusion.age", {"min", "max"})
    sexes = inc.get("sex", [1, 2])
    if not isinstance(sexes, list) or not sexes or any(s not in (1, 2) for s in sexes):
        raise r.fail("inclusion.sex", sexes, "expected a list of sex codes from 1 (man), 2 (kvinna)")
    inclusion = Inclusion(r.number(age, "min", "inclusion.age", 18, 0, 120),
                          r.number(age, "max", "inclusion.age", 120, 0, 120), tuple(sexes))
    if inclusion.age_min > inclusion.age_max:
        raise r.fail("inclusion.age", f"{inclusion.age_min}..{inclusion.age_max}", "min is above max")

    ex = r.mapping(top.get("exposures"), "exposures", {"measured", "income_quintile", "education", "age_groups"})
    measured = ex.get("measured", "year_before_index")
    offsets = {"year_before_index": -1, "index_year": 0}
    if not isinstance(measured, str) or measured not in offsets:
        raise r.fail("exposures.measured", measured, f"one of {', '.join(offsets)}")
    inq = r.mapping(ex.get("income_quintile"), "exposures.income_quintile", {"reference", "cut_points"})
    cuts = inq.get("cut_points")
    if cuts is not None and (not isinstance(cuts, list) or len(cuts) != 4
                             or any(isinstance(c, bool) or not isinstance(c, int | float) or not math.isfinite(c)
                                    for c in cuts)
                             or sorted(set(cuts)) != cuts):
        raise r.fail("exposures.income_quintile.cut_points", cuts, "expected 4 increasing numbers (limits between Q1..Q5)")
    edu = r.mapping(ex.get("education"), "exposures.education", {"reference"})
    edu_ref = edu.get("reference", "post_secondary")
    if edu_ref not in EDUCATION_GROUPS:
        raise r.fail("exposures.education.reference", edu_ref, f"one of {', '.join(EDUCATION_GROUPS)}")
    breaks = ex.get("age_groups", [18, 65, 75, 85])
    if (not isinstance(breaks, list) or len(breaks) < 1 or any(not isinstance(b, int) for b in breaks)
            or sorted(set(breaks)) != breaks):
        raise r.fail("exposures.age_groups", breaks, "expected increasing integer lower age limits, e.g. [18, 65, 75, 85]")
    exposures = Exposures(offsets[measured], 5, r.number(inq, "reference", "exposures.income_quintile", 5, 1, 5, True),
                          edu_ref, tuple(breaks), None if cuts is None else tuple(float(c) for c in cuts))

    fu = r.mapping(top.get("follow_up"), "follow_up", {"windows_years", "end_of_data"})
    windows = fu.get("windows_years", [1, 5])
    if not isinstance(windows, list) or not windows or any(
            isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w <= 0 or w > 100
            for w in windows):
        raise r.fail("follow_up.windows_years", windows, "expected a list of positive numbers of years")
    end = r.date(fu, "end_of_data", "follow_up")
    if end is None:
        raise r.fail("follow_up.end_of_data", None, "required: the last date covered by the death and patient registers")
    follow_up = FollowUp(tuple(float(w) for w in sorted(windows)), end)

    outs = top.get("outcomes")
    if not isinstance(outs, list) or not outs:
        raise r.fail("outcomes", outs, "expected a non-empty list of outcomes")
    outcomes = []
    for i, o in enumerate(outs):
        path = f"outcomes[{i}]"
        om = r.mapping(o, path, {"name", "label", "include_death", "components"})
        oname = om.get("name")
        if not isinstance(oname, str) or not oname.isidentifier():
            raise r.fail(f"{path}.name", oname, "expected a name of letters, digits and _")
        comps = []
        listed = om.get("components") or []
        if not isinstance(listed, list):
            raise r.fail(f"{path}.components", listed, "expected a list of diagnosis components")
        for j, c in enumerate(listed):
            cpath = f"{path}.components[{j}]"
            cm = r.mapping(c, cpath, {"name", "codes", "positions", "blanking_days"})
            codes = cm.get("codes")
            if not isinstance(codes, list) or not codes or not all(isinstance(x, str) for x in codes):
                raise r.fail(f"{cpath}.codes", codes, "expected a list of ICD-10 codes or ranges, e.g. [I21, I60-I64]")
            try:
                icd_prefix_regex(codes)
            except ValueError as exc:
                raise r.fail(f"{cpath}.codes", str(exc), "a range must look like I60-I64") from None
            pos = cm.get("positions", "main")
            if pos not in POSITIONS:
                raise r.fail(f"{cpath}.positions", pos, "one of main, any")
            comps.append(DiagnosisComponent(str(cm.get("name", f"component{j}")), tuple(codes), pos,
                                            r.number(cm, "blanking_days", cpath, 0, 0, 3650, True)))
        include_death = r.boolean(om, "include_death", path, True)
        if not include_death and not comps:
            raise r.fail(f"{path}.components", None, "an outcome without death needs at least one component")
        label = r.texts(om.get("label"), f"{path}.label")
        outcomes.append(Outcome(oname, include_death, tuple(comps), label.get("sv"), label.get("en")))
    if len({o.name for o in outcomes}) != len(outcomes):
        raise r.fail("outcomes", [o.name for o in outcomes], "outcome names must be unique")

    process = top.get("process_measures", [])
    if not isinstance(process, list) or not all(isinstance(p, str) for p in process):
        raise r.fail("process_measures", process, "expected a list of process-measure names")
    supp = r.mapping(top.get("suppression"), "suppression", {"min_count"})
    cols = r.mapping(top.get("columns"), "columns", {"quality", "population", "death", "patient"})
    mappings = {}
    for key, cls in (("quality", QualityRegisterMapping), ("population", PopulationRegisterMapping),
                     ("death", CauseOfDeathMapping), ("patient", PatientRegisterMapping)):
        try:
            mappings[key] = cls.from_dict(r.mapping(cols.get(key), f"columns.{key}", {f for f in cls.__dataclass_fields__}),
                                          f"columns.{key}")
        except InputError as exc:
            raise r.fail(exc.argument, exc.value, f"expected {exc.expected}") from None
    files = _files(r, r.mapping(top.get("files"), "files", set(REGISTERS)), base)
    return StudySpec(
        name=name, files=files, index_event=index_event, inclusion=inclusion, exposures=exposures, follow_up=follow_up,
        outcomes=tuple(outcomes), process_measures=tuple(process),
        min_cell_count=_min_count(r, supp),
        confidence=r.number(top, "confidence", "", 0.95, 0.5, 0.999),
        quality_columns=mappings["quality"], population_columns=mappings["population"],
        death_columns=mappings["death"], patient_columns=mappings["patient"],
        title_sv=title.get("sv"), title_en=title.get("en"),
    )


MAX_NESTING = 50


def _parse_yaml(raw: bytes, file: str) -> Any:
    """YAML text (UTF-8, UTF-16 with BOM, or cp1252) → data; any problem is one DataError naming the file."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    text = None
    for enc in encodings:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None or any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x1a\x1b"):
        raise DataError("not a readable text file (expected YAML text in UTF-8, UTF-16 or cp1252)", file=file)
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    if deepest > MAX_NESTING:
        raise DataError(f"lists or mappings nested more than {MAX_NESTING} levels deep", file=file)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DataError(f"not valid YAML: {problem}", file=file,
                        row=None if mark is None else mark.line + 1) from None
    except RecursionError:
        raise DataError(f"lists or mappings nested more than {MAX_NESTING} levels deep", file=file) from None


def _min_count(r: _Reader, supp: dict) -> int:
    """``suppression.min_count``: an integer, never below the documented floor (docs/registers.md)."""
    value = r.number(supp, "min_count", "suppression", MIN_COUNT_FLOOR, None, None, True)
    if not MIN_COUNT_FLOOR <= value <= 1000:
        raise r.fail("suppression.min_count", value,
                     f"must be between {MIN_COUNT_FLOOR} and 1000: {MIN_COUNT_FLOOR} is the floor of small-count "
                     "suppression, below it a result could identify a person (docs/registers.md)")
    return value


def _files(r: _Reader, section: dict, base: Path) -> dict[str, RegisterFile]:
    """``files: {quality: path | {path:, encoding:}, …}``; relative paths are taken from the spec's folder."""
    out = {}
    for key, value in section.items():
        entry = {"path": value} if isinstance(value, str) else r.mapping(value, f"files.{key}", {"path", "encoding"})
        path, encoding = entry.get("path"), entry.get("encoding")
        if not isinstance(path, str) or not path:
            raise r.fail(f"files.{key}.path", path, "expected a file path (relative to the spec's folder)")
        if encoding is not None and not isinstance(encoding, str):
            raise r.fail(f"files.{key}.encoding", encoding, "expected an encoding name, e.g. cp1252")
        p = Path(path)
        out[key] = RegisterFile(p if p.is_absolute() else base / p, encoding)
    return out


def example_spec_path(name: str = "ami") -> Path:
    """Path of a shipped example specification."""
    p = SPEC_DIR / f"{name}.yaml"
    if not p.is_file():
        raise InputError("name", name, f"one of {', '.join(sorted(q.stem for q in SPEC_DIR.glob('*.yaml')))}")
    return p
