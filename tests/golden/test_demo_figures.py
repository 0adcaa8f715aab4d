"""Every figure the demo publishes, pinned by fingerprints per table.

A refactor must leave these unchanged. Per table the fingerprint holds, exactly, a digest of every
column that is not a floating-point number (codes, groups, flags, comparisons, trends, which cells
are suppressed); and, per indicator and floating-point column, the number of values, their sum
and a sum weighted by a hash of each row's key (so a value that moves to another row is caught).
Floating-point fingerprints are compared to 1e-9 relative: DuckDB's parallel sums do not add in
a fixed order, so two runs of the same code differ in the last bits (up to about 1e-11).

When a change is meant to move figures, regenerate with
``python tests/golden/test_demo_figures.py <published snapshot>`` and say which moved and why.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

import pytest

FINGERPRINTS = Path(__file__).with_name("demo_figures.json")
#: Columns that say when or in which load a row was made, not what it says.
VOLATILE = {"computed_at", "load_id", "loaded_at", "started_at", "finished_at"}
#: Table → the column the floating-point sums are taken per.
TABLES = {"observations": "indicator_id", "inequalities": "indicator_id",
          "gaps": "indicator_id", "le_decomposition": "comparison"}
RELATIVE = 1e-9


def _quote(name: str) -> str:
    return '"' + name + '"'


def table_fingerprint(con, table: str) -> dict:
    """The fingerprint of ``table`` (see the module docstring)."""
    described = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {_quote(table)}").fetchall()
                 if r[0] not in VOLATILE]
    floats = [c for c, t in described if t in ("DOUBLE", "FLOAT", "REAL")]
    keys = [c for c, _ in described if c not in floats]
    key = "concat_ws('|', " + ", ".join(f"coalesce(CAST({_quote(c)} AS VARCHAR), '∅')"
                                        for c in keys) + ")"
    h = hashlib.sha256("\t".join(keys).encode())
    rows = con.execute(f"SELECT {key} AS k FROM {_quote(table)} ORDER BY k").fetchall()
    for (row,) in rows:
        h.update(row.encode() + b"\n")
    by = TABLES[table]
    weight = f"(hash({key}) % 1000003) / 1000003.0"
    sums = {}
    for c in floats:
        q = _quote(c)
        for group, n, total, weighted in con.execute(
                f"SELECT {_quote(by)}, count({q}), sum({q}), sum({q} * {weight}) "
                f"FROM {_quote(table)} WHERE isfinite({q}) GROUP BY 1 ORDER BY 1").fetchall():
            sums[f"{group}/{c}"] = [n, total, weighted]
    return {"rows": len(rows), "keys": h.hexdigest(), "sums": sums}


def fingerprints(path: Path, tables=tuple(TABLES)) -> dict[str, dict]:
    from jamlik.store.connection import connect_read_only

    con = connect_read_only(path)
    try:
        return {t: table_fingerprint(con, t) for t in tables}
    finally:
        con.close()


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("table", list(TABLES))
def test_published_figures_unchanged(demo_db_computed, table):
    from jamlik.model import Settings

    expected = json.loads(FINGERPRINTS.read_text())[table]
    got = fingerprints(Settings(db_path=demo_db_computed).published, [table])[table]
    assert (got["rows"], got["keys"]) == (expected["rows"], expected["keys"]), (
        f"the demo's {table} changed (rows, codes, flags or comparisons)")
    assert got["sums"].keys() == expected["sums"].keys()
    moved = [k for k, (n, s, w) in got["sums"].items()
             if n != expected["sums"][k][0] or not _close(s, expected["sums"][k][1])
             or not _close(w, expected["sums"][k][2])]
    assert not moved, f"figures moved in {table}: {moved[:10]}"


if __name__ == "__main__":
    FINGERPRINTS.write_text(json.dumps(fingerprints(Path(sys.argv[1])), indent=1) + "\n")
