"""Read a load's files into the staging area: columns renamed to the layout, values recoded,
identity numbers replaced by keyed pseudonyms batch by batch, and every problem an issue row.

The staging table ``raw`` has ``__file`` (index into the load's files), ``__row`` (the row the
user sees), one VARCHAR column per layout column found (absent optional columns are NULL),
``q__<id>`` per declared survey question, ``m__<id>`` per wide measure and ``v__<name>`` per
aggregate variable; an identity column ``c`` becomes ``c`` (pseudonym), ``c__reason``,
``c__masked`` and, for personnummer, ``c__birth`` and ``c__sex``.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from jamlik.ingest import _sql
from jamlik.ingest.layouts import LAYOUTS, Layout
from jamlik.ingest.mapping import LoadMapping
from jamlik.model.errors import DataError, SchemaError
from jamlik.model.identity import mask_in_text
from jamlik.sources.extract import ExtractFile, open_extract
from jamlik.store.staging import MemoTable, Staging

ISSUE_COLUMNS = ("file", "row", "column", "reason", "value", "action")
REJECTED, SET_MISSING, IMPUTED = "rejected", "set_missing", "imputed"
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
Progress = Callable[[str, float], None]


@dataclass
class StagedFile:
    index: int
    name: str
    format: str
    content_hash: str
    rows: int = 0
    bad_lines: int = 0
    skipped_lines: int = 0


@dataclass
class Staged:
    """What is in the staging table ``raw`` of one load."""

    kind: str
    files: list[StagedFile]
    columns: set[str]
    identity: list[str]
    questions: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows + f.bad_lines for f in self.files)


class Issues:
    """Problems found in the staged rows, one row each, in the staging table ``issues``."""

    def __init__(self, st: Staging):
        self.st = st
        st.create("issues", "SELECT NULL::VARCHAR AS file, NULL::BIGINT AS row, "
                  "NULL::VARCHAR AS \"column\", NULL::VARCHAR AS reason, NULL::VARCHAR AS value, "
                  "NULL::VARCHAR AS action WHERE false")

    def add(self, where: str, column: str, reason: str, value: str, *,
            action: str = REJECTED, table: str = "raw", reason_is_sql: bool = False,
            column_is_sql: bool = False) -> int:
        """Record an issue for every row of ``table`` matching ``where`` (SQL); returns how many.

        ``value`` is an SQL expression (cast to text); ``reason`` a fixed text unless
        ``reason_is_sql``."""
        st = self.st
        why = reason if reason_is_sql else "'" + reason.replace("'", "''") + "'"
        before = st.scalar(f"SELECT count(*) FROM {st['issues']}")
        st.execute(
            f"INSERT INTO {st['issues']} SELECT f.__fname, r.__row, "
            f"{column if column_is_sql else repr(column)}, {why}, CAST({value} AS VARCHAR), "
            f"'{action}' "
            f"FROM {st[table]} r JOIN {st['files']} f ON r.__file = f.__fidx "
            f"WHERE ({where}) AND NOT EXISTS (SELECT 1 FROM {st['issues']} i "
            f"JOIN {st['files']} g ON i.file = g.__fname WHERE g.__fidx = r.__file AND i.row = r.__row "
            f"AND i.action = 'rejected' AND '{action}' = 'rejected')")
        return st.scalar(f"SELECT count(*) FROM {st['issues']}") - before

    def add_rows(self, rows: Sequence[tuple]) -> None:
        if not rows:
            return
        table = pa.table({name: pa.array([r[i] for r in rows],
                                         pa.int64() if name == "row" else pa.string())
                          for i, name in enumerate(ISSUE_COLUMNS)})
        view = self.st.put("issues_new", table)
        self.st.execute(f"INSERT INTO {self.st['issues']} SELECT * FROM {view}")
        self.st.drop("issues_new")

    def rejected_keys(self) -> str:
        """SQL of the (file index, row) pairs of rejected rows."""
        st = self.st
        return (f"SELECT DISTINCT f.__fidx AS __file, i.row AS __row FROM {st['issues']} i "
                f"JOIN {st['files']} f ON i.file = f.__fname WHERE i.action = 'rejected'")

    def count(self, action: str = REJECTED) -> int:
        return self.st.scalar(f"SELECT count(*) FROM (SELECT DISTINCT file, row FROM "
                              f"{self.st['issues']} WHERE action = ?)", [action])

    def first(self) -> tuple | None:
        """The first rejected row's issue (in file order, then row)."""
        st = self.st
        return st.first(f"SELECT i.file, i.row, i.\"column\", i.value, i.reason FROM "
                        f"{st['issues']} i JOIN {st['files']} f ON i.file = f.__fname "
                        f"WHERE i.action = 'rejected' ORDER BY f.__fidx, i.row, i.\"column\" LIMIT 1")

    def table(self) -> pa.Table:
        """Every issue, in file order, with the column named as in the user's file."""
        st = self.st
        names = (f"LEFT JOIN {st['colnames']} c ON c.__fidx = f.__fidx AND c.layout = i.\"column\""
                 if "colnames" in st else "")
        column = 'coalesce(c.file_col, i."column")' if names else 'i."column"'
        return st.arrow(f"SELECT i.file, i.row, {column} AS \"column\", i.reason, i.value, "
                        f"i.action FROM {st['issues']} i JOIN {st['files']} f "
                        f"ON i.file = f.__fname {names} ORDER BY f.__fidx, i.row, i.\"column\"")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _resolve(layout: Layout, mapping: LoadMapping, extract: ExtractFile) -> dict[str, str]:
    """Layout column → SQL expression over the file's columns (absent: not in the result)."""
    lower = {c.casefold(): c for c in extract.columns}
    out: dict[str, str] = {}
    for column in layout.columns:
        if column.name in mapping.constants:
            out[column.name] = _lit(mapping.constants[column.name])
            continue
        if column.name in mapping.columns:
            wanted = mapping.columns[column.name]
            actual = lower.get(wanted.casefold())
            if actual is None:
                raise SchemaError(
                    f"the mapping names column {wanted!r} for {column.name!r}, but the file "
                    f"has no such column (columns: {', '.join(extract.columns[:25])})",
                    file=extract.name, column=wanted)
            out[column.name] = _quote(actual)
            continue
        for candidate in (column.name, *column.register_names):
            if candidate.casefold() in lower:
                out[column.name] = _quote(lower[candidate.casefold()])
                break
        else:
            if column.numbered:
                numbered = _numbered(extract.columns, column.numbered)
                if numbered:
                    parts = ", ".join(_quote(c) for c in numbered)
                    out[column.name] = f"nullif(trim(concat_ws(' ', {parts})), '')"
    return out


