"""Schemathesis over every operation of the JSON API (issue 13, "done means"): generated
paths, query parameters and values — valid, boundary and hostile — must never give a 5xx or a
traceback. Runs on the small warehouse of tests/web/conftest.py with a fixed budget
(:data:`EXAMPLES` per operation, derandomised, no deadline).

The operations are driven with Hypothesis directly (``operation.as_strategy()``) rather than
through schemathesis' pytest plugin, whose lazy fixture loader does not run under pytest 9.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from jamlik.model import Settings
from jamlik.web import create_app

EXAMPLES = 60
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")


@pytest.fixture(scope="module")
def api_schema(small_db, tmp_path_factory):
    side = tmp_path_factory.mktemp("fuzz") / "side.duckdb"
    app = create_app(Settings(db_path=small_db, extra={"strategy_db": str(side),
                                                       "secret": "s" * 40}))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_json_api_route_is_fuzzed(api_schema):
    paths = {result.ok().path for result in api_schema.get_all_operations()}
    assert {"/api/observations", "/api/profiles/{code}", "/api/areas", "/api/areas/{code}",
            "/api/indicators/{indicator_id}", "/api/provenance", "/api/health",
            "/api/strategies/{doc_id}/fulfilment", "/ladda-ner/observationer.{fmt}"} <= paths


def test_no_server_error_and_no_traceback(api_schema, capsys):
    seen = {"requests": 0, "5xx": 0}
    problems: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call()
            seen["requests"] += 1
            text = response.content.decode("utf-8", "replace")  # Parquet and Excel are binary
            if response.status_code >= 500 or TRACEBACK.search(text):
                seen["5xx"] += response.status_code >= 500
                problems.append(f"{response.status_code} {case.as_curl_command()}: "
                                f"{text[:300]}")

        run()
    with capsys.disabled():
        print(f"\nAPI fuzzing: {seen['requests']} requests, {seen['5xx']} server errors")
    assert seen["requests"] >= EXAMPLES
    assert problems == []


#: A valid value for each path parameter, so that the query parameters are really reached.
VALID_PATH = {"code": "0580", "indicator_id": "mortality_all_cause",
              "doc_id": "strategi_for_halsa", "fmt": "csv"}
#: Boundary and hostile values tried in every query parameter of every route.
HOSTILE = ("-1", "0", "-5", "501", "50001", "9223372036854775807", "9223372036854775808",
           "-9223372036854775809", "1e309", "NaN", "inf", "2024.5", "zz", "", " ", "0580",
           "' OR 1=1 --", "\x00", "%", "ö" * 5000, "<script>alert(1)</script>",
           "../../etc/passwd")


def test_every_query_parameter_takes_boundary_and_hostile_values(api_schema, capsys):
    """A deterministic sweep (the generated cases above rarely reach a valid path): every
    query parameter of every JSON route, with the path parameters valid, gets each value of
    :data:`HOSTILE` — the 500s of issue 13 point 8 were of exactly this kind."""
    from fastapi.testclient import TestClient

    client = TestClient(api_schema.app, raise_server_exceptions=False)
    spec = client.get("/openapi.json").json()
    sent, problems = 0, []
    for path, operations in spec["paths"].items():
        url = path.format(**{k: v for k, v in VALID_PATH.items() if "{" + k + "}" in path})
        for operation in operations.values():
            for param in operation.get("parameters", []):
                if param["in"] != "query":
                    continue
                for value in HOSTILE:
                    response = client.get(url, params={param["name"]: value})
                    sent += 1
                    text = response.content.decode("utf-8", "replace")
                    if response.status_code >= 500 or TRACEBACK.search(text):
                        problems.append(f"{response.status_code} {url}?{param['name']}="
                                        f"{value[:30]!r}: {text[:200]}")
    with capsys.disabled():
        print(f"\nParameter sweep: {sent} requests, {len(problems)} server errors")
    assert sent > 300 and problems == []
