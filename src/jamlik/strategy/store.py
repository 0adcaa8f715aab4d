"""Strategies and plans in the warehouse: import, export, audited edits, goal fulfilment.

Every change — import, goal edit, activity edit, deletion — is validated in full *before*
anything is written, then written together with its ``audit_log`` entry in one warehouse
transaction, so a rejected change leaves the warehouse exactly as it was. Roles: ``viewer`` may
read, ``editor`` may import and edit content, ``admin`` may also manage users
(:class:`~jamlik.strategy.accounts.Accounts`). The tables are read and written through
:mod:`jamlik.store.strategy_tables`; this module owns the validation, the roles and the mapping
of strategies and plans to rows.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path as FsPath
from typing import Any

import polars as pl

from jamlik.model import InputError, JamlikError
from jamlik.model.catalogue import Catalogue, load_catalogue
from jamlik.store import queries
from jamlik.store import strategy_tables as tables
from jamlik.store.strategy_tables import audit
from jamlik.strategy._access import require
from jamlik.strategy.content import BUILTIN, builtin_text
from jamlik.strategy.documents import dump_yaml, parse_document, read_yaml, to_document
from jamlik.strategy.excel import read_excel, write_excel
from jamlik.strategy.fulfilment import goal_fulfilment
from jamlik.strategy.model import Activity, Goal, Plan, Strategy

#: Goal keys an edit may change (``id`` is fixed; rename by re-import).
GOAL_FIELDS = ("title", "direction", "baseline", "target", "indicators", "gap_breakdown",
               "no_data", "note")
ACTIVITY_FIELDS = ("title", "changes", "owner", "period", "status", "stage")


class ConflictError(JamlikError):
    """The document changed between reading it and saving an edit; nothing was written."""


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    kind: str
    title: str
    revision: int
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class AuditEntry:
    audit_id: int
    changed_at: datetime
    username: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any


class StrategyStore:
    """Strategy and plan documents in a migrated :class:`~jamlik.store.Warehouse`."""

    def __init__(self, warehouse, *, catalogue: Catalogue | None = None):
        self._wh = warehouse
        self._catalogue = catalogue if catalogue is not None else load_catalogue()

    # -- reading ------------------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        return [DocumentInfo(*r) for r in tables.documents(self._wh.con)]

    def document(self, doc_id: str) -> dict[str, Any]:
        """The stored canonical document (a fresh copy)."""
        return self._read(doc_id)[0]

    def _read(self, doc_id: str) -> tuple[dict[str, Any], int]:
        row = tables.document(self._wh.con, doc_id)
        if row is None:
            known = [d.doc_id for d in self.documents()]
            raise InputError("doc_id", doc_id, f"a stored document, one of {known}")
        # Documents stored before numbers had to be finite may hold Infinity or NaN: read as
        # missing, so the document is validated (and shown) like one that omits the number.
        return json.loads(row[0], parse_constant=lambda _: None), row[1]

    def get(self, doc_id: str) -> Strategy | Plan:
        return self._parse(self.document(doc_id), f"{doc_id} (stored)")

    def export_yaml(self, doc_id: str) -> str:
        return dump_yaml(self.get(doc_id))

    def export_excel(self, doc_id: str, target: str | FsPath | None = None) -> bytes:
        return write_excel(self.get(doc_id), target)

    def audit_log(self, *, object_id: str | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first; ``object_id`` filters by prefix (a document id shows
        its goals and activities too)."""
        return [AuditEntry(*r) for r in tables.audit_entries(self._wh.con, object_id=object_id)]

    # -- imports ------------------------------------------------------------------------------
    def import_yaml(self, user, source: str | FsPath, *, name: str | None = None
                    ) -> Strategy | Plan:
        """Import (or replace) a document from a YAML file or text."""
        data, file = read_yaml(source, name=name)
        return self._save(user, self._parse(data, file), "import_yaml")

    def import_excel(self, user, source: str | FsPath | bytes, *, name: str | None = None
                     ) -> Strategy | Plan:
        """Import (or replace) a document from an Excel workbook (layout: docs/strategy.md)."""
        return self._save(user, read_excel(source, name=name, catalogue=self._catalogue),
                          "import_excel")

    def import_builtin(self, user, names: Iterable[str] = BUILTIN) -> list[Strategy | Plan]:
        return [self.import_yaml(user, builtin_text(n), name=f"{n}.yaml") for n in names]

    # -- edits --------------------------------------------------------------------------------
    def update_goal(self, user, doc_id: str, goal_id: str, changes: Mapping[str, Any]) -> Goal:
        """Change fields of one goal. ``baseline``/``target`` mappings are merged key by key;
        a ``None`` value removes a key. The whole document is re-validated first."""
        doc, revision = self._read(doc_id)
        if doc.get("kind") != "strategy":
            raise InputError("doc_id", doc_id, "a strategy (not a plan)")
        goal = _find(doc, "goal", goal_id, [g for a in doc["areas"] for g in a["goals"]])
        before = copy.deepcopy(goal)
        _apply(goal, changes, GOAL_FIELDS, merge=("baseline", "target"))
        obj = self._parse(doc, f"{doc_id} (edit of goal {goal_id})")
        self._save(user, obj, "update_goal", object_type="goal",
                   object_id=f"{doc_id}/{goal_id}", before=before, after=goal,
                   revision=revision)
        return obj.goal(goal_id)

    def update_activity(self, user, doc_id: str, activity_id: str,
                        changes: Mapping[str, Any]) -> Activity:
        """Change fields of one plan activity (e.g. ``{"stage": 3, "status": "ongoing"}``)."""
        doc, revision = self._read(doc_id)
        if doc.get("kind") != "plan":
            raise InputError("doc_id", doc_id, "a plan (not a strategy)")
        act = _find(doc, "activity", activity_id, doc["activities"])
        before = copy.deepcopy(act)
        _apply(act, changes, ACTIVITY_FIELDS, merge=("period",))
        obj = self._parse(doc, f"{doc_id} (edit of activity {activity_id})")
        self._save(user, obj, "update_activity", object_type="activity",
                   object_id=f"{doc_id}/{activity_id}", before=before, after=act,
                   revision=revision)
        return obj.activity(activity_id)

    def delete_document(self, user, doc_id: str) -> None:
        before = self.document(doc_id)
        with self._wh.transaction() as con:
            who = require(con, user, "editor", "delete strategies or plans")
            tables.delete_document(con, doc_id)
            audit(con, who, "delete", before["kind"], doc_id, before, None)

    # -- goal fulfilment ------------------------------------------------------------------------
    def fulfilment(self, doc_id: str, *, areas: Iterable[str] | Mapping[str, str] | None = None,
                   area_level: str | None = None) -> pl.DataFrame:
        """:func:`~jamlik.strategy.fulfilment.goal_fulfilment` on the warehouse's observations
        (only the strategy's indicators are read; ``area_level`` narrows them)."""
        strategy = self.get(doc_id)
        if not isinstance(strategy, Strategy):
            raise InputError("doc_id", doc_id, "a strategy (not a plan)")
        ids = sorted({x.id for g in strategy.goals for x in g.indicators})
        observations = queries.observations_for_indicators(self._wh.con, ids,
                                                           area_level=area_level)
        return goal_fulfilment(observations, strategy, areas=areas)

    # -- internals ----------------------------------------------------------------------------
    def _parse(self, data: Any, file: str) -> Strategy | Plan:
        return parse_document(data, file, catalogue=self._catalogue)

    def _save(self, user, obj: Strategy | Plan, action: str, *, object_type: str | None = None,
              object_id: str | None = None, before: Any = None, after: Any = None,
              revision: int | None = None):
        doc = to_document(obj)
        content = json.dumps(doc, ensure_ascii=False)
        with self._wh.transaction() as con:
            who = require(con, user, "editor", "change strategies or plans")
            row = tables.document(con, obj.id)
            if revision is not None and (row is None or row[1] != revision):
                now_at = None if row is None else row[1]
                raise ConflictError(f"{obj.id!r} was changed by someone else during this edit "
                                    f"(revision {revision} → {now_at}); reload and try again")
            if row is None:
                tables.insert_document(con, obj.id, doc["kind"], obj.title.sv, content, by=who)
            else:
                tables.update_document(con, obj.id, doc["kind"], obj.title.sv, content,
                                       revision=row[1] + 1, by=who)
            tables.replace_normalised(con, obj.id, _rows(obj))
            if object_type is None:
                object_type, object_id = doc["kind"], obj.id
                before = None if row is None else json.loads(row[0])
                after = doc
            audit(con, who, action, object_type, object_id, before, after)
        return obj


