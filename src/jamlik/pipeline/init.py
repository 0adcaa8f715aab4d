"""``jamlik init``: an empty warehouse with the full area registry and the home region.

The registry holds the nation, the 21 län, the 290 kommuner and the DeSO and RegSO of every
vintage SCB uses (DeSO 2018 / RegSO 2020 and DeSO 2025 / RegSO 2025, ``area_vintages``); any
vårdcentraler already loaded are kept. The home region — a län code, or ``SE`` for national
registers — is the area the person-level registers cover completely. With a key file, the key's
fingerprint is stored so that every later load must use the same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from jamlik.geo import AreaRegistry
from jamlik.geo.registry import builtin_vintages, care_units_as_areas
from jamlik.model import AreaLevel, InputError
from jamlik.model.identity import PseudonymKey
from jamlik.store import Warehouse, queries
from jamlik.store.snapshots import writer_lock

KEY_META = "pseudonym_key_fingerprint"


@dataclass(frozen=True)
class InitReport:
    """What ``init`` did."""

    db_path: Path
    region: str
    region_name: str
    areas: int
    vintages: dict[str, int]
    key_created: bool
    upgraded_from: int


def check_region(code: str) -> str:
    """``SE`` or a län code of the registry (an error names what is accepted)."""
    registry = AreaRegistry.builtin()
    code = str(code).strip()
    if code == "SE":
        return code
    if code in registry and registry[code].level is AreaLevel.LAN:
        return code
    lans = ", ".join(f"{a.code} {a.name}" for a in registry.at_level(AreaLevel.LAN)[:3])
    raise InputError("region", code, f"a län code (e.g. {lans} …) or SE for the whole nation",
                     hint="the home region is the area the person-level registers cover")


def init_warehouse(db_path: str | Path, *, region: str,
                   key_file: str | Path | None = None) -> InitReport:
    """Create (or bring up to date) the warehouse at ``db_path`` with the area registry and the
    home region ``region``. Running it again is harmless; a different home region is refused."""
    region = check_region(region)
    db_path = Path(db_path)
    key_created = False
    key = None
    if key_file is not None:
        key_path = Path(key_file)
        if key_path.exists():
            key = PseudonymKey.from_file(key_path)
        else:
            key = PseudonymKey.create(key_path)
            key_created = True
    with writer_lock(db_path), Warehouse(db_path) as wh:
        before = wh.version
        wh.migrate()
        current = wh.home_region
        if current is not None and current != region:
            raise InputError("region", region, f"the warehouse's home region {current}",
                             hint="a warehouse has one home region; use another --db for "
                                  "another region")
        stored_key = wh.get_meta(KEY_META)
        if key is not None and stored_key is not None and stored_key != key.fingerprint:
            raise InputError("key_file", str(key_file), "the key this warehouse was loaded "
                             "with", hint="a different key would break the linkage of "
                             "registers loaded earlier")
        registry = AreaRegistry.builtin()
        units = queries.care_units(wh.con)
        areas = pa.concat_tables([registry.table, care_units_as_areas(units)]) \
            if units.num_rows else registry.table
        vintages = builtin_vintages()
        with wh.load_session(f"jamlik init --region {region}") as load:
            load.put("areas", areas, mode="replace")
            load.put("area_vintages", vintages, mode="replace")
            load.set_meta("home_region", region)
            if key is not None:
                load.set_meta(KEY_META, key.fingerprint)
        counts = queries.deso_counts_by_vintage(wh.con)
        n_areas = queries.area_count(wh.con)
    name = "Sverige" if region == "SE" else registry[region].name
    return InitReport(db_path, region, name, n_areas, counts, key_created, before)
