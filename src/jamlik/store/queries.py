"""Named queries: what other layers ask of the warehouse or a snapshot, by name.

Every function takes an open connection (a :class:`jamlik.store.Warehouse`'s ``con`` or a
read-only :data:`jamlik.store.Connection`) and returns plain Python values or Arrow/polars
frames, so no SQL string lives outside ``store``. The engine's computations stay Ibis
expressions (:meth:`jamlik.store.Warehouse.ibis`); these are the lookups around them.
"""

from __future__ import annotations