def _numbered(columns: Sequence[str], prefixes: Sequence[str]) -> list[str]:
    for prefix in prefixes:
        pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$", re.IGNORECASE)
        found = sorted((int(m[1]), c) for c in columns if (m := pattern.match(c)))
        if found:
            return [c for _, c in found]
    return []


def _recode(expr: str, recode: dict[str, str] | None) -> str:
    if not recode:
        return expr
    cases = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in recode.items())
    return f"CASE trim(CAST({expr} AS VARCHAR)) {cases} ELSE {expr} END"


def stage_files(st: Staging, kind: str, mapping: LoadMapping, paths: Sequence[Path], *,
                key_pads: dict[str, bytes] | None, progress: Progress | None = None
                ) -> tuple[Staged, Issues]:
    """Read every file of the load into the staging table ``raw`` (see the module docstring)."""
    layout = LAYOUTS[kind]
    report = progress or (lambda step, fraction: None)
    extracts = [open_extract(p, sheet=mapping.sheet, encoding=mapping.encoding,
                             delimiter=mapping.delimiter) for p in paths]
    names = [e.name for e in extracts]
    if len(set(names)) != len(names):
        raise DataError("two files of one load have the same name", value=names)
    st.put("files", pa.table({"__fidx": pa.array(range(len(extracts)), pa.int32()),
                              "__fname": pa.array(names, pa.string())}))
    issues = Issues(st)
    plans = [_plan(layout, mapping, e) for e in extracts]
    _file_columns(st, plans)
    columns = sorted({c for plan in plans for c in plan.columns})
    identity = [c.name for c in layout.columns if c.type == "identity" and c.name in columns]
    if identity and key_pads is None:
        raise DataError("this file has identity numbers; give the pseudonym key (--key-file)",
                        file=names[0], column=identity[0])
    questions = [q.id for q in mapping.questions]
    measures = sorted(mapping.measures)
    variables = sorted({v for plan in plans for v in plan.variables})
    staged = Staged(kind, [StagedFile(i, e.name, e.format, e.content_hash)
                           for i, e in enumerate(extracts)], set(columns), identity,
                    questions, measures, variables)
    ref = mapping.options.reference_year or _dt.date.today().year
    vault = IdentityVault(st, key_pads, mapping.options.id_kind, ref) if identity else None
    try:
        _read_all(st, extracts, plans, staged, issues, layout, mapping, columns, identity,
                  variables, vault, report)
    finally:
        if vault is not None:
            vault.close()
    if "raw" not in st:  # every file had a header and no rows
        raise DataError("the file has a header line but no data rows", file=names[0])
    return staged, issues


