"""Named queries: what other layers ask of the warehouse or a snapshot, by name.

Every function takes an open connection (a :class:`jamlik.store.Warehouse`'s ``con`` or a
read-only :data:`jamlik.store.Connection`) and returns plain Python values or Arrow/polars
frames, so no SQL string lives outside ``store``. The engine's computations stay Ibis
expressions (:meth:`jamlik.store.Warehouse.ibis`); these are the lookups around them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from jamlik.store.connection import Connection
from jamlik.store.public import observations_select
from jamlik.store.schema import OBSERVATION_COLUMNS, PROFILE_OBSERVATION_COLUMNS, select_list

if TYPE_CHECKING:
    from jamlik.store.warehouse import LoadSession


def _quoted(table: str) -> str:
    """``table`` as a quoted SQL identifier."""
    return '"' + table.replace('"', '""') + '"'


def _dicts(con, sql: str, params: Iterable = ()) -> list[dict]:
    """The rows of ``sql`` as dicts keyed by column name."""
    result = con.execute(sql, list(params))
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _in(values: Iterable) -> str:
    """``?`` placeholders for an ``IN (...)`` list of ``values``."""
    return ", ".join("?" for _ in values)


# -- the database's tables --------------------------------------------------------------------
def table_names(con) -> set[str]:
    """The tables of the database ``con`` reads (its current catalogue only)."""
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database()").fetchall()}


def has_table(con, name: str) -> bool:
    """Whether the database ``con`` reads has a table ``name``."""
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
        "AND table_catalog = current_database()", [name]).fetchone()[0])


def has_rows(con, table: str) -> bool:
    """Whether the database ``con`` reads has a table ``table`` holding any row."""
    if not has_table(con, table):
        return False
    return bool(con.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0])


def schema_version(con) -> int | None:
    """The highest migration applied to the database (``schema_version``)."""
    return con.execute("SELECT max(version) FROM schema_version").fetchone()[0]


def meta_values(con, keys: Iterable[str]) -> dict[str, str]:
    """The values of ``keys`` in ``meta`` (keys without a row left out)."""
    keys = list(keys)
    return dict(con.execute("SELECT key, value FROM meta WHERE key IN (SELECT unnest(?))",
                            [keys]).fetchall())


def survey_questions(con) -> list[dict]:
    """Every row of ``survey_questions``, by question."""
    return _dicts(con, "SELECT * FROM survey_questions ORDER BY question")


# -- engine ------------------------------------------------------------------------------------
# What the engine reads around its Ibis expressions (area relations, loaded observations and
# source values, what its fingerprints are made of) and the bookkeeping it writes.

#: The column of ``areas`` that holds the code of the area of a level an area lies in.
_CODE_AT_LEVEL = {"regso": "regso_code", "kommun": "kommun_code", "lan": "lan_code"}


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


# -- survey ----------------------------------------------------------------------------------
def national_survey(con: Connection, measure: str) -> pa.Table:
    """The national survey's published ``year, sex, estimate, se, respondents`` of one
    measure."""
    return con.execute("SELECT year, sex, estimate, se, respondents FROM national_survey "
                       "WHERE measure = ?", [measure]).to_arrow_table()


def national_survey_rows(con: Connection, measure: str) -> int:
    """How many national survey rows one measure has."""
    return con.execute("SELECT count(*) FROM national_survey WHERE measure = ?",
                       [measure]).fetchone()[0]


# -- sources ----------------------------------------------------------------------------------
# What ``jamlik refresh`` reads and records about its declared sources (``source_loads``).

#: The columns of ``source_loads`` (``006_sources.sql``), in the table's order.
SOURCE_LOAD_COLUMNS = ("source", "kind", "status", "content_hash", "periods", "rows", "load_id",
                       "fetched_at", "message", "url", "query", "indicators", "provenance")


def area_names(con) -> dict[str, str]:
    """Code → name of every area in the registry (``areas``)."""
    return dict(con.execute("SELECT code, name FROM areas").fetchall())


def last_source_loads(con) -> dict[str, tuple[str, str]]:
    """Source → (content hash, periods as a JSON list) of its latest successful load."""
    rows = con.execute(
        "SELECT source, content_hash, periods FROM source_loads WHERE status = 'loaded' "
        "QUALIFY row_number() OVER (PARTITION BY source ORDER BY fetched_at DESC) = 1").fetchall()
    return {s: (h, p) for s, h, p in rows}


def record_source_load(con, row: Mapping[str, Any]) -> None:
    """Add one attempt to ``source_loads``; ``row`` names every column of
    :data:`SOURCE_LOAD_COLUMNS`. The caller holds the transaction."""
    con.execute(f"INSERT INTO source_loads ({', '.join(SOURCE_LOAD_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in SOURCE_LOAD_COLUMNS)})",
                [row[c] for c in SOURCE_LOAD_COLUMNS])


# -- loads ------------------------------------------------------------------------------------
def synthetic_targets(con) -> frozenset[str]:
    """The tables that hold rows of a synthetic load."""
    return frozenset(r[0] for r in con.execute(
        "SELECT DISTINCT target FROM loads WHERE coalesce(synthetic, false)").fetchall())


def loaded_kinds(con) -> tuple[str, ...]:
    """The kinds of data loaded (``loads.kind``), in order."""
    return tuple(r[0] for r in con.execute(
        "SELECT DISTINCT kind FROM loads WHERE kind IS NOT NULL ORDER BY 1").fetchall())


def latest_loads(con, targets: Iterable[str]) -> list[dict]:
    """``target``, ``load_id``, ``source``, ``finished_at`` and ``content_hash`` of the newest
    load of each of ``targets``, by target."""
    targets = list(targets)
    return _dicts(
        con,
        "SELECT target, load_id, source, finished_at, content_hash FROM loads WHERE target IN ("
        + _in(targets) + ") QUALIFY row_number() OVER "
        "(PARTITION BY target ORDER BY load_id DESC) = 1 ORDER BY target", targets)


def recent_sources(con, limit: int = 10) -> list[dict]:
    """Per source, newest first (at most ``limit``): its ``kinds``, how many ``tables`` and
    ``rows`` it loaded, when it ``finished`` last and whether any load was ``synthetic``."""
    return _dicts(
        con,
        "SELECT source, string_agg(DISTINCT kind, ', ') AS kinds, count(*) AS tables, "
        "sum(rows) AS rows, max(finished_at) AS finished, bool_or(synthetic) AS synthetic "
        f"FROM loads GROUP BY source ORDER BY finished DESC LIMIT {int(limit)}")


# -- the area registry -----------------------------------------------------------------------
def whole_table(con: Connection, table: str) -> pa.Table:
    """Every row of ``table`` as Arrow."""
    return con.execute(f"SELECT * FROM {_quoted(table)}").to_arrow_table()


def areas_by_vintage(con: Connection, level: str) -> dict[str, int]:
    """How many areas of ``level`` each vintage of the registry has (``area_vintages``)."""
    return {v: int(n) for v, n in con.execute(
        "SELECT vintage, count(*) FROM area_vintages WHERE level = ? GROUP BY 1 ORDER BY 1",
        [level]).fetchall()}


# -- reading published figures ----------------------------------------------------------------
#: The columns of ``observations`` the profile queries return.
_PROFILE = select_list(PROFILE_OBSERVATION_COLUMNS)


def last_computed(con) -> Any:
    """When the newest observation was computed (None without any)."""
    row = con.execute("SELECT max(computed_at) FROM observations").fetchone()
    return row[0] if row else None


def area_observations(con, code: str, comparators: Iterable[str]) -> list[dict]:
    """What an area profile shows: the totals of ``code`` and its ``comparators`` over all
    years, and the breakdown groups of ``code`` alone in each indicator's latest year; by
    indicator and year."""
    codes = [code, *comparators]
    return _dicts(
        con,
        f"SELECT {_PROFILE} FROM observations WHERE area_code IN ({_in(codes)}) "
        "AND breakdown = 'total' UNION ALL "
        f"SELECT {_PROFILE} FROM observations WHERE area_code = ? AND breakdown <> 'total' "
        "QUALIFY year = max(year) OVER (PARTITION BY indicator_id) "
        "ORDER BY indicator_id, year", [*codes, code])


def level_distribution(con, level: str, within: str | None = None) -> list[dict]:
    """Per indicator: ``min``, ``q1``, ``median``, ``q3``, ``max`` and ``n`` of the latest
    total values of the areas at ``level`` (whose codes start with ``within``, when given)."""
    extra, params = "", [level, level]
    if within:
        extra = " AND starts_with(o.area_code, ?)"
        params.append(within)
    return _dicts(
        con,
        "WITH latest AS (SELECT indicator_id, max(year) AS year FROM observations "
        "WHERE area_level = ? AND breakdown = 'total' GROUP BY 1) "
        "SELECT o.indicator_id, min(value) AS min, quantile_cont(value, 0.25) AS q1, "
        "median(value) AS median, quantile_cont(value, 0.75) AS q3, max(value) AS max, "
        "count(value) AS n FROM observations o JOIN latest USING (indicator_id, year) "
        "WHERE o.area_level = ? AND o.breakdown = 'total' AND o.value IS NOT NULL" + extra
        + " GROUP BY 1", params)


def latest_area_inequalities(con, code: str, dimension: str,
                             measures: Iterable[str]) -> list[dict]:
    """The rows of ``inequalities`` of ``code`` along ``dimension`` for ``measures``, each
    indicator's latest year."""
    measures = list(measures)
    return _dicts(
        con,
        f"SELECT * FROM inequalities WHERE area_code = ? AND dimension = ? "
        f"AND measure IN ({_in(measures)}) QUALIFY year = max(year) OVER "
        "(PARTITION BY indicator_id)", [code, dimension, *measures])


