"""PxWeb connectors: the classic API v1 (SCB ``api.scb.se/OV0104/v1``) and PxWeb API 2.0.

Both resolve a selection against the table metadata, split it so that each request stays under
the server's cell limit, send the requests through the rate limiter, retries and cache of
:class:`~jamlik.sources.http.Fetcher`, decode JSON-stat 2.0 (or CSV) and re-assemble one Arrow
table with the provenance of every payload.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa

from jamlik.model.errors import DataError, InputError
from jamlik.sources._pxmeta import PxTableMetadata, metadata_from_v1, metadata_from_v2
from jamlik.sources._split import cell_count, split_selection
from jamlik.sources._text import read_delimited
from jamlik.sources.http import (
    CachedPayload,
    Clock,
    DiskCache,
    Fetcher,
    RetryPolicy,
    Sleep,
    TokenBucket,
)
from jamlik.sources.jsonstat import decode_jsonstat
from jamlik.sources.provenance import Provenance, SourceResult, canonical_json, sha256_hex

__all__ = ["PxWebV1", "PxWebV2"]

SCB_V1 = "https://api.scb.se/OV0104/v1/doris/sv/ssd"
SCB_V2 = "https://statistikdatabasen.scb.se/api/v2"
FORMATS = ("json-stat2", "csv")


def _fetcher(client, retry, calls, period, cache_dir, sleep, clock) -> Fetcher:
    return Fetcher(
        client=client if client is not None else httpx.Client(timeout=60.0),
        retry=retry,
        limiter=TokenBucket(calls, period, clock=clock, sleep=sleep) if calls else None,
        cache=DiskCache(cache_dir) if cache_dir is not None else None,
        sleep=sleep,
    )


def _json(payload: CachedPayload, what: str) -> Any:
    try:
        return json.loads(payload.content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{what}: response is not valid JSON ({exc})", file=payload.url) from None


def _decode(payload: CachedPayload, fmt: str) -> pa.Table:
    if fmt == "json-stat2":
        return decode_jsonstat(_json(payload, "JSON-stat 2.0 data"), where=payload.url)
    table, _, _, _ = read_delimited(payload.content, where=payload.url)
    return table


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError("format", fmt, f"one of {FORMATS}")


def _assemble(
    source: str, table_id: str, parts: list[tuple[Any, CachedPayload, pa.Table]]
) -> SourceResult:
    tables = [table for _, _, table in parts]
    table = pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
    provenance = tuple(
        Provenance(
            source=source,
            table_id=table_id,
            query=canonical_json(query),
            url=payload.url,
            retrieved_at=payload.retrieved_at,
            content_hash=sha256_hex(payload.content),
            rows=part.num_rows,
            from_cache=payload.from_cache,
        )
        for query, payload, part in parts
    )
    return SourceResult(table, provenance)


class PxWebV1:
    """The classic PxWeb API (v1): GET table metadata, POST a query per chunk.

    SCB's documented limits are 150 000 cells per request and 10 calls per 10 seconds; above the
    call limit SCB answers 429 (older servers: 403), which is retried with backoff.
    """

    source = "pxweb-v1"

    def __init__(
        self,
        base_url: str = SCB_V1,
        *,
        client: httpx.Client | None = None,
        max_cells: int = 150_000,
        calls: int = 10,
        period: float = 10.0,
        retry: RetryPolicy | None = None,
        cache_dir: str | Path | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ):
        if max_cells < 1:
            raise InputError("max_cells", max_cells, "a positive number of cells")
        self.base_url = base_url.rstrip("/")
        self.max_cells = max_cells
        retry = retry or RetryPolicy(retry_statuses=frozenset({403, 429, 500, 502, 503, 504}))
        self.fetcher = _fetcher(client, retry, calls, period, cache_dir, sleep, clock)

    def table_url(self, table_path: str) -> str:
        if not table_path or ".." in table_path.split("/"):
            raise InputError(
                "table_path", table_path, "a table path such as 'BE/BE0101/BE0101A/BefolkningNy'"
            )
        return f"{self.base_url}/{table_path.strip('/')}"

    def metadata(self, table_path: str) -> PxTableMetadata:
        payload = self.fetcher.fetch("GET", self.table_url(table_path))
        return metadata_from_v1(table_path, _json(payload, "PxWeb v1 metadata"), payload.url)

    def fetch(
        self,
        table_path: str,
        selection: Mapping[str, str | Sequence[str]],
        *,
        format: str = "json-stat2",
        metadata: PxTableMetadata | None = None,
    ) -> SourceResult:
        """Data for ``selection`` (variable code → value codes or ``"*"``), split as needed."""
        _check_format(format)
        metadata = metadata or self.metadata(table_path)
        resolved = metadata.resolve(selection)
        url = self.table_url(table_path)
        parts = []
        for chunk in split_selection(resolved, self.max_cells):
            query = {
                "query": [
                    {"code": code, "selection": {"filter": "item", "values": values}}
                    for code, values in chunk.items()
                ],
                "response": {"format": format},
            }
            payload = self.fetcher.fetch("POST", url, json_body=query)
            parts.append((query, payload, _decode(payload, format)))
        return _assemble(self.source, table_path, parts)


class PxWebV2:
    """PxWeb API 2.0: ``/config``, paged ``/tables``, ``/tables/{id}/metadata`` and ``/data``.

    The cell limit and rate limit are read from ``/config`` (``maxDataCells``,
    ``maxCallsPerTimeWindow`` per ``timeWindow`` seconds) unless given explicitly.
    """

    source = "pxweb-v2"

    def __init__(
        self,
        base_url: str = SCB_V2,
        *,
        lang: str = "sv",
        client: httpx.Client | None = None,
        max_cells: int | None = None,
        calls: int | None = None,
        period: float | None = None,
        retry: RetryPolicy | None = None,
        cache_dir: str | Path | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ):
        self.base_url = base_url.rstrip("/")
        self.lang = lang
        self._max_cells = max_cells
        self._clock, self._sleep = clock, sleep
        self.fetcher = _fetcher(
            client, retry or RetryPolicy(), calls, period or 10.0, cache_dir, sleep, clock
        )
        self._configured = max_cells is not None and calls is not None

    # -- configuration -------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        payload = self.fetcher.fetch("GET", f"{self.base_url}/config", use_cache=False)
        config = _json(payload, "PxWeb v2 /config")
        if not isinstance(config, Mapping):
            raise DataError("PxWeb v2 /config is not a JSON object", file=payload.url)
        return dict(config)

    def _configure(self) -> None:
        if self._configured:
            return
        config = self.config()
        if self._max_cells is None:
            cells = config.get("maxDataCells")
            if not isinstance(cells, int) or cells < 1:
                raise DataError(
                    "PxWeb v2 /config lacks a positive 'maxDataCells'",
                    file=self.base_url,
                    value=cells,
                )
            self._max_cells = cells
        calls, window = config.get("maxCallsPerTimeWindow"), config.get("timeWindow")
        # 0 means "announced elsewhere" (e.g. in response headers), not "unlimited".
        usable = (
            isinstance(calls, int) and isinstance(window, int | float) and calls > 0 and window > 0
        )
        if self.fetcher.limiter is None and usable:
            self.fetcher.limiter = TokenBucket(
                calls, float(window), clock=self._clock, sleep=self._sleep
            )
        self._configured = True

    @property
    def max_cells(self) -> int:
        self._configure()
        assert self._max_cells is not None
        return self._max_cells

    # -- catalogue -----------------------------------------------------------------------------
    def list_tables(
        self, query: str | None = None, *, page_size: int = 100, max_pages: int = 1000
    ) -> SourceResult:
        """Every table matching ``query``, following ``page.pageNumber`` up to ``page.totalPages``."""
        if page_size < 1:
            raise InputError("page_size", page_size, "a positive page size")
        parts = []
        page_number, total_pages = 1, 1
        while page_number <= total_pages:
            if page_number > max_pages:
                raise DataError(
                    f"more than {max_pages} pages of tables", file=f"{self.base_url}/tables"
                )
            params = {"lang": self.lang, "pageNumber": page_number, "pageSize": page_size}
            if query:
                params["query"] = query
            payload = self.fetcher.fetch("GET", f"{self.base_url}/tables", params=params)
            body = _json(payload, "PxWeb v2 /tables")
            tables, page = (
                (body.get("tables"), body.get("page"))
                if isinstance(body, Mapping)
                else (None, None)
            )
            if not isinstance(tables, list) or not isinstance(page, Mapping):
                raise DataError(
                    "PxWeb v2 /tables response lacks 'tables' or 'page'", file=payload.url
                )
            total_pages = page.get("totalPages")
            if not isinstance(total_pages, int) or total_pages < 0:
                raise DataError(
                    "PxWeb v2 'page.totalPages' is not a count", file=payload.url, value=total_pages
                )
            rows = {
                key: [None if t.get(key) is None else str(t.get(key)) for t in tables]
                for key in ("id", "label", "updated", "firstPeriod", "lastPeriod", "source")
            }
            parts.append((params, payload, pa.table(rows, schema=_TABLES_SCHEMA)))
            page_number += 1
        return _assemble(self.source, "tables", parts)

    # -- one table -----------------------------------------------------------------------------
    def _table_url(self, table_id: str, tail: str) -> str:
        if not table_id or not table_id.replace("_", "").isalnum():
            raise InputError("table_id", table_id, "a PxWeb table id such as 'TAB638'")
        return f"{self.base_url}/tables/{table_id}/{tail}"

    def metadata(self, table_id: str) -> PxTableMetadata:
        payload = self.fetcher.fetch(
            "GET", self._table_url(table_id, "metadata"), params={"lang": self.lang}
        )
        return metadata_from_v2(table_id, _json(payload, "PxWeb v2 metadata"), payload.url)

    def fetch(
        self,
        table_id: str,
        selection: Mapping[str, str | Sequence[str]],
        *,
        format: str = "json-stat2",
        metadata: PxTableMetadata | None = None,
    ) -> SourceResult:
        """Data for ``selection`` via ``GET /tables/{id}/data?valueCodes[VAR]=a,b``, split as needed."""
        _check_format(format)
        metadata = metadata or self.metadata(table_id)
        resolved = metadata.resolve(selection)
        url = self._table_url(table_id, "data")
        parts = []
        for chunk in split_selection(resolved, self.max_cells):
            assert cell_count(chunk) <= self.max_cells
            params = {"lang": self.lang, "outputFormat": format}
            params |= {f"valueCodes[{code}]": ",".join(values) for code, values in chunk.items()}
            payload = self.fetcher.fetch("GET", url, params=params)
            parts.append((params, payload, _decode(payload, format)))
        return _assemble(self.source, table_id, parts)


_TABLES_SCHEMA = pa.schema(
    [
        (name, pa.string())
        for name in ("id", "label", "updated", "firstPeriod", "lastPeriod", "source")
    ]
)
