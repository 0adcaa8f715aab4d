"""Shared fixtures: recorded responses served by ``httpx.MockTransport`` (never a socket),
a fake clock/sleep, and an area registry built from the shipped SCB boundary files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

RECORDED = Path(__file__).parent / "recorded"
DATA = Path(__file__).parents[2] / "src/jamlik/data"


def recorded(relative: str) -> bytes:
    return (RECORDED / relative).read_bytes()


class Router:
    """Routes requests to canned responses; records every request; refuses anything unknown.

    A route is ``(method, path, match)`` where ``match`` is a predicate on the request (query
    string, body) and the response is a callable or a list of responses served in turn.
    """

    def __init__(self):
        self.routes: list[tuple[str, str, Callable[[httpx.Request], bool], list]] = []
        self.requests: list[httpx.Request] = []

    def add(
        self,
        method: str,
        path: str,
        *responses,
        match: Callable[[httpx.Request], bool] = lambda r: True,
    ):
        self.routes.append((method, path, match, list(responses)))
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for method, path, match, responses in self.routes:
            if request.method == method and request.url.path == path and match(request):
                response = responses.pop(0) if len(responses) > 1 else responses[0]
                return response(request) if callable(response) else response
        return httpx.Response(
            404, json={"title": f"no recorded response for {request.method} {request.url}"}
        )

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def bodies(self) -> list:
        return [json.loads(r.content) for r in self.requests if r.method == "POST"]


def json_response(relative: str, status: int = 200, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=recorded(relative),
        headers={"content-type": "application/json", **(headers or {})},
    )


class FakeTime:
    """A clock that only moves when something sleeps; records the sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def router() -> Router:
    return Router()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture(scope="session")
def areas() -> dict[str, str]:
    """Every län and kommun (SCB boundary files shipped in src/jamlik/data/geo), code → name."""
    lan = pq.read_table(DATA / "geo/lan.parquet", columns=["lan_kod", "lan"]).to_pylist()
    kommun = pq.read_table(
        DATA / "geo/kommun.parquet", columns=["kommun_kod", "kommun"]
    ).to_pylist()
    out = {row["lan_kod"]: row["lan"] for row in lan}
    out |= {row["kommun_kod"]: row["kommun"] for row in kommun}
    return out