def area_inequalities(con, indicator_id: str, code: str, year: int) -> list[dict]:
    """Every inequality measure of ``indicator_id`` for ``code`` in ``year``, by dimension and
    measure."""
    return _dicts(con, "SELECT * FROM inequalities WHERE indicator_id = ? AND area_code = ? "
                       "AND year = ? ORDER BY dimension, measure", [indicator_id, code, year])


def latest_level_values(con, level: str, indicator_ids: Iterable[str]) -> list[dict]:
    """``area_code``, ``indicator_id`` and ``value`` of the totals at ``level`` of
    ``indicator_ids``, each indicator's latest year."""
    ids = list(indicator_ids)
    return _dicts(
        con,
        "SELECT area_code, indicator_id, value FROM observations "
        f"WHERE area_level = ? AND breakdown = 'total' AND indicator_id IN ({_in(ids)}) "
        "QUALIFY year = max(year) OVER (PARTITION BY indicator_id)", [level, *ids])


def indicator_years(con, indicator_id: str, level: str) -> list[int]:
    """The years with totals of ``indicator_id`` at ``level``, in order."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT year FROM observations WHERE indicator_id = ? AND area_level = ? "
        "AND breakdown = 'total' ORDER BY 1", [indicator_id, level]).fetchall()]


def indicator_at_level(con, indicator_id: str, level: str, year: int | None,
                       within: str | None = None) -> list[dict]:
    """The totals of ``indicator_id`` for the areas at ``level`` in ``year`` (whose codes start
    with ``within``, when given), highest value first."""
    params: list = [indicator_id, level, year]
    extra = ""
    if within:
        extra = " AND starts_with(area_code, ?)"
        params.append(within)
    return _dicts(
        con,
        f"SELECT {_PROFILE} FROM observations WHERE indicator_id = ? AND area_level = ? "
        f"AND year = ? AND breakdown = 'total'{extra} ORDER BY value DESC NULLS LAST", params)


def nation_series(con, indicator_id: str) -> list[dict]:
    """The nation's totals of ``indicator_id``, by year."""
    return _dicts(
        con,
        f"SELECT {_PROFILE} FROM observations WHERE indicator_id = ? AND area_code = 'SE' "
        "AND breakdown = 'total' ORDER BY year", [indicator_id])


