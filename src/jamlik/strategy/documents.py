"""Strategy and plan documents: validate a mapping into the model, and back.

A document is the mapping written in YAML (``kind: strategy`` or ``kind: plan``; see
docs/strategy.md for every key). :func:`parse_document` validates it completely — unknown keys,
types, ranges, unique ids, references between levels and catalogue indicator ids — and raises a
:class:`~jamlik.strategy.errors.DocumentError` naming the file and the key path (or Excel
sheet/row/column) of the first problem. :func:`to_document` gives the canonical mapping of a
model object, which is what the warehouse stores and what YAML and Excel exports write.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any

import yaml

from jamlik.model.catalogue import BREAKDOWNS, Catalogue, load_catalogue
from jamlik.model.errors import DataError
from jamlik.model.yaml_input import load_yaml
from jamlik.strategy._validate import Checker, Locator, Path, text_dict, yaml_locator
from jamlik.strategy.errors import DocumentError
from jamlik.strategy.model import (
    ACTIVITY_STATUSES,
    DIRECTIONS,
    HORIZONS,
    MEASURES,
    STAGES,
    Activity,
    Change,
    Goal,
    IndicatorLink,
    Need,
    Output,
    Plan,
    Result,
    Strategy,
    Target,
    TargetArea,
)

KINDS = ("strategy", "plan")
_POLARITY = {"increase": "high_is_good", "decrease": "low_is_good"}


def read_yaml(source: str | bytes | FsPath, *, name: str | None = None) -> tuple[Any, str]:
    """``(data, file name)`` of a YAML file (path), its bytes or YAML text (``name`` names it).

    Decoding, syntax, nesting depth and non-finite numbers are checked by
    :func:`jamlik.model.yaml_input.load_yaml`; its errors come back as :class:`DocumentError`.
    """
    if isinstance(source, FsPath) or (isinstance(source, str) and "\n" not in source
                                      and source.endswith((".yaml", ".yml"))):
        path = FsPath(source)
        name = name or path.name
        try:
            source = path.read_bytes()
        except OSError as exc:
            raise DocumentError(f"cannot read the file: {exc.strerror}", file=str(path)) from exc
    name = name or "<text>"
    try:
        return load_yaml(source, file=name), name
    except DataError as exc:
        raise DocumentError(exc.rule, file=name, row=exc.row, key=exc.column, value=exc.value,
                            hint=exc.hint) from None


def parse_document(data: Any, file: str, *, locate: Locator = yaml_locator,
                   catalogue: Catalogue | None = None) -> Strategy | Plan:
    """Validate a strategy or plan document (by its ``kind``)."""
    check = Checker(file, locate)
    if not isinstance(data, Mapping):
        check.fail((), "a strategy or plan document must be a mapping", type(data).__name__)
    kind = check.choice(data, (), "kind", KINDS)
    catalogue = catalogue if catalogue is not None else load_catalogue()
    if kind == "strategy":
        return _strategy(data, check, catalogue)
    return _plan(data, check, catalogue)


def _links(check: Checker, data: Mapping, path: Path, catalogue: Catalogue) -> tuple:
    out = []
    for i, link in enumerate(check.sequence(data.get("indicators"), (*path, "indicators"),
                                            required=False)):
        p = (*path, "indicators", i)
        if isinstance(link, str):
            link = {"id": link}
        check.mapping(link, p, {"id", "measure"}, {"id"})
        ident = link["id"]
        if ident not in catalogue:
            check.fail((*p, "id"), "unknown indicator id; not in the catalogue", ident,
                       hint="see src/jamlik/catalogue/ for the ids")
        out.append(IndicatorLink(ident, check.choice(link, p, "measure", MEASURES,
                                                     default="outcome")))
    return tuple(out)


# -- strategy ---------------------------------------------------------------------------------
_GOAL_KEYS = {"id", "title", "direction", "baseline", "target", "indicators", "gap_breakdown",
              "no_data", "note"}


def _strategy(data: Mapping, check: Checker, catalogue: Catalogue) -> Strategy:
    check.mapping(data, (), {"id", "kind", "title", "owner", "source", "areas"},
                  {"id", "title", "owner", "areas"})
    areas, area_ids, goal_ids = [], [], []
    for i, area in enumerate(check.sequence(data["areas"], ("areas",))):
        p = ("areas", i)
        check.mapping(area, p, {"id", "title", "gap_analysis", "goals"}, {"id", "title", "goals"})
        area_ids.append((check.ident(area, p), p))
        goals = []
        for j, goal in enumerate(check.sequence(area["goals"], (*p, "goals"))):
            g = _goal(goal, (*p, "goals", j), check, catalogue)
            goal_ids.append((g.id, (*p, "goals", j)))
            goals.append(g)
        areas.append(TargetArea(area["id"], check.text(area, p, "title"), tuple(goals),
                                check.text(area, p, "gap_analysis", required=False)))
    check.unique(area_ids, "target area")
    check.unique(goal_ids, "goal")
    return Strategy(check.ident(data, ()), check.text(data, (), "title"),
                    check.string(data, (), "owner"), check.text(data, (), "source", required=False),
                    tuple(areas))


def _goal(goal: Any, p: Path, check: Checker, catalogue: Catalogue) -> Goal:
    check.mapping(goal, p, _GOAL_KEYS, {"id", "title", "direction", "target"})
    ident = check.ident(goal, p)
    direction = check.choice(goal, p, "direction", DIRECTIONS)
    baseline = goal.get("baseline") or {}
    check.mapping(baseline, (*p, "baseline"), {"year", "value"}, set())
    b_year = check.integer(baseline, (*p, "baseline"), "year", required=False, low=1900,
                           high=2100)
    b_value = check.number(baseline, (*p, "baseline"), "value")
    tp = (*p, "target")
    target = check.mapping(goal["target"], tp, {"value", "change", "unit", "year"}, {"year"})
    t = Target(check.number(target, tp, "value"), check.number(target, tp, "change"),
               check.string(target, tp, "unit", required=False),
               check.integer(target, tp, "year", low=1900, high=2100))
    if t.value is not None and t.change is not None:
        check.fail((*tp, "change"), "give either 'value' (absolute) or 'change' (from the "
                   "baseline), not both", t.change)
    if t.change is not None and (t.change == 0 or (t.change > 0) != (direction == "increase")):
        check.fail((*tp, "change"), f"the change must have the sign of the goal's direction "
                   f"({direction})", t.change)
    if (t.change is not None or t.direction_only) and b_year is None:
        check.fail((*p, "baseline", "year"), "a goal with a change target or no numeric target "
                   "needs a baseline year")
    if b_year is not None and t.year < b_year:
        check.fail((*tp, "year"), f"the target year must not precede the baseline year {b_year}",
                   t.year)
    links = _links(check, goal, p, catalogue)
    for k, link in enumerate(links):
        polarity = catalogue[link.id].polarity
        if polarity != "no_judgement" and polarity != _POLARITY[direction]:
            check.fail((*p, "indicators", k, "id"), f"indicator polarity {polarity!r} contradicts "
                       f"the goal's direction {direction!r}", link.id)
    no_data = check.text(goal, p, "no_data", required=False)
    if not links and no_data is None:
        check.fail((*p, "no_data"), "a goal needs indicators, or a 'no_data' text saying why "
                   "there is no data source yet")
    if links and no_data is not None:
        check.fail((*p, "no_data"), "a goal with indicators must not also be marked 'no_data'")
    gap = goal.get("gap_breakdown")
    if gap is not None:
        allowed = [b for b in BREAKDOWNS if b != "total"]
        check.choice(goal, p, "gap_breakdown", allowed)
        if not links or gap not in catalogue[links[0].id].breakdowns:
            check.fail((*p, "gap_breakdown"), "the goal's first indicator has no such breakdown",
                       gap)
    return Goal(ident, check.text(goal, p, "title"), direction, b_year, b_value, t, links, gap,
                no_data, check.text(goal, p, "note", required=False))


# -- plan -------------------------------------------------------------------------------------
def _plan(data: Mapping, check: Checker, catalogue: Catalogue) -> Plan:
    check.mapping(data, (), {"id", "kind", "title", "owner", "needs", "changes", "activities",
                             "outputs", "results"}, {"id", "title", "owner", "needs", "changes",
                                                     "activities"})

    def records(key: str, allowed: set[str], required: set[str]):
        items = check.sequence(data.get(key), (key,), required=key in ("needs", "changes",
                                                                       "activities"))
        for i, item in enumerate(items):
            check.mapping(item, (key, i), allowed, required)
            check.ident(item, (key, i))
        check.unique([(item["id"], (key, i)) for i, item in enumerate(items)], key[:-1])
        return [((key, i), item) for i, item in enumerate(items)]

    def ref(item: Mapping, p: Path, key: str, known: set[str], what: str) -> str:
        value = item.get(key)
        if value not in known:
            check.fail((*p, key), f"refers to no {what}; known: {sorted(known)}", value)
        return value

    def refs(item: Mapping, p: Path, key: str, known: set[str], what: str) -> tuple[str, ...]:
        values = check.sequence(item.get(key), (*p, key))
        if not values:
            check.fail((*p, key), f"needs at least one {what}")
        for k, value in enumerate(values):
            if value not in known:
                check.fail((*p, key, k), f"refers to no {what}; known: {sorted(known)}", value)
        return tuple(values)

    needs = [Need(it["id"], check.text(it, p, "title"),
                  check.integer(it, p, "priority", low=1))
             for p, it in records("needs", {"id", "title", "priority"}, {"id", "title",
                                                                         "priority"})]
    need_ids = {n.id for n in needs}
    changes = [Change(it["id"], check.text(it, p, "title"), ref(it, p, "need", need_ids, "need"),
                      check.choice(it, p, "horizon", HORIZONS))
               for p, it in records("changes", {"id", "title", "need", "horizon"},
                                    {"id", "title", "need", "horizon"})]
    change_ids = {c.id for c in changes}
    activities = []
    for p, it in records("activities", {"id", "title", "changes", "owner", "period", "status",
                                        "stage"}, {"id", "title", "changes", "owner", "period",
                                                   "status", "stage"}):
        period = check.mapping(it["period"], (*p, "period"), {"start", "end"}, {"start", "end"})
        start = check.integer(period, (*p, "period"), "start", low=1900, high=2100)
        end = check.integer(period, (*p, "period"), "end", low=1900, high=2100)
        if end < start:
            check.fail((*p, "period", "end"), f"the period must not end before it starts ({start})",
                       end)
        activities.append(Activity(
            it["id"], check.text(it, p, "title"), refs(it, p, "changes", change_ids, "change"),
            check.string(it, p, "owner"), start, end,
            check.choice(it, p, "status", ACTIVITY_STATUSES),
            check.integer(it, p, "stage", low=min(STAGES), high=max(STAGES))))
    activity_ids = {a.id for a in activities}
    outputs = [Output(it["id"], check.text(it, p, "title"),
                      ref(it, p, "activity", activity_ids, "activity"),
                      check.string(it, p, "unit", required=False), check.number(it, p, "planned"),
                      check.number(it, p, "achieved"))
               for p, it in records("outputs", {"id", "title", "activity", "unit", "planned",
                                                "achieved"}, {"id", "title", "activity"})]
    output_ids = {o.id for o in outputs}
    results = []
    for p, it in records("results", {"id", "title", "outputs", "change", "indicators"},
                         {"id", "title", "outputs"}):
        change = None if it.get("change") is None else ref(it, p, "change", change_ids, "change")
        results.append(Result(it["id"], check.text(it, p, "title"),
                              refs(it, p, "outputs", output_ids, "output"), change,
                              _links(check, it, p, catalogue)))
    return Plan(check.ident(data, ()), check.text(data, (), "title"),
                check.string(data, (), "owner"), tuple(needs), tuple(changes), tuple(activities),
                tuple(outputs), tuple(results))


# -- back to a mapping --------------------------------------------------------------------------
def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None and v != {} and v != []}


def _links_doc(links) -> list[dict]:
    return [{"id": x.id, "measure": x.measure} for x in links]


def to_document(obj: Strategy | Plan) -> dict[str, Any]:
    """The canonical document (plain mapping) of a strategy or plan."""
    if isinstance(obj, Strategy):
        return _drop_none({
            "id": obj.id, "kind": "strategy", "title": text_dict(obj.title), "owner": obj.owner,
            "source": text_dict(obj.source),
            "areas": [_drop_none({
                "id": a.id, "title": text_dict(a.title), "gap_analysis": text_dict(a.gap_analysis),
                "goals": [_goal_doc(g) for g in a.goals]}) for a in obj.areas],
        })
    if isinstance(obj, Plan):
        return {
            "id": obj.id, "kind": "plan", "title": text_dict(obj.title), "owner": obj.owner,
            "needs": [{"id": n.id, "title": text_dict(n.title), "priority": n.priority}
                      for n in obj.needs],
            "changes": [{"id": c.id, "title": text_dict(c.title), "need": c.need,
                         "horizon": c.horizon} for c in obj.changes],
            "activities": [{"id": a.id, "title": text_dict(a.title), "changes": list(a.changes),
                            "owner": a.owner, "period": {"start": a.start, "end": a.end},
                            "status": a.status, "stage": a.stage} for a in obj.activities],
            "outputs": [_drop_none({"id": o.id, "title": text_dict(o.title),
                                    "activity": o.activity, "unit": o.unit, "planned": o.planned,
                                    "achieved": o.achieved}) for o in obj.outputs],
            "results": [_drop_none({"id": r.id, "title": text_dict(r.title),
                                    "outputs": list(r.outputs), "change": r.change,
                                    "indicators": _links_doc(r.indicators)})
                        for r in obj.results],
        }
    raise TypeError(f"expected a Strategy or Plan, got {type(obj).__name__}")


def _goal_doc(g: Goal) -> dict[str, Any]:
    t = g.target
    return _drop_none({
        "id": g.id, "title": text_dict(g.title), "direction": g.direction,
        "baseline": _drop_none({"year": g.baseline_year, "value": g.baseline_value}),
        "target": _drop_none({"value": t.value, "change": t.change, "unit": t.unit,
                              "year": t.year}),
        "indicators": _links_doc(g.indicators), "gap_breakdown": g.gap_breakdown,
        "no_data": text_dict(g.no_data), "note": text_dict(g.note),
    })


def dump_yaml(obj: Strategy | Plan) -> str:
    """The canonical document as YAML text (UTF-8, Swedish letters kept)."""
    return yaml.safe_dump(to_document(obj), allow_unicode=True, sort_keys=False, width=100)
