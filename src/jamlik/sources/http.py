"""HTTP plumbing shared by the connectors: retries with backoff, rate limiting, on-disk cache.

Everything with a side effect is injected: the ``httpx.Client`` (tests pass one built on
``httpx.MockTransport``), the ``sleep`` function and the ``clock``. No module-level client exists.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from jamlik.model.errors import InputError
from jamlik.sources.errors import SourceError
from jamlik.sources.provenance import canonical_json, sha256_hex, utc_now

Sleep = Callable[[float], None]
Clock = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: wait ``base_delay * 2**(attempt-1)`` (capped), or what the server asks.

    ``Retry-After`` (seconds or an HTTP date) wins over the computed delay when present, but is
    capped at ``max_delay`` so a broken server cannot stall a refresh for hours.
    """

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InputError("max_attempts", self.max_attempts, "at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise InputError(
                "base_delay/max_delay", (self.base_delay, self.max_delay), "non-negative seconds"
            )

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        return min(self.base_delay * 2 ** (attempt - 1), self.max_delay)


class TokenBucket:
    """At most ``calls`` requests per ``period`` seconds, with bursts up to ``calls``.

    SCB allows 10 calls per 10 s on API v1 and announces its v2 limit in ``/config``
    (``maxCallsPerTimeWindow`` per ``timeWindow`` seconds).
    """

    def __init__(
        self, calls: int, period: float, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ):
        if calls < 1:
            raise InputError("calls", calls, "a positive number of calls per period")
        if period <= 0:
            raise InputError("period", period, "a positive number of seconds")
        self.calls = calls
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(calls)
        self._last = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.calls, self._tokens + (now - self._last) * self.calls / self.period)
        self._last = now

    def acquire(self) -> float:
        """Take one token, sleeping until one is available. Returns the seconds slept."""
        self._refill()
        waited = 0.0
        if self._tokens < 1.0:
            wait = (1.0 - self._tokens) * self.period / self.calls
            self._sleep(wait)
            waited = wait
            self._refill()
            # An injected clock that does not advance with sleep must not deadlock us.
            self._tokens = max(self._tokens, 1.0)
        self._tokens -= 1.0
        return waited


@dataclass(frozen=True)
class CachedPayload:
    content: bytes
    url: str
    retrieved_at: datetime
    from_cache: bool
    content_type: str = ""


class DiskCache:
    """Payloads on disk, keyed by sha256 of method + URL + canonical query.

    Each entry is ``<key>.bin`` (the raw bytes) and ``<key>.json`` (URL and retrieval time). Writes
    go to a temporary file first and are renamed, so a crash never leaves a half-written entry.
    """

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(method: str, url: str, params: Mapping[str, Any] | None, body: Any) -> str:
        return sha256_hex(canonical_json([method.upper(), url, dict(params or {}), body]).encode())

    def get(self, key: str) -> CachedPayload | None:
        data, meta = self.directory / f"{key}.bin", self.directory / f"{key}.json"
        if not (data.exists() and meta.exists()):
            return None
        info = json.loads(meta.read_text(encoding="utf-8"))
        return CachedPayload(
            content=data.read_bytes(),
            url=info["url"],
            retrieved_at=datetime.fromisoformat(info["retrieved_at"]),
            from_cache=True,
            content_type=info.get("content_type", ""),
        )

    def put(self, key: str, payload: CachedPayload) -> None:
        for suffix, blob in (
            (".bin", payload.content),
            (
                ".json",
                json.dumps(
                    {
                        "url": payload.url,
                        "retrieved_at": payload.retrieved_at.isoformat(),
                        "content_type": payload.content_type,
                    }
                ).encode(),
            ),
        ):
            tmp = self.directory / f"{key}{suffix}.tmp"
            tmp.write_bytes(blob)
            tmp.replace(self.directory / f"{key}{suffix}")


@dataclass
class Fetcher:
    """Sends requests through the rate limiter, retries, and the cache."""

    client: httpx.Client
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limiter: TokenBucket | None = None
    cache: DiskCache | None = None
    sleep: Sleep = time.sleep
    now: Callable[[], datetime] = utc_now

    def fetch(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        use_cache: bool = True,
    ) -> CachedPayload:
        key = DiskCache.key(method, url, params, json_body)
        if self.cache is not None and use_cache:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        payload = self._fetch_with_retries(method, url, params, json_body)
        if self.cache is not None:
            self.cache.put(key, payload)
        return payload

    def _fetch_with_retries(self, method, url, params, json_body) -> CachedPayload:
        last_status: int | None = None
        last_detail = ""
        for attempt in range(1, self.retry.max_attempts + 1):
            if self.limiter is not None:
                self.limiter.acquire()
            try:
                response = self.client.request(method, url, params=params, json=json_body)
            except httpx.TransportError as exc:
                last_status, last_detail = None, f"{type(exc).__name__}: {exc}"
                retry_after = None
            else:
                if response.status_code < 400:
                    return CachedPayload(
                        content=response.content,
                        url=str(response.request.url),
                        retrieved_at=self.now(),
                        from_cache=False,
                        content_type=response.headers.get("content-type", ""),
                    )
                last_status, last_detail = response.status_code, _detail(response)
                if response.status_code not in self.retry.retry_statuses:
                    raise SourceError(str(response.request.url), last_status, last_detail, attempt)
                retry_after = parse_retry_after(response.headers.get("retry-after"), self.now())
            if attempt < self.retry.max_attempts:
                self.sleep(self.retry.delay(attempt, retry_after))
        raise SourceError(url, last_status, last_detail, self.retry.max_attempts)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), or ``None``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or utc_now())).total_seconds()
    if math.isnan(seconds):
        return None
    return max(seconds, 0.0)


def _detail(response: httpx.Response) -> str:
    text = response.text.strip()
    try:
        body = response.json()
    except ValueError:
        return text[:300] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("title", "detail", "message", "error"):
            if body.get(key):
                return str(body[key])[:300]
    return text[:300]
