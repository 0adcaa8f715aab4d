"""Named queries: what other layers ask of the warehouse or a snapshot, by name.

Every function takes an open connection (a :class:`jamlik.store.Warehouse`'s ``con`` or a
read-only :data:`jamlik.store.Connection`) and returns plain Python values or Arrow/polars
frames, so no SQL string lives outside ``store``. The engine's computations stay Ibis
expressions (:meth:`jamlik.store.Warehouse.ibis`); these are the lookups around them.
"""

from __future__ import annotations


# -- strategy ----------------------------------------------------------------------------------
def observations_for_indicators(con, indicator_ids: list[str], *, area_level: str | None = None):
    """Every observation of ``indicator_ids`` (of one ``area_level`` when given), as a polars
    frame."""
    sql = ("SELECT * FROM observations WHERE indicator_id IN (SELECT unnest(?))"
           + (" AND area_level = ?" if area_level else ""))
    args = [indicator_ids, area_level] if area_level else [indicator_ids]
    return con.execute(sql, args).pl()


def total_series(con, indicator_id: str, area_codes: list[str]) -> list[tuple]:
    """``(area_code, year, value, lower_95, upper_95)`` of the published totals of one indicator
    for ``area_codes`` (not suppressed, with a value), by area and year: a goal's trend."""
    return con.execute(
        "SELECT area_code, year, value, lower_95, upper_95 FROM observations WHERE "
        "indicator_id = ? AND breakdown = 'total' AND NOT suppressed AND value IS NOT NULL "
        "AND area_code IN (SELECT unnest(?)) ORDER BY area_code, year",
        [indicator_id, area_codes]).fetchall()


def latest_totals(con, indicator_ids: list[str], area_code: str) -> list[tuple]:
    """``(indicator_id, year, value, lower_95, upper_95, trend, judgement_nation, suppressed)``
    of the latest year's total of each of ``indicator_ids`` for one area."""
    return con.execute(
        "SELECT indicator_id, year, value, lower_95, upper_95, trend, judgement_nation, "
        "suppressed FROM observations WHERE indicator_id IN (SELECT unnest(?)) AND "
        "area_code = ? AND breakdown = 'total' QUALIFY row_number() OVER (PARTITION BY "
        "indicator_id ORDER BY year DESC) = 1", [indicator_ids, area_code]).fetchall()


def has_areas(con) -> bool:
    """Whether the database has an ``areas`` table with at least one row (else the built-in
    registry stands in)."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                         "table_name = 'areas'").fetchone()[0]
    return bool(exists) and bool(con.execute("SELECT count(*) FROM areas").fetchone()[0])
