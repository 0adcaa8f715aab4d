"""Boundaries for maps, as GeoJSON (WGS84), from SCB's generalised boundaries.

Län and kommun come from ``data/geo`` (whole Sweden); DeSO 2025 boundaries exist for
Östergötland only (``data/deso_regso/ostergotland_deso2025.parquet``). SCB says the
generalised boundaries are for thematic maps, not for spatial analysis.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import pyarrow.parquet as pq
import shapely

from jamlik.model import AreaLevel, InputError

_FILES = {
    AreaLevel.LAN: (("geo", "lan.parquet"), "lan_kod", "lan"),
    AreaLevel.KOMMUN: (("geo", "kommun.parquet"), "kommun_kod", "kommun"),
    AreaLevel.DESO: (("deso_regso", "ostergotland_deso2025.parquet"), "deso_kod", None),
}


@cache
def _geojson(level: AreaLevel, tolerance: float) -> str:
    parts, code_col, name_col = _FILES[level]
    with resources.files("jamlik").joinpath("data", *parts).open("rb") as f:
        table = pq.read_table(f)
    geoms = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
    if tolerance:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    geoms = shapely.set_precision(geoms, 1e-5)
    codes = table[code_col].to_pylist()
    names = table[name_col].to_pylist() if name_col else codes
    features = [
        {"type": "Feature", "id": code, "properties": {"code": code, "name": name},
         "geometry": json.loads(shapely.to_geojson(geom))}
        for code, name, geom in zip(codes, names, geoms, strict=True)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def boundaries(level: AreaLevel | str, *, tolerance: float = 0.002,
               within: str | None = None) -> dict:
    """A GeoJSON FeatureCollection of ``level`` boundaries, optionally only codes under ``within``.

    ``tolerance`` (degrees) simplifies the shapes for fast web maps; 0 keeps them as shipped.
    """
    try:
        level = AreaLevel(level)
    except ValueError:
        raise InputError("level", level, f"one of {[lv.value for lv in _FILES]}") from None
    if level not in _FILES:
        raise InputError("level", level.value, f"one of {[lv.value for lv in _FILES]}",
                         hint="boundaries exist for län, kommun and (Östergötland) DeSO 2025")
    data = json.loads(_geojson(level, tolerance))
    if within:
        data["features"] = [f for f in data["features"] if f["id"].startswith(within)]
    return data
