"""A strategy stored before numbers had to be finite (``target.change: -.inf``) must not make
``/api/strategies/<id>/fulfilment`` fail for everyone (issue 13 §6)."""

from __future__ import annotations

import json
import math

import duckdb
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from jamlik.model import Settings
from jamlik.pipeline.init import init_warehouse
from jamlik.store.snapshots import publish
from jamlik.web import create_app
from jamlik.web.auth import StrategyState, strategy_db_path

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_fulfilment_survives_a_stored_non_finite_target(tmp_path):
    db = tmp_path / "jamlik.duckdb"
    init_warehouse(db, region="05", key_file=tmp_path / "pseudonym.key")
    settings = Settings(db_path=db, extra={"strategy_db": str(tmp_path / "side.duckdb"),
                                           "secret": "s" * 40})
    with StrategyState(settings, hasher=FAST).open() as (store, accounts):
        admin = accounts.create_user(None, "admin", "correct horse battery", "admin")
        store.import_builtin(admin, ["strategi_for_halsa"])
    with duckdb.connect(str(db)) as wh:  # two years of caries in the län: a baseline and a value
        for year, value in ((2016, 20.0), (2022, 18.0)):
            wh.execute(
                "INSERT INTO observations (indicator_id, year, period, area_level, area_code, "
                "breakdown, group_value, value, lower_95, upper_95, method, multiplier, "
                "vs_parent_95, vs_parent_998, vs_nation_95, vs_nation_998, judgement_nation, "
                "trend, suppressed, computed_at) VALUES ('caries_age3', ?, ?, 'lan', '05', "
                "'total', 'total', ?, ?, ?, 'proportion', 100, '', '', '', '', '', "
                "'no_trend', false, now())", [year, str(year), value, value - 1, value + 1])
    publish(db, settings.published)  # the app serves the published snapshot
    con = duckdb.connect(str(strategy_db_path(settings)))
    (content,) = con.execute("SELECT content FROM strategy_documents "
                             "WHERE doc_id = 'strategi_for_halsa'").fetchone()
    doc = json.loads(content)
    goal = doc["areas"][0]["goals"][1]
    assert goal["id"] == "caries_age3" and goal["target"]["change"] == -2
    goal["target"]["change"] = float("-inf")  # written the way json.dumps writes it: -Infinity
    con.execute("UPDATE strategy_documents SET content = ? WHERE doc_id = 'strategi_for_halsa'",
                [json.dumps(doc)])
    con.close()
    app = create_app(settings)
    app.state.jamlik_strategy = StrategyState(settings, hasher=FAST)
    with TestClient(app) as client:
        response = client.get("/api/strategies/strategi_for_halsa/fulfilment")
        assert response.status_code == 200
        rows = json.loads(response.text, parse_constant=lambda c: f"non-finite {c}")
        caries = [r for r in rows if r["goal_id"] == "caries_age3"]
        assert any(r["area_code"] == "05" and r["value"] == 18.0 for r in caries)
        assert all(v is None or not isinstance(v, str) or not v.startswith("non-finite")
                   for r in rows for v in r.values())
        assert all(r["target"] is None or math.isfinite(r["target"]) for r in caries)
