"""Split a PxWeb selection into requests that each stay under the server's cell limit."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from jamlik.model.errors import InputError


def cell_count(selection: Mapping[str, Sequence[str]]) -> int:
    """Cells a selection asks for: the product of the number of values per variable."""
    return math.prod(len(values) for values in selection.values())


def split_selection(
    selection: Mapping[str, Sequence[str]], max_cells: int
) -> list[dict[str, list[str]]]:
    """Chunks whose cartesian products partition ``selection``, each with at most ``max_cells`` cells.

    The largest variable is split first, into as few chunks as possible; when even one of its
    values times the rest is too large, it is split into single values and the rest is split
    recursively. Variable order and value order are kept, so the chunks re-assemble in order.
    """
    if max_cells < 1:
        raise InputError("max_cells", max_cells, "a positive number of cells")
    empty = [name for name, values in selection.items() if len(values) == 0]
    if empty:
        raise InputError("selection", empty, "at least one value for every selected variable")
    chunk = {name: list(values) for name, values in selection.items()}
    return list(_split(chunk, max_cells))


def _split(selection: dict[str, list[str]], max_cells: int):
    total = cell_count(selection)
    if total <= max_cells:
        yield selection
        return
    name = max(selection, key=lambda key: len(selection[key]))  # first of the largest
    values = selection[name]
    rest = total // len(values)
    step = max(1, max_cells // rest)
    for start in range(0, len(values), step):
        part = dict(selection)
        part[name] = values[start : start + step]
        yield from _split(part, max_cells)