def _read_all(st, extracts, plans, staged, issues, layout, mapping, columns, identity,
              variables, vault, report) -> None:
    total = sum(max(e.path.stat().st_size, 1) for e in extracts)
    done_bytes = 0
    for e, plan, info in zip(extracts, plans, staged.files, strict=True):
        select = _select(plan, layout, mapping, columns, identity, variables, info.index)
        size = max(e.path.stat().st_size, 1)
        for batch in e.batches():
            info.rows += batch.num_rows
            if vault is not None:
                batch = vault.replace(batch, {c: plan.columns.get(c) for c in identity})
            st.append("raw", batch, select)
            report(f"{e.name}: {info.rows:,} rows".replace(",", " "),
                   (done_bytes + size * 0.5) / total)
        done_bytes += size
        info.bad_lines = len(e.bad_lines)
        info.skipped_lines = e.skipped_lines
        issues.add_rows([(e.name, b.row, "(line)",
                          f"expected {b.expected} fields separated by {e.delimiter!r}, "
                          f"found {b.found}", mask_in_text(b.text), REJECTED)
                         for b in e.bad_lines])


def _file_columns(st: Staging, plans: list[_Plan]) -> None:
    """Layout column → the file's own column name, per file (so messages name the latter)."""
    rows: list[tuple[int, str, str]] = []
    for index, plan in enumerate(plans):
        named = {**plan.columns, **plan.extra,
                 **{f"v__{v}": e for v, e in plan.variables.items()},
                 **plan.variables}
        for layout_name, expr in named.items():
            if expr.startswith('"') and expr.endswith('"'):
                file_col = expr[1:-1].replace('""', '"')
                if file_col != layout_name:
                    rows.append((index, layout_name, file_col))
    st.put("colnames", pa.table({"__fidx": pa.array([r[0] for r in rows], pa.int32()),
                                 "layout": pa.array([r[1] for r in rows], pa.string()),
                                 "file_col": pa.array([r[2] for r in rows], pa.string())}))


@dataclass
class _Plan:
    columns: dict[str, str]
    variables: dict[str, str]
    extra: dict[str, str]


def _plan(layout: Layout, mapping: LoadMapping, e: ExtractFile) -> _Plan:
    columns = _resolve(layout, mapping, e)
    for column in layout.columns:
        if column.required and column.name not in columns:
            raise SchemaError(
                f"required column of the {layout.kind} layout is missing (columns in the file: "
                f"{', '.join(e.columns[:25])}); name it in the mapping (columns: "
                f"{{{column.name}: …}})", file=e.name, column=column.name)
    for group in layout.one_of:
        if not any(c in columns for c in group):
            raise SchemaError(f"one of the columns {list(group)} is needed", file=e.name,
                              column=" / ".join(group))
    lower = {c.casefold(): c for c in e.columns}
    extra: dict[str, str] = {}

    def find(name: str, what: str) -> str:
        actual = lower.get(name.casefold())
        if actual is None:
            raise SchemaError(f"the mapping names column {name!r} for {what}, but the file has "
                              f"no such column", file=e.name, column=name)
        return _quote(actual)

    for q in mapping.questions:
        extra[f"q__{q.id}"] = find(q.column, f"question {q.id!r}")
    for m, col in mapping.measures.items():
        extra[f"m__{m}"] = find(col, f"measure {m!r}")
    variables: dict[str, str] = {}
    if layout.kind == "aggregates":
        if mapping.variables is not None:
            # Each file holds some of the declared variables (one file may have the
            # population, another the deaths); a file with none of them is an error below.
            for v, col in mapping.variables.items():
                if col.casefold() in lower:
                    variables[v] = _quote(lower[col.casefold()])
        else:
            used = {expr.strip('"').casefold() for expr in columns.values()}
            for c in e.columns:
                if c.casefold() in used:
                    continue
                if not _IDENTIFIER.match(c):
                    raise SchemaError(
                        "a count column's name must be lower-case letters, digits and "
                        "underscores (it becomes the variable a catalogue indicator names); "
                        "rename it in the mapping (variables: {population: …})",
                        file=e.name, column=c)
                variables[c] = _quote(c)
        if not variables:
            raise SchemaError("an aggregates file needs at least one count column (population, "
                              "deaths, …)" + (f"; the mapping's variables are "
                                              f"{sorted(mapping.variables)}"
                                              if mapping.variables else ""), file=e.name)
    return _Plan(columns, variables, extra)


