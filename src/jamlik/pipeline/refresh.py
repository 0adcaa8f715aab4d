"""``jamlik refresh``: fetch declared sources, load what changed, recompute, publish a snapshot.

One run, all or nothing:

1. every source in ``sources.yaml`` is fetched and mapped to the tidy shape; its content hash
   (the payloads' sha256 plus the source's declaration) and periods are compared with its last
   successful load (``source_loads``), and an unchanged source is skipped;
2. every changed source is validated (:func:`jamlik.sources.validate_mapped`) before anything
   is written;
3. the working warehouse is copied to a staging file beside it; each source's rows in
   ``source_values`` are replaced in one :meth:`~jamlik.store.Warehouse.load_session` together
   with its ``source_loads`` row, and only the affected indicators are republished
   (:func:`jamlik.engine.external.publish_external`);
4. the staging file is renamed over the working warehouse and a new read-only snapshot is
   published (:func:`jamlik.store.snapshots.publish`).

Any failure before step 4 removes the staging file: the working warehouse and the published
snapshot stay exactly as they were, a ``failed`` row naming the source and the reason is
recorded in the working warehouse (its own transaction), and :class:`RefreshError` says why.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from jamlik.engine.external import publish_external
from jamlik.model.catalogue import Catalogue, load_catalogue
from jamlik.model.errors import DataError, InputError, JamlikError
from jamlik.model.yaml_input import load_yaml
from jamlik.sources import FileMapping, MappedTable, map_table, validate_mapped
from jamlik.sources.batched import map_file
from jamlik.sources.provenance import canonical_json, sha256_hex
from jamlik.store import Warehouse, queries
from jamlik.store.snapshots import checkpoint, copy_synced, publish, writer_lock

KINDS = ("file", "pxweb_v1", "pxweb_v2", "kolada")
READ_OPTIONS = frozenset({"format", "sheet", "encoding", "delimiter", "skip_rows"})
STEPS = ("fetched", "validated", "loaded", "computed", "before_publish")


class RefreshError(JamlikError):
    """A refresh stopped; nothing was published. Names the source and the reason."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"refresh of source {source!r} failed, nothing was published: {reason}")


@dataclass(frozen=True)
class SourceSpec:
    """One declared source (an entry of ``sources.yaml``)."""

    name: str
    kind: str
    indicators: tuple[str, ...]
    mapping: FileMapping
    path: Path | None = None
    read: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    validation: Mapping[str, Any] = field(default_factory=dict)
    schedule: str | None = None

    def declaration(self) -> str:
        """Canonical text of what is asked for and how it is mapped (part of the hash)."""
        return canonical_json({"kind": self.kind, "indicators": list(self.indicators),
                               "mapping": repr(self.mapping), "read": dict(self.read),
                               "query": dict(self.query), "validation": dict(self.validation),
                               "path": self.path.name if self.path else None})


@dataclass(frozen=True)
class RefreshConfig:
    """The declared list of sources; relative file paths are relative to the config file."""

    sources: tuple[SourceSpec, ...]
    path: Path | None = None

    @classmethod
    def from_yaml(cls, path: str | Path) -> RefreshConfig:
        path = Path(path)
        if not path.is_file():
            raise InputError("config", str(path), "an existing sources.yaml")
        return cls.from_dict(load_yaml(path, file=str(path)), base=path.parent, file=str(path))

    @classmethod
    def from_dict(cls, data: Any, *, base: Path = Path("."), file: str = "sources.yaml"
                  ) -> RefreshConfig:
        if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
            raise DataError("sources.yaml must have a list 'sources:'", file=file,
                            column="sources")
        specs = [_spec(entry, i + 1, base, file) for i, entry in enumerate(data["sources"])]
        names = [s.name for s in specs]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise DataError("source names must be unique", file=file, row=i + 1,
                                column="name", value=name)
        return cls(tuple(specs), None if file == "sources.yaml" else Path(file))


