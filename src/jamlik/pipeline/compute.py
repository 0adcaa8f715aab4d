"""``jamlik compute``, ``jamlik equity`` and ``jamlik db publish``: the writing jobs after a load.

:func:`compute_all` takes the working warehouse's writer lock, computes every catalogue
indicator (:func:`jamlik.engine.compute`), runs the equity steps (:func:`run_equity`: inequality
measures, mind-the-gap and the life-expectancy-gap decomposition) and publishes the read-only
snapshot the web app serves (:func:`jamlik.pipeline.publish.publish_snapshot`). :func:`equity_all` runs the equity steps
alone. The engine's steps stay in :mod:`jamlik.engine`; this module only chains them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from jamlik.engine import ComputeReport, compute
from jamlik.engine.compute import warehouse_catalogue
from jamlik.engine.decomposition import compute_le_decomposition
from jamlik.engine.gaps import compute_gaps
from jamlik.engine.inequalities import compute_inequalities
from jamlik.model.catalogue import Catalogue
from jamlik.model.errors import InputError
from jamlik.pipeline.publish import publish_snapshot
from jamlik.store import Warehouse
from jamlik.store.locks import open_warehouse
from jamlik.store.snapshots import Snapshot, writer_lock

Progress = Callable[[str, float], None]
#: ``stage("compute")`` / ``stage("equity")``: a context manager that yields the stage's
#: ``update(step, fraction)`` (the CLI shows one progress bar a stage).
Stages = Callable[[str], AbstractContextManager[Progress]]
Notify = Callable[[str], None]


@dataclass(frozen=True)
class ComputeRun:
    """What :func:`compute_all` did: the compute report, the equity summary (None when the
    equity steps did not run) and the published snapshot (None when not published)."""

    compute: ComputeReport
    equity: str | None
    published: Snapshot | None


def _silent(stage: str) -> AbstractContextManager[Progress]:
    return contextlib.nullcontext(lambda step, fraction: None)


@contextlib.contextmanager
def _writing(db_path: Path, wait: float | None, notify: Notify | None) -> Iterator[Warehouse]:
    """The writer lock for the whole run, then the warehouse (DuckDB's lock: a load may hold
    it). ``wait=None`` waits as long as it takes."""
    with writer_lock(db_path, wait=wait, notify=notify):
        opened = Warehouse(db_path) if wait is None else \
            open_warehouse(db_path, wait=wait, notify=notify)
        with opened as wh:
            yield wh


def run_equity(wh: Warehouse, *, indicators: Sequence[str] | None = None,
               progress: Progress | None = None, catalogue: Catalogue | None = None) -> str:
    """Run the three equity steps on ``wh`` and return a one-line summary. The
    life-expectancy-gap decomposition needs person-level deaths; without them it is skipped
    (and said so)."""
    update = progress or (lambda step, fraction: None)
    ineq = compute_inequalities(wh, indicators=indicators, catalogue=catalogue,
                                progress=lambda step, fraction: update(step, 0.75 * fraction))
    update("gaps", 0.8)
    gaps = compute_gaps(wh, indicators=indicators, catalogue=catalogue)
    update("le_decomposition", 0.95)
    summary = (
        f"inequalities: {ineq.rows} rows ({ineq.group_sets} group sets, {ineq.seconds:.1f} s); "
        f"gaps: {gaps.rows} rows, {gaps.hidden_gaps} hidden gaps ({gaps.seconds:.1f} s); ")
    try:
        dec = compute_le_decomposition(wh)
    except InputError:
        summary += "le_decomposition: skipped (no person-level deaths loaded)"
    else:
        summary += (f"le_decomposition: {len(dec.comparisons)} comparisons {dec.period} "
                    f"({dec.seconds:.1f} s)")
        for reason in dec.skipped:
            summary += f"\nskipped: {reason}"
    update("done", 1.0)
    return summary


def compute_all(db_path: str | Path, *, indicators: Sequence[str] | None = None,
                force: bool = False, equity: bool = True, catalogue_dirs: Iterable[str | Path] = (),
                published: str | Path | None = None, progress: Stages | None = None,
                on_computed: Callable[[ComputeReport], None] | None = None,
                wait: float | None = None, notify: Notify | None = None) -> ComputeRun:
    """Compute the indicators (all by default) of the warehouse at ``db_path``, then the equity
    steps, then publish the snapshot at ``published`` (None: not published), holding the writer
    lock throughout and releasing it between the writing and the publishing.

    The catalogue is the warehouse's (:func:`jamlik.engine.compute.warehouse_catalogue`) with
    the region's own indicator folders ``catalogue_dirs``. The equity steps run when ``equity``
    and something was computed (or ``force``). ``on_computed`` hears the compute report before
    the equity steps start.
    """
    db_path = Path(db_path)
    stage = progress or _silent
    summary = None
    with _writing(db_path, wait, notify) as wh:
        wh.migrate()
        cat = warehouse_catalogue(wh, catalogue_dirs)
        with stage("compute") as update:
            report = compute(wh, indicators=indicators or None, force=force, progress=update,
                             catalogue=cat)
        if on_computed is not None:
            on_computed(report)
        if equity and (report.computed or force):
            with stage("equity") as update:
                summary = run_equity(wh, indicators=indicators or None, progress=update,
                                     catalogue=cat)
    snapshot = None
    if published is not None:
        snapshot = publish_snapshot(db_path, published, wait=wait, notify=notify)
    return ComputeRun(report, summary, snapshot)


def equity_all(db_path: str | Path, *, indicators: Sequence[str] | None = None,
               progress: Stages | None = None, wait: float | None = None,
               notify: Notify | None = None) -> str:
    """The equity steps alone on the warehouse at ``db_path``, under the writer lock (nothing is
    published); the one-line summary of :func:`run_equity`."""
    with _writing(Path(db_path), wait, notify) as wh, (progress or _silent)("equity") as update:
        return run_equity(wh, indicators=indicators or None, progress=update)
