"""Decode JSON-stat 2.0 datasets (as served by PxWeb v1 ``json-stat2`` and PxWeb API 2.0).

JSON-stat stores a cube as one flat ``value`` array in row-major order: the last dimension in
``id`` varies fastest (JSON-stat 2.0 format, section "value"). Decoding is vectorised with
``numpy.unravel_index``; nothing loops over cells in Python except sparse (object) values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from jamlik.model.errors import DataError

__all__ = ["decode_jsonstat", "dimension_categories"]


def dimension_categories(
    dimension: Mapping[str, Any], name: str, where: str
) -> tuple[list[str], list[str]]:
    """Category codes in index order and their labels for one JSON-stat dimension."""
    category = dimension.get("category") if isinstance(dimension, Mapping) else None
    if not isinstance(category, Mapping):
        raise DataError("JSON-stat dimension lacks a 'category' object", file=where, column=name)
    index = category.get("index")
    labels = category.get("label") or {}
    if index is None:
        if not isinstance(labels, Mapping) or len(labels) != 1:
            raise DataError(
                "JSON-stat category.index may only be omitted for a single category",
                file=where,
                column=name,
                value=labels,
            )
        codes = list(labels)
    elif isinstance(index, list):
        codes = [str(code) for code in index]
    elif isinstance(index, Mapping):
        positions = sorted(index.items(), key=lambda item: item[1])
        if [pos for _, pos in positions] != list(range(len(positions))):
            raise DataError(
                "JSON-stat category.index positions must be 0..n-1",
                file=where,
                column=name,
                value=index,
            )
        codes = [str(code) for code, _ in positions]
    else:
        raise DataError(
            "JSON-stat category.index must be a list or an object",
            file=where,
            column=name,
            value=index,
        )
    if not isinstance(labels, Mapping):
        raise DataError(
            "JSON-stat category.label must be an object", file=where, column=name, value=labels
        )
    return codes, [str(labels.get(code, code)) for code in codes]


def decode_jsonstat(payload: Any, *, where: str = "JSON-stat", labels: bool = True) -> pa.Table:
    """One row per cell: a code column per dimension (plus ``<dim>_label``), ``value``, ``status``.

    ``unit`` is added when the metric dimension declares ``category.unit`` (PxWeb does, e.g.
    ``{"base": "antal", "decimals": 0}``). Missing cells (``null`` in ``value``) stay null; their
    ``status`` symbol (e.g. ``".."``) is kept.
    """
    if not isinstance(payload, Mapping) or payload.get("class", "dataset") != "dataset":
        raise DataError(
            "expected a JSON-stat 2.0 object with class 'dataset'", file=where, value=_type(payload)
        )
    ids, size, dims = payload.get("id"), payload.get("size"), payload.get("dimension")
    if not isinstance(ids, list) or not isinstance(size, list) or not isinstance(dims, Mapping):
        raise DataError(
            "JSON-stat dataset needs 'id' (list), 'size' (list) and 'dimension'", file=where
        )
    if len(ids) != len(size):
        raise DataError(
            f"JSON-stat 'id' has {len(ids)} entries but 'size' has {len(size)}",
            file=where,
            value=size,
        )
    codes_by_dim: list[list[str]] = []
    labels_by_dim: list[list[str]] = []
    for name, n in zip(ids, size, strict=True):
        if name not in dims:
            raise DataError(
                "JSON-stat 'id' names a dimension that is missing", file=where, column=name
            )
        codes, texts = dimension_categories(dims[name], name, where)
        if len(codes) != n:
            raise DataError(
                f"JSON-stat dimension has {len(codes)} categories but size says {n}",
                file=where,
                column=name,
                value=n,
            )
        codes_by_dim.append(codes)
        labels_by_dim.append(texts)

    n_cells = int(np.prod(size, dtype=np.int64)) if size else 1
    values = _values(payload.get("value"), n_cells, where)
    status = _status(payload.get("status"), n_cells, where)

    positions = np.unravel_index(np.arange(n_cells, dtype=np.int64), size) if size else ()
    columns: dict[str, pa.Array] = {}
    for name, codes, texts, pos in zip(ids, codes_by_dim, labels_by_dim, positions, strict=True):
        columns[name] = pa.array(np.asarray(codes, dtype=object)[pos], pa.string())
        if labels:
            columns[f"{name}_label"] = pa.array(np.asarray(texts, dtype=object)[pos], pa.string())
    columns["value"] = values
    if status is not None:
        columns["status"] = status
    units = _units(payload, ids, codes_by_dim, positions)
    if units is not None:
        columns["unit"] = units
    return pa.table(columns)


def _values(raw: Any, n: int, where: str) -> pa.Array:
    if isinstance(raw, list):
        if len(raw) != n:
            raise DataError(
                f"JSON-stat 'value' has {len(raw)} cells but the sizes multiply to {n}",
                file=where,
                value=len(raw),
            )
        dense = raw
    elif isinstance(raw, Mapping):
        dense = [None] * n
        for key, cell in raw.items():
            try:
                pos = int(key)
            except ValueError:
                raise DataError(
                    "JSON-stat sparse 'value' keys must be integers", file=where, value=key
                ) from None
            if not 0 <= pos < n:
                raise DataError(
                    f"JSON-stat sparse 'value' index outside 0..{n - 1}", file=where, value=pos
                )
            dense[pos] = cell
    else:
        raise DataError(
            "JSON-stat 'value' must be a list or an object", file=where, value=_type(raw)
        )
    try:
        return pa.array(dense, pa.float64(), from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        bad = next(v for v in dense if v is not None and not isinstance(v, int | float))
        raise DataError(
            "JSON-stat 'value' holds a non-number", file=where, column="value", value=bad
        ) from None


def _status(raw: Any, n: int, where: str) -> pa.Array | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return pa.array([raw] * n, pa.string())
    if isinstance(raw, list):
        if len(raw) == 1:
            return pa.array(raw * n, pa.string())
        if len(raw) != n:
            raise DataError(f"JSON-stat 'status' has {len(raw)} entries, expected {n}", file=where)
        return pa.array(raw, pa.string())
    if isinstance(raw, Mapping):
        dense: list[str | None] = [None] * n
        for key, symbol in raw.items():
            pos = int(key)
            if not 0 <= pos < n:
                raise DataError(
                    f"JSON-stat 'status' index outside 0..{n - 1}", file=where, value=pos
                )
            dense[pos] = symbol
        return pa.array(dense, pa.string())
    raise DataError(
        "JSON-stat 'status' must be a string, list or object", file=where, value=_type(raw)
    )


def _units(
    payload: Mapping[str, Any], ids: list[str], codes_by_dim: list[list[str]], positions
) -> pa.Array | None:
    dims = payload["dimension"]
    metric = (payload.get("role") or {}).get("metric") or []
    candidates = [name for name in ids if name in metric] or [
        name for name in ids if isinstance(dims[name].get("category", {}).get("unit"), Mapping)
    ]
    for name in candidates:
        unit = dims[name].get("category", {}).get("unit")
        if not isinstance(unit, Mapping):
            continue
        i = ids.index(name)
        per_code = [
            str((unit.get(code) or {}).get("base") or (unit.get(code) or {}).get("label") or "")
            or None
            for code in codes_by_dim[i]
        ]
        return pa.array(np.asarray(per_code, dtype=object)[positions[i]], pa.string())
    return None


def _type(value: Any) -> str:
    return type(value).__name__
