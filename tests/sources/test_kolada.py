"""Kolada API v3 against recorded responses (tests/sources/recorded/kolada).

Format per Kolada's API documentation (https://api.kolada.se/v3/docs and the v2 README in
github.com/Hypergene/kolada): list responses are {"count", "values", "next_url",
"previous_url"}; data items are {"kpi", "municipality", "period", "values": [{"gender": T|K|M,
"count", "status", "value", "isdeleted"}]}; regions have ids "00" + län code.

Reference values: KPI N01951 "Invånare totalt, antal" is SCB's population on 31 December; for
2019 SCB publishes Linköping 163 051 (K 79 868, M 83 183) and Östergötlands län 465 495
(Statistikdatabasen BE0101N1). Tolerance: exact.
"""

from __future__ import annotations

import httpx
import pytest

from jamlik.model.errors import DataError, InputError
from jamlik.sources import Kolada, SourceError
from jamlik.sources.kolada import area_code

from .conftest import json_response

BASE = "https://api.kolada.se/v3"
DATA_PATH = "/v3/data/kpi/N01951/year/2019"


def paged(router, path, stem, pages):
    for page in range(1, pages + 1):
        first = page == 1
        router.add(
            "GET",
            path,
            json_response(f"kolada/{stem}_page{page}.json"),
            match=(lambda r: "page" not in r.url.params)
            if first
            else (lambda r, p=page: r.url.params.get("page") == str(p)),
        )
    return router


def client(router, fake_time, **kw):
    return Kolada(client=router.client(), sleep=fake_time.sleep, clock=fake_time.clock, **kw)


def test_data_by_year_and_gender_follows_next_url(router, fake_time):
    kolada = client(paged(router, DATA_PATH, "data_N01951_2019", 3), fake_time)
    result = kolada.data("N01951", years=2019)
    table = result.table
    assert table.num_rows == 14 * 3
    assert len(result.provenance) == 3 and [p.rows for p in result.provenance] == [18, 18, 6]
    by_key = {(r["area_code"], r["sex"]): r["value"] for r in table.to_pylist()}
    assert by_key[("0580", "total")] == 163_051
    assert by_key[("0580", "female")] == 79_868 and by_key[("0580", "male")] == 83_183
    assert by_key[("05", "total")] == 465_495  # Kolada's "0005" is Region Östergötland
    assert [r["kolada_id"] for r in table.to_pylist() if r["area_code"] == "05"] == ["0005"] * 3
    assert set(table.column("gender").to_pylist()) == {"T", "K", "M"}
    assert set(table.column("period").to_pylist()) == {"2019"}
    # First request carries per_page; later ones follow next_url verbatim.
    assert router.requests[0].url.params["per_page"] == "5000"
    assert router.requests[1].url.params["page"] == "2"


def test_gender_filter_and_url_building(router, fake_time):
    kolada = client(paged(router, DATA_PATH, "data_N01951_2019", 3), fake_time)
    table = kolada.data("N01951", years=[2019], gender="K").table
    assert set(table.column("sex").to_pylist()) == {"female"}
    assert table.num_rows == 14
    router2 = type(router)()
    router2.add(
        "GET",
        "/v3/data/kpi/N01951,N01963/municipality/0580,0005/year/2018,2019",
        httpx.Response(200, json={"count": 0, "values": [], "next_url": None}),
    )
    empty = Kolada(client=router2.client(), sleep=fake_time.sleep).data(
        ["N01951", "N01963"], municipality=["0580", "0005"], years=[2018, 2019]
    )
    assert empty.table.num_rows == 0 and empty.table.column_names[:3] == [
        "kpi",
        "kolada_id",
        "area_code",
    ]


def test_arguments_are_checked_before_any_request(router, fake_time):
    kolada = client(router, fake_time)
    with pytest.raises(InputError, match="gender"):
        kolada.data("N01951", years=2019, gender="X")
    with pytest.raises(InputError, match="at least one of municipality and years"):
        kolada.data("N01951")
    with pytest.raises(InputError, match="kpi"):
        kolada.data("N01951/../x", years=2019)
    with pytest.raises(InputError, match="years"):
        kolada.data("N01951", years=19)
    with pytest.raises(InputError, match="per_page"):
        Kolada(client=router.client(), per_page=10_000)
    assert router.requests == []


def test_municipalities_paging_and_type_filter(router, fake_time):
    kolada = client(paged(router, "/v3/municipality", "municipality", 3), fake_time)
    everything = kolada.municipalities()
    assert everything.table.num_rows == 14
    regions = client(
        paged(type(router)(), "/v3/municipality", "municipality", 3), fake_time
    ).municipalities(type="L")
    assert regions.table.to_pylist() == [
        {"id": "0005", "title": "Region Östergötland", "type": "L"}
    ]


