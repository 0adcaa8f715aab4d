"""Another process that holds a warehouse the way ``jamlik compute`` does: the writer lock and
DuckDB's file lock, with ``jamlik compute --db <path>`` recorded as its command."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

HOLDER = textwrap.dedent("""
    import sys, time
    from jamlik.store import Warehouse
    from jamlik.store.snapshots import writer_lock
    db, seconds = sys.argv[1], float(sys.argv[2])
    sys.argv = ["jamlik", "compute", "--db", db]  # what the lock file records
    with writer_lock(db), Warehouse(db) as wh:
        print("ready", flush=True)
        time.sleep(seconds)
""")


@contextlib.contextmanager
def held(db: str | Path, seconds: float) -> Iterator[subprocess.Popen]:
    """The holding process, once it holds both locks; it lets go after ``seconds`` (killed on
    leaving when that is more than 5 s)."""
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(seconds)],
                          stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout.readline().strip() == "ready"
        try:
            yield proc
        finally:
            if seconds > 5:
                proc.kill()
            proc.wait()
