"""``jamlik db publish`` and ``jamlik db rollback``: the served snapshot, under the writer lock.

Every job that changes the working warehouse ends by publishing it (:func:`publish_snapshot`);
:func:`rollback_snapshot` puts a kept snapshot back. Both hold the warehouse's writer lock, so a
publish never interleaves with another job's writes (:mod:`jamlik.store.snapshots`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jamlik.store.snapshots import KEEP, Snapshot, publish, rollback, writer_lock


def publish_snapshot(db_path: str | Path, published: str | Path, *, keep: int = KEEP,
                     wait: float | None = None,
                     notify: Callable[[str], None] | None = None) -> Snapshot:
    """Publish the aggregate tables of the working warehouse as the read-only snapshot at
    ``published`` (:func:`jamlik.store.snapshots.publish`), under the writer lock."""
    with writer_lock(db_path, wait=wait, notify=notify):
        return publish(db_path, published, keep=keep)


def rollback_snapshot(db_path: str | Path, published: str | Path, *,
                      to: str | Path | None = None) -> Snapshot:
    """Put a kept snapshot back as the published one (:func:`jamlik.store.snapshots.rollback`),
    under the writer lock."""
    with writer_lock(db_path):
        return rollback(published, to=to)
