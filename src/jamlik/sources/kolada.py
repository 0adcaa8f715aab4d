"""Kolada API v3 (https://api.kolada.se/v3): KPIs, KPI groups, municipalities/regions, OUs, data.

Every list response is ``{"count", "values": [...], "next_url", "previous_url"}``; pages are
followed through ``next_url`` (``next_page`` in API v2) until it is absent. Data items carry a
``values`` list with one entry per ``gender`` (``T`` total, ``K`` women, ``M`` men).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pyarrow as pa
import pyarrow.compute as pc

from jamlik.model.errors import DataError, InputError
from jamlik.sources.http import Clock, DiskCache, Fetcher, RetryPolicy, Sleep, TokenBucket
from jamlik.sources.provenance import Provenance, SourceResult, canonical_json, sha256_hex

__all__ = ["KOLADA_SEX", "Kolada", "area_code"]

KOLADA_V3 = "https://api.kolada.se/v3"

#: Kolada's gender codes → jamlik's sex codes.
KOLADA_SEX: Mapping[str, str] = {"T": "total", "K": "female", "M": "male"}

_DATA_SCHEMA = pa.schema(
    [
        ("kpi", pa.string()),
        ("kolada_id", pa.string()),
        ("area_code", pa.string()),
        ("period", pa.string()),
        ("gender", pa.string()),
        ("sex", pa.string()),
        ("value", pa.float64()),
        ("count", pa.int64()),
        ("status", pa.string()),
    ]
)


class Kolada:
    """Client for Kolada API v3. Inject ``client`` (e.g. on ``httpx.MockTransport``) in tests."""

    source = "kolada-v3"

    def __init__(
        self,
        base_url: str = KOLADA_V3,
        *,
        client: httpx.Client | None = None,
        per_page: int = 5000,
        calls: int = 5,
        period: float = 1.0,
        max_pages: int = 10_000,
        retry: RetryPolicy | None = None,
        cache_dir: str | Path | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ):
        if not 1 <= per_page <= 5000:
            raise InputError("per_page", per_page, "1..5000 (Kolada's maximum page size)")
        self.base_url = base_url.rstrip("/")
        self.per_page = per_page
        self.max_pages = max_pages
        self.fetcher = Fetcher(
            client=client if client is not None else httpx.Client(timeout=60.0),
            retry=retry or RetryPolicy(),
            limiter=TokenBucket(calls, period, clock=clock, sleep=sleep) if calls else None,
            cache=DiskCache(cache_dir) if cache_dir is not None else None,
            sleep=sleep,
        )

    # -- paging --------------------------------------------------------------------------------
    def _pages(self, path: str, params: Mapping[str, Any] | None = None):
        """Yield ``(query, payload, values)`` for every page, following ``next_url``."""
        url: str | None = f"{self.base_url}/{path}"
        query: dict[str, Any] | None = {**(params or {}), "per_page": self.per_page}
        seen: set[str] = set()
        for _ in range(self.max_pages):
            assert url is not None
            payload = self.fetcher.fetch("GET", url, params=query)
            try:
                body = json.loads(payload.content.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise DataError(
                    f"Kolada response is not valid JSON ({exc})", file=payload.url
                ) from None
            if not isinstance(body, Mapping) or not isinstance(body.get("values"), list):
                raise DataError(
                    "Kolada response lacks a 'values' list", file=payload.url, value=_keys(body)
                )
            count = body.get("count")
            if isinstance(count, int) and count != len(body["values"]):
                raise DataError(
                    f"Kolada 'count' says {count} but 'values' has {len(body['values'])} items",
                    file=payload.url,
                    value=count,
                )
            yield {"url": url, "params": query}, payload, body["values"]
            seen.add(payload.url)
            next_url = body.get("next_url") or body.get("next_page")
            if not next_url:
                return
            if next_url in seen:
                raise DataError(
                    "Kolada paging loops: 'next_url' points to a page already read", file=next_url
                )
            url, query = str(next_url), None  # next_url carries its own query string
        raise DataError(
            f"Kolada paging did not end within {self.max_pages} pages",
            file=f"{self.base_url}/{path}",
        )

    def _collect(self, table_id: str, pages: Iterable, to_table) -> SourceResult:
        tables, provenance = [], []
        for query, payload, values in pages:
            table = to_table(values, payload.url)
            tables.append(table)
            provenance.append(
                Provenance(
                    source=self.source,
                    table_id=table_id,
                    query=canonical_json(query),
                    url=payload.url,
                    retrieved_at=payload.retrieved_at,
                    content_hash=sha256_hex(payload.content),
                    rows=table.num_rows,
                    from_cache=payload.from_cache,
                )
            )
        return SourceResult(
            pa.concat_tables(tables, promote_options="permissive"), tuple(provenance)
        )

    # -- metadata ------------------------------------------------------------------------------
    def kpis(self, title: str | None = None, ids: Sequence[str] | None = None) -> SourceResult:
        path = "kpi" + (f"/{_ids(ids, 'ids')}" if ids else "")
        return self._collect(
            "kpi", self._pages(path, {"title": title} if title else None), _records
        )

    def kpi_groups(self, title: str | None = None) -> SourceResult:
        return self._collect(
            "kpi_groups", self._pages("kpi_groups", {"title": title} if title else None), _groups
        )

    def municipalities(self, type: str | None = None, title: str | None = None) -> SourceResult:
        """Municipalities (``type="K"``) and regions (``type="L"``), or both."""
        if type not in (None, "K", "L"):
            raise InputError("type", type, "'K' (kommun), 'L' (region) or None for both")
        result = self._collect(
            "municipality",
            self._pages("municipality", {"title": title} if title else None),
            _records,
        )
        if type is None:
            return result
        # Filtered here rather than by a query parameter: the item field "type" is documented.
        if "type" not in result.table.column_names:
            raise DataError(
                "Kolada municipality items lack 'type'", file=f"{self.base_url}/municipality"
            )
        return SourceResult(
            result.table.filter(pc.equal(result.table["type"], type)), result.provenance
        )

    def organisational_units(
        self, municipality: str | None = None, title: str | None = None
    ) -> SourceResult:
        params = {k: v for k, v in {"municipality": municipality, "title": title}.items() if v}
        return self._collect("ou", self._pages("ou", params), _records)

    # -- data ----------------------------------------------------------------------------------
    def data(
        self,
        kpi: str | Sequence[str],
        *,
        municipality: str | Sequence[str] | None = None,
        years: int | Sequence[int] | None = None,
        gender: str | None = None,
    ) -> SourceResult:
        """KPI values by municipality/region, year and gender: ``/data/kpi/{k}/municipality/{m}/year/{y}``.

        Kolada needs at least two of kpi, municipality and year; ``kpi`` is always required here.
        ``gender`` (``"T"``, ``"K"``, ``"M"``) keeps only that gender.
        """
        if gender is not None and gender not in KOLADA_SEX:
            raise InputError("gender", gender, f"one of {sorted(KOLADA_SEX)}")
        if municipality is None and years is None:
            raise InputError(
                "municipality/years", None, "at least one of municipality and years (Kolada's rule)"
            )
        path = f"data/kpi/{_ids(kpi, 'kpi')}"
        if municipality is not None:
            path += f"/municipality/{_ids(municipality, 'municipality')}"
        if years is not None:
            path += f"/year/{_years(years)}"
        result = self._collect(
            _ids(kpi, "kpi"), self._pages(path), lambda v, url: _data(v, url, "municipality")
        )
        return _keep_gender(result, gender)

    def ou_data(
        self,
        kpi: str | Sequence[str],
        ou: str | Sequence[str],
        years: int | Sequence[int] | None = None,
        gender: str | None = None,
    ) -> SourceResult:
        """KPI values for organisational units: ``/oudata/kpi/{k}/ou/{ou}/year/{y}``."""
        if gender is not None and gender not in KOLADA_SEX:
            raise InputError("gender", gender, f"one of {sorted(KOLADA_SEX)}")
        path = f"oudata/kpi/{_ids(kpi, 'kpi')}/ou/{_ids(ou, 'ou')}"
        if years is not None:
            path += f"/year/{_years(years)}"
        result = self._collect(
            _ids(kpi, "kpi"), self._pages(path), lambda v, url: _data(v, url, "ou")
        )
        return _keep_gender(result, gender)


def area_code(kolada_id: str) -> str:
    """jamlik's area code for a Kolada municipality id.

    Kolada writes regions as ``00`` + the län code (``0005`` = Region Östergötland) and the
    nation as ``0000``; kommun ids are already SCB's four-digit codes.

    >>> area_code("0580"), area_code("0005"), area_code("0000")
    ('0580', '05', 'SE')
    """
    if kolada_id == "0000":
        return "SE"
    if len(kolada_id) == 4 and kolada_id.startswith("00") and kolada_id.isdigit():
        return kolada_id[2:]
    return kolada_id


def _keep_gender(result: SourceResult, gender: str | None) -> SourceResult:
    if gender is None:
        return result
    table = result.table.filter(pc.equal(result.table["gender"], gender))
    return SourceResult(table, result.provenance)


def _ids(ids: str | Sequence[str], argument: str) -> str:
    items = [ids] if isinstance(ids, str) else list(ids)
    if not items or any(
        not isinstance(i, str) or not i or not i.replace("-", "").isalnum() for i in items
    ):
        raise InputError(
            argument, ids, "one or more Kolada ids (letters and digits), e.g. 'N00945' or '0580'"
        )
    return quote(",".join(items), safe=",")


def _years(years: int | Sequence[int]) -> str:
    items = [years] if isinstance(years, int) else list(years)
    if not items or any(not isinstance(y, int) or not 1900 <= y <= 2200 for y in items):
        raise InputError("years", years, "one or more four-digit years")
    return ",".join(str(y) for y in items)


def _keys(body: Any) -> Any:
    return sorted(body) if isinstance(body, Mapping) else type(body).__name__


def _records(values: list[Any], url: str) -> pa.Table:
    """Metadata items as a table of strings (nested values JSON-encoded)."""
    names: list[str] = []
    for item in values:
        if not isinstance(item, Mapping) or "id" not in item:
            raise DataError("Kolada metadata item lacks 'id'", file=url, value=item)
        names.extend(key for key in item if key not in names)
    columns = {
        name: pa.array([_text(item.get(name)) for item in values], pa.string()) for name in names
    }
    return pa.table(columns) if columns else pa.table({"id": pa.array([], pa.string())})


def _groups(values: list[Any], url: str) -> pa.Table:
    """KPI groups flattened to one row per member: ``group_id, group_title, kpi, kpi_title``."""
    rows: dict[str, list[str | None]] = {
        "group_id": [],
        "group_title": [],
        "kpi": [],
        "kpi_title": [],
    }
    for group in values:
        if not isinstance(group, Mapping) or "id" not in group:
            raise DataError("Kolada KPI group lacks 'id'", file=url, value=group)
        for member in group.get("members") or []:
            rows["group_id"].append(str(group["id"]))
            rows["group_title"].append(_text(group.get("title")))
            rows["kpi"].append(_text(member.get("member_id")))
            rows["kpi_title"].append(_text(member.get("member_title")))
    return pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()})


def _data(values: list[Any], url: str, area_key: str) -> pa.Table:
    rows: dict[str, list[Any]] = {name: [] for name in _DATA_SCHEMA.names}
    for i, item in enumerate(values):
        if not isinstance(item, Mapping) or not {"kpi", area_key, "period", "values"} <= set(item):
            raise DataError(
                f"Kolada data item lacks one of 'kpi', '{area_key}', 'period', 'values'",
                file=url,
                row=i + 1,
                value=_keys(item),
            )
        for cell in item["values"]:
            gender = cell.get("gender") if isinstance(cell, Mapping) else None
            if gender not in KOLADA_SEX:
                raise DataError(
                    "Kolada 'gender' must be T, K or M",
                    file=url,
                    row=i + 1,
                    column="gender",
                    value=gender,
                )
            value = cell.get("value")
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise DataError(
                    "Kolada 'value' must be a number or null",
                    file=url,
                    row=i + 1,
                    column="value",
                    value=value,
                )
            if cell.get("isdeleted"):
                continue
            rows["kpi"].append(str(item["kpi"]))
            rows["kolada_id"].append(str(item[area_key]))
            rows["area_code"].append(
                area_code(str(item[area_key])) if area_key == "municipality" else None
            )
            rows["period"].append(str(item["period"]))
            rows["gender"].append(gender)
            rows["sex"].append(KOLADA_SEX[gender])
            rows["value"].append(None if value is None else float(value))
            count = cell.get("count")
            rows["count"].append(
                count if isinstance(count, int) and not isinstance(count, bool) else None
            )
            rows["status"].append(_text(cell.get("status")) or None)
    return pa.table(rows, schema=_DATA_SCHEMA)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
