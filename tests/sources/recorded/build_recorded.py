"""Rebuild the recorded API responses in this directory (run by hand, never by pytest).

The responses follow the documented formats of SCB's PxWeb API v1 (metadata GET, query POST,
``json-stat2`` and ``csv`` responses), PxWeb API 2.0 (``/config``, paged ``/tables``,
``/tables/{id}/metadata`` and ``/data`` in JSON-stat 2.0) and Kolada API v3 (``values``/``count``/
``next_url``). The numbers are real: the population of the 13 Östergötland kommuner on
31 December 2019 by sex, summed over age from ``src/jamlik/data/population/kommun_pop_1yr_age_sex_2019.csv``
(SCB Statistikdatabasen, table BE0101N1 "Folkmängden efter region, civilstånd, ålder och kön";
see that file's PROVENANCE.md). This script does not import jamlik.

    /work/main/.venv/bin/python tests/sources/recorded/build_recorded.py
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE.parents[2] / "src/jamlik/data/population/kommun_pop_1yr_age_sex_2019.csv"

KOMMUNER = [  # Östergötland, SCB order
    ("0509", "Ödeshög"),
    ("0512", "Ydre"),
    ("0513", "Kinda"),
    ("0560", "Boxholm"),
    ("0561", "Åtvidaberg"),
    ("0562", "Finspång"),
    ("0563", "Valdemarsvik"),
    ("0580", "Linköping"),
    ("0581", "Norrköping"),
    ("0582", "Söderköping"),
    ("0583", "Motala"),
    ("0584", "Vadstena"),
    ("0586", "Mjölby"),
]
SEXES = [("1", "män", "male"), ("2", "kvinnor", "female")]


def population() -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            totals[(row["kommun_kod"], row["sex"])] += int(row["population"])
    return totals


def write(path: Path, payload, *, encoding="utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(payload, str | bytes):
        path.write_bytes(payload if isinstance(payload, bytes) else payload.encode(encoding))
    else:
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def jsonstat(regions, pop, *, v2=False) -> dict:
    values = [pop[(code, sex)] for code, _ in regions for _, _, sex in SEXES]
    dims = {
        "Region": {
            "label": "region",
            "category": {
                "index": {code: i for i, (code, _) in enumerate(regions)},
                "label": dict(regions),
            },
        },
        "Kon": {
            "label": "kön",
            "category": {
                "index": {code: i for i, (code, _, _) in enumerate(SEXES)},
                "label": {code: text for code, text, _ in SEXES},
            },
        },
        "ContentsCode": {
            "label": "tabellinnehåll",
            "category": {
                "index": {"BE0101N1": 0},
                "label": {"BE0101N1": "Folkmängd"},
                "unit": {"BE0101N1": {"base": "antal", "decimals": 0}},
            },
        },
        "Tid": {"label": "år", "category": {"index": {"2019": 0}, "label": {"2019": "2019"}}},
    }
    out = {
        "version": "2.0",
        "class": "dataset",
        "label": "Folkmängden efter region, kön, tabellinnehåll och år",
        "source": "SCB",
        "updated": "2020-02-21T07:30:00Z",
        "id": ["Region", "Kon", "ContentsCode", "Tid"],
        "size": [len(regions), 2, 1, 1],
        "dimension": dims,
        "value": values,
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
    }
    if v2:
        out["extension"] = {"px": {"tableid": "TAB638", "decimals": 0, "language": "sv"}}
    return out


def v1(pop) -> None:
    meta = {
        "title": "Folkmängden efter region, civilstånd, ålder, kön, tabellinnehåll och år",
        "variables": [
            {
                "code": "Region",
                "text": "region",
                "values": ["05"] + [c for c, _ in KOMMUNER],
                "valueTexts": ["Östergötlands län"] + [n for _, n in KOMMUNER],
                "elimination": True,
            },
            {
                "code": "Civilstand",
                "text": "civilstånd",
                "values": ["OG", "G", "ÄNKL", "SK"],
                "valueTexts": ["ogifta", "gifta", "änkor/änklingar", "skilda"],
                "elimination": True,
            },
            {
                "code": "Alder",
                "text": "ålder",
                "values": [str(a) for a in range(100)] + ["100+"],
                "valueTexts": [f"{a} år" for a in range(100)] + ["100+ år"],
                "elimination": True,
            },
            {
                "code": "Kon",
                "text": "kön",
                "values": ["1", "2"],
                "valueTexts": ["män", "kvinnor"],
                "elimination": True,
            },
            {
                "code": "ContentsCode",
                "text": "tabellinnehåll",
                "values": ["BE0101N1", "BE0101N2"],
                "valueTexts": ["Folkmängd", "Folkökning"],
            },
            {
                "code": "Tid",
                "text": "år",
                "values": ["2018", "2019"],
                "valueTexts": ["2018", "2019"],
                "time": True,
            },
        ],
    }
    write(HERE / "pxweb_v1/metadata_BefolkningNy.json", meta)
    # A query for 13 kommuner x 2 sexes = 26 cells with a 10-cell limit is split along Region
    # (the largest variable) into chunks of 10 // 2 = 5 regions: 5 + 5 + 3.
    for i, chunk in enumerate((KOMMUNER[0:5], KOMMUNER[5:10], KOMMUNER[10:13]), start=1):
        write(HERE / f"pxweb_v1/data_chunk{i}.json", jsonstat(chunk, pop))
    # The same 13 kommuner as one CSV response (format "csv"): SCB writes region as
    # "code name", the sex as text, and one column per contents x year.
    lines = ['"region","kön","Folkmängd 2019"']
    for code, name in KOMMUNER:
        for _, text, sex in SEXES:
            lines.append(f'"{code} {name}","{text}",{pop[(code, sex)]}')
    write(HERE / "pxweb_v1/data_all.csv", ("\ufeff" + "\r\n".join(lines) + "\r\n"))


def v2(pop) -> None:
    write(
        HERE / "pxweb_v2/config.json",
        {
            "apiVersion": "2.0.0",
            "appVersion": "2.0.0",
            "defaultLanguage": "sv",
            "languages": [{"id": "sv", "label": "Svenska"}, {"id": "en", "label": "English"}],
            "maxDataCells": 10,
            "maxCallsPerTimeWindow": 30,
            "timeWindow": 10,
            "license": "https://creativecommons.org/share-your-work/public-domain/cc0/",
            "sourceReferences": [{"language": "sv", "text": "Källa: SCB"}],
            "defaultDataFormat": "json-stat2",
            "dataFormats": ["json-stat2", "csv", "px", "xlsx", "parquet"],
        },
    )
    tables = [
        {
            "type": "Table",
            "id": "TAB638",
            "label": "Folkmängden efter region, civilstånd, ålder och kön. År 1968 - 2024",
            "updated": "2025-02-21T07:00:00Z",
            "firstPeriod": "1968",
            "lastPeriod": "2024",
            "source": "SCB",
        },
        {
            "type": "Table",
            "id": "TAB1267",
            "label": "Folkmängden efter region, ålder och kön. År 1968 - 2024",
            "updated": "2025-02-21T07:00:00Z",
            "firstPeriod": "1968",
            "lastPeriod": "2024",
            "source": "SCB",
        },
        {
            "type": "Table",
            "id": "TAB4552",
            "label": "Folkmängden per månad efter region, ålder och kön",
            "updated": "2025-05-13T06:00:00Z",
            "firstPeriod": "2000M01",
            "lastPeriod": "2025M03",
            "source": "SCB",
        },
    ]
    for page, items in ((1, tables[:2]), (2, tables[2:])):
        write(
            HERE / f"pxweb_v2/tables_page{page}.json",
            {
                "language": "sv",
                "tables": items,
                "page": {"pageNumber": page, "pageSize": 2, "totalElements": 3, "totalPages": 2},
                "links": [],
            },
        )
    regions = [("05", "Östergötlands län"), *KOMMUNER]
    meta = {
        "version": "2.0",
        "class": "dataset",
        "label": "Folkmängden efter region, civilstånd, ålder och kön. År 1968 - 2024",
        "source": "SCB",
        "updated": "2025-02-21T07:00:00Z",
        "id": ["Region", "Civilstand", "Alder", "Kon", "ContentsCode", "Tid"],
        "size": [len(regions), 4, 2, 2, 1, 2],
        "dimension": {
            "Region": {
                "label": "region",
                "category": {
                    "index": {c: i for i, (c, _) in enumerate(regions)},
                    "label": dict(regions),
                },
                "extension": {"elimination": True, "show": "value"},
            },
            "Civilstand": {
                "label": "civilstånd",
                "category": {
                    "index": {"OG": 0, "G": 1, "ÄNKL": 2, "SK": 3},
                    "label": {
                        "OG": "ogifta",
                        "G": "gifta",
                        "ÄNKL": "änkor/änklingar",
                        "SK": "skilda",
                    },
                },
                "extension": {"elimination": True},
            },
            "Alder": {
                "label": "ålder",
                "category": {"index": {"0": 0, "1": 1}, "label": {"0": "0 år", "1": "1 år"}},
                "extension": {"elimination": True},
            },
            "Kon": {
                "label": "kön",
                "category": {"index": {"1": 0, "2": 1}, "label": {"1": "män", "2": "kvinnor"}},
                "extension": {"elimination": True},
            },
            "ContentsCode": {
                "label": "tabellinnehåll",
                "category": {
                    "index": {"000007Y1": 0},
                    "label": {"000007Y1": "Folkmängd"},
                    "unit": {"000007Y1": {"base": "antal", "decimals": 0}},
                },
                "extension": {"elimination": False},
            },
            "Tid": {
                "label": "år",
                "category": {
                    "index": {"2018": 0, "2019": 1},
                    "label": {"2018": "2018", "2019": "2019"},
                },
                "extension": {"elimination": False},
            },
        },
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
        "extension": {"px": {"tableid": "TAB638", "language": "sv"}},
    }
    write(HERE / "pxweb_v2/metadata_TAB638.json", meta)
    for i, chunk in enumerate((KOMMUNER[0:5], KOMMUNER[5:10], KOMMUNER[10:13]), start=1):
        payload = jsonstat(chunk, pop, v2=True)
        payload["dimension"]["ContentsCode"]["category"] = {
            "index": {"000007Y1": 0},
            "label": {"000007Y1": "Folkmängd"},
            "unit": {"000007Y1": {"base": "antal", "decimals": 0}},
        }
        write(HERE / f"pxweb_v2/data_chunk{i}.json", payload)


def kolada(pop) -> None:
    base = "https://api.kolada.se/v3"
    munis = [{"id": "0005", "title": "Region Östergötland", "type": "L"}] + [
        {"id": code, "title": name, "type": "K"} for code, name in KOMMUNER
    ]
    pages = [munis[0:5], munis[5:10], munis[10:14]]
    for i, items in enumerate(pages, start=1):
        write(
            HERE / f"kolada/municipality_page{i}.json",
            {
                "count": len(items),
                "values": items,
                "next_url": f"{base}/municipality?page={i + 1}&per_page=5"
                if i < len(pages)
                else None,
                "previous_url": f"{base}/municipality?page={i - 1}&per_page=5" if i > 1 else None,
            },
        )
    write(
        HERE / "kolada/kpi_N01951.json",
        {
            "count": 1,
            "values": [
                {
                    "id": "N01951",
                    "title": "Invånare totalt, antal",
                    "description": "Antal invånare totalt. Källa: SCB.",
                    "is_divided_by_gender": True,
                    "municipality_type": "A",
                    "operating_area": "Befolkning",
                    "has_ou_data": False,
                    "publication_date": "2020-03-20",
                    "auspice": "E",
                    "perspective": "Volymer",
                }
            ],
            "next_url": None,
            "previous_url": None,
        },
    )
    write(
        HERE / "kolada/kpi_groups.json",
        {
            "count": 1,
            "values": [
                {
                    "id": "G2KPI110000",
                    "title": "Befolkning",
                    "members": [
                        {"member_id": "N01951", "member_title": "Invånare totalt, antal"},
                        {"member_id": "N01963", "member_title": "Invånare 0-19 år, antal"},
                    ],
                }
            ],
            "next_url": None,
            "previous_url": None,
        },
    )
    write(
        HERE / "kolada/ou.json",
        {
            "count": 2,
            "values": [
                {
                    "id": "V15E058000101",
                    "municipality": "0580",
                    "title": "Vårdcentralen Ekholmen (exempel)",
                },
                {
                    "id": "V15E058000102",
                    "municipality": "0580",
                    "title": "Vårdcentralen Ryd (exempel)",
                },
            ],
            "next_url": None,
            "previous_url": None,
        },
    )

    def item(code, value_by_gender):
        return {
            "kpi": "N01951",
            "municipality": code,
            "period": 2019,
            "values": [
                {"gender": g, "count": 1, "status": "", "value": v, "isdeleted": False}
                for g, v in value_by_gender
            ],
        }

    items = []
    for code, _ in KOMMUNER:
        f, m = pop[(code, "female")], pop[(code, "male")]
        items.append(item(code, [("K", f), ("M", m), ("T", f + m)]))
    f = sum(pop[(c, "female")] for c, _ in KOMMUNER)
    m = sum(pop[(c, "male")] for c, _ in KOMMUNER)
    items.append(item("0005", [("K", f), ("M", m), ("T", f + m)]))
    url = f"{base}/data/kpi/N01951/year/2019"
    chunks = [items[0:6], items[6:12], items[12:14]]
    for i, chunk in enumerate(chunks, start=1):
        write(
            HERE / f"kolada/data_N01951_2019_page{i}.json",
            {
                "count": len(chunk),
                "values": chunk,
                "next_url": f"{url}?page={i + 1}&per_page=6" if i < len(chunks) else None,
                "previous_url": f"{url}?page={i - 1}&per_page=6" if i > 1 else None,
            },
        )


if __name__ == "__main__":
    pop = population()
    v1(pop)
    v2(pop)
    kolada(pop)
