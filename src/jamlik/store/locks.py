"""Who holds the warehouse, and waiting for it with a message instead of a traceback.

Two locks guard a working warehouse: DuckDB's own file lock (one writing process, or any number
of reading ones) and jamlik's writer lock, a ``<warehouse>.lock`` file that ``jamlik compute``,
``equity``, ``refresh`` and ``db publish`` hold for a whole run
(:func:`jamlik.store.snapshots.writer_lock`). The writer lock file says who holds it: process
id, command and start time (:func:`describe_holder` reads it back).

:func:`open_warehouse` opens a :class:`~jamlik.store.Warehouse`; when another process holds
DuckDB's lock it tells ``notify`` who that is, retries for up to ``wait`` seconds, and then
raises :class:`WarehouseBusy`, a one-line error naming the file and the holder.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from jamlik.model.errors import JamlikError

__all__ = ["DEFAULT_WAIT", "WarehouseBusy", "describe_holder", "holder_record", "lock_path",
           "open_warehouse"]

#: Seconds a reader waits for a busy warehouse by default (``--wait``).
DEFAULT_WAIT = 10.0
_POLL = 0.25
_DUCKDB_PID = re.compile(r"\(PID (\d+)\)")
Notify = Callable[[str], None]


class WarehouseBusy(JamlikError):
    """Another process holds the warehouse; says which one and for how long we waited."""

    def __init__(self, path: str | Path, holder: str, waited: float):
        self.path = str(path)
        self.holder = holder
        self.waited = waited
        super().__init__(f"{self.path}: the warehouse is in use by {holder}; waited "
                         f"{waited:.0f} s. Try again when it has finished, or wait longer "
                         f"with --wait SECONDS")


def lock_path(working_path: str | Path) -> Path:
    working = Path(working_path)
    return working.with_name(working.name + ".lock")


def holder_record() -> str:
    """What the writer lock file says about this process (one JSON line)."""
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "python"
    return json.dumps({"pid": os.getpid(), "command": command[:200],
                       "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")},
                      ensure_ascii=False)


def describe_holder(working_path: str | Path, pid: int | None = None) -> str:
    """``process 123 (jamlik compute, since 2026-12-07 22:10:05 UTC)`` from the writer lock
    file, or from ``/proc`` when only the process id (DuckDB's message) is known."""
    try:
        info = json.loads(lock_path(working_path).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if isinstance(info, dict) and info.get("pid") and (pid is None or info["pid"] == pid) \
            and _alive(info["pid"]):
        return f"process {info['pid']} ({info.get('command')}, since {info.get('started')})"
    if pid is None:
        return "another process"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").strip()
    except OSError:
        command = ""
    return f"process {pid}" + (f" ({command[:120]})" if command else "")


def _alive(pid: int) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError, OverflowError):
        return False
    return True


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def open_warehouse(path: str | Path, *, read_only: bool = False, wait: float = DEFAULT_WAIT,
                   notify: Notify | None = None, **options):
    """A :class:`~jamlik.store.Warehouse` on ``path``, waiting up to ``wait`` seconds while
    another process holds it (``notify`` hears once who that is)."""
    import duckdb

    from jamlik.store.warehouse import Warehouse

    started = time.monotonic()
    told = False
    while True:
        try:
            return Warehouse(path, read_only=read_only, **options)
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise
            found = _DUCKDB_PID.search(str(exc))
            holder = describe_holder(path, int(found[1]) if found else None)
            waited = time.monotonic() - started
            if waited >= wait:
                raise WarehouseBusy(path, holder, waited) from None
            if notify is not None and not told:
                notify(holder)
                told = True
            time.sleep(min(_POLL, max(wait - waited, 0.01)))
