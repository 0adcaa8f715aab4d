"""Named queries: what other layers ask of the warehouse or a snapshot, by name.

Every function takes an open connection (a :class:`jamlik.store.Warehouse`'s ``con`` or a
read-only :data:`jamlik.store.Connection`) and returns plain Python values or Arrow/polars
frames, so no SQL string lives outside ``store``. The engine's computations stay Ibis
expressions (:meth:`jamlik.store.Warehouse.ibis`); these are the lookups around them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from jamlik.store.connection import Connection
from jamlik.store.schema import OBSERVATION_COLUMNS, select_list

if TYPE_CHECKING:
    from jamlik.store.warehouse import LoadSession


# -- engine ------------------------------------------------------------------------------------
# What the engine reads around its Ibis expressions (area relations, loaded observations and
# source values, what its fingerprints are made of) and the bookkeeping it writes.

#: The column of ``areas`` that holds the code of the area of a level an area lies in.
_CODE_AT_LEVEL = {"regso": "regso_code", "kommun": "kommun_code", "lan": "lan_code"}


def _quoted(table: str) -> str:
    """``table`` as a quoted SQL identifier."""
    return '"' + table.replace('"', '""') + '"'


def area_parents(con: Connection) -> pl.DataFrame:
    """``area_level, area_code, parent_code``: every area with the area one level up (a DeSO's
    RegSO, a RegSO's kommun, a kommun's län, a län's nation; the nation has none) and every
    vårdcentral with the kommun it lies in, taken from ``care_units`` (so a unit loaded after
    ``jamlik init`` has its kommun too)."""
    parents = pl.from_arrow(con.execute(
        "SELECT level AS area_level, code AS area_code, parent_code FROM areas "
        "WHERE level <> 'vardcentral' UNION ALL "
        "SELECT 'vardcentral', code, kommun_code FROM care_units").to_arrow_table())
    return parents.cast({c: pl.Utf8 for c in parents.columns})


def area_ancestors(con: Connection, pairs: Iterable[tuple[str, str]]) -> pl.DataFrame:
    """``code, level, parent``: every area of each child level of ``pairs`` —
    ``(child level, ancestor level)``, e.g. ``("deso", "kommun")`` — with the code of the area of
    the ancestor level it lies in (``'SE'`` for ``"nation"``).

    Unlike :func:`area_parents` this may skip levels: a DeSO's kommun rather than its RegSO.
    """
    pairs = list(pairs)
    children = [child for child, _ in pairs]
    if len(set(children)) != len(children):
        raise ValueError(f"one ancestor level per child level, got {pairs!r}")
    cases, params = [], []
    for child, ancestor in pairs:
        if ancestor == "nation":
            cases.append("WHEN ? THEN 'SE'")
        elif ancestor in _CODE_AT_LEVEL:
            cases.append(f"WHEN ? THEN {_CODE_AT_LEVEL[ancestor]}")
        else:
            raise ValueError(f"ancestor level {ancestor!r}: expected one of "
                             f"{[*_CODE_AT_LEVEL, 'nation']}")
        params.append(child)
    return pl.from_arrow(con.execute(
        f"SELECT code, level, CASE level {' '.join(cases)} END AS parent FROM areas "
        "WHERE level IN (SELECT unnest(?::VARCHAR[]))", [*params, children]).to_arrow_table())


def kommuner_outside(con: Connection, lan: str) -> set[str]:
    """The codes of the kommuner of ``areas`` that lie outside the län ``lan``."""
    return {r[0] for r in con.execute(
        "SELECT code FROM areas WHERE level = 'kommun' AND left(code, 2) <> ?", [lan]
    ).fetchall()}


def observations_for(con: Connection, indicator_ids: Sequence[str], columns: Sequence[str], *,
                     except_breakdowns: Sequence[str] = ()) -> pl.DataFrame:
    """The ``columns`` (of :data:`~jamlik.store.schema.OBSERVATION_COLUMNS`) of the
    ``observations`` rows of ``indicator_ids``, without the rows of the breakdowns in
    ``except_breakdowns``."""
    unknown = [c for c in columns if c not in OBSERVATION_COLUMNS]
    if unknown:
        raise ValueError(f"observations has no column {unknown[0]!r}")
    return pl.from_arrow(con.execute(
        f"SELECT {select_list(tuple(columns))} FROM observations "
        "WHERE indicator_id IN (SELECT unnest(?::VARCHAR[])) "
        "AND breakdown NOT IN (SELECT unnest(?::VARCHAR[]))",
        [list(indicator_ids), list(except_breakdowns)]).to_arrow_table())


def observed_indicator_ids(con: Connection) -> list[str]:
    """The indicators that have rows in ``observations``, sorted."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT indicator_id FROM observations ORDER BY 1").fetchall()]


