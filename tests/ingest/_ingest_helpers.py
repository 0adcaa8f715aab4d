"""Helpers shared by the ingest and pipeline tests: run the ``jamlik`` command in-process,
fingerprint a warehouse, and make synthetic personnummer."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parents[2]
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def error_lines(self) -> list[str]:
        return [ln for ln in self.text.splitlines() if ln.startswith("error:")]


def run_cli(*args: str | Path) -> CliResult:
    """``jamlik ARGS`` through :func:`jamlik.cli.main` (which turns jamlik's errors into one
    line and exit status 2), with its output captured."""
    from jamlik.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["jamlik", *map(str, args)]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
    return CliResult(code, out.getvalue(), err.getvalue())


def fingerprint(db: Path) -> dict[str, str]:
    """SHA-256 of the warehouse file and of its write-ahead log, if any."""
    out = {}
    for path in (db, db.with_name(db.name + ".wal")):
        if path.exists():
            out[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def personnummer(births: list[str], male: list[bool], seed: int = 1) -> list[str]:
    """Synthetic 12-digit personnummer (serial 900–999, valid Luhn digit) for ISO birth dates."""
    from jamlik.demo.extracts import synthetic_personnummer

    days = np.array([(dt.date.fromisoformat(b) - EPOCH).days for b in births])
    return synthetic_personnummer(days, np.asarray(male), np.random.default_rng(seed)).tolist()


def forms(pnr12: str) -> set[str]:
    """Every way a 12-digit personnummer can be written: 12 or 10 digits, with or without a
    separator."""
    return {pnr12, f"{pnr12[:8]}-{pnr12[8:]}", pnr12[2:], f"{pnr12[2:8]}-{pnr12[8:]}",
            f"{pnr12[2:8]}+{pnr12[8:]}"}


def dashed(pnr12: str) -> str:
    return f"{pnr12[:8]}-{pnr12[8:]}"
