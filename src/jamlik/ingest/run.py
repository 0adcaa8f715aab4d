"""Prepare loads in the staging area, report on them, and write them in one transaction."""

from __future__ import annotations

import csv
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from jamlik.ingest._common import Context, Output
from jamlik.ingest._stage import REJECTED, stage_files
from jamlik.ingest.layouts import LAYOUTS
from jamlik.ingest.mapping import LoadMapping
from jamlik.model.errors import DataError, InputError
from jamlik.store.staging import Staging, key_pads

Progress = Callable[[str, float], None]
#: kind → (module in jamlik.ingest.kinds, function that prepares it)
_PREPARE = {"population": ("population", "prepare"), "deaths": ("deaths", "prepare"),
            "care": ("care", "prepare"), "care-units": ("units", "prepare_units"),
            "listings": ("units", "prepare_listings"),
            "conditions": ("person", "prepare_conditions"),
            "measures": ("person", "prepare_measures"), "survey": ("survey", "prepare_survey"),
            "survey-national": ("survey", "prepare_national"),
            "aggregates": ("aggregates", "prepare")}


@dataclass(frozen=True)
class LoadRequest:
    """One kind and its files (loaded together), with the mapping that describes them."""

    kind: str
    files: tuple[Path, ...]
    mapping: LoadMapping = field(default_factory=LoadMapping)

    def __post_init__(self) -> None:
        if self.kind not in LAYOUTS:
            raise InputError("kind", self.kind, f"one of {', '.join(LAYOUTS)}")
        if not self.files:
            raise InputError("files", "(none)", "at least one file")


@dataclass
class FileReport:
    name: str
    format: str
    content_hash: str
    rows_read: int
    rows_rejected: int
    lines_skipped: int


@dataclass
class LoadReport:
    """What a load read, kept, rejected and skipped; the issues; what it wrote."""

    kind: str
    files: list[FileReport]
    rows_read: int
    rows_kept: int
    rows_rejected: int
    skipped: dict[str, int]
    issues: pa.Table
    details: dict[str, Any] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    report_path: Path | None = None

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    def balanced(self) -> bool:
        return self.rows_read == self.rows_kept + self.rows_rejected + self.rows_skipped

    def first_error(self) -> DataError | None:
        rows = [r for r in self.issues.to_pylist() if r["action"] == REJECTED]
        if not rows:
            return None
        r = rows[0]
        more = self.rows_rejected - 1
        hint = (f"{more} more row(s) rejected; " if more else "") + \
            (f"the load report lists them all: {self.report_path}" if self.report_path
             else "nothing was written")
        return DataError(r["reason"], file=r["file"], row=r["row"], column=r["column"],
                         value=r["value"], hint=hint)

    def summary(self) -> str:
        skipped = "".join(f", {n} skipped ({why})" for why, n in self.skipped.items() if n)
        return (f"{self.kind}: {self.rows_read} rows read, {self.rows_kept} kept, "
                f"{self.rows_rejected} rejected{skipped}")

    def write_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle, delimiter=";")
            out.writerow(["file", "row", "column", "reason", "value", "action"])
            for r in self.issues.to_pylist():
                out.writerow([r["file"], r["row"], r["column"], r["reason"], r["value"],
                              r["action"]])
        self.report_path = path
        return path


class LoadRejected(DataError):
    """A load found rows it cannot accept; nothing was written. ``reports`` has every issue."""

    def __init__(self, error: DataError, reports: list[LoadReport]):
        self.reports = reports
        super().__init__(error.rule, file=error.file, row=error.row, column=error.column,
                         value=error.value, hint=error.hint)


@dataclass
class _Prepared:
    request: LoadRequest
    staging: Staging
    output: Output
    report: LoadReport


def prepare(wh, request: LoadRequest, *, key_secret: bytes | None, home_region: str,
            classifications: Any, progress: Progress | None = None) -> _Prepared:
    """Stage, check and shape one request (nothing is written to the warehouse)."""
    st = Staging(wh)
    try:
        pads = key_pads(key_secret) if key_secret is not None else None
        staged, issues = stage_files(st, request.kind, request.mapping, request.files,
                                     key_pads=pads, progress=progress)
        ctx = Context(st, staged, issues, request.mapping, home_region, classifications)
        module, function = _PREPARE[request.kind]
        output: Output = getattr(importlib.import_module(f"jamlik.ingest.kinds.{module}"),
                                 function)(ctx)
        ctx.flush()
        rejected = issues.count(REJECTED)
        read = staged.rows_read
        skipped = {k: v for k, v in output.skipped.items() if v}
        per_file = {r[0]: r[1] for r in st.rows(
            f"SELECT file, count(DISTINCT row) FROM {st['issues']} WHERE action = 'rejected' "
            f"GROUP BY 1")}
        report = LoadReport(
            kind=request.kind,
            files=[FileReport(f.name, f.format, f.content_hash, f.rows + f.bad_lines,
                              per_file.get(f.name, 0), f.skipped_lines) for f in staged.files],
            rows_read=read, rows_kept=read - rejected - sum(skipped.values()),
            rows_rejected=rejected, skipped=skipped, issues=issues.table(),
            details=dict(output.details), notes=list(output.notes))
        return _Prepared(request, st, output, report)
    except BaseException:
        st.close()
        raise


def run(wh, requests: Sequence[LoadRequest], *, key_secret: bytes | None, home_region: str,
        classifications: Any, skip_bad_rows: bool = False, source: str = "jamlik load",
        report_dir: Path | None = None, progress: Progress | None = None,
        before: Callable[[Any], None] | None = None,
        after: Callable[[Any], None] | None = None) -> list[LoadReport]:
    """Load the requests in order inside one transaction: each is prepared (checked and
    shaped in the staging area, seeing what the requests before it wrote) and written. The
    first request that rejects a row (unless ``skip_bad_rows``) rolls everything back and
    raises :class:`LoadRejected`: nothing is written.

    ``before`` and ``after`` are called with the load session inside the same transaction
    (the demo empties its tables first and writes its ground truth after)."""
    report = progress or (lambda step, fraction: None)
    reports: list[LoadReport] = []
    with wh.load_session(source) as load:
        if before is not None:
            before(load)
        for i, request in enumerate(requests):
            def part(step, fraction, i=i, kind=request.kind):
                report(f"{kind}: {step}", (i + 0.9 * fraction) / len(requests))
            prepared = prepare(wh, request, key_secret=key_secret, home_region=home_region,
                               classifications=classifications, progress=part)
            try:
                r = prepared.report
                reports.append(r)
                if report_dir is not None and r.issues.num_rows:
                    r.write_csv(report_dir / f"{r.kind}.csv")
                if r.rows_rejected and not skip_bad_rows:
                    raise LoadRejected(r.first_error(), reports)
                part("writing", 0.95)
                _write(load, prepared)
            finally:
                prepared.staging.close()
        if after is not None:
            after(load)
    report("done", 1.0)
    return reports


def _write(load, p: _Prepared) -> None:
    details = {"files": [f.__dict__ for f in p.report.files],
               "rows_read": p.report.rows_read, "rows_kept": p.report.rows_kept,
               "rows_rejected": p.report.rows_rejected, "skipped": p.report.skipped,
               **p.report.details}
    hashes = ",".join(f.content_hash for f in p.report.files)
    for w in p.output.writes:
        load.delete(w.table, w.scope, w.params)
        n = load.insert_select(w.table, w.columns, w.query, kind=p.request.kind,
                               synthetic=p.request.mapping.options.synthetic, details=details,
                               content_hash=hashes)
        p.report.written[w.table] = p.report.written.get(w.table, 0) + n