def replace_indicator_rows(load: LoadSession, table: str, data: Any,
                           indicator_ids: Sequence[str]) -> int | None:
    """Replace the rows of ``indicator_ids`` in ``table`` (``observations``, ``inequalities``,
    ``gaps``) by ``data`` within ``load``; see :meth:`~jamlik.store.LoadSession.replace_rows`."""
    return load.replace_rows(table, data, where="indicator_id IN (SELECT unnest(?::VARCHAR[]))",
                             params=[list(indicator_ids)])


def source_values_for(con: Connection, indicator_id: str, levels: Iterable[str]
                      ) -> pl.DataFrame:
    """The ``source_values`` rows of one indicator whose area is of one of ``levels``, with the
    area's level as ``area_level``."""
    return pl.from_arrow(con.execute(
        "SELECT v.source, v.indicator_id, v.area_code, v.period, v.sex, v.value, v.numerator, "
        "v.denominator, v.load_id, a.level AS area_level FROM source_values v "
        "JOIN areas a ON a.code = v.area_code WHERE v.indicator_id = ? "
        "AND a.level IN (SELECT unnest(?::VARCHAR[]))",
        [indicator_id, [str(lv) for lv in levels]]).to_arrow_table())


def table_rows(con: Connection, table: str) -> int:
    """The number of rows of ``table``."""
    return con.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()[0]


def latest_load_id(con: Connection, table: str) -> int | None:
    """The id of the latest load into ``table`` (None when it was never loaded)."""
    return con.execute("SELECT max(load_id) FROM loads WHERE target = ?", [table]).fetchone()[0]


def latest_year(con: Connection, table: str) -> int | None:
    """The latest ``year`` of ``table`` (None when it is empty)."""
    return con.execute(f"SELECT max(year) FROM {_quoted(table)}").fetchone()[0]


def survey_questions(con: Connection) -> list[dict[str, Any]]:
    """Every row of ``survey_questions`` as a dict, by question."""
    cursor = con.execute("SELECT * FROM survey_questions ORDER BY question")
    rows = cursor.fetchall()
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in rows]


def last_compute_fingerprints(con: Connection) -> dict[str, str]:
    """Indicator → input fingerprint as the latest ``compute_runs`` row holds them (empty before
    the first run)."""
    row = con.execute("SELECT fingerprints FROM compute_runs ORDER BY finished_at DESC "
                      "LIMIT 1").fetchone()
    return json.loads(row[0]) if row else {}


def record_compute_run(con: Connection, *, run_id: str, started_at: datetime,
                       finished_at: datetime, indicators: Sequence[str], rows: int,
                       fingerprints: dict[str, str]) -> None:
    """Add a row to ``compute_runs``: the indicators computed, the rows written and the
    fingerprint of every indicator's inputs (read back by :func:`last_compute_fingerprints`)."""
    con.execute("INSERT INTO compute_runs VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, started_at, finished_at, ",".join(indicators), rows,
                 json.dumps(fingerprints)])


# -- strategy ----------------------------------------------------------------------------------
def observations_for_indicators(con, indicator_ids: list[str], *, area_level: str | None = None):
    """Every observation of ``indicator_ids`` (of one ``area_level`` when given), as a polars
    frame."""
    sql = ("SELECT * FROM observations WHERE indicator_id IN (SELECT unnest(?))"
           + (" AND area_level = ?" if area_level else ""))
    args = [indicator_ids, area_level] if area_level else [indicator_ids]
    return con.execute(sql, args).pl()


