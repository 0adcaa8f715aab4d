"""The command line under stress (issue 13 §11): a busy warehouse, documents in odd encodings
or shapes and a broken sources.yaml give one line, exit status 2 and no traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "ingest"))

from _ingest_helpers import run_cli

from jamlik.strategy.content import builtin_text

from ..store._holder import held


@pytest.fixture(scope="module")
def initialised(tmp_path_factory) -> Path:
    from jamlik.pipeline.init import init_warehouse

    folder = tmp_path_factory.mktemp("busy")
    init_warehouse(folder / "jamlik.duckdb", region="05", key_file=folder / "pseudonym.key")
    return folder / "jamlik.duckdb"


@pytest.fixture
def db(initialised, tmp_path) -> Path:
    target = tmp_path / "jamlik.duckdb"
    shutil.copy(initialised, target)
    return target


def _one_clear_line(result, *needles: str) -> str:
    assert result.code == 2, result.text
    assert "Traceback" not in result.text
    assert len(result.error_lines) == 1, result.text
    line = result.error_lines[0]
    for needle in needles:
        assert needle in line, line
    return line


@pytest.mark.parametrize("command", [["db", "info"], ["areas", "search", "Linköping"],
                                     ["areas", "show", "0580"], ["equity"]],
                         ids=lambda c: " ".join(c))
def test_busy_warehouse_names_who_holds_it(db, command):
    with held(db, 60) as proc:
        result = run_cli(*command, "--db", db, "--wait", "0.5")
    _one_clear_line(result, str(db), f"process {proc.pid}", "jamlik compute --db", "--wait")


def test_a_reader_waits_for_the_warehouse_with_a_message(db):
    with held(db, 2) as proc:
        result = run_cli("db", "info", "--db", db, "--wait", "60", "--lang", "en")
    assert result.code == 0, result.text
    assert f"is in use by process {proc.pid} (jamlik compute --db" in result.text
    assert "waiting at most 60 s" in result.text and "schema" in result.text


def test_equity_takes_the_writer_lock(db):
    """While ``equity`` runs nobody else gets the writer lock (compute waits for it)."""
    from jamlik.store.locks import WarehouseBusy
    from jamlik.store.snapshots import writer_lock

    command = [sys.executable, "-c", "from jamlik.cli import main; main()", "equity", "--db",
               str(db)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as proc:
        seen: list[str] = []
        while proc.poll() is None:  # until equity is seen holding it (or has finished)
            try:
                with writer_lock(db, wait=0):
                    pass
            except WarehouseBusy as busy:  # (just after taking it, the record may be unwritten)
                seen.append(str(busy))
                if "equity --db" in seen[-1]:
                    break
            time.sleep(0.02)
        output = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0, output
    assert any("equity --db" in s for s in seen), (seen, output)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_strategy_import_reads_windows_encodings(db, encoding, monkeypatch):
    path = db.parent / f"sfh-{encoding}.yaml"
    path.write_bytes(builtin_text("strategi_for_halsa").encode(encoding))
    monkeypatch.setenv("JAMLIK_PASSWORD", "correct horse battery")
    monkeypatch.setenv("JAMLIK_NEW_PASSWORD", "correct horse battery")
    assert run_cli("strategy", "users", "add", "admin", "--role", "admin", "--db", db).code == 0
    result = run_cli("strategy", "import", path, "--user", "admin", "--db", db)
    assert result.code == 0, result.text
    assert "strategi_for_halsa" in result.text


@pytest.mark.parametrize(("content", "needles"), [
    ("utf-16-le", ["sfh.yaml", "UTF-16 without a byte-order mark"]),
    ("deep", ["sfh.yaml", "row 1", "nested more than 50 levels"]),
    ("inf", ["sfh.yaml", "key 'areas[0].goals[1].target.change'", "-inf", "finite number"]),
])
def test_strategy_import_refuses_clearly(db, content, needles, monkeypatch):
    path = db.parent / "sfh.yaml"
    text = builtin_text("strategi_for_halsa")
    if content == "utf-16-le":
        path.write_bytes(text.encode("utf-16-le"))
    elif content == "deep":
        path.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    else:
        path.write_text(text.replace("change: -2,", "change: -.inf,"), encoding="utf-8")
    monkeypatch.setenv("JAMLIK_PASSWORD", "correct horse battery")
    monkeypatch.setenv("JAMLIK_NEW_PASSWORD", "correct horse battery")
    assert run_cli("strategy", "users", "add", "admin", "--role", "admin", "--db", db).code == 0
    _one_clear_line(run_cli("strategy", "import", path, "--user", "admin", "--db", db), *needles)


def test_refresh_with_a_broken_sources_yaml_names_line_and_column(db):
    config = db.parent / "sources.yaml"
    config.write_text("sources:\n  - name: gymnasium\n    kind: file\n    indicators: [a, b\n"
                      "    path: x.csv\n", encoding="utf-8")
    _one_clear_line(run_cli("refresh", "--db", db, "--config", config), "sources.yaml",
                    "not valid YAML", "line 5, column 9")
