"""What every kind shares: the load context, typed columns, and the checks that record issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jamlik.ingest import _sql
from jamlik.ingest._stage import REJECTED, Issues, Staged
from jamlik.ingest.mapping import LoadMapping
from jamlik.store.staging import Staging

#: Loads up to this many rows keep their typed rows in memory; larger ones stream.
MATERIALISE_ROWS = 2_000_000
LEVEL_SHAPE = {
    "kommun": ("^\\d{4}$", "malformed area code, expected 4 digits, e.g. '0580'"),
    "lan": ("^\\d{2}$", "malformed area code, expected 2 digits, e.g. '05'"),
    "deso": ("^\\d{4}[ABC]\\d{4}$",
             "malformed area code, expected kommun code + A/B/C + 4 digits, e.g. '0580C1010'"),
}


@dataclass
class Write:
    """One table the load writes: delete ``scope`` (SQL condition on the target table), then
    insert ``query`` (SQL over the staging area) into ``columns``."""

    table: str
    columns: tuple[str, ...]
    query: str
    scope: str
    params: Any = ()


@dataclass
class Output:
    writes: list[Write]
    #: rows deliberately not stored, by reason (e.g. care events outside the conditions)
    skipped: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    st: Staging
    staged: Staged
    issues: Issues
    mapping: LoadMapping
    home_region: str
    classifications: Any
    main: str = "main"  # the warehouse's own tables
    _joins: list[str] = field(default_factory=list)
    _classes: list[str] = field(default_factory=list)
    _pending: list[tuple[str, str, str]] = field(default_factory=list)
    _checks: list[tuple[str, str, str, str]] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.staged.columns

    def __getitem__(self, name: str) -> str:
        return self.st[name]

    def table(self, name: str) -> str:
        """A warehouse table by name (``main.areas``)."""
        return f"{self.main}.{name}"

    def lookup(self, name: str) -> str:
        """The classification lookup ``name`` as a staging table (put once)."""
        key = f"lookup_{name}"
        if key not in self.st:
            self.st.put(key, getattr(self.classifications, name).lookup())
        return self.st[key]

    @property
    def synthetic(self) -> bool:
        return self.mapping.options.synthetic

    # -- typed rows ----------------------------------------------------------------------------
    def typed(self, exprs: dict[str, str], source: str = "raw", name: str = "typed") -> str:
        """``name`` (a view) = every column of ``source`` plus ``exprs`` (column → SQL) and the
        classes and joins registered before (:meth:`classify`, :meth:`join`); then the
        classification checks are queued."""
        extra = [f"{sql} AS {col}" for col, sql in exprs.items()]
        joins = " ".join(self._joins)
        self._joins.clear()
        query = f"SELECT {', '.join(['r.*', *self._classes, *extra])} FROM {self.st[source]} r {joins}"
        # Read many times by the checks: kept in memory when that is cheap, else a view over
        # the staged Parquet files (recomputed per scan, memory bounded).
        small = self.staged.rows_read <= MATERIALISE_ROWS
        table = self.st.create(name, query) if small else self.st.view(name, query)
        self._classes.clear()
        pending, self._pending = self._pending, []
        for where, column, reason in pending:
            self.reject(where, column, reason)
        return table

    def join(self, alias: str, query: str, on: str) -> None:
        """A LEFT JOIN of the next :meth:`typed`: ``query`` must name its columns uniquely
        (e.g. ``__p_sex``) so that unqualified column names stay unambiguous."""
        self._joins.append(f"LEFT JOIN ({query}) {alias} ON {on}")

    def classify(self, column: str, lookup: str, reason: str, *,
                 missing: str | None = None, allowed_blank: tuple[str, ...] = ()) -> str:
        """Register ``{column}__g`` (the class of the value by the classification ``lookup``)
        for the next :meth:`typed`, which also rejects the values the classification does not
        know. Returns the SQL of the class (``missing`` for blank values, if given). Values in
        ``allowed_blank`` count as blank."""
        if not self.has(column):
            return "NULL"
        alias = f"__c{len(self._joins)}"
        self.join(alias, f"SELECT code AS {alias}_code, target AS {alias}_target "
                         f"FROM {self.lookup(lookup)}",
                  f"{alias}.{alias}_code = lower(trim(r.{column}))")
        self._classes.append(f"{alias}.{alias}_target AS {column}__g")
        blank = "".join(f" AND lower(trim({column})) <> '{b}'" for b in allowed_blank)
        self._pending.append((f"{_sql.present(column)} AND {column}__g IS NULL{blank}", column,
                              reason))
        return f"coalesce({column}__g, '{missing}')" if missing else f"{column}__g"

    def reject(self, where: str, column: str, reason: str, value: str | None = None, *,
               table: str = "typed", reason_is_sql: bool = False) -> None:
        """Reject the rows of ``table`` matching ``where`` (SQL): ``column`` and ``reason``
        name the rule, ``value`` (SQL, default the column) the value shown. Checks on
        ``typed`` are collected and run together in one scan (:meth:`flush`); a row gets the
        issue of its first failing check."""
        why = reason if reason_is_sql else "'" + reason.replace("'", "''") + "'"
        if table != "typed":
            self.flush()
            self.issues.add(where, column, why, value or column, table=table,
                            reason_is_sql=True)
            return
        self._checks.append((where, column, why, value or column))

    def flush(self) -> None:
        """Run the collected checks on ``typed`` in one scan."""
        if not self._checks:
            return
        checks, self._checks = self._checks, []

        def case(pick) -> str:
            return ("CASE " + " ".join(f"WHEN {w} THEN {pick(w, c, r, v)}"
                                       for w, c, r, v in checks) + " END")

        self.st.create("failed", f"""
            SELECT * FROM (
                SELECT __file, __row,
                       {case(lambda w, c, r, v: "'" + c + "'")} AS __col,
                       {case(lambda w, c, r, v: r)} AS __reason,
                       {case(lambda w, c, r, v: f"CAST({v} AS VARCHAR)")} AS __value
                FROM {self.st['typed']} r) WHERE __col IS NOT NULL""")
        self.issues.add("__col IS NOT NULL", "__col", "__reason", "__value", table="failed",
                        reason_is_sql=True, column_is_sql=True)
        self.st.drop("failed")

    def note(self, where: str, column: str, reason: str, value: str | None = None, *,
             action: str, table: str = "typed") -> int:
        self.flush()
        return self.issues.add(where, column, reason, value or column, action=action,
                               table=table)

    def not_rejected(self, table: str = "typed") -> str:
        self.flush()
        return (f"(SELECT t.* FROM {self.st[table]} t ANTI JOIN ({self.issues.rejected_keys()})"
                f" r ON t.__file = r.__file AND t.__row = r.__row)")

    def kept(self, source: str = "typed") -> str:
        """The rows of ``source`` that no check rejected (a view: ``kept``)."""
        return self.st.view("kept", f"SELECT * FROM {self.not_rejected(source)}")

    # -- checks --------------------------------------------------------------------------------
    def check_identity(self, column: str, *, required: bool = True) -> None:
        if not self.has(column):
            return
        where = f"{column}__reason IS NOT NULL"
        if not required:
            where += f" AND {column}__reason <> '{_sql_missing()}'"
        self.reject(where, column, f"{column}__reason", f"{column}__masked", reason_is_sql=True)


    def check_parsed(self, column: str, parsed: str, reason: str, *,
                     required: bool = False) -> None:
        """A value that is there but does not parse; and, if ``required``, one that is not."""
        if self.has(column):
            self.reject(f"{_sql.present(column)} AND {parsed} IS NULL", column, reason, column)
        if required:
            src = column if self.has(column) else "NULL"
            self.reject(f"NOT {_sql.present(src)}", column, "required value is missing", src)

    def check_range(self, column: str, parsed: str, low: float | None, high: float | None,
                    reason: str) -> None:
        cond = []
        if low is not None:
            cond.append(f"{parsed} < {low}")
        if high is not None:
            cond.append(f"{parsed} > {high}")
        if cond:
            self.reject(f"{parsed} IS NOT NULL AND ({' OR '.join(cond)})", column, reason, column)

    def check_area(self, column: str, level: str, *, vintage: str | None = None) -> None:
        """Shape, then existence (at ``level``; for DeSO in the row's ``vintage`` SQL)."""
        if not self.has(column):
            return
        shape, message = LEVEL_SHAPE[level]
        present = _sql.present(column)
        self.reject(f"{present} AND NOT regexp_matches(trim({column}), '{shape}')", column,
                    message, column)
        ok_shape = f"{present} AND regexp_matches(trim({column}), '{shape}')"
        if level == "deso" and vintage is not None:
            vintages = self.table("area_vintages")
            known = (f"trim({column}) || ':' || {vintage} IN "
                     f"(SELECT code || ':' || vintage FROM {vintages})")
            anywhere = f"trim({column}) IN (SELECT code FROM {vintages})"
            self.reject(f"{ok_shape} AND NOT {anywhere}", column, "unknown DeSO code", column)
            self.reject(f"{ok_shape} AND NOT {known}", column,
                        f"'DeSO code not in the declared vintage DeSO ' || {vintage} || "
                        f"' (see options.deso_vintage)'", column, reason_is_sql=True)
            return
        self.reject(f"{ok_shape} AND NOT {self.known_area(f'trim({column})', (level,))}",
                    column, f"unknown {level} code", column)

    def known_area(self, code: str, levels: tuple[str, ...]) -> str:
        """SQL: whether ``code`` (SQL) is an area of one of ``levels`` in the warehouse."""
        return (f"{code} IN (SELECT code FROM {self.table('areas')} "
                f"WHERE level IN {quoted_list(levels)})")

    def check_deso_known(self, column: str = "deso_code") -> None:
        """A DeSO code of any vintage (where the vintage of the rows is not known)."""
        if self.has(column):
            self.reject(f"{_sql.present(column)} AND trim({column}) NOT IN (SELECT code FROM "
                        f"{self.table('area_vintages')} WHERE level = 'deso')", column,
                        "unknown DeSO code")

    def check_in_home(self, column: str, kommun: str) -> None:
        """The kommun ``kommun`` (SQL) must lie in the home region."""
        if self.home_region == "SE":
            return
        self.reject(f"{kommun} IS NOT NULL AND left({kommun}, 2) <> '{self.home_region}'",
                    column, f"outside the home region {self.home_region} (jamlik init --region)",
                    column)

    def duplicates(self, keys: list[str], column: str, reason: str, *,
                   table: str = "typed") -> None:
        """Reject every row but the first (file order, then row) with the same ``keys``; the
        value shown is ``column``'s (an identity number masked)."""
        part = ", ".join(keys)
        self.st.create("dups", f"SELECT __file, __row FROM (SELECT __file, __row, row_number() "
                               f"OVER (PARTITION BY {part} ORDER BY __file, __row) AS k "
                               f"FROM {self.not_rejected(table)} WHERE "
                               f"{' AND '.join(f'{k} IS NOT NULL' for k in keys)}) WHERE k > 1")
        if self.st.scalar(f"SELECT count(*) FROM {self.st['dups']}"):
            self.issues.add(f"EXISTS (SELECT 1 FROM {self.st['dups']} d WHERE d.__file = "
                            f"r.__file AND d.__row = r.__row)", column, reason,
                            f"{column}__masked" if column in self.staged.identity else column,
                            table=table)
        self.st.drop("dups")


def _sql_missing() -> str:
    from jamlik.model.identity import REASON_MISSING

    return REASON_MISSING


def quoted_list(values) -> str:
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


REJECTED = REJECTED