def _spec(entry: Any, row: int, base: Path, file: str) -> SourceSpec:
    if not isinstance(entry, dict):
        raise DataError("each source must be a mapping", file=file, row=row, value=entry)

    def need(key: str) -> Any:
        if entry.get(key) in (None, ""):
            raise DataError("required key is missing", file=file, row=row, column=key)
        return entry[key]

    name, kind = str(need("name")), need("kind")
    if kind not in KINDS:
        raise DataError(f"must be one of {list(KINDS)}", file=file, row=row, column="kind",
                        value=kind)
    indicators = need("indicators")
    indicators = (indicators,) if isinstance(indicators, str) else indicators
    if not isinstance(indicators, list | tuple) or not indicators or \
            not all(isinstance(i, str) and i for i in indicators):
        raise DataError("'indicators' must be an indicator id or a list of them", file=file,
                        row=row, column="indicators", value=indicators)
    indicators = tuple(indicators)
    mapping = entry.get("mapping") or {}
    if not isinstance(mapping, dict):
        raise DataError("'mapping' must be a mapping of roles to column names", file=file,
                        row=row, column="mapping", value=mapping)
    mapping = dict(mapping)
    if kind == "kolada":  # Kolada's data table already has area_code, period, sex and value
        mapping = {"area": "area_code", "period": "period", "sex": "sex", "value": "value",
                   "area_kind": "code", **mapping}
    if not mapping:
        raise DataError("required key is missing", file=file, row=row, column="mapping")
    mapping.setdefault("indicator_id", indicators[0])
    try:
        fm = FileMapping.from_dict(mapping)
    except (JamlikError, TypeError) as exc:  # TypeError: a required role is missing
        raise DataError(f"invalid mapping: {exc}", file=file, row=row, column="mapping") from exc
    path = None
    if kind == "file":
        if not isinstance(need("path"), str):
            raise DataError("'path' must be a file name", file=file, row=row, column="path",
                            value=entry["path"])
        path = Path(entry["path"])
        path = path if path.is_absolute() else base / path
    query = {k: entry[k] for k in ("kpi", "municipality", "years", "gender", "table",
                                   "selection", "base_url") if k in entry}
    if kind == "kolada" and "kpi" not in query:
        need("kpi")
    if kind in ("pxweb_v1", "pxweb_v2"):
        need("table"), need("selection")
    read = entry.get("read") or {}
    if not isinstance(read, dict) or set(read) - READ_OPTIONS:
        raise DataError(f"'read' takes some of {sorted(READ_OPTIONS)}", file=file, row=row,
                        column="read", value=read)
    return SourceSpec(name=name, kind=kind, indicators=indicators, mapping=fm, path=path,
                      read=dict(read), query=query,
                      validation=dict(entry.get("validation") or {}),
                      schedule=entry.get("schedule"))


@dataclass(frozen=True)
class SourceOutcome:
    """What happened to one source: ``loaded``, ``unchanged`` or ``failed``."""

    source: str
    status: str
    rows: int = 0
    content_hash: str | None = None
    periods: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class RefreshReport:
    outcomes: tuple[SourceOutcome, ...]
    recomputed: tuple[str, ...]
    published: Path | None
    seconds: float

    @property
    def changed(self) -> bool:
        return any(o.status == "loaded" for o in self.outcomes)


@dataclass(frozen=True)
class _Fetched:
    spec: SourceSpec
    mapped: MappedTable
    content_hash: str
    periods: tuple[str, ...]
    provenance: tuple[dict, ...]


# -- fetching ---------------------------------------------------------------------------------
def _connector(spec: SourceSpec, connectors: Mapping[str, Any]):
    if spec.kind in connectors:
        return connectors[spec.kind]
    from jamlik.sources import Kolada, PxWebV1, PxWebV2

    cls = {"kolada": Kolada, "pxweb_v1": PxWebV1, "pxweb_v2": PxWebV2}[spec.kind]
    return cls(spec.query["base_url"]) if "base_url" in spec.query else cls()


