"""Named queries: what other layers ask of the warehouse or a snapshot, by name.

Every function takes an open connection (a :class:`jamlik.store.Warehouse`'s ``con`` or a
read-only :data:`jamlik.store.Connection`) and returns plain Python values or Arrow/polars
frames, so no SQL string lives outside ``store``. The engine's computations stay Ibis
expressions (:meth:`jamlik.store.Warehouse.ibis`); these are the lookups around them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

# -- sources ----------------------------------------------------------------------------------
# What ``jamlik refresh`` reads and records about its declared sources (``source_loads``).

#: The columns of ``source_loads`` (``006_sources.sql``), in the table's order.
SOURCE_LOAD_COLUMNS = ("source", "kind", "status", "content_hash", "periods", "rows", "load_id",
                       "fetched_at", "message", "url", "query", "indicators", "provenance")


def area_names(con) -> dict[str, str]:
    """Code → name of every area in the registry (``areas``)."""
    return dict(con.execute("SELECT code, name FROM areas").fetchall())


def last_source_loads(con) -> dict[str, tuple[str, str]]:
    """Source → (content hash, periods as a JSON list) of its latest successful load."""
    rows = con.execute(
        "SELECT source, content_hash, periods FROM source_loads WHERE status = 'loaded' "
        "QUALIFY row_number() OVER (PARTITION BY source ORDER BY fetched_at DESC) = 1").fetchall()
    return {s: (h, p) for s, h, p in rows}


def record_source_load(con, row: Mapping[str, Any]) -> None:
    """Add one attempt to ``source_loads``; ``row`` names every column of
    :data:`SOURCE_LOAD_COLUMNS`. The caller holds the transaction."""
    con.execute(f"INSERT INTO source_loads ({', '.join(SOURCE_LOAD_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in SOURCE_LOAD_COLUMNS)})",
                [row[c] for c in SOURCE_LOAD_COLUMNS])


# -- pipeline ---------------------------------------------------------------------------------
# What ``jamlik init`` reads back from the area registry it writes.

def care_units(con) -> pa.Table:
    """Every loaded vårdcentral (``care_units``), as Arrow."""
    return con.execute("SELECT * FROM care_units").to_arrow_table()


def deso_counts_by_vintage(con) -> dict[str, int]:
    """Vintage → number of DeSO in the registry (``area_vintages``), in vintage order."""
    return {v: int(n) for v, n in con.execute(
        "SELECT vintage, count(*) FROM area_vintages WHERE level = 'deso' GROUP BY 1 "
        "ORDER BY 1").fetchall()}


def area_count(con) -> int:
    """Number of areas in the registry (``areas``)."""
    return con.execute("SELECT count(*) FROM areas").fetchone()[0]
