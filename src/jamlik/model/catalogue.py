"""The indicator catalogue: one YAML file per indicator, validated on load.

An indicator says *what* to count (numerator and denominator over the warehouse's unit sources),
*how* to estimate (method, multiplier, standard population), how to read it (unit, polarity), where
it applies (area levels, breakdowns) and where the data come from. The engine turns it into
expressions; the web app and reports show its definition.

>>> cat = load_catalogue()
>>> cat["mortality_all_cause"].method
'dsr'

Indicators with ``method: external`` take their values from a declared source (``jamlik
refresh``, see docs/sources.md) rather than from the person-level tables; they live in
``jamlik/catalogue/external/`` and are included with ``load_catalogue(include_external=True)``.

>>> load_catalogue(include_external=True)["gymnasium_eligibility_all"].external["source"]
'gymnasiebehorighet'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jamlik.model.age_bands import LIFE_TABLE_BANDS
from jamlik.model.areas import AreaLevel
from jamlik.model.breakdowns import BREAKDOWNS
from jamlik.model.errors import DataError
from jamlik.model.yaml_input import load_yaml

#: The methods the engine estimates from the warehouse, each one registered estimator of
#: :mod:`jamlik.engine.methods` (which checks that it has exactly these).
COMPUTED_METHODS = ("count", "proportion", "rate", "dsr", "life_expectancy", "survey_proportion")
#: Every method an indicator file may name: the computed ones and ``external`` (values taken
#: from a declared source, see :mod:`jamlik.engine.external`).
METHODS = (*COMPUTED_METHODS, "external")
#: How an external indicator's confidence limits are made from the source's numerator and
#: denominator (``none``: the source's value is shown without limits).
EXTERNAL_ESTIMATES = ("proportion", "rate", "none")
POLARITIES = ("high_is_good", "low_is_good", "no_judgement")
#: The unit sources the engine knows how to count (see docs/indicators.md).
SOURCES = ("population", "deaths", "care_events", "person_measures", "conditions", "survey")
STANDARDS = ("esp2013", "sweden_2000", "sweden_2022", "sweden_2024")


@dataclass(frozen=True)
class Text:
    sv: str
    en: str

    def __call__(self, lang: str = "sv") -> str:
        return self.en if lang == "en" else self.sv


#: Methods whose ``population`` denominator is person-time at risk, not people on 31 December.
PERSON_TIME_METHODS = ("rate", "dsr", "life_expectancy")
#: Warehouse tables behind each unit source (input fingerprints and provenance).
SOURCE_TABLES = {"population": ("person_years", "listings", "persons", "areas"),
                 "deaths": ("deaths", "person_years", "listings", "persons", "areas"),
                 "care_events": ("care_events", "deaths", "person_years", "listings", "persons",
                                 "areas"),
                 "conditions": ("conditions", "person_years", "listings", "persons", "areas"),
                 "person_measures": ("person_measures", "person_years", "listings", "persons",
                                     "areas"),
                 "survey": ("survey", "survey_answers", "national_survey", "areas")}


@dataclass(frozen=True)
class Count:
    """What to count: a unit source and a filter (column → value or list of values)."""

    source: str
    where: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    id: str
    title: Text
    definition: Text
    topic: str
    method: str
    unit: Text
    multiplier: float
    polarity: str
    denominator: Count | None
    numerator: Count | None
    source: Text
    ages: tuple[int | None, int | None] = (None, None)
    standard: str | None = None
    life_expectancy_band: str | None = None
    levels: tuple[AreaLevel, ...] = tuple(AreaLevel)
    breakdowns: tuple[str, ...] = tuple(BREAKDOWNS)
    national: Mapping[str, str] = field(default_factory=dict)
    decimals: int = 1
    period_years: int = 1
    targets: tuple[Mapping[str, Any], ...] = ()
    goal: str | None = None
    #: ``method: external`` only: ``source`` (a name in sources.yaml) and ``estimate``.
    external: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_survey(self) -> bool:
        return self.method.startswith("survey")

    @property
    def is_external(self) -> bool:
        return self.method == "external"

    @property
    def person_time(self) -> bool:
        """True when the denominator is the population at risk during the year (the mean
        population, which the deaths also shape), not the people counted on 31 December."""
        return (self.denominator is not None and self.denominator.source == "population"
                and self.method in PERSON_TIME_METHODS and not self.is_survey)

    def input_tables(self) -> list[str]:
        """The warehouse tables the indicator's figures are computed from."""
        tables: set[str] = set()
        for count in (self.numerator, self.denominator):
            if count is not None:
                tables.update(SOURCE_TABLES.get(count.source, ()))
        if self.person_time:
            tables.add("deaths")
        if self.national:
            tables.add("national_survey" if self.is_survey else "aggregates")
        return sorted(tables)


