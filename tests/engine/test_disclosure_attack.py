"""The attack on the published snapshot, done as an attacker would (issue 13 §1, §3).

An attacker who downloads every published figure subtracts, for every published total, the
published parts it is made of — an area minus its sub-areas at every level below it (DeSO in
RegSO, kommun, län and the nation; RegSO in kommun …), and a total minus the groups of each
breakdown — and looks for an exact count of 1–4 people (or a population under 10). This test
does exactly that, with its own SQL (not the engine's relation builder), on the snapshot the web
app serves, and must find nothing. It also opens the published file and checks that it holds
only the allow-listed aggregate tables and that no published count is small.
"""

from __future__ import annotations

import duckdb
import pytest

from jamlik.model import Settings
from jamlik.store.snapshots import PUBLISHED_TABLES

PERSON_LEVEL = {"persons", "person_years", "deaths", "care_events", "survey", "survey_answers",
                "listings", "conditions", "person_measures", "aggregates", "users",
                "audit_log", "demo_truth", "income_cut_points", "national_survey"}

# Every (area, level of the areas inside it): a DeSO is inside its RegSO, kommun, län and SE.
ANCESTORS = """
    SELECT code, level, regso_code AS ancestor FROM areas WHERE level = 'deso'
    UNION ALL SELECT code, level, kommun_code FROM areas WHERE level IN ('deso', 'regso')
    UNION ALL SELECT code, level, lan_code FROM areas WHERE level IN ('deso', 'regso', 'kommun')
    UNION ALL SELECT code, level, 'SE' FROM areas WHERE level IN ('deso', 'regso', 'kommun', 'lan')
"""

# A small count: an exact whole number of people 1–4 (counts), or a population under 10.
SMALL = """
    (method <> 'count' AND abs(d_num - round(d_num)) < 1e-9 AND round(d_num) BETWEEN 1 AND 4)
    OR (method = 'count' AND abs(d_den - round(d_den)) < 1e-9 AND round(d_den) BETWEEN 1 AND 4)
    OR (method <> 'count' AND d_den > 1e-9 AND d_den < 10 - 1e-9)
"""


@pytest.fixture(scope="module")
def snapshot(demo_db_computed):
    con = duckdb.connect(str(Settings(db_path=demo_db_computed).published), read_only=True)
    yield con
    con.close()