def _select(plan: _Plan, layout: Layout, mapping: LoadMapping, columns: list[str],
            identity: list[str], variables: list[str], index: int) -> str:
    outs = [f"{index}::INTEGER AS __file", "__row"]
    for name in columns:
        expr = plan.columns.get(name)
        if name in identity:
            outs += [f"{_IDV}{name}{s} AS {name}{s}" for s in IdentityVault.SUFFIXES]
            continue
        value = "NULL::VARCHAR" if expr is None else \
            f"CAST({_recode(expr, mapping.values.get(name))} AS VARCHAR)"
        outs.append(f"{value} AS {name}")
    for name, expr in plan.extra.items():
        key = name.split("__", 1)[1]
        outs.append(f"CAST({_recode(expr, mapping.values.get(key))} AS VARCHAR) AS {name}")
    for v in variables:
        expr = plan.variables.get(v)
        outs.append(f"{'NULL::VARCHAR' if expr is None else f'CAST({expr} AS VARCHAR)'} "
                    f"AS v__{v}")
    return f"SELECT {', '.join(outs)} FROM {{batch}}"


_IDV = "__idv_"


class IdentityVault:
    """Identity numbers → keyed pseudonym and checks, computed once per distinct number.

    Each batch's identity columns are replaced (:meth:`replace`) before the batch reaches the
    staging area: the number itself never enters a staging table or file. The distinct numbers
    seen so far and their results are kept for the one load in a private in-memory database that
    cannot write to disk (:class:`jamlik.store.staging.MemoTable`), so a person who appears in
    every year of a population extract is checked and pseudonymised once.
    """

    SUFFIXES = ("", "__reason", "__masked", "__birth", "__sex")

    def __init__(self, st: Staging, pads: dict[str, bytes] | None, id_kind: str, ref: int):
        parts = _sql.identity_columns("x", "__id", id_kind=id_kind, reference_year=ref)
        ctes, source = [], "{batch}"
        for i, part in enumerate(parts):
            ctes.append(f"s{i} AS (SELECT *, {part} FROM {source})")
            source = f"s{i}"
        birth = "__id__birth" if id_kind == "personnummer" else "NULL::DATE"
        sex = "__id__sex" if id_kind == "personnummer" else "NULL::VARCHAR"
        self._memo = MemoTable(f"WITH {', '.join(ctes)} SELECT x, __id AS pid, "
                               f"__id__reason AS reason, __id__masked AS masked, "
                               f"{birth} AS birth, {sex} AS sex FROM {source}", pads or {})

    def _resolve(self, values: pa.Array) -> pa.Table:
        text = values.cast(pa.string()) if values.type != pa.string() else values
        return self._memo.resolve(pc.fill_null(text, ""))

    def close(self) -> None:
        self._memo.close()

    def replace(self, batch: pa.RecordBatch, columns: dict[str, str | None]) -> pa.RecordBatch:
        """``batch`` without its identity columns, with ``__idv_<name>`` and its checks."""
        table = pa.Table.from_batches([batch])
        drop = []
        for name, expr in columns.items():
            source = expr.strip('"').replace('""', '"') if expr else None
            values = table[source].combine_chunks() if source in table.column_names else \
                pa.nulls(table.num_rows, pa.string())
            if source in table.column_names:
                drop.append(source)
            resolved = self._resolve(values)
            for suffix, column in zip(self.SUFFIXES, resolved.columns, strict=True):
                table = table.append_column(f"{_IDV}{name}{suffix}", column)
        table = table.drop_columns(sorted(set(drop)))
        return table.combine_chunks().to_batches()[0] if table.num_rows else \
            pa.RecordBatch.from_pydict({c: [] for c in table.column_names},
                                       schema=table.schema)
