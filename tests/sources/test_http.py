"""Retries with backoff, Retry-After, the token bucket and the on-disk cache.

References: RFC 9110 §10.2.3 (Retry-After is delay-seconds or an HTTP-date; its example
"Fri, 31 Dec 1999 23:59:59 GMT"); RFC 6585 §4 (429 Too Many Requests may carry Retry-After);
the token-bucket algorithm as in RFC 2697 §3 (tokens refill at a constant rate up to the bucket
size; a request takes one token). Expected delays below are worked by hand from those rules.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from jamlik.model.errors import InputError
from jamlik.sources import (
    DiskCache,
    Fetcher,
    RetryPolicy,
    SourceError,
    TokenBucket,
    parse_retry_after,
)

NOW = datetime(1999, 12, 31, 23, 59, 0, tzinfo=UTC)


def test_retry_after_delta_seconds_and_http_date():
    # RFC 9110 §10.2.3: "Retry-After: 120" and "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT".
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", NOW) == 59.0  # exact, tolerance 0
    assert parse_retry_after("Fri, 31 Dec 1999 23:58:00 GMT", NOW) == 0.0  # in the past → now
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_doubles_and_is_capped():
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    assert [policy.delay(a) for a in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert policy.delay(1, retry_after=3.0) == 3.0
    assert policy.delay(1, retry_after=3600.0) == 5.0
    with pytest.raises(InputError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_token_bucket_allows_burst_then_spaces_calls(fake_time):
    # 10 calls per 10 s (SCB API v1): 10 immediate calls, then one token per second.
    bucket = TokenBucket(10, 10.0, clock=fake_time.clock, sleep=fake_time.sleep)
    waits = [bucket.acquire() for _ in range(13)]
    assert waits[:10] == [0.0] * 10
    assert waits[10:] == pytest.approx([1.0, 1.0, 1.0], abs=1e-12)
    assert fake_time.now == pytest.approx(3.0, abs=1e-12)


def test_token_bucket_refills_while_idle(fake_time):
    bucket = TokenBucket(2, 1.0, clock=fake_time.clock, sleep=fake_time.sleep)
    bucket.acquire(), bucket.acquire()
    fake_time.now += 0.5  # half a period → one token back
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(0.5, abs=1e-12)


def test_token_bucket_rejects_nonsense():
    with pytest.raises(InputError, match="calls"):
        TokenBucket(0, 1.0)
    with pytest.raises(InputError, match="period"):
        TokenBucket(1, 0)


def _fetcher(router, fake_time, **kw):
    return Fetcher(client=router.client(), sleep=fake_time.sleep, now=lambda: NOW, **kw)


def test_429_with_retry_after_is_honoured(router, fake_time):
    router.add(
        "GET",
        "/x",
        httpx.Response(429, headers={"Retry-After": "7"}, json={"title": "Too many requests"}),
        httpx.Response(200, content=b"ok"),
    )
    payload = _fetcher(router, fake_time).fetch("GET", "https://api.example/x")
    assert payload.content == b"ok"
    assert fake_time.sleeps == [7.0]
    assert len(router.requests) == 2


def test_503_then_success_uses_exponential_backoff(router, fake_time):
    router.add(
        "GET", "/x", httpx.Response(503), httpx.Response(503), httpx.Response(200, content=b"ok")
    )
    _fetcher(router, fake_time, retry=RetryPolicy(base_delay=0.5)).fetch(
        "GET", "https://api.example/x"
    )
    assert fake_time.sleeps == [0.5, 1.0]


def test_gives_up_after_max_attempts_and_names_url_and_status(router, fake_time):
    router.add("GET", "/x", httpx.Response(429, json={"title": "Too many requests"}))
    with pytest.raises(
        SourceError, match=r"api\.example/x: HTTP 429 after 3 attempts: Too many requests"
    ) as info:
        _fetcher(router, fake_time, retry=RetryPolicy(max_attempts=3)).fetch(
            "GET", "https://api.example/x"
        )
    assert info.value.status == 429
    assert len(fake_time.sleeps) == 2


def test_client_errors_are_not_retried(router, fake_time):
    router.add("GET", "/x", httpx.Response(400, json={"title": "Parameter error", "status": 400}))
    with pytest.raises(SourceError, match="HTTP 400: Parameter error"):
        _fetcher(router, fake_time).fetch("GET", "https://api.example/x")
    assert fake_time.sleeps == [] and len(router.requests) == 1


def test_transport_errors_are_retried(fake_time):
    calls = []

    def flaky(request):
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, content=b"ok")

    fetcher = Fetcher(
        client=httpx.Client(transport=httpx.MockTransport(flaky)), sleep=fake_time.sleep
    )
    assert fetcher.fetch("GET", "https://api.example/x").content == b"ok"
    assert fake_time.sleeps == [1.0]


def test_disk_cache_serves_second_request_with_original_time(router, fake_time, tmp_path):
    router.add("POST", "/q", httpx.Response(200, content=b"payload"))
    fetcher = _fetcher(router, fake_time, cache=DiskCache(tmp_path))
    first = fetcher.fetch("POST", "https://api.example/q", json_body={"query": [1]})
    second = fetcher.fetch("POST", "https://api.example/q", json_body={"query": [1]})
    other = fetcher.fetch("POST", "https://api.example/q", json_body={"query": [2]})
    assert (first.from_cache, second.from_cache, other.from_cache) == (False, True, False)
    assert second.content == b"payload" and second.retrieved_at == NOW
    assert len(router.requests) == 2  # the repeated query never reached the server
    assert not list(tmp_path.glob("*.tmp"))


def test_cache_key_ignores_dict_order():
    a = DiskCache.key("get", "u", {"a": 1, "b": 2}, None)
    assert a == DiskCache.key("GET", "u", {"b": 2, "a": 1}, None)
    assert a != DiskCache.key("GET", "u", {"a": 1, "b": 3}, None)
