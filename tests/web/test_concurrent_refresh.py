"""The web app keeps answering correctly while ``jamlik refresh`` swaps snapshots.

A live uvicorn server (as tests/browser/conftest.py) serves the published snapshot of a copy of
the computed demo warehouse; reader threads hammer the JSON API and an HTML page while a writer
thread runs refresh + publish several times, alternating two versions of the example source.
Every response must be 200 and internally consistent: the value is one of the two versions'
values, and the provenance endpoint's content hash belongs to the same version as its value.

Reference: the two values are Skolverket's 2018/19 share for Linköping, 83.4 % (see
src/jamlik/data/examples/PROVENANCE.md), and a deliberately changed 90.0 %. Exact (one decimal).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from jamlik.model import Settings
from jamlik.pipeline.refresh import RefreshConfig, refresh
from jamlik.store.snapshots import publish
from jamlik.web import create_app

EXAMPLES = Path(__file__).parents[2] / "src/jamlik/data/examples"
IND = "gymnasium_eligibility_all"
ORIGINAL, CHANGED = "0580;Linköping;2019;Totalt;83,4", "0580;Linköping;2019;Totalt;90,0"
VALUES = {83.4, 90.0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def setup(demo_db_computed, tmp_path):
    db = tmp_path / "jamlik.duckdb"
    shutil.copy(demo_db_computed, db)
    csv = tmp_path / "source.csv"
    shutil.copy(EXAMPLES / "gymnasiebehorighet_2019.csv", csv)
    config = RefreshConfig.from_yaml(EXAMPLES / "sources.yaml")
    spec = config.sources[0]
    config = RefreshConfig((type(spec)(**{**spec.__dict__, "path": csv}),))
    pub = tmp_path / "published" / "jamlik.duckdb"
    refresh(config, db_path=db, published_path=pub, force=True)
    publish(db, pub)
    settings = Settings(db_path=db, published_path=pub)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(),
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline, "the web app did not start within 30 s"
        time.sleep(0.05)
    yield {"db": db, "csv": csv, "pub": pub, "config": config, "app": app,
           "url": f"http://127.0.0.1:{server.config.port}"}
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow
def test_readers_never_see_an_error_or_a_mix_while_snapshots_switch(setup):
    hashes: dict[str, float] = {}
    stop = threading.Event()
    problems: list[str] = []
    seen: set[float] = set()
    counts = {"requests": 0}
    lock = threading.Lock()

    def writer():
        try:
            for version in range(6):
                text = setup["csv"].read_text(encoding="utf-8")
                old, new = (ORIGINAL, CHANGED) if version % 2 == 0 else (CHANGED, ORIGINAL)
                setup["csv"].write_text(text.replace(old, new), encoding="utf-8")
                report = refresh(setup["config"], db_path=setup["db"],
                                 published_path=setup["pub"])
                assert report.published == setup["pub"]
                time.sleep(0.3)
        except Exception as exc:  # reported below
            problems.append(f"writer: {exc!r}")
        finally:
            stop.set()

    def reader(kind: str):
        with httpx.Client(base_url=setup["url"], timeout=30) as client:
            while not stop.is_set():
                if kind == "api":
                    r = client.get("/api/provenance", params={"indicator": IND, "area": "0580",
                                                              "breakdown": "total"})
                    ok = r.status_code == 200 and len(r.json()["rows"]) == 1
                    if ok:
                        row = r.json()["rows"][0]
                        value, digest = row["value"], row["source"]["content_hash"]
                        with lock:
                            seen.add(value)
                            if value not in VALUES or hashes.setdefault(digest, value) != value:
                                problems.append(f"inconsistent: {value} with hash {digest}")
                else:
                    r = client.get(f"/indikator/{IND}", params={"level": "kommun"}) \
                        if kind == "page" else client.get(
                        "/api/observations", params={"indicator": IND, "area": "0580"})
                    ok = r.status_code == 200 and (
                        (kind == "page" and "Linköping" in r.text)
                        or (kind == "obs" and len(r.json()["rows"]) == 3
                        and {x["value"] for x in r.json()["rows"]
                             if x["group_value"] == "total"} <= VALUES))
                with lock:
                    counts["requests"] += 1
                    if not ok:
                        problems.append(f"{kind}: {r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=writer)]
    threads += [threading.Thread(target=reader, args=(k,)) for k in ("api", "api", "obs", "page")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not problems, problems[:5]
    assert seen == VALUES, seen
    assert counts["requests"] > 20
    assert setup["app"].state.jamlik.switches >= 3
