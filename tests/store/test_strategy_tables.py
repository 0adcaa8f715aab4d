"""store.strategy_tables: strategy documents, their normalised rows and the audit log."""

from __future__ import annotations

import pytest

from jamlik.store import Warehouse
from jamlik.store import strategy_tables as tables


@pytest.fixture
def con():
    with Warehouse(":memory:") as wh:
        wh.migrate()
        yield wh.con


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _activity(doc_id: str, activity_id: str, position: int) -> dict:
    return {"doc_id": doc_id, "activity_id": activity_id, "position": position,
            "title_sv": "Aktivitet", "title_en": None, "owner": "Region", "period_start": 2024,
            "period_end": 2026, "status": "ongoing", "stage": 2}


def test_documents_are_inserted_then_updated_by_revision(con):
    tables.insert_document(con, "s", "strategy", "Strategi", '{"id": "s"}', by="ada")
    tables.insert_document(con, "p", "plan", "Plan", '{"id": "p"}', by="ada")
    assert tables.document(con, "s") == ('{"id": "s"}', 1)
    assert tables.document(con, "missing") is None
    tables.update_document(con, "s", "strategy", "Ny strategi", '{"id": "s", "v": 2}',
                           revision=2, by="bo")
    assert [(r[0], r[1], r[2], r[3], r[5]) for r in tables.documents(con)] == [
        ("s", "strategy", "Ny strategi", 2, "bo"), ("p", "plan", "Plan", 1, "ada")]


def test_normalised_rows_are_replaced_per_document_and_deleted_with_it(con):
    tables.insert_document(con, "p", "plan", "Plan", "{}", by="ada")
    tables.insert_document(con, "q", "plan", "Plan", "{}", by="ada")
    tables.replace_normalised(con, "p", {"plan_activities": [_activity("p", "a", 0),
                                                             _activity("p", "b", 1)]})
    tables.replace_normalised(con, "q", {"plan_activities": [_activity("q", "c", 0)]})
    tables.replace_normalised(con, "p", {"plan_activities": [_activity("p", "b", 0)]})
    assert con.execute("SELECT doc_id, activity_id, position, stage FROM plan_activities "
                       "ORDER BY ALL").fetchall() == [("p", "b", 0, 2), ("q", "c", 0, 2)]
    tables.delete_document(con, "p")
    assert (_count(con, "plan_activities"), tables.document(con, "p")) == (1, None)


def test_audit_entries_round_trip_json_and_filter_by_object(con):
    tables.audit(con, "ada", "import_yaml", "plan", "p", None, {"title": "Planå"})
    tables.audit(con, "bo", "update_activity", "activity", "p/a", {"stage": 1}, {"stage": 2})
    tables.audit(con, "bo", "import_yaml", "plan", "pq", None, None)
    assert con.execute("SELECT after::VARCHAR FROM audit_log ORDER BY audit_id LIMIT 1"
                       ).fetchone()[0] == '{"title": "Planå"}'
    entries = tables.audit_entries(con, object_id="p")
    assert [(e[0], e[2], e[5], e[6], e[7]) for e in entries] == [
        (1, "ada", "p", None, {"title": "Planå"}), (2, "bo", "p/a", {"stage": 1}, {"stage": 2})]
    assert len(tables.audit_entries(con)) == 3