def _rows(obj: Strategy | Plan) -> dict[str, list[dict[str, Any]]]:
    """The normalised rows of a document, by table: a strategy's goals and their indicators, or
    a plan's activities (the keys of :data:`jamlik.store.strategy_tables.NORMALISED_COLUMNS`)."""
    if isinstance(obj, Strategy):
        goals = [{"doc_id": obj.id, "target_area": obj.area_of(g.id).id, "goal_id": g.id,
                  "position": i, "title_sv": g.title.sv, "title_en": g.title.en,
                  "direction": g.direction, "baseline_year": g.baseline_year,
                  "baseline_value": g.baseline_value, "target_value": g.target.value,
                  "target_change": g.target.change, "target_year": g.target.year,
                  "gap_breakdown": g.gap_breakdown,
                  "no_data_sv": g.no_data.sv if g.no_data else None}
                 for i, g in enumerate(obj.goals)]
        links = [{"doc_id": obj.id, "goal_id": g.id, "indicator_id": x.id, "measure": x.measure}
                 for g in obj.goals for x in g.indicators]
        return {"strategy_goals": goals, "strategy_goal_indicators": links}
    return {"plan_activities": [
        {"doc_id": obj.id, "activity_id": a.id, "position": i, "title_sv": a.title.sv,
         "title_en": a.title.en, "owner": a.owner, "period_start": a.start, "period_end": a.end,
         "status": a.status, "stage": a.stage} for i, a in enumerate(obj.activities)]}


def _find(doc: dict, what: str, ident: str, items: list[dict]) -> dict:
    for item in items:
        if item.get("id") == ident:
            return item
    raise InputError(f"{what}_id", ident, f"an existing {what} id of {doc['id']!r}, one of "
                     f"{[i.get('id') for i in items]}")


def _apply(record: dict, changes: Mapping[str, Any], fields: tuple[str, ...],
           merge: tuple[str, ...]) -> None:
    if not isinstance(changes, Mapping) or not changes:
        raise InputError("changes", changes, "a non-empty mapping of field to new value")
    for key, value in changes.items():
        if key not in fields:
            raise InputError("changes", key, f"fields among {list(fields)}")
        if key in merge and isinstance(value, Mapping):
            part = dict(record.get(key) or {})
            for k, v in value.items():
                if v is None:
                    part.pop(k, None)
                else:
                    part[k] = v
            record[key] = part
        elif value is None:
            record.pop(key, None)
        else:
            record[key] = copy.deepcopy(value)
