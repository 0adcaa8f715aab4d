"""A small warehouse for the web hardening tests: the real area registry and a few thousand
made-up observations (built in seconds, unlike the demo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jamlik.model import Settings
from jamlik.pipeline.init import init_warehouse
from jamlik.store import Warehouse
from jamlik.store.snapshots import publish

#: Indicators, areas, years and groups of the small warehouse (4 × 6 × 10 × 3 = 720 rows per
#: copy; ``COPIES`` copies with distinct years make it big enough to need several batches).
INDICATORS = ("mortality_all_cause", "life_expectancy_birth", "diabetes_prevalence",
              "gymnasium_eligibility_all")
AREAS = (("SE", "nation", None), ("05", "lan", "SE"), ("0580", "kommun", "05"),
         ("0581", "kommun", "05"), ("0513", "kommun", "05"), ("0580R006", "regso", "0580"))
GROUPS = (("total", "total"), ("sex", "1"), ("sex", "2"))
YEARS = range(2015, 2025)


def fill_observations(db: Path, *, copies: int = 1) -> int:
    """Insert made-up observations (``copies`` × 720 rows); returns the row count."""
    with Warehouse(db) as wh, wh.transaction() as con:
        con.execute("""
            INSERT INTO observations (indicator_id, year, period, area_level, area_code,
                breakdown, group_value, numerator, denominator, value, lower_95, upper_95,
                method, multiplier, parent_code, vs_parent_95, vs_parent_998, vs_nation_95,
                vs_nation_998, judgement_nation, trend, suppressed, computed_at)
            SELECT i.id, y.year + 100 * c.copy, CAST(y.year + 100 * c.copy AS VARCHAR),
                a.level, a.code, g.breakdown, g.grp, 40 + y.year % 7, 1000, 40.0 + y.year % 7,
                35.0, 45.0, 'rate', 1000, a.parent, 'similar', 'similar', 'similar', 'similar',
                'similar', 'no_significant_change', false, TIMESTAMP '2025-01-01'
            FROM (SELECT unnest(?) AS id) i,
                 (SELECT unnest(?) AS code, unnest(?) AS level, unnest(?) AS parent) a,
                 (SELECT unnest(?) AS breakdown, unnest(?) AS grp) g,
                 (SELECT unnest(?) AS year) y,
                 (SELECT unnest(range(?)) AS copy) c
        """, [list(INDICATORS), [a[0] for a in AREAS], [a[1] for a in AREAS],
              [a[2] for a in AREAS], [g[0] for g in GROUPS], [g[1] for g in GROUPS],
              list(YEARS), copies])
        return con.execute("SELECT count(*) FROM observations").fetchone()[0]


@pytest.fixture(scope="session")
def small_db(tmp_path_factory) -> Path:
    """An initialised Östergötland warehouse with 720 made-up observations, published (the web
    app serves ``Settings(db_path=small_db).published``; read-only use)."""
    db = tmp_path_factory.mktemp("small") / "jamlik.duckdb"
    init_warehouse(db, region="05")
    fill_observations(db)
    publish(db, Settings(db_path=db).published)
    return db