def fetch_source(spec: SourceSpec, areas: Mapping[str, str],
                 connectors: Mapping[str, Any] | None = None) -> _Fetched:
    """Fetch one source and map it to the tidy shape (nothing is written)."""
    connectors = connectors or {}
    if spec.kind == "file":
        mapped = map_file(spec.path, spec.mapping, areas, source=spec.name, **spec.read)
        payload_hashes = [mapped.provenance[0].content_hash]
        provenance = (mapped.provenance[0].as_dict(),)
    else:
        con = _connector(spec, connectors)
        q = spec.query
        if spec.kind == "kolada":
            result = con.data(q["kpi"], municipality=q.get("municipality"), years=q.get("years"),
                              gender=q.get("gender"))
        else:
            result = con.fetch(q["table"], q["selection"])
        payload_hashes = [p.content_hash for p in result.provenance]
        provenance = tuple(p.as_dict() for p in result.provenance)
        mapped = map_table(result, spec.mapping, areas, source=spec.name)
    content_hash = sha256_hex("\n".join([*payload_hashes, spec.declaration()]).encode())
    periods = tuple(sorted({p for p in mapped.table.column("period").to_pylist() if p}))
    return _Fetched(spec, mapped, content_hash, periods, provenance)


def _check(fetched: _Fetched, areas: Mapping[str, str], catalogue: Catalogue,
           accept_warnings: bool, lang: str) -> None:
    spec = fetched.spec
    for ind in spec.indicators:
        if ind not in catalogue or not catalogue[ind].is_external:
            raise DataError("sources feed indicators with 'method: external' in the catalogue",
                            file=spec.name, column="indicators", value=ind)
    found = set(fetched.mapped.table.column("indicator_id").to_pylist())
    if found - set(spec.indicators):
        raise DataError("the data holds indicators the source does not declare", file=spec.name,
                        column="indicator_id", value=sorted(found - set(spec.indicators))[0])
    options = dict(spec.validation)
    if "expected_periods" in options and isinstance(options["expected_periods"], list):
        years = options["expected_periods"]
        options["expected_periods"] = (tuple(int(y) for y in years) if len(years) == 2
                                       and all(isinstance(y, int) for y in years)
                                       else {str(y) for y in years})
    report = validate_mapped(fetched.mapped, areas, **options)
    if not report.passes(accept_warnings):
        raise DataError(report.render(lang, limit=5), file=spec.name)


# -- bookkeeping ------------------------------------------------------------------------------
def _source_row(spec: SourceSpec, status: str, *, content_hash=None, periods=(), rows=None,
                load_id=None, message=None, provenance=()) -> dict[str, Any]:
    """One ``source_loads`` row (:func:`jamlik.store.queries.record_source_load`)."""
    first = provenance[0] if provenance else {}
    url = first.get("url") or (str(spec.path) if spec.path else None)
    query = first.get("query") or (canonical_json(dict(spec.query)) if spec.query else None)
    return {"source": spec.name, "kind": spec.kind, "status": status,
            "content_hash": content_hash, "periods": json.dumps(list(periods)), "rows": rows,
            "load_id": load_id, "fetched_at": _now(), "message": message, "url": url,
            "query": query, "indicators": ",".join(spec.indicators),
            "provenance": json.dumps(list(provenance), ensure_ascii=False)}


def _record_failure(db_path: Path, spec: SourceSpec, reason: str) -> None:
    """Record a failed attempt in the working warehouse, in its own transaction."""
    with contextlib.suppress(Exception), Warehouse(db_path) as wh, wh.transaction() as con:
        queries.record_source_load(con, _source_row(spec, "failed", message=reason[:4000]))


def _load(wh: Warehouse, fetched: _Fetched) -> int:
    spec = fetched.spec
    table = fetched.mapped.table
    n = table.num_rows
    table = table.append_column("source", pa.array([spec.name] * n, pa.string())) \
        .append_column("content_hash", pa.array([fetched.content_hash] * n, pa.string()))
    with wh.load_session(f"jamlik refresh {spec.name}") as load:
        load_id = load.replace_rows(
            "source_values", table, where="source = ?", params=[spec.name],
            content_hash=fetched.content_hash,
            row_numbers=table.column("source_row").to_numpy(zero_copy_only=False))
        queries.record_source_load(wh.con, _source_row(
            spec, "loaded", content_hash=fetched.content_hash, periods=fetched.periods, rows=n,
            load_id=load_id, provenance=fetched.provenance))
    return n


