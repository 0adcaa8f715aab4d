"""The life-table age bands every layer counts in.

Abridged life tables, the Arriaga decomposition, aggregated population and death loads, the
engine's age filters and the demo generator all use the same 20 bands: ``"0"``, ``"1-4"``,
``"5-9"``, …, ``"85-89"`` and the open band ``"90+"``.

>>> len(LIFE_TABLE_BANDS), LIFE_TABLE_BANDS[:3], LIFE_TABLE_BANDS[-1]
(20, ('0', '1-4', '5-9'), '90+')
>>> LIFE_TABLE_STARTS[:4], LIFE_TABLE_ENDS[-2:]
((0, 1, 5, 10), (89, None))
"""

from __future__ import annotations

__all__ = ["LIFE_TABLE_BANDS", "LIFE_TABLE_ENDS", "LIFE_TABLE_STARTS"]

#: First age of each band.
LIFE_TABLE_STARTS: tuple[int, ...] = (0, 1, *range(5, 95, 5))
#: Last age of each band; None for the open band 90+.
LIFE_TABLE_ENDS: tuple[int | None, ...] = (*(s - 1 for s in LIFE_TABLE_STARTS[1:]), None)
#: The band labels, in age order.
LIFE_TABLE_BANDS: tuple[str, ...] = tuple(
    "0" if s == 0 else f"{s}+" if e is None else f"{s}-{e}"
    for s, e in zip(LIFE_TABLE_STARTS, LIFE_TABLE_ENDS, strict=True)
)
