"""Shared fixtures: one demo warehouse per test run (shared between xdist workers)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

import pytest

DEMO_SEED = 20240501


def _build_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """``<shared tmp>/<name>/jamlik.duckdb``, built by the first xdist worker that gets here.

    Other workers wait on a file lock and reuse the result; a ``.done`` marker records success.
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    path = shared / name / "jamlik.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (path.parent / ".done").exists():
            build(path)
            (path.parent / ".done").touch()
        fcntl.flock(lock, fcntl.LOCK_UN)
    return path


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """Path to a demo warehouse built once per test run (read-only use, please)."""
    from jamlik.pipeline.demo import build_demo_warehouse

    return _build_once(tmp_path_factory, "demo",
                       lambda path: build_demo_warehouse(path, seed=DEMO_SEED))


@pytest.fixture(scope="session")
def demo_db_computed(demo_db, tmp_path_factory) -> Path:
    """The demo warehouse after ``jamlik compute``, built once per test run (read-only use)."""
    import shutil

    from jamlik.model import Settings
    from jamlik.pipeline.compute import compute_all

    def build(path: Path) -> None:
        shutil.copy(demo_db, path)
        # what the web app serves is published beside it
        compute_all(path, published=Settings(db_path=path).published)

    return _build_once(tmp_path_factory, "demo_computed", build)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where tests leave screenshots and files for people to look at."""
    path = Path(os.environ.get("JAMLIK_ARTIFACTS", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def cohort_demo_run(tmp_path_factory) -> Path:
    """Output folder of one full ``jamlik cohort run`` of the demo study, made once per test
    worker in the session's base temp (the demo registers beside it)."""
    import typer
    from typer.testing import CliRunner

    from jamlik.cli.cohort import register

    app = typer.Typer()
    app.command("version")(lambda: None)
    register(app)
    runner = CliRunner()
    base = tmp_path_factory.getbasetemp()
    data, out = base / "demo_registers", base / "cohort_run"
    if not (data / "truth.json").is_file():
        assert runner.invoke(app, ["demo", "registers", "--out", str(data)]).exit_code == 0
    if not (out / "rapport.pdf").is_file():
        result = runner.invoke(app, ["cohort", "run", str(data / "studie.yaml"),
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
    return out
