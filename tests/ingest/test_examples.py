"""examples/: every kind's example file loads with the exact commands of examples/README.md, in
its order, into a fresh warehouse (and ``jamlik compute`` runs on it), and the loads report what
the README's table says."""

from __future__ import annotations

import re
import shlex
from collections import Counter

import duckdb
import pytest
from _ingest_helpers import ROOT, run_cli

from jamlik.ingest import KINDS

README = ROOT / "examples" / "README.md"
SUMMARY = re.compile(r"^(?P<kind>[\w-]+): (?P<read>\d+) rows read, (?P<kept>\d+) kept, "
                     r"(?P<rejected>\d+) rejected(?:, (?P<skipped>\d+) skipped)?", re.M)


def _commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    return [shlex.split(line) for line in block.splitlines() if line.startswith("jamlik ")]


def _expected() -> dict[str, dict]:
    """The README's table "What the loads report": kind → read, kept, rejected, skipped, written."""
    text = README.read_text(encoding="utf-8").split("What the loads report", 1)[1]
    out = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] not in KINDS:
            continue
        skipped = re.match(r"\d+", cells[4])
        out[cells[0]] = {"read": int(cells[1]), "kept": int(cells[2]),
                         "rejected": int(cells[3]), "skipped": int(skipped[0]) if skipped else 0,
                         "written": {t: int(n) for t, n in re.findall(r"`(\w+)` (\d+)", cells[5])}}
    return out


def test_the_readme_covers_every_kind():
    loaded = [c[2] for c in _commands() if c[1] == "load"]
    assert sorted(loaded) == sorted(KINDS)
    assert sorted(_expected()) == sorted(KINDS)
    for command in _commands():
        for arg in command:
            if arg.startswith("examples/"):
                assert (ROOT / arg).is_file(), f"{arg} is named in examples/README.md"


def test_the_examples_load_in_the_documented_order(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the README's paths are relative to the repository root
    db, key = tmp_path / "exempel.duckdb", tmp_path / "exempel.key"
    expected = _expected()
    summaries = {}
    for command in _commands():
        if command[1] == "serve":
            continue
        args = [str(db) if a == "exempel.duckdb" else str(key) if a == "exempel.key" else a
                for a in command[1:]]
        result = run_cli(*args)
        assert result.code == 0, result.text
        if command[1] == "load":
            m = SUMMARY.search(result.text)
            assert m and m["kind"] == command[2], result.text
            summaries[m["kind"]] = {k: int(m[k] or 0) for k in
                                    ("read", "kept", "rejected", "skipped")}
    for kind, want in expected.items():
        got = summaries[kind]
        assert got == {k: want[k] for k in got}, kind
        assert got["read"] == got["kept"] + got["rejected"] + got["skipped"], kind
    written = Counter()
    for want in expected.values():
        written.update(want["written"])
    with duckdb.connect(str(db), read_only=True) as con:
        for table, n in written.items():
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == n, table
        assert con.execute("SELECT count(*) FROM areas WHERE level = 'vardcentral'"
                           ).fetchone()[0] == 3
        # what the files are about, checked on a few rows
        assert con.execute("SELECT count(DISTINCT person_id) FROM person_years").fetchone()[0] \
            == 19
        assert sorted(r[0] for r in con.execute("SELECT condition FROM care_events").fetchall()) == \
            ["copd", "fall_injury", "heart_failure", "hip_fracture", "mi", "mi", "stroke"]
        assert con.execute("SELECT death_date FROM deaths WHERE underlying_cause = 'F039'"
                           ).fetchone()[0].isoformat() == "2023-06-15"  # day 00 → the 15th
        assert con.execute("SELECT sum(value) FROM aggregates WHERE area_code = 'SE' AND "
                           "year = 2022 AND variable = 'population'").fetchone()[0] == \
            pytest.approx(10_521_556)  # SCB: Sweden on 31 December 2022 (PROVENANCE.md)
        synthetic = dict(con.execute("SELECT kind, bool_and(synthetic) FROM loads "
                                     "WHERE kind IS NOT NULL GROUP BY 1").fetchall())
        assert synthetic.pop("aggregates") is False  # the real national figures
        assert sorted(synthetic) == sorted(set(KINDS) - {"aggregates"})
        assert all(synthetic.values()), synthetic  # everything about the synthetic people
