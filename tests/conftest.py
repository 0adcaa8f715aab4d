"""Shared fixtures: the demo warehouse, the demo register extracts and one demo study run, each
made once per test run and shared between xdist workers."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# No test is timed: a property test may take as long as a loaded CI machine needs.
settings.register_profile("jamlik", deadline=None)
settings.load_profile("jamlik")

DEMO_SEED = 20240501


def _made_once(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """``<shared tmp>/<name>/``, filled by ``make(folder)`` in the first xdist worker that gets here.

    Other workers wait on a file lock and reuse the result; a ``.done`` marker records success.
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    folder = shared / name
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".done").exists():
            make(folder)
            (folder / ".done").touch()
        fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


def _build_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """``<shared tmp>/<name>/jamlik.duckdb``, built once per test run (see :func:`_made_once`)."""
    return _made_once(tmp_path_factory, name, lambda folder: build(folder / "jamlik.duckdb")) / "jamlik.duckdb"


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


def _cohort_cli(args: list[str]) -> None:
    """Run ``jamlik`` with the cohort commands (``cohort run``, ``demo registers``) and ``args``."""
    import typer
    from typer.testing import CliRunner

    from jamlik.cli.cohort import register

    app = typer.Typer()
    app.command("version")(lambda: None)  # a second command keeps sub-groups addressable
    register(app)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def demo_registers(tmp_path_factory) -> Path:
    """Folder of the demo study's register extracts (``jamlik demo registers``), written once per
    test run and shared between xdist workers (read-only use, please)."""
    return _made_once(tmp_path_factory, "demo_registers",
                      lambda folder: _cohort_cli(["demo", "registers", "--out", str(folder)]))


@pytest.fixture(scope="session")
def cohort_demo_run(demo_registers, tmp_path_factory) -> Path:
    """Output folder of one full ``jamlik cohort run`` of the demo study, made once per test run
    and shared between xdist workers (read-only use, please)."""
    return _made_once(tmp_path_factory, "cohort_run",
                      lambda folder: _cohort_cli(["cohort", "run", str(demo_registers / "studie.yaml"),
                                                  "--out", str(folder)]))