def total_series(con, indicator_id: str, area_codes: list[str]) -> list[tuple]:
    """``(area_code, year, value, lower_95, upper_95)`` of the published totals of one indicator
    for ``area_codes`` (not suppressed, with a value), by area and year: a goal's trend."""
    return con.execute(
        "SELECT area_code, year, value, lower_95, upper_95 FROM observations WHERE "
        "indicator_id = ? AND breakdown = 'total' AND NOT suppressed AND value IS NOT NULL "
        "AND area_code IN (SELECT unnest(?)) ORDER BY area_code, year",
        [indicator_id, area_codes]).fetchall()


def latest_totals(con, indicator_ids: list[str], area_code: str) -> list[tuple]:
    """``(indicator_id, year, value, lower_95, upper_95, trend, judgement_nation, suppressed)``
    of the latest year's total of each of ``indicator_ids`` for one area."""
    return con.execute(
        "SELECT indicator_id, year, value, lower_95, upper_95, trend, judgement_nation, "
        "suppressed FROM observations WHERE indicator_id IN (SELECT unnest(?)) AND "
        "area_code = ? AND breakdown = 'total' QUALIFY row_number() OVER (PARTITION BY "
        "indicator_id ORDER BY year DESC) = 1", [indicator_ids, area_code]).fetchall()


def has_areas(con) -> bool:
    """Whether the database has an ``areas`` table with at least one row (else the built-in
    registry stands in)."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                         "table_name = 'areas'").fetchone()[0]
    return bool(exists) and bool(con.execute("SELECT count(*) FROM areas").fetchone()[0])


# -- strategy places ---------------------------------------------------------------------------
#: The columns of ``observations`` goal fulfilment reads.
GOAL_OBSERVATION_COLUMNS = (
    "indicator_id", "year", "area_level", "area_code", "breakdown", "group_value", "value",
    "lower_95", "upper_95", "trend", "suppressed", "parent_code", "numerator", "denominator",
    "synthetic",
)


def has_observations(con) -> bool:
    """Whether the database ``con`` reads has an ``observations`` table."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = "
                            "'observations'").fetchone()[0])


def goal_observations(con, indicators: list[str], codes: list[str]) -> pl.DataFrame:
    """:data:`GOAL_OBSERVATION_COLUMNS` of ``indicators`` for the areas ``codes`` and their direct
    sub-areas (rows whose ``parent_code`` is one of ``codes``)."""
    return con.execute(
        f"SELECT {select_list(GOAL_OBSERVATION_COLUMNS)} FROM observations "
        "WHERE indicator_id IN (SELECT unnest(?)) "
        "AND (area_code IN (SELECT unnest(?)) OR parent_code IN (SELECT unnest(?)))",
        [indicators, codes, codes]).pl()


def synthetic_observation_pairs(con, indicators: list[str], codes: list[str]) -> set[tuple[str, str]]:
    """``(indicator_id, area_code)`` of ``indicators`` × ``codes`` with synthetic observations."""
    return set(con.execute(
        "SELECT DISTINCT indicator_id, area_code FROM observations WHERE "
        "coalesce(synthetic, false) AND indicator_id IN (SELECT unnest(?)) AND "
        "area_code IN (SELECT unnest(?))", [indicators, codes]).fetchall())


# -- survey ----------------------------------------------------------------------------------
def survey_question_ids(con: Connection) -> set[str]:
    """The survey questions loaded (``survey_questions.question``)."""
    return {r[0] for r in con.execute("SELECT question FROM survey_questions").fetchall()}


def national_survey(con: Connection, measure: str) -> pa.Table:
    """The national survey's published ``year, sex, estimate, se, respondents`` of one
    measure."""
    return con.execute("SELECT year, sex, estimate, se, respondents FROM national_survey "
                       "WHERE measure = ?", [measure]).to_arrow_table()


def national_survey_rows(con: Connection, measure: str) -> int:
    """How many national survey rows one measure has."""
    return con.execute("SELECT count(*) FROM national_survey WHERE measure = ?",
                       [measure]).fetchone()[0]


def synthetic_loads(con: Connection, targets: Iterable[str]) -> dict[str, bool]:
    """Whether any load into each of ``targets`` was synthetic (False when never loaded)."""
    targets = list(targets)
    rows = dict(con.execute(
        "SELECT target, bool_or(coalesce(synthetic, false)) FROM loads "
        "WHERE target IN (SELECT unnest(?)) GROUP BY 1", [targets]).fetchall())
    return {t: bool(rows.get(t)) for t in targets}
