"""``jamlik demo build``: the synthetic demo region, loaded the way a region loads its data.

The generator (:mod:`jamlik.demo`) draws the region; :func:`jamlik.demo.extracts.write_extracts`
writes it as register extracts in the documented layouts; :func:`jamlik.pipeline.load.
load_requests` loads them — validated, classified and pseudonymised like any region's files —
in one transaction together with the ground truth. Then the demo's example sources are
refreshed and a snapshot is published.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pyarrow as pa

from jamlik.ingest import LoadMapping, LoadRequest
from jamlik.model.identity import PseudonymKey
from jamlik.pipeline.init import init_warehouse
from jamlik.pipeline.load import load_requests
from jamlik.store import Warehouse

DEMO_VERSION = "4"  # = jamlik.demo.build.GENERATOR_VERSION (not imported: keeps the CLI light)
DEMO_REGION = "05"
#: The demo's tables, emptied before a rebuild (the rest of the warehouse is kept).
DEMO_TABLES = ("persons", "person_years", "deaths", "care_events", "conditions",
               "person_measures", "survey", "survey_answers", "survey_questions",
               "national_survey", "aggregates", "listings", "care_units", "income_cut_points",
               "demo_truth")


def demo_key(seed: int) -> PseudonymKey:
    """The demo's pseudonym key, derived from the seed (demo only: never for real data)."""
    return PseudonymKey(hashlib.sha256(f"jamlik demo pseudonym key {seed}".encode()).digest())


def demo_is_built(wh: Warehouse, seed: int) -> bool:
    if wh.version < wh.latest_version:
        return False
    return wh.get_meta("demo.seed") == str(seed) and wh.get_meta("demo.version") == DEMO_VERSION


def demo_sources() -> Path:
    """The demo's declared sources for ``jamlik refresh`` (local files, no network)."""
    return Path(str(resources.files("jamlik") / "data" / "examples" / "sources.yaml"))


def build_demo_warehouse(db_path: str | Path, *, seed: int, force: bool = False,
                         progress: Callable[[str, float], None] | None = None,
                         published_path: str | Path | None = None,
                         extracts_dir: str | Path | None = None) -> dict:
    """Create (or reuse) a warehouse with the demo region. Returns what was done.

    Re-running with the same seed is a no-op unless ``force``; a failure leaves the warehouse as
    it was (everything is loaded in one transaction). The extracts are written to
    ``extracts_dir`` (kept) or a temporary folder. After the build the demo's example sources
    are refreshed (external indicators) and a snapshot is published to ``published_path``
    (default: ``published/<name>`` beside the warehouse).
    """
    from jamlik.demo import build_demo
    from jamlik.demo.extracts import write_extracts

    report = progress or (lambda step, fraction: None)
    db = Path(db_path)
    if not force and db.exists():
        # Look read-only first: a rerun then never needs the write lock.
        with Warehouse(db, read_only=True) as wh:
            if demo_is_built(wh, seed):
                return {"built": False, "tables": wh.tables()}
    with Warehouse(db) as wh:
        wh.migrate()
        home = wh.home_region
    if home not in (None, DEMO_REGION):
        from jamlik.model import InputError

        raise InputError("db", str(db), f"a demo warehouse (home region {DEMO_REGION})",
                         hint=f"this warehouse's home region is {home}; build the demo in "
                              "another file (--db)")
    init_warehouse(db, region=DEMO_REGION)
    demo = build_demo(seed=seed, progress=lambda s, f: report(s, 0.6 * f))
    truth = pa.table({"key": list(demo.truth),
                      "value": [json.dumps(v, ensure_ascii=False) for v in demo.truth.values()]})

    def empty(load) -> None:
        for table in DEMO_TABLES:
            load.delete(table)
        load.delete("areas", "level = 'vardcentral'")

    def finish(load) -> None:
        load.put("demo_truth", truth)
        load.set_meta("demo.seed", str(seed))
        load.set_meta("demo.version", DEMO_VERSION)
        load.set_meta("synthetic_region", DEMO_REGION)

    with tempfile.TemporaryDirectory(prefix="jamlik-demo-") as tmp:
        folder = Path(extracts_dir) if extracts_dir else Path(tmp)
        report("extracts", 0.62)
        extracts = write_extracts(demo.tables, demo.truth, folder, seed=seed)
        requests = [LoadRequest(e.kind, e.files, LoadMapping.from_yaml(e.mapping, kind=e.kind))
                    for e in extracts]
        load_requests(db, requests, key=demo_key(seed), source=f"jamlik demo build --seed {seed}",
                      reports=folder / "load-reports",
                      progress=lambda s, f: report(f"load {s}", 0.65 + 0.33 * f),
                      before=empty, after=finish)
    truth_path = db.with_name("demo_truth.json")
    truth_path.write_text(json.dumps(demo.truth, ensure_ascii=False, indent=2), encoding="utf-8")
    from jamlik.pipeline.refresh import refresh

    report("refresh", 0.995)
    published = Path(published_path) if published_path else db.parent / "published" / db.name
    refresh(demo_sources(), db_path=db, published_path=published, force=True)
    with Warehouse(db, read_only=True) as wh:
        tables = wh.tables()
    report("done", 1.0)
    return {"built": True, "tables": tables, "truth_path": truth_path, "published": published}