def area_series(con, indicator_id: str, codes: Iterable[str]) -> list[dict]:
    """The totals of ``indicator_id`` for ``codes``, by area and year."""
    codes = list(codes)
    return _dicts(
        con,
        f"SELECT {_PROFILE} FROM observations WHERE indicator_id = ? AND breakdown = 'total' "
        f"AND area_code IN ({_in(codes)}) ORDER BY area_code, year", [indicator_id, *codes])


def area_groups(con, indicator_id: str, code: str, year: int | None) -> list[dict]:
    """The breakdown groups of ``indicator_id`` for ``code`` in ``year``."""
    return _dicts(
        con,
        f"SELECT {_PROFILE} FROM observations WHERE indicator_id = ? AND area_code = ? "
        "AND year = ? AND breakdown <> 'total'", [indicator_id, code, year])


def nation_latest(con, indicator_ids: Iterable[str]) -> list[dict]:
    """``indicator_id``, ``year``, ``value`` and ``synthetic`` of the nation's latest total
    of each of ``indicator_ids``."""
    return _dicts(
        con,
        "SELECT indicator_id, year, value, coalesce(synthetic, false) AS synthetic "
        "FROM observations WHERE area_code = 'SE' AND breakdown = 'total' AND "
        "indicator_id IN (SELECT unnest(?)) "
        "QUALIFY year = max(year) OVER (PARTITION BY indicator_id)", [list(indicator_ids)])


