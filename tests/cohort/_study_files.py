"""A tiny, valid study folder (four CSV extracts, spec, key) for error and fuzz tests.

Identity numbers are synthetic: birth dates 1950-01-01…, serial 900–999 and a correct Luhn digit
(``jamlik.model.identity.luhn_check_digit``); they say nothing about anyone.
"""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from jamlik.model.identity import luhn_check_digit

FILES = {"quality": "kvalitet.csv", "population": "lisa.csv", "death": "dors.csv", "patient": "par.csv"}


def personnummer(i: int) -> str:
    nine = f"500{1 + i // 28:02d}{1 + i % 28:02d}"[1:] + f"{900 + i:03d}"
    return f"19{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


def texts(n: int = 12) -> dict[str, str]:
    """CSV text of each register extract for ``n`` persons."""
    ids = [personnummer(i) for i in range(n)]
    quality = ["personnummer;INDATUM;ALDER;KON;PCI"] + [
        f"{p};2016-0{1 + i % 9}-1{i % 10};{60 + i};{1 + i % 2};{i % 2}" for i, p in enumerate(ids)]
    population = ["personnummer;AR;Sun2000niva_old;DispInkKE04"] + [
        f"{p};2015;{1 + i % 7};{1500 + 100 * i},5" for i, p in enumerate(ids)]
    death = ["personnummer;DODSDAT;ULORSAK"] + [f"{p};2018{1 + i % 9:02d}15;I219" for i, p in enumerate(ids[::3])]
    patient = ["personnummer;INDATUM;HDIA"] + [f"{p};2017-05-0{1 + i % 9};I639" for i, p in enumerate(ids[::2])]
    return {"quality": "\n".join(quality) + "\n", "population": "\n".join(population) + "\n",
            "death": "\n".join(death) + "\n", "patient": "\n".join(patient) + "\n"}


SPEC = """name: tiny
index_event: {period: {start: 2016-01-01, end: 2019-12-31}}
follow_up: {windows_years: [1, 5], end_of_data: 2024-12-31}
outcomes:
  - {name: death, include_death: true}
process_measures: [pci]
suppression: {min_count: 5}
files: {quality: kvalitet.csv, population: lisa.csv, death: dors.csv, patient: par.csv}
"""


def write_study(folder: Path, *, spec: str = SPEC) -> Path:
    """Write the extracts, ``studie.yaml`` and ``pseudonym.key`` into ``folder``; return the spec path."""
    folder.mkdir(parents=True, exist_ok=True)
    for reg, text in texts().items():
        (folder / FILES[reg]).write_text(text, encoding="utf-8")
    (folder / "pseudonym.key").write_text("ab" * 32 + "\n", encoding="utf-8")
    (folder / "studie.yaml").write_text(spec, encoding="utf-8")
    return folder / "studie.yaml"


@dataclass(frozen=True)
class CliResult:
    code: int
    text: str

    @property
    def error_lines(self) -> list[str]:
        return [ln for ln in self.text.splitlines() if ln.startswith("error:")]


def run_cli(*args: str | Path) -> CliResult:
    """``jamlik ARGS`` through :func:`jamlik.cli.main` (jamlik's errors → one line, exit status 2)."""
    from jamlik.cli import main

    out = io.StringIO()
    argv, sys.argv = sys.argv, ["jamlik", *map(str, args)]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
    return CliResult(code, out.getvalue())