def _attack(con, parts_sql: str) -> tuple[int, list]:
    """Apply one family of subtractions; returns (differences tried, small counts found)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW parts AS {parts_sql}")
    tried = con.execute("SELECT count(*) FROM parts").fetchone()[0]
    found = con.execute(f"SELECT * FROM parts WHERE {SMALL} LIMIT 20").fetchall()
    return tried, found


def test_no_small_count_by_subtracting_sub_areas(snapshot):
    tried, found = _attack(snapshot, f"""
        WITH anc AS ({ANCESTORS}),
        kids AS (
            SELECT o.indicator_id, o.year, o.period, o.breakdown, o.group_value, a.ancestor,
                   o.area_level AS part_level,
                   coalesce(sum(o.numerator) FILTER (WHERE NOT o.suppressed), 0) AS num,
                   coalesce(sum(o.denominator) FILTER (WHERE NOT o.suppressed), 0) AS den
            FROM observations o JOIN anc a ON a.code = o.area_code AND a.level = o.area_level
            GROUP BY ALL)
        SELECT p.indicator_id, p.year, p.breakdown, p.group_value, p.area_code, k.part_level,
               p.method, p.numerator - k.num AS d_num, p.denominator - k.den AS d_den
        FROM observations p JOIN kids k ON k.ancestor = p.area_code
             AND k.indicator_id = p.indicator_id AND k.year = p.year AND k.period = p.period
             AND k.breakdown = p.breakdown AND k.group_value = p.group_value
        WHERE NOT p.suppressed""")
    assert tried > 50_000, tried  # every published area total with parts was attacked
    assert not found, f"{len(found)}+ small counts recovered, e.g. {found[:5]}"


def test_no_small_count_by_subtracting_groups_from_the_total(snapshot):
    tried, found = _attack(snapshot, """
        WITH groups AS (
            SELECT indicator_id, year, period, area_level, area_code, breakdown,
                   coalesce(sum(numerator) FILTER (WHERE NOT suppressed), 0) AS num,
                   coalesce(sum(denominator) FILTER (WHERE NOT suppressed), 0) AS den
            FROM observations WHERE breakdown <> 'total' GROUP BY ALL)
        SELECT t.indicator_id, t.year, g.breakdown, t.area_code, t.method,
               t.numerator - g.num AS d_num, t.denominator - g.den AS d_den
        FROM observations t JOIN groups g USING (indicator_id, year, period, area_level,
                                                 area_code)
        WHERE t.breakdown = 'total' AND NOT t.suppressed""")
    assert tried > 20_000, tried
    assert not found, f"{len(found)}+ small counts recovered, e.g. {found[:5]}"


def test_no_suppressed_figure_is_pinned_by_one_subtraction(snapshot):
    """Where exactly one part of a published total is hidden, the difference would be that
    part: there is never exactly one (a hidden residual — unknown group — counts as one)."""
    lonely = snapshot.execute(f"""
        WITH anc AS ({ANCESTORS}),
        kids AS (
            SELECT o.indicator_id, o.year, o.period, o.breakdown, o.group_value, a.ancestor,
                   o.area_level AS part_level, count(*) FILTER (WHERE o.suppressed) AS hidden,
                   coalesce(sum(o.numerator) FILTER (WHERE NOT o.suppressed), 0) AS num,
                   coalesce(sum(o.denominator) FILTER (WHERE NOT o.suppressed), 0) AS den
            FROM observations o JOIN anc a ON a.code = o.area_code AND a.level = o.area_level
            GROUP BY ALL)
        SELECT p.indicator_id, p.year, p.area_code, k.part_level, p.breakdown, p.group_value
        FROM observations p JOIN kids k ON k.ancestor = p.area_code
             AND k.indicator_id = p.indicator_id AND k.year = p.year AND k.period = p.period
             AND k.breakdown = p.breakdown AND k.group_value = p.group_value
        WHERE NOT p.suppressed AND k.hidden = 1 AND p.method <> 'count'
          AND abs(p.numerator - k.num) < 1e-9 AND abs(p.denominator - k.den) < 1e-9
        LIMIT 10""").fetchall()
    # ^ one hidden part and nothing else missing: the hidden part would be the difference.
    assert not lonely, lonely


def test_the_snapshot_holds_only_allow_listed_aggregate_tables(snapshot):
    tables = {r[0] for r in snapshot.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
    tables |= {r[0] for r in snapshot.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary").fetchall()}
    assert tables <= set(PUBLISHED_TABLES) | {"published_files"}, tables - set(PUBLISHED_TABLES)
    assert not tables & PERSON_LEVEL
    assert {"observations", "areas", "published_files"} <= tables
    # Every count column of what is published.
    small_num, small_den = snapshot.execute("""
        SELECT count(*) FILTER (WHERE method <> 'count' AND numerator BETWEEN 0.5 AND 4.5),
               count(*) FILTER (WHERE (method = 'count' AND denominator BETWEEN 0.5 AND 4.5)
                                   OR (method <> 'count' AND denominator > 0
                                       AND denominator < 10))
        FROM observations WHERE NOT suppressed""").fetchone()
    assert (small_num, small_den) == (0, 0)
    hidden = snapshot.execute("""
        SELECT count(*) FROM observations WHERE suppressed AND (numerator IS NOT NULL OR
            denominator IS NOT NULL OR value IS NOT NULL OR lower_95 IS NOT NULL
            OR smoothed_value IS NOT NULL)""").fetchone()[0]
    assert hidden == 0
    if "le_decomposition" in tables:
        assert snapshot.execute("SELECT count(*) FROM le_decomposition WHERE deaths_1 IS NOT "
                                "NULL OR deaths_2 IS NOT NULL").fetchone()[0] == 0
    assert snapshot.execute("SELECT count(*) FROM loads WHERE rows IS NOT NULL OR details IS "
                            "NOT NULL").fetchone()[0] == 0
    keys = {r[0] for r in snapshot.execute("SELECT key FROM meta").fetchall()}
    assert "pseudonym_key_fingerprint" not in keys and "home_region" in keys


def test_a_suppressed_parent_value_is_not_shown_beside_its_children(snapshot):
    """A child row's ``parent_value`` is the parent's published value: never the value of a
    suppressed parent."""
    leaked = snapshot.execute("""
        SELECT count(*) FROM observations c JOIN observations p
          ON p.area_code = c.parent_code AND p.indicator_id = c.indicator_id
         AND p.year = c.year AND p.period = c.period AND p.breakdown = c.breakdown
         AND p.group_value = c.group_value
        WHERE p.suppressed AND c.parent_value IS NOT NULL""").fetchone()[0]
    assert leaked == 0


def test_the_prebuilt_download_is_the_published_table(snapshot, demo_db_computed):
    published = Settings(db_path=demo_db_computed).published
    rows = snapshot.execute("SELECT name, path, format, rows FROM published_files").fetchall()
    assert {(n, f) for n, _, f, _ in rows} == {("observations", "csv.gz"),
                                               ("observations", "parquet")}
    total = snapshot.execute("SELECT count(*) FROM observations").fetchone()[0]
    for _, path, fmt, n in rows:
        assert n == total
        if fmt == "parquet":
            got = duckdb.sql(f"SELECT count(*), count(*) FILTER (WHERE suppressed AND "
                             f"numerator IS NOT NULL) FROM '{published.parent / path}'"
                             ).fetchone()
            assert got == (total, 0)
