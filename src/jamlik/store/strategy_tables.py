"""The strategy tables of the side store: documents, their normalised rows and the audit log.

``strategy_documents`` holds each validated strategy or plan as JSON (the source of truth) with
its revision; ``strategy_goals``, ``strategy_goal_indicators`` and ``plan_activities`` are
normalised copies rewritten with it, so views and reports can query them; ``audit_log`` records
who changed what, written in the same transaction as the change. They live in the side file
beside the warehouse (``<db>.strategy.duckdb``, see :mod:`jamlik.store.accounts`). The functions
read and write on the connection they are given and stamp the times; validation, roles and the
mapping from strategy objects to rows belong to :mod:`jamlik.strategy.store`.

>>> from jamlik.store import Warehouse
>>> with Warehouse(":memory:") as wh:
...     _ = wh.migrate()
...     insert_document(wh.con, "p", "plan", "En plan", '{"id": "p"}', by="ada")
...     audit(wh.con, "ada", "import_yaml", "plan", "p", None, {"id": "p"})
...     [row[:4] for row in documents(wh.con)], audit_entries(wh.con, object_id="p")[0][-1]
([('p', 'plan', 'En plan', 1)], {'id': 'p'})
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from jamlik.store.connection import Connection
from jamlik.store.warehouse import _now

#: The columns of each normalised table: the keys of the rows :func:`replace_normalised` writes.
NORMALISED_COLUMNS: dict[str, tuple[str, ...]] = {
    "strategy_goals": ("doc_id", "target_area", "goal_id", "position", "title_sv", "title_en",
                       "direction", "baseline_year", "baseline_value", "target_value",
                       "target_change", "target_year", "gap_breakdown", "no_data_sv"),
    "strategy_goal_indicators": ("doc_id", "goal_id", "indicator_id", "measure"),
    "plan_activities": ("doc_id", "activity_id", "position", "title_sv", "title_en", "owner",
                        "period_start", "period_end", "status", "stage"),
}


# -- documents --------------------------------------------------------------------------------
def documents(con: Connection) -> list[tuple]:
    """``(doc_id, kind, title, revision, updated_at, updated_by)`` of every document:
    strategies first, then plans, each by id."""
    return con.execute("SELECT doc_id, kind, title, revision, updated_at, updated_by "
                       "FROM strategy_documents ORDER BY kind DESC, doc_id").fetchall()


def document(con: Connection, doc_id: str) -> tuple[str, int] | None:
    """``(content, revision)`` of a document (``content`` is its JSON text), or None."""
    return con.execute("SELECT content, revision FROM strategy_documents WHERE doc_id = ?",
                       [doc_id]).fetchone()


def insert_document(con: Connection, doc_id: str, kind: str, title: str, content: str, *,
                    by: str) -> None:
    """Store a new document as revision 1, updated now ``by`` a user."""
    con.execute("INSERT INTO strategy_documents VALUES (?, ?, ?, ?, 1, ?, ?)",
                [doc_id, kind, title, content, _now(), by])


def update_document(con: Connection, doc_id: str, kind: str, title: str, content: str, *,
                    revision: int, by: str) -> None:
    """Replace a stored document by its ``revision``, updated now ``by`` a user."""
    con.execute("UPDATE strategy_documents SET kind = ?, title = ?, content = ?, revision = ?, "
                "updated_at = ?, updated_by = ? WHERE doc_id = ?",
                [kind, title, content, revision, _now(), by, doc_id])


def replace_normalised(con: Connection, doc_id: str,
                       rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Delete the normalised rows of ``doc_id`` and insert ``rows`` (table → rows, each row a
    mapping with the keys of :data:`NORMALISED_COLUMNS`)."""
    for table, columns in NORMALISED_COLUMNS.items():
        con.execute(f"DELETE FROM {table} WHERE doc_id = ?", [doc_id])
        values = [[row[c] for c in columns] for row in rows.get(table, ())]
        if values:
            con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                            f"({', '.join('?' * len(columns))})", values)


def delete_document(con: Connection, doc_id: str) -> None:
    """Delete a document and its normalised rows."""
    for table in (*NORMALISED_COLUMNS, "strategy_documents"):
        con.execute(f"DELETE FROM {table} WHERE doc_id = ?", [doc_id])


# -- audit log --------------------------------------------------------------------------------
def audit(con: Connection, username: str, action: str, object_type: str, object_id: str,
          before: Any, after: Any) -> None:
    """Record that ``username`` did ``action`` on an object now; ``before`` and ``after`` are
    stored as JSON (None stays NULL)."""
    def dump(x):
        return None if x is None else json.dumps(x, ensure_ascii=False, sort_keys=True)

    con.execute(
        "INSERT INTO audit_log (audit_id, changed_at, username, action, object_type, object_id,"
        " before, after) VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?, ?)",
        [_now(), username, action, object_type, object_id, dump(before), dump(after)],
    )


def audit_entries(con: Connection, *, object_id: str | None = None) -> list[tuple]:
    """``(audit_id, changed_at, username, action, object_type, object_id, before, after)`` of
    the audit log, oldest first, ``before`` and ``after`` decoded from JSON; ``object_id`` keeps
    that object and the ones below it (``<object_id>/…``)."""
    sql = ("SELECT audit_id, changed_at, username, action, object_type, object_id, before, "
           "after FROM audit_log")
    args: list[Any] = []
    if object_id is not None:
        sql += " WHERE object_id = ? OR starts_with(object_id, ?)"
        args = [object_id, object_id + "/"]
    rows = con.execute(sql + " ORDER BY audit_id", args).fetchall()
    return [(*r[:6], *(None if x is None else json.loads(x) for x in r[6:])) for r in rows]


__all__ = ["NORMALISED_COLUMNS", "audit", "audit_entries", "delete_document", "document",
           "documents", "insert_document", "replace_normalised", "update_document"]
