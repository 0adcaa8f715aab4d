"""Build the demo warehouse: migrate, load the area registry and the synthetic region atomically."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from jamlik.geo import AreaRegistry
from jamlik.store import Warehouse, check_enum
from jamlik.store.checks import check_in_table

DEMO_VERSION = "3"  # = jamlik.demo.build.GENERATOR_VERSION (not imported: keeps the CLI light)
SEXES = ("male", "female")


def demo_is_built(wh: Warehouse, seed: int) -> bool:
    if wh.version < wh.latest_version:
        return False
    return wh.get_meta("demo.seed") == str(seed) and wh.get_meta("demo.version") == DEMO_VERSION


def demo_sources() -> Path:
    """The demo's declared sources for ``jamlik refresh`` (local files, no network)."""
    return Path(str(resources.files("jamlik") / "data" / "examples" / "sources.yaml"))


def build_demo_warehouse(db_path: str | Path, *, seed: int, force: bool = False,
                         progress: Callable[[str, float], None] | None = None,
                         published_path: str | Path | None = None) -> dict:
    """Create (or reuse) a warehouse with the demo region. Returns what was done.

    Re-running with the same seed is a no-op unless ``force``; a failure leaves the warehouse as
    it was (all tables are loaded in one transaction). After the build the demo's example
    sources are refreshed (external indicators) and a snapshot is published to
    ``published_path`` (default: ``published/<name>`` beside the warehouse).
    """
    from jamlik.demo import build_demo

    report = progress or (lambda step, fraction: None)
    if not force and Path(db_path).exists():
        # Look read-only first: a rerun then never needs the write lock.
        with Warehouse(db_path, read_only=True) as wh:
            if demo_is_built(wh, seed):
                return {"built": False, "tables": wh.tables()}
    with Warehouse(db_path) as wh:
        wh.migrate()
        demo = build_demo(seed=seed, progress=lambda s, f: report(s, 0.85 * f))
        report("warehouse", 0.86)
        registry = AreaRegistry.builtin().with_care_units(demo.tables["care_units"])
        deso = registry.check_column("deso_code", "deso")
        kommun = registry.check_column("kommun_code", "kommun")
        sex = check_enum("sex", SEXES)
        checks = {
            "care_units": [kommun],
            "persons": [sex],
            "person_years": [deso, kommun,
                             check_in_table("vardcentral_code", "care_units", "code",
                                            "unknown vårdcentral code")],
            "deaths": [sex],
            "survey": [kommun, sex],
            "aggregate_counts": [kommun, sex],
        }
        with wh.load_session(f"jamlik demo build --seed {seed}") as load:
            load.put("areas", registry.table, mode="replace")
            names = ["care_units", *[n for n in demo.tables if n != "care_units"]]
            for i, name in enumerate(names):
                load.put(name, demo.tables[name], mode="replace", checks=checks.get(name, ()))
                report(f"warehouse: {name}", 0.86 + 0.13 * (i + 1) / len(names))
            truth = [(k, json.dumps(v, ensure_ascii=False)) for k, v in demo.truth.items()]
            wh.con.execute("DELETE FROM demo_truth")
            wh.con.executemany("INSERT INTO demo_truth VALUES (?, ?)", truth)
            load.set_meta("demo.seed", str(seed))
            load.set_meta("demo.version", DEMO_VERSION)
        truth_path = Path(db_path).with_name("demo_truth.json") if str(db_path) != ":memory:" \
            else None
        if truth_path:
            truth_path.write_text(json.dumps(demo.truth, ensure_ascii=False, indent=2),
                                  encoding="utf-8")
    if str(db_path) == ":memory:":
        report("done", 1.0)
        return {"built": True, "tables": {}, "truth_path": None}
    from jamlik.engine.refresh import refresh

    report("refresh", 0.995)
    db = Path(db_path)
    published = Path(published_path) if published_path else db.parent / "published" / db.name
    refresh(demo_sources(), db_path=db, published_path=published, force=True)
    with Warehouse(db_path, read_only=True) as wh:
        tables = wh.tables()
    report("done", 1.0)
    return {"built": True, "tables": tables, "truth_path": truth_path, "published": published}
