"""No module outside :mod:`jamlik.store` runs an SQL statement written as a string literal.

A call ``<anything>.execute("SELECT …")`` (a literal, an f-string or literals joined with ``+``)
outside ``store`` is a query another layer wrote for itself; it belongs in
:mod:`jamlik.store.queries` (or a :class:`jamlik.store.Warehouse` method), where one place
holds each query. The staging SQL of ``ingest`` (``_stage.py``, ``_sql.py``) is ingest's own.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jamlik

PACKAGE = Path(jamlik.__file__).parent
STATEMENT = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)

#: Modules allowed SQL of their own: ingest's staging area.
OWN_SQL = {"ingest/_stage.py", "ingest/_sql.py"}


def _literal(node: ast.AST) -> str | None:
    """The text of a string literal, f-string or ``+`` of them (None for anything else)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        if left is not None or right is not None:
            return (left or "") + (right or "")
    return None


def sql_calls(path: Path) -> list[int]:
    """Line numbers of ``.execute(<literal SQL statement>)`` calls in the file at ``path``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "execute" and node.args):
            text = _literal(node.args[0])
            if text is not None and STATEMENT.search(text):
                lines.append(node.lineno)
    return lines


def _offenders() -> dict[str, list[int]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name.startswith("store/") or name in OWN_SQL:
            continue
        lines = sql_calls(path)
        if lines:
            found[name] = lines
    return found


def test_no_sql_statement_outside_store():
    found = _offenders()
    assert not found, (
        "SQL statements outside jamlik.store (file: lines); add a named query to "
        f"jamlik.store.queries and call it instead: {found}")


def test_the_check_finds_literal_statements(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        'con.execute("SELECT 1")\n'
        'con.execute(f"select {x} FROM t")\n'
        'con.execute("INSERT INTO t " + rest)\n'
        'con.execute(sql)\n'
        'con.execute("SET threads = 1")\n', encoding="utf-8")
    assert sql_calls(source) == [1, 2, 3]