class Catalogue(Mapping[str, Indicator]):
    """All indicators, by id, in file order."""

    def __init__(self, indicators: list[Indicator]):
        self._by_id = {ind.id: ind for ind in indicators}

    def __getitem__(self, key: str) -> Indicator:
        try:
            return self._by_id[key]
        except KeyError:
            raise KeyError(f"no indicator {key!r} in the catalogue; known: "
                           f"{sorted(self._by_id)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def with_indicators(self, extra: Iterable[Indicator]) -> Catalogue:
        """This catalogue and ``extra`` (which replace indicators with the same id)."""
        merged = dict(self._by_id)
        for ind in extra:
            merged[ind.id] = ind
        return Catalogue(list(merged.values()))


@cache
def load_catalogue(include_external: bool = False, extra_dirs: tuple[str, ...] = ()
                   ) -> Catalogue:
    """The catalogue shipped in ``jamlik/catalogue/*.yaml``, plus a region's own.

    ``include_external=True`` adds the indicators fed by declared sources
    (``jamlik/catalogue/external/*.yaml``). They are left out by default because the engine's
    ``compute`` computes every indicator of the catalogue it is given from the person-level
    tables; external ones are published by :mod:`jamlik.engine.external` instead.

    ``extra_dirs`` (``--catalogue DIR`` / ``$JAMLIK_CATALOGUE``) are folders of the region's
    own indicator files, validated like the shipped ones: a file whose id is already in the
    catalogue replaces that indicator, any other adds one.
    """
    folder = resources.files("jamlik") / "catalogue"
    parts = [(folder, False)] + ([(folder / "external", True)] if include_external else [])
    indicators: dict[str, Indicator] = {}
    for where, external in parts:
        files = sorted((f for f in where.iterdir() if f.name.endswith(".yaml")),
                       key=lambda f: f.name)
        for f in files:
            ind = parse_indicator(_yaml(f.read_text("utf-8"), f.name), f.name)
            if ind.is_external != external:
                raise DataError("external indicators belong in catalogue/external/, the others "
                                "in catalogue/", file=f.name, column="method", value=ind.method)
            if ind.id in indicators:
                raise DataError("indicator id is used by another catalogue file", file=f.name,
                                column="id", value=ind.id)
            indicators[ind.id] = ind
    for folder_name in extra_dirs:
        extra = Path(folder_name)
        if not extra.is_dir():
            raise DataError("the catalogue folder does not exist", file=str(extra))
        seen: dict[str, str] = {}
        for f in sorted(extra.glob("*.yaml")) + sorted(extra.glob("*.yml")):
            try:
                text = f.read_text("utf-8")
            except UnicodeDecodeError:
                raise DataError("an indicator file must be UTF-8 text", file=str(f)) from None
            ind = parse_indicator(_yaml(text, str(f)), str(f))
            if ind.id in seen:
                raise DataError(f"indicator id is also used by {seen[ind.id]}", file=str(f),
                                column="id", value=ind.id)
            seen[ind.id] = f.name
            if ind.is_external and not include_external:
                indicators.pop(ind.id, None)
                continue
            indicators[ind.id] = ind
    return Catalogue(list(indicators.values()))


def _yaml(text: str, file: str) -> Any:
    return load_yaml(text, file=file)


def survey_question_indicators(questions: Iterable[Mapping[str, Any]], *,
                               exclude: set[str] = frozenset()) -> list[Indicator]:
    """A ``survey_proportion`` indicator for each loaded survey question (rows of
    ``survey_questions``) whose id is not in ``exclude`` (the catalogue's own)."""
    import json

    out = []
    for q in questions:
        if q["question"] in exclude:
            continue
        yes = ", ".join(json.loads(q["yes"])) if isinstance(q["yes"], str) else q["yes"]
        out.append(Indicator(
            id=q["question"], title=Text(q["label_sv"], q["label_en"]),
            definition=Text(f"Andel som svarat {yes} av dem som besvarat frågan "
                            f"({q['question']}).",
                            f"Share answering {yes} among those who answered the question "
                            f"({q['question']})."),
            topic="survey", method="survey_proportion", unit=Text("procent", "per cent"),
            multiplier=100.0, polarity=q.get("polarity") or "no_judgement",
            denominator=Count("survey"), numerator=Count("survey", {q["question"]: True}),
            source=Text(q.get("source_sv") or "Regionens enkät (jamlik load survey)",
                        q.get("source_en") or "The region's survey (jamlik load survey)"),
            ages=(q.get("min_age"), q.get("max_age")),
            levels=(AreaLevel.NATION, AreaLevel.LAN, AreaLevel.KOMMUN),
            breakdowns=("total", "sex", "age_group", "education", "income_quintile",
                        "birth_region"),
            national={"survey_measure": q["question"]}))
    return out


def with_survey_questions(base: Catalogue, questions: Iterable[Mapping[str, Any]]) -> Catalogue:
    """``base`` and one survey indicator per loaded question (rows of ``survey_questions``)
    that neither has a catalogue file of its own nor is counted by a survey indicator of
    ``base``."""
    used = set(base) | {key for ind in base.values() if ind.is_survey
                        for count in (ind.numerator, ind.denominator) if count is not None
                        for key in (count.where or {})}
    return base.with_indicators(survey_question_indicators(questions, exclude=used))


def parse_indicator(data: Any, file: str) -> Indicator:
    """Validate one indicator document; errors name the file and the key."""
    if not isinstance(data, dict):
        raise DataError("an indicator file must be a YAML mapping", file=file)

    def need(key: str) -> Any:
        if key not in data:
            raise DataError("required key is missing", file=file, column=key)
        return data[key]

    def text(key: str, required: bool = True) -> Text:
        value = need(key) if required else data.get(key, {"sv": "", "en": ""})
        if not isinstance(value, dict) or not {"sv", "en"} <= set(value):
            raise DataError("must have Swedish and English text (sv:, en:)", file=file,
                            column=key, value=value)
        return Text(sv=str(value["sv"]).strip(), en=str(value["en"]).strip())

    def choice(key: str, allowed: tuple[str, ...], default: Any = None) -> Any:
        value = data.get(key, default) if default is not None else need(key)
        if value not in allowed:
            raise DataError(f"must be one of {list(allowed)}", file=file, column=key, value=value)
        return value

    def count(key: str) -> Count | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict) or value.get("source") not in SOURCES:
            raise DataError(f"needs 'source:' one of {list(SOURCES)}", file=file, column=key,
                            value=value)
        where = value.get("where") or {}
        if not isinstance(where, dict):
            raise DataError("'where' must be a mapping of column to value(s)", file=file,
                            column=f"{key}.where", value=where)
        return Count(source=value["source"], where=where)

    ident = need("id")
    if not isinstance(ident, str) or not ident.replace("_", "").isalnum() or ident != ident.lower():
        raise DataError("id must be lower-case letters, digits and underscores", file=file,
                        column="id", value=ident)
    method = choice("method", METHODS)
    levels = tuple(AreaLevel(lv) for lv in data.get("levels", [lv.value for lv in AreaLevel]))
    breakdowns = tuple(data.get("breakdowns", tuple(BREAKDOWNS)))
    for b in breakdowns:
        if b not in BREAKDOWNS:
            raise DataError(f"unknown breakdown, expected some of {list(BREAKDOWNS)}", file=file,
                            column="breakdowns", value=b)
    ages = tuple(data.get("ages", [None, None]))
    denominator = count("denominator")
    numerator = count("numerator")
    external = _external(data, method, file)
    if method == "external":
        if denominator is not None or numerator is not None:
            raise DataError("an external indicator takes its values from its source; remove "
                            "'numerator:'/'denominator:'", file=file,
                            column="numerator" if numerator is not None else "denominator")
    elif denominator is None:
        raise DataError("required key is missing", file=file, column="denominator")
    if method not in ("life_expectancy", "count", "external") and numerator is None:
        raise DataError(f"method {method!r} needs a numerator", file=file, column="numerator")
    standard = data.get("standard")
    if method == "dsr" and standard not in STANDARDS:
        raise DataError(f"a DSR needs 'standard:' one of {list(STANDARDS)}", file=file,
                        column="standard", value=standard)
    band = data.get("life_expectancy_band")
    if method == "life_expectancy" and band not in LIFE_TABLE_BANDS:
        raise DataError(f"needs 'life_expectancy_band:' one of {list(LIFE_TABLE_BANDS)}", file=file,
                        column="life_expectancy_band", value=band)
    return Indicator(
        id=ident, title=text("title"), definition=text("definition"), topic=need("topic"),
        method=method, unit=text("unit"), multiplier=float(data.get("multiplier", 1)),
        polarity=choice("polarity", POLARITIES), denominator=denominator, numerator=numerator,
        source=text("source"), ages=(ages[0], ages[1]), standard=standard,
        life_expectancy_band=band, levels=levels, breakdowns=breakdowns,
        national=data.get("national") or {}, decimals=int(data.get("decimals", 1)),
        period_years=int(data.get("period_years", 1)),
        targets=tuple(data.get("targets") or ()), goal=data.get("goal"), external=external,
    )


def _external(data: dict, method: str, file: str) -> dict[str, str]:
    """The ``external:`` block: required for (and only allowed with) ``method: external``."""
    value = data.get("external")
    if method != "external":
        if value is not None:
            raise DataError("'external:' is only for 'method: external'", file=file,
                            column="external", value=value)
        return {}
    if value is None:
        return {"estimate": "none"}
    if not isinstance(value, dict) or set(value) - {"source", "estimate"}:
        raise DataError("'external' must be a mapping with 'source:' and/or 'estimate:'",
                        file=file, column="external", value=value)
    source = value.get("source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise DataError("'external.source' must name a source in sources.yaml", file=file,
                        column="external.source", value=source)
    estimate = value.get("estimate", "none")
    if estimate not in EXTERNAL_ESTIMATES:
        raise DataError(f"must be one of {list(EXTERNAL_ESTIMATES)}", file=file,
                        column="external.estimate", value=estimate)
    return {**({"source": source} if source else {}), "estimate": estimate}