def latest_totals(con, level: str, codes: Iterable[str]) -> list[dict]:
    """``indicator_id``, ``area_code``, ``year``, ``value``, ``vs_nation_95``, ``trend``,
    ``suppressed`` and ``synthetic`` of the totals of ``codes`` at ``level``, each indicator's
    latest year."""
    return _dicts(
        con,
        "SELECT indicator_id, area_code, year, value, vs_nation_95, trend, suppressed, "
        "coalesce(synthetic, false) AS synthetic FROM observations WHERE area_level = ? "
        "AND breakdown = 'total' AND area_code IN (SELECT unnest(?)) "
        "QUALIFY year = max(year) OVER (PARTITION BY indicator_id)", [level, list(codes)])


def kommun_population(con) -> dict[str, int]:
    """Published population (``population_total``) of each kommun in the latest year."""
    rows = con.execute(
        "SELECT area_code, denominator FROM observations WHERE indicator_id = "
        "'population_total' AND area_level = 'kommun' AND breakdown = 'total' AND year = "
        "(SELECT max(year) FROM observations WHERE indicator_id = 'population_total') "
        "AND denominator IS NOT NULL").fetchall()
    return {code: int(n) for code, n in rows}


#: The columns a public observation query may be filtered on.
FILTER_COLUMNS = ("indicator_id", "area_code", "area_level", "year", "breakdown")


def _filtered(filters: Mapping[str, Any], *, ordered: bool = True) -> tuple[str, list]:
    where, params = [], []
    for column, value in filters.items():
        if column not in FILTER_COLUMNS:
            raise ValueError(f"cannot filter observations on {column!r}; "
                             f"expected one of {FILTER_COLUMNS}")
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return observations_select(" AND ".join(where), ordered=ordered), params


def public_observations(con, filters: Mapping[str, Any], *, limit: int | None = None,
                        offset: int = 0) -> pa.Table:
    """The public columns of the observations matching ``filters`` (column → value; None
    matches everything), in the download order, ``limit`` rows from ``offset``."""
    sql, params = _filtered(filters)
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    return con.execute(sql, params).to_arrow_table()


def public_observation_batches(con, filters: Mapping[str, Any],
                               batch_rows: int) -> pa.RecordBatchReader:
    """:func:`public_observations` as a stream of record batches of ``batch_rows`` rows."""
    sql, params = _filtered(filters)
    return con.execute(sql, params).to_arrow_reader(batch_rows)


def count_public_observations(con, filters: Mapping[str, Any]) -> int:
    """How many observations match ``filters`` (see :func:`public_observations`)."""
    sql, params = _filtered(filters, ordered=False)
    return con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]


