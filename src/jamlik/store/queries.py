"""Named queries: what other layers ask of the warehouse or a snapshot, by name.

Every function takes an open connection (a :class:`jamlik.store.Warehouse`'s ``con`` or a
read-only :data:`jamlik.store.Connection`) and returns plain Python values or Arrow/polars
frames, so no SQL string lives outside ``store``. The engine's computations stay Ibis
expressions (:meth:`jamlik.store.Warehouse.ibis`); these are the lookups around them.
"""

from __future__ import annotations

import polars as pl

from jamlik.store.schema import select_list

# -- strategy places ---------------------------------------------------------------------------
#: The columns of ``observations`` goal fulfilment reads.
GOAL_OBSERVATION_COLUMNS = (
    "indicator_id", "year", "area_level", "area_code", "breakdown", "group_value", "value",
    "lower_95", "upper_95", "trend", "suppressed", "parent_code", "numerator", "denominator",
    "synthetic",
)


def has_observations(con) -> bool:
    """Whether the database ``con`` reads has an ``observations`` table."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = "
                            "'observations'").fetchone()[0])


def goal_observations(con, indicators: list[str], codes: list[str]) -> pl.DataFrame:
    """:data:`GOAL_OBSERVATION_COLUMNS` of ``indicators`` for the areas ``codes`` and their direct
    sub-areas (rows whose ``parent_code`` is one of ``codes``)."""
    return con.execute(
        f"SELECT {select_list(GOAL_OBSERVATION_COLUMNS)} FROM observations "
        "WHERE indicator_id IN (SELECT unnest(?)) "
        "AND (area_code IN (SELECT unnest(?)) OR parent_code IN (SELECT unnest(?)))",
        [indicators, codes, codes]).pl()


def synthetic_observation_pairs(con, indicators: list[str], codes: list[str]) -> set[tuple[str, str]]:
    """``(indicator_id, area_code)`` of ``indicators`` × ``codes`` with synthetic observations."""
    return set(con.execute(
        "SELECT DISTINCT indicator_id, area_code FROM observations WHERE "
        "coalesce(synthetic, false) AND indicator_id IN (SELECT unnest(?)) AND "
        "area_code IN (SELECT unnest(?))", [indicators, codes]).fetchall())