def test_kpis_groups_and_units(router, fake_time):
    router.add("GET", "/v3/kpi/N01951", json_response("kolada/kpi_N01951.json"))
    router.add("GET", "/v3/kpi_groups", json_response("kolada/kpi_groups.json"))
    router.add("GET", "/v3/ou", json_response("kolada/ou.json"))
    kolada = client(router, fake_time)
    kpi = kolada.kpis(ids=["N01951"]).table.to_pylist()[0]
    assert kpi["title"] == "Invånare totalt, antal" and kpi["is_divided_by_gender"] == "True"
    groups = kolada.kpi_groups().table
    assert groups.column("kpi").to_pylist() == ["N01951", "N01963"]
    assert set(groups.column("group_id").to_pylist()) == {"G2KPI110000"}
    ous = kolada.organisational_units(municipality="0580")
    assert ous.table.column("municipality").to_pylist() == ["0580", "0580"]
    assert router.requests[-1].url.params["municipality"] == "0580"


def test_rate_limit_then_success(router, fake_time):
    router.add(
        "GET",
        "/v3/kpi_groups",
        httpx.Response(429, headers={"Retry-After": "2"}, text="rate limited"),
        json_response("kolada/kpi_groups.json"),
    )
    assert client(router, fake_time).kpi_groups().table.num_rows == 2
    assert 2.0 in fake_time.sleeps


def test_server_error_gives_up_with_status(router, fake_time):
    router.add("GET", "/v3/kpi_groups", httpx.Response(503, text="Service Unavailable"))
    with pytest.raises(SourceError, match="HTTP 503 after 5 attempts"):
        client(router, fake_time).kpi_groups()
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Bad gateway</html>", "not valid JSON"),
        (b'{"count": 1}', "lacks a 'values' list"),
        (
            b'{"count": 2, "values": [{"kpi": "N01951", "municipality": "0580", "period": 2019, "values": []}]}',
            "'count' says 2 but 'values' has 1",
        ),
        (
            b'{"values": [{"kpi": "N01951", "municipality": "0580", "values": []}]}',
            "row 1.*lacks one of",
        ),
        (
            b'{"values": [{"kpi": "N01951", "municipality": "0580", "period": 2019, '
            b'"values": [{"gender": "X", "value": 1}]}]}',
            "gender.*must be T, K or M",
        ),
        (
            b'{"values": [{"kpi": "N01951", "municipality": "0580", "period": 2019, '
            b'"values": [{"gender": "T", "value": "12,5"}]}]}',
            "'value' must be a number",
        ),
    ],
)
def test_malformed_payloads(router, fake_time, body, message):
    router.add("GET", DATA_PATH, httpx.Response(200, content=body))
    with pytest.raises(DataError, match=message):
        client(router, fake_time).data("N01951", years=2019)


def test_paging_loop_is_detected(router, fake_time):
    loop = {"count": 0, "values": [], "next_url": f"{BASE}/kpi_groups?page=1"}
    router.add("GET", "/v3/kpi_groups", httpx.Response(200, json=loop))
    with pytest.raises(DataError, match="paging loops"):
        client(router, fake_time).kpi_groups()


def test_deleted_values_are_dropped_and_nulls_kept(router, fake_time):
    body = {
        "count": 1,
        "values": [
            {
                "kpi": "N01951",
                "municipality": "0580",
                "period": 2019,
                "values": [
                    {
                        "gender": "T",
                        "count": 0,
                        "status": "Saknas",
                        "value": None,
                        "isdeleted": False,
                    },
                    {"gender": "K", "count": 1, "status": "", "value": 5.0, "isdeleted": True},
                ],
            }
        ],
    }
    router.add("GET", DATA_PATH, httpx.Response(200, json=body))
    rows = client(router, fake_time).data("N01951", years=2019).table.to_pylist()
    assert rows == [
        {
            "kpi": "N01951",
            "kolada_id": "0580",
            "area_code": "0580",
            "period": "2019",
            "gender": "T",
            "sex": "total",
            "value": None,
            "count": 0,
            "status": "Saknas",
        }
    ]


def test_area_code_translation():
    assert [area_code(i) for i in ("0580", "0005", "0025", "0000", "V15E058000101")] == [
        "0580",
        "05",
        "25",
        "SE",
        "V15E058000101",
    ]
