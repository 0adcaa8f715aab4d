"""``jamlik load``: a region's files of one kind into the warehouse, all or nothing.

See docs/data-layouts.md for the layouts, the mapping file and what is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from jamlik.ingest import LoadMapping, LoadReport, LoadRequest, run
from jamlik.model.errors import InputError
from jamlik.model.identity import PseudonymKey
from jamlik.pipeline.init import KEY_META
from jamlik.store import Warehouse
from jamlik.store.snapshots import writer_lock

Progress = Callable[[str, float], None]


def mapping_for(kind: str, mapping_file: str | Path | None = None, *,
                vintage: str | None = None) -> LoadMapping:
    """The load's mapping (from the file, or empty), with ``--vintage`` applied."""
    mapping = LoadMapping.from_yaml(mapping_file, kind=kind) if mapping_file else \
        LoadMapping(kind=kind)
    if vintage is not None:
        if vintage not in ("2018", "2025", "by_year"):
            raise InputError("vintage", vintage, "2018, 2025 or by_year")
        mapping = replace(mapping, options=replace(mapping.options, deso_vintage=vintage))
    return mapping


def report_dir(db_path: str | Path) -> Path:
    """Where load reports go by default: ``load-reports/<UTC time>/`` beside the warehouse."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(db_path).parent / "load-reports" / stamp


def load_files(db_path: str | Path, kind: str, files: Sequence[str | Path], *,
               mapping_file: str | Path | None = None, key_file: str | Path | None = None,
               vintage: str | None = None, reports: str | Path | None = None,
               skip_bad_rows: bool = False, classifications: str | Path | None = None,
               progress: Progress | None = None, memory_limit: str | None = None) -> LoadReport:
    """Load ``files`` of ``kind`` (one load, one transaction). See :func:`load_requests`."""
    request = LoadRequest(kind, tuple(Path(f) for f in files),
                          mapping_for(kind, mapping_file, vintage=vintage))
    return load_requests(db_path, [request], key_file=key_file, reports=reports,
                         skip_bad_rows=skip_bad_rows, classifications=classifications,
                         progress=progress, source=f"jamlik load {kind}",
                         memory_limit=memory_limit)[0]


def load_requests(db_path: str | Path, requests: Sequence[LoadRequest], *,
                  key_file: str | Path | None = None, key: PseudonymKey | None = None,
                  reports: str | Path | None = None, skip_bad_rows: bool = False,
                  classifications: str | Path | None = None, progress: Progress | None = None,
                  source: str = "jamlik load", before=None, after=None,
                  memory_limit: str | None = None) -> list[LoadReport]:
    """Several loads (kinds) in one transaction: all land, or none does.

    The warehouse must have been made with ``jamlik init``. Identity numbers are pseudonymised
    with ``key`` (or the key in ``key_file``), which must be the warehouse's key. A load that
    rejects any row writes nothing unless ``skip_bad_rows``; the report of every load with
    issues is written as CSV to ``reports`` (default: ``load-reports/<time>/`` beside the
    warehouse).
    """
    from jamlik.model.classifications import load_classifications

    db_path = Path(db_path)
    if not db_path.is_file():
        raise InputError("db", str(db_path), "a warehouse made with jamlik init",
                         hint=f"run: jamlik init --region CODE --db {db_path}")
    if key is None and key_file is not None:
        key = PseudonymKey.from_file(key_file)
    cls = load_classifications(classifications)
    with writer_lock(db_path), Warehouse(db_path, memory_limit=memory_limit) as wh:
        wh.migrate()
        region = wh.home_region
        if region is None:
            raise InputError("db", str(db_path), "a warehouse made with jamlik init",
                             hint=f"run: jamlik init --region CODE --db {db_path}")
        stored = wh.get_meta(KEY_META)
        if key is not None and stored is not None and stored != key.fingerprint:
            raise InputError("key_file", str(key_file or "(key)"),
                             "the key this warehouse was loaded with",
                             hint="a different key would break the linkage between registers")
        out = run(wh, requests, key_secret=None if key is None else bytes(key.secret),
                  home_region=region, classifications=cls, skip_bad_rows=skip_bad_rows,
                  source=source, report_dir=Path(reports) if reports else report_dir(db_path),
                  progress=progress, before=before, after=after)
        if key is not None and stored is None:
            with wh.load_session("pseudonym key") as load:
                load.set_meta(KEY_META, key.fingerprint)
    return out
