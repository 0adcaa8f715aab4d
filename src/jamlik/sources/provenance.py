"""Provenance: where a table came from, how it was asked for, and what exactly came back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class Provenance:
    """One retrieved payload.

    ``query`` is canonical JSON (sorted keys) so that two identical requests have identical
    provenance apart from ``retrieved_at``; ``content_hash`` is the sha256 of the raw payload bytes,
    so a refresh that returns the same bytes can be recognised.
    """

    source: str
    table_id: str
    query: str
    url: str
    retrieved_at: datetime
    content_hash: str
    rows: int
    from_cache: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "table_id": self.table_id,
            "query": self.query,
            "url": self.url,
            "retrieved_at": self.retrieved_at.isoformat(),
            "content_hash": self.content_hash,
            "rows": self.rows,
            "from_cache": self.from_cache,
        }


@dataclass(frozen=True)
class SourceResult:
    """An Arrow table plus the provenance of every payload it was assembled from."""

    table: pa.Table
    provenance: tuple[Provenance, ...]

    @property
    def rows(self) -> int:
        return self.table.num_rows


def canonical_json(query: Any) -> str:
    """Canonical JSON text of a query (sorted keys, no whitespace, UTF-8 kept)."""
    return json.dumps(query, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def utc_now() -> datetime:
    return datetime.now(UTC)