# -- the run ----------------------------------------------------------------------------------
def refresh(config: RefreshConfig | str | Path, *, db_path: str | Path,
            published_path: str | Path | None = None, accept_warnings: bool = False,
            force: bool = False, connectors: Mapping[str, Any] | None = None,
            catalogue: Catalogue | None = None, lang: str = "en",
            on_step: Callable[[str, str], None] | None = None) -> RefreshReport:
    """Run the declared sources against the working warehouse ``db_path`` and publish.

    ``published_path=None`` skips publishing (the working warehouse is still updated
    atomically). ``connectors`` maps a kind (``kolada``, ``pxweb_v1``, ``pxweb_v2``) to a
    connector object, e.g. one on an ``httpx.MockTransport`` in tests. ``on_step(step, source)``
    is called after each step of :data:`STEPS` (progress, and failure injection in tests).
    """
    started = time.perf_counter()
    cfg = config if isinstance(config, RefreshConfig) else RefreshConfig.from_yaml(config)
    cat = catalogue or load_catalogue(include_external=True)
    step = on_step or (lambda name, source: None)
    db_path = Path(db_path)
    with writer_lock(db_path):
        with Warehouse(db_path) as wh:
            wh.migrate()
            areas = queries.area_names(wh.con)
            last = queries.last_source_loads(wh.con)
        if not areas:
            raise InputError("db", str(db_path), "a warehouse made with jamlik init (this one "
                             "has no area registry)",
                             hint=f"run: jamlik init --region CODE --db {db_path}")
        fetched, outcomes = [], []
        for spec in cfg.sources:
            current = spec
            try:
                got = fetch_source(spec, areas, connectors)
                step("fetched", spec.name)
                previous = last.get(spec.name)
                if not force and previous == (got.content_hash, json.dumps(list(got.periods))):
                    outcomes.append(SourceOutcome(spec.name, "unchanged", got.mapped.table.num_rows,
                                                  got.content_hash, got.periods, spec.indicators))
                    continue
                _check(got, areas, cat, accept_warnings, lang)
                step("validated", spec.name)
                fetched.append(got)
            except Exception as exc:
                _record_failure(db_path, current, _reason(exc))
                raise RefreshError(current.name, _reason(exc)) from exc
        if not fetched:
            published = None
            if published_path is not None and not Path(published_path).exists():
                published = publish(db_path, published_path).path
            return RefreshReport(tuple(outcomes), (), published, time.perf_counter() - started)
        affected = tuple(dict.fromkeys(i for f in fetched for i in f.spec.indicators))
        specs = [f.spec for f in fetched]
        staging = None
        current_name = specs[0].name
        try:
            checkpoint(db_path)
            staging = copy_synced(db_path, db_path.parent, f".{db_path.name}.refresh-")
            with Warehouse(staging) as wh:
                while fetched:  # each source's rows are let go once they are in the warehouse
                    got = fetched.pop(0)
                    current_name = got.spec.name
                    rows = _load(wh, got)
                    step("loaded", got.spec.name)
                    outcomes.append(SourceOutcome(got.spec.name, "loaded", rows,
                                                  got.content_hash, got.periods,
                                                  got.spec.indicators))
                    del got
                current_name = ", ".join(spec.name for spec in specs)
                publish_external(wh, indicators=affected, catalogue=cat)
                step("computed", current_name)
                wh.checkpoint()
            step("before_publish", current_name)
            with open(staging, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(staging, db_path)
            staging = None
        except Exception as exc:
            spec = next((spec for spec in specs if spec.name == current_name), specs[0])
            _record_failure(db_path, spec, _reason(exc))
            raise RefreshError(current_name, _reason(exc)) from exc
        finally:
            if staging is not None:
                for leftover in (staging, Path(str(staging) + ".wal")):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(leftover)
        published = None
        if published_path is not None:
            published = publish(db_path, published_path, already_checkpointed=True).path
    return RefreshReport(tuple(outcomes), affected, published, time.perf_counter() - started)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