def observation_provenance(con, indicator_id: str, filters: Mapping[str, Any], *,
                           limit: int, with_sources: bool) -> list[dict]:
    """Per observation of ``indicator_id`` matching ``filters`` (``area_code``, ``year``,
    ``breakdown``): its keys, value, method and ``computed_at``, the load that wrote it
    (``load_id``, ``source``, ``target``, ``finished_at``, ``content_hash``,
    ``jamlik_version``) and, ``with_sources`` (the database has ``source_loads``), the
    external source load (``source_name``, ``source_kind``, ``url``, ``query``, ``fetched_at``,
    ``source_hash``, ``periods``, ``payloads``; NULL otherwise); at most ``limit`` rows."""
    where, params = ["o.indicator_id = ?"], [indicator_id]
    for column, value in filters.items():
        if column not in ("area_code", "year", "breakdown"):
            raise ValueError(f"cannot filter provenance on {column!r}")
        if value is not None:
            where.append(f"o.{column} = ?")
            params.append(value)
    names = ("source_name", "source_kind", "url", "query", "fetched_at", "source_hash",
             "periods", "payloads")
    values = (("s.source", "s.kind", "s.url", "s.query", "s.fetched_at", "s.content_hash",
               "s.periods", "s.provenance") if with_sources else ("NULL",) * len(names))
    source_cols = ", ".join(f"{v} AS {n}" for v, n in zip(values, names, strict=True))
    join = ("LEFT JOIN source_loads s ON s.load_id = o.load_id AND s.status = 'loaded'"
            if with_sources else "")
    return _dicts(
        con,
        f"SELECT o.area_code, o.year, o.period, o.breakdown, o.group_value, o.value, "
        f"o.method, o.computed_at, o.load_id, l.source, l.target, l.finished_at, "
        f"l.content_hash, l.jamlik_version, {source_cols} FROM observations o "
        f"LEFT JOIN loads l ON l.load_id = o.load_id {join} WHERE {' AND '.join(where)} "
        f"ORDER BY o.area_code, o.year, o.breakdown, o.group_value LIMIT {int(limit)}", params)


def indicator_updates(con, *, with_sources: bool) -> dict[str, dict]:
    """Per indicator: ``updated`` (the finish time of the newest load of its observations),
    ``load_source`` and, ``with_sources`` (the database has ``source_loads``), for external
    indicators ``source``, ``url`` and ``fetched_at`` of the source load."""
    out = {i: {"updated": when, "load_source": src} for i, when, src in con.execute(
        "SELECT o.indicator_id, max(l.finished_at), arg_max(l.source, l.finished_at) FROM "
        "(SELECT DISTINCT indicator_id, load_id FROM observations) o "
        "JOIN loads l ON l.load_id = o.load_id GROUP BY 1").fetchall()}
    if with_sources:
        for ind, name, url, fetched in con.execute(
                "SELECT v.indicator_id, s.source, s.url, s.fetched_at FROM source_loads s JOIN "
                "(SELECT DISTINCT indicator_id, load_id FROM source_values) v "
                "ON v.load_id = s.load_id WHERE s.status = 'loaded'").fetchall():
            out.setdefault(ind, {}).update({"source": name, "url": url, "fetched_at": fetched})
    return out


def published_file_paths(con, name: str, fmt: str) -> list[str]:
    """The paths (relative to the snapshot's folder) of the files prebuilt for table ``name``
    in format ``fmt`` (``published_files``)."""
    return [r[0] for r in con.execute(
        "SELECT path FROM published_files WHERE name = ? AND format = ?", [name, fmt]
    ).fetchall()]


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


def latest_area_totals(con, indicator_ids: list[str], area_code: str) -> list[tuple]:
    """``(indicator_id, year, value, lower_95, upper_95, trend, judgement_nation, suppressed)``
    of the latest year's total of each of ``indicator_ids`` for one area."""
    return con.execute(
        "SELECT indicator_id, year, value, lower_95, upper_95, trend, judgement_nation, "
        "suppressed FROM observations WHERE indicator_id IN (SELECT unnest(?)) AND "
        "area_code = ? AND breakdown = 'total' QUALIFY row_number() OVER (PARTITION BY "
        "indicator_id ORDER BY year DESC) = 1", [indicator_ids, area_code]).fetchall()


# -- strategy places ---------------------------------------------------------------------------
#: The columns of ``observations`` goal fulfilment reads.
GOAL_OBSERVATION_COLUMNS = (
    "indicator_id", "year", "area_level", "area_code", "breakdown", "group_value", "value",
    "lower_95", "upper_95", "trend", "suppressed", "parent_code", "numerator", "denominator",
    "synthetic",
)


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
