"""From a region's files to the profile page, checked against a hand computation.

A small synthetic Östergötland (about 3 300 people in Linköping 0580 and Norrköping 0581) is
written in the documented layouts, each in another format, each with a few planted bad rows:

* population 2022 — CSV in Windows-1252, ``;``, decimal commas, countries by Swedish name;
* population 2023 — SPSS ``.sav``;
* deaths 2023 — Excel ``.xlsx``;
* care 2023 — Parquet;
* Sweden's population (31 December) and deaths 2022–2023 by sex and single year of age — the
  real SCB/HMD figures that ship with jamlik — as national ``aggregates``.

They go through ``jamlik init``, ``jamlik load … --skip-bad-rows`` and ``jamlik compute``; each
load report must list exactly the planted rows. Then Linköping's profile page and the JSON API
must show what this test computes by hand, in plain Python, from the same rows it wrote:

* the population on 31 December 2023 (a count: exact);
* the share born abroad in 2023 (a proportion: within 1e-9 per cent);
* the all-cause death rate per 100 000 in 2023, directly standardised to the European Standard
  Population 2013 (Eurostat 2013, 19 age groups, weights 5 000 for 0–4 … 1 000 for 90+), with the
  mean population of the year (½ × 31 Dec 2022 + ½ × 31 Dec 2023) as the denominator, as
  docs/data-layouts.md states — within a relative 1e-9 (the same sums in another order); for
  Linköping and for Sweden (the comparator, from the aggregates).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from _ingest_helpers import ROOT, dashed, personnummer, run_cli

#: European Standard Population 2013 (Eurostat, "Revision of the European Standard Population",
#: 2013, table 1), 19 groups.
ESP2013 = {"0-4": 5000, "5-9": 5500, "10-14": 5500, "15-19": 5500, "20-24": 6000,
           "25-29": 6000, "30-34": 6500, "35-39": 7000, "40-44": 7000, "45-49": 7000,
           "50-54": 7000, "55-59": 6500, "60-64": 6000, "65-69": 5500, "70-74": 5000,
           "75-79": 4000, "80-84": 2500, "85-89": 1500, "90+": 1000}
COUNTRIES = {"sweden": ["Sverige", "SE"], "nordic": ["Finland", "Danmark"],
             "europe": ["Polen", "Österrike"], "outside_europe": ["Irak", "Syrien", "Somalia"]}
REGION = {name: region for region, names in COUNTRIES.items() for name in names}
CAUSES = ["I21.9", "I63.9", "C34.9", "J44.1", "F03.9", "E11.9", "X59.9", "R99"]
REL = 1e-9


def esp_group(age: int) -> str:
    if age >= 90:
        return "90+"
    low = age // 5 * 5
    return f"{low}-{low + 4}"


@dataclass
class Person:
    pnr: str
    birth: dt.date
    male: bool
    country: str
    deso: dict[int, str] = field(default_factory=dict)  # year → DeSO on 31 December
    death: dt.date | None = None

    def age(self, year: int) -> int:
        return year - self.birth.year


@dataclass
class Region:
    people: list[Person]
    db: Path
    reports: dict[str, Path]
    planted: dict[str, set[int]]
    outputs: dict[str, str]
    seconds: dict[str, float]
    files: dict[str, Path]
    national: list[dict]


def _desos(kommun: str) -> list[str]:
    import duckdb

    from jamlik.geo.registry import builtin_vintages

    v = builtin_vintages()
    with duckdb.connect() as con:
        con.register("v", v)
        return [r[0] for r in con.execute(
            "SELECT code FROM v WHERE level = 'deso' AND vintage = '2018' AND code LIKE ? "
            "INTERSECT SELECT code FROM v WHERE vintage = '2025' ORDER BY 1",
            [kommun + "%"]).fetchall()]


def _make_people(rng: np.random.Generator) -> list[Person]:
    """2 400 people in Linköping and 700 in Norrköping on 31 Dec 2022 (every age 0–99), their
    deaths in 2023, a few moves between the two, newborns and newcomers in 2023."""
    desos = {k: _desos(k) for k in ("0580", "0581")}
    specs = []  # (birth, male, country, kommun 2022 or None, kommun 2023 or None)
    for kommun, n in (("0580", 2400), ("0581", 700)):
        ages = np.arange(n) % 100
        for age in ages:
            born = dt.date(2022 - int(age), 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
            region = rng.choice(list(COUNTRIES), p=[0.8, 0.05, 0.06, 0.09])
            specs.append([born, bool(rng.random() < 0.5), str(rng.choice(COUNTRIES[region])),
                          kommun, kommun])
    moves = rng.choice(len(specs), 50, replace=False)
    for i in moves:
        specs[i][4] = "0581" if specs[i][3] == "0580" else "0580"
    for _ in range(25):  # born in Linköping in 2023
        born = dt.date(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 300)))
        specs.append([born, bool(rng.random() < 0.5), "Sverige", None, "0580"])
    for _ in range(15):  # moved to Linköping from abroad in 2023
        born = dt.date(1960, 1, 1) + dt.timedelta(days=int(rng.integers(0, 20000)))
        specs.append([born, bool(rng.random() < 0.5), str(rng.choice(COUNTRIES["outside_europe"])),
                      None, "0580"])
    pnrs = personnummer([s[0].isoformat() for s in specs], [s[1] for s in specs], seed=5)
    people = []
    for (born, male, country, k22, k23), pnr in zip(specs, pnrs, strict=True):
        p = Person(pnr, born, male, country)
        for year, kommun in ((2022, k22), (2023, k23)):
            if kommun:
                p.deso[year] = str(rng.choice(desos[kommun]))
        age = p.age(2023)
        if 2022 in p.deso:  # deaths in 2023 of those living here on 31 Dec 2022
            q = 0.0005 if age < 50 else 0.01 if age < 70 else 0.04 if age < 85 else 0.15
            if rng.random() < q:
                day = dt.date(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
                p.death = max(day, p.birth)
                p.deso.pop(2023, None)
        people.append(p)
    return people


def _extras(n: int, seed: int) -> list[str]:
    """Numbers of people who appear only in planted bad rows."""
    return [dashed(p) for p in personnummer(["1970-02-02"] * n, [True] * n, seed=seed)]


def _bad_luhn(pnr: str) -> str:
    return pnr[:-1] + str((int(pnr[-1]) + 3) % 10)


def _write_population_2022(people, path: Path) -> set[int]:
    """CSV, Windows-1252, ';', decimal commas; returns the planted bad lines."""
    rng = np.random.default_rng(22)
    lines = ["PersonNr;Ar;Deso;Sun2000niva_old;DispInk04;FodLand"]
    for p in people:
        if 2022 in p.deso:
            income = f"{rng.uniform(50, 600):.1f}".replace(".", ",")
            sun = str(rng.integers(1, 8)) if p.age(2022) >= 25 else ""
            lines.append(f"{dashed(p.pnr)};2022;{p.deso[2022]};{sun};{income};{p.country}")
    extra = _extras(4, seed=91)
    bad = [f"{_bad_luhn(extra[0])};2022;0580C1010;3;200,0;Sverige",   # check digit
           f"{extra[1]};2022;0580C9999;3;200,0;Sverige",              # no such DeSO
           f"{extra[2]};2022;0580C1010;phd;200,0;Sverige",            # not a SUN level
           f"{extra[3]};2022;0580C1010;3;200,0;Sverige;extra"]        # a field too many
    planted = set()
    for k, line in enumerate(bad):
        at = 40 + 300 * k
        lines.insert(at, line)
        planted.add(at + 1)  # header = line 1
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return planted


def _write_population_2023(people, path: Path) -> set[int]:
    """SPSS .sav; record numbers of the planted bad rows."""
    import pandas as pd
    import pyreadstat

    rng = np.random.default_rng(23)
    rows = []
    for p in people:
        if 2023 in p.deso:
            rows.append({"PersonNr": dashed(p.pnr), "Ar": 2023.0, "Deso": p.deso[2023],
                         "Sun2000niva_old": str(rng.integers(1, 8)) if p.age(2023) >= 25
                         else "", "DispInk04": round(float(rng.uniform(50, 600)), 1),
                         "FodLand": p.country})
    extra = _extras(2, seed=92)
    planted = set()
    for k, (pnr, deso) in enumerate(((extra[0], "XXXX"), (extra[1], "0180C1010"))):
        at = 100 + 1000 * k
        rows.insert(at, {"PersonNr": pnr, "Ar": 2023.0, "Deso": deso, "Sun2000niva_old": "3",
                         "DispInk04": 250.0, "FodLand": "Sverige"})
        planted.add(at + 1)
    pyreadstat.write_sav(pd.DataFrame(rows), str(path))
    return planted


def _write_deaths(people, path: Path) -> set[int]:
    """Excel; sheet rows of the planted bad rows (header = row 1)."""
    import openpyxl

    rng = np.random.default_rng(24)
    rows = [[dashed(p.pnr), p.death.strftime("%Y%m%d"), str(rng.choice(CAUSES))]
            for p in people if p.death]
    alive = [p for p in people if not p.death and 2023 in p.deso]
    bad = [[dashed(alive[0].pnr), "20230231", "I21.9"],   # no 31 February
           [dashed(alive[1].pnr), "20230510", "okänd"],   # not an ICD-10 code
           [rows[3][0], "20231201", "C34.9"]]             # a second death of one person
    planted = set()
    for k, row in enumerate(bad):
        at = 10 + 15 * k
        rows.insert(at, row)
        planted.add(at + 2)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "DORS"
    sheet.append(["PersonNr", "DODSDAT", "ULORSAK"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return planted


def _write_care(people, path: Path) -> tuple[set[int], int, int]:
    """Parquet; (planted record numbers, myocardial infarctions kept, events outside the care
    conditions)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(25)
    here = [p for p in people if 2022 in p.deso]
    rows, mi, outside = [], 0, 0
    for i in rng.choice(len(here), 120, replace=False):
        p = here[int(i)]
        start = dt.date(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 300)))
        end = start + dt.timedelta(days=int(rng.integers(0, 10)))
        if p.death and end > p.death:
            continue
        hdia = str(rng.choice(["I21.9", "I21.4", "I63.9", "I50.0", "J18.9", "K35.8"]))
        mi += hdia.startswith("I21")
        outside += hdia[:3] in ("J18", "K35")
        rows.append((dashed(p.pnr), start.strftime("%Y%m%d"), end.strftime("%Y%m%d"), hdia))
    extra = _extras(1, seed=93)
    bad = [(dashed(here[0].pnr), "20230310", "20230302", "I21.9"),  # discharge before admission
           (_bad_luhn(extra[0]), "20230310", "20230312", "I21.9")]  # check digit
    planted = set()
    for k, row in enumerate(bad):
        at = 5 + 20 * k
        rows.insert(at, row)
        planted.add(at + 1)
    cols = list(zip(*rows, strict=True))
    pq.write_table(pa.table({"PersonNr": cols[0], "INDATUM": cols[1], "UTDATUM": cols[2],
                             "HDIA": cols[3]}), path)
    return planted, mi, outside


def _national(path: Path) -> list[dict]:
    """Sweden 2022–2023 by sex and single year of age (100 = 100+) from the shipped SCB and HMD
    files (src/jamlik/data/population, see PROVENANCE.md)."""
    data = ROOT / "src" / "jamlik" / "data" / "population"
    cells: dict[tuple, dict] = defaultdict(lambda: {"population": 0.0, "deaths": 0.0})
    for name, column in (("riket_pop_1yr_age_sex_1968_2025.csv", "population"),
                         ("riket_deaths_1yr_age_sex_1968_2023.csv", "deaths")):
        with open(data / name, encoding="utf-8") as handle:
            for r in csv.DictReader(handle):
                if r["year"] in ("2022", "2023"):
                    key = (int(r["year"]), r["sex"], min(int(r["age"]), 100))
                    cells[key][column] += float(r[column])
    rows = [{"year": y, "sex": s, "age": a, **v} for (y, s, a), v in sorted(cells.items())]
    out = io.StringIO()
    out.write("area_code;year;sex;age;population;deaths\n")
    for r in rows:
        deaths = f"{r['deaths']:.2f}".rstrip("0").rstrip(".").replace(".", ",")
        out.write(f"SE;{r['year']};{r['sex']};{r['age']};{int(r['population'])};{deaths}\n")
    path.write_text(out.getvalue(), encoding="utf-8")
    return rows


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Region:
    folder = tmp_path_factory.mktemp("region")
    people = _make_people(np.random.default_rng(20240501))
    files = {"population-2022": folder / "rtb_2022.csv", "population-2023": folder / "rtb_2023.sav",
             "deaths": folder / "dors_2023.xlsx", "care": folder / "par_2023.parquet",
             "aggregates": folder / "riket.csv"}
    planted = {"population-2022": _write_population_2022(people, files["population-2022"]),
               "population-2023": _write_population_2023(people, files["population-2023"]),
               "deaths": _write_deaths(people, files["deaths"])}
    planted["care"], _, _ = _write_care(people, files["care"])
    national = _national(files["aggregates"])
    synthetic = folder / "synthetic.yaml"
    synthetic.write_text("options: {synthetic: true}\n", encoding="utf-8")
    riket = folder / "riket.yaml"
    riket.write_text("kind: aggregates\noptions: {population_type: dec31}\n", encoding="utf-8")
    db, key = folder / "jamlik.duckdb", folder / "pseudonym.key"
    seconds, outputs, reports = {}, {}, {}

    def run(name, *args):
        t0 = time.perf_counter()
        result = run_cli(*args)
        seconds[name] = time.perf_counter() - t0
        outputs[name] = result.text
        assert result.code == 0, result.text
        return result

    run("init", "init", "--region", "05", "--db", db, "--key-file", key)
    for name in ("population-2022", "population-2023", "deaths", "care", "aggregates"):
        kind = name.split("-")[0]
        reports[name] = folder / "reports" / name
        run(name, "load", kind, files[name], "--db", db, "--key-file", key,
            "--mapping", riket if kind == "aggregates" else synthetic,
            "--report", reports[name], "--skip-bad-rows")
    run("compute", "compute", "--db", db)
    return Region(people, db, reports, planted, outputs, seconds, files, national)


# -- the load reports -------------------------------------------------------------------------
SUMMARY = re.compile(r"(\d+) rows read, (\d+) kept, (\d+) rejected(?:, (\d+) skipped)?")


@pytest.mark.parametrize("name", ["population-2022", "population-2023", "deaths", "care"])
def test_the_load_report_lists_exactly_the_planted_rows(region, name):
    report = next(region.reports[name].glob("*.csv"))
    with open(report, encoding="utf-8") as handle:
        issues = list(csv.DictReader(handle, delimiter=";"))
    rejected = {int(r["row"]) for r in issues if r["action"] == "rejected"}
    assert rejected == region.planted[name]
    assert {r["file"] for r in issues} == {region.files[name].name}
    read, kept, n_rejected, skipped = (int(x or 0) for x in
                                       SUMMARY.search(region.outputs[name]).groups())
    assert n_rejected == len(region.planted[name])
    assert read == kept + n_rejected + skipped
    for person in region.people:  # no identity number in the clear
        assert person.pnr[:8] + "-" + person.pnr[8:] not in report.read_text(encoding="utf-8")


def test_the_loads_keep_the_good_rows(region):
    import duckdb

    people = region.people
    with duckdb.connect(str(region.db), read_only=True) as con:
        counts = dict(con.execute("SELECT year, count(*) FROM person_years GROUP BY 1")
                      .fetchall())
        deaths = con.execute("SELECT count(*) FROM deaths").fetchone()[0]
    assert counts == {2022: sum(2022 in p.deso for p in people),
                      2023: sum(2023 in p.deso for p in people)}
    assert deaths == sum(p.death is not None for p in people)


# -- the hand computation ---------------------------------------------------------------------
def hand_linkoping(people: list[Person]) -> dict[str, float]:
    """Linköping 2023 from the rows this test wrote (plain Python)."""
    in_2023 = [p for p in people if p.deso.get(2023, "").startswith("0580")]
    abroad = sum(REGION[p.country] != "sweden" for p in in_2023)
    pop = Counter()  # ESP group → mean population 2023
    for p in people:
        for year in (2022, 2023):
            if p.deso.get(year, "").startswith("0580"):
                pop[esp_group(p.age(year))] += 0.5
    deaths = Counter()
    for p in people:  # a death counts where the person lived on 31 December of the year before
        if p.death and p.deso.get(2022, "").startswith("0580"):
            age = p.death.year - p.birth.year - ((p.death.month, p.death.day)
                                                  < (p.birth.month, p.birth.day))
            deaths[esp_group(age)] += 1
    assert set(pop) == set(ESP2013) and sum(deaths.values()) >= 10  # a rate can be computed
    return {"population": len(in_2023), "share_born_abroad": 100 * abroad / len(in_2023),
            "dsr": dsr(deaths, pop), "deaths": sum(deaths.values()),
            "mean_population": sum(pop.values())}


def hand_sweden(rows: list[dict]) -> float:
    """Sweden's DSR 2023 from the aggregates this test wrote: deaths / mean population."""
    pop, deaths = Counter(), Counter()
    for r in rows:
        group = esp_group(r["age"])
        pop[group] += 0.5 * r["population"]  # ½ × 31 Dec 2022 + ½ × 31 Dec 2023
        if r["year"] == 2023:
            deaths[group] += r["deaths"]
    return dsr(deaths, pop)


def dsr(deaths: Counter, pop: Counter) -> float:
    """Σ w·d/n / Σ w × 100 000 over the 19 ESP 2013 groups."""
    return 100_000 * sum(w * deaths[g] / pop[g] for g, w in ESP2013.items()) / \
        sum(ESP2013.values())


# -- pages and API ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(region):
    from fastapi.testclient import TestClient

    from jamlik.model import Settings
    from jamlik.web import create_app

    return TestClient(create_app(Settings(db_path=region.db)))


def test_the_json_api_gives_the_hand_computed_numbers(region, client):
    hand = hand_linkoping(region.people)
    rows = {}
    for indicator in ("population_total", "share_born_abroad", "mortality_all_cause"):
        got = client.get("/api/observations", params={
            "indicator": indicator, "area": "0580", "year": 2023, "breakdown": "total"}).json()
        assert got["count"] == 1, got
        rows[indicator] = got["rows"][0]
    assert rows["population_total"]["value"] == hand["population"]
    assert rows["share_born_abroad"]["value"] == pytest.approx(hand["share_born_abroad"],
                                                               abs=1e-9)
    mortality = rows["mortality_all_cause"]
    assert mortality["numerator"] == hand["deaths"]
    assert mortality["denominator"] == pytest.approx(hand["mean_population"], abs=1e-9)
    assert mortality["value"] == pytest.approx(hand["dsr"], rel=REL)
    profile = client.get("/api/profiles/0580").json()
    row = next(r for r in profile["rows"] if r["indicator_id"] == "mortality_all_cause")
    assert row["year"] == 2023
    assert row["value"] == pytest.approx(hand["dsr"], rel=REL)
    assert row["nation_value"] == pytest.approx(hand_sweden(region.national), rel=REL)


def test_the_profile_page_shows_the_hand_computed_numbers(region, client):
    from jamlik.profiles.format import number

    hand = hand_linkoping(region.people)
    page = client.get("/omrade/0580")
    assert page.status_code == 200
    html = page.text
    for indicator, expected, decimals in (
            ("population_total", hand["population"], 0),
            ("share_born_abroad", hand["share_born_abroad"], 1),
            ("mortality_all_cause", hand["dsr"], 1)):
        row = re.search(rf'<tr data-indicator="{indicator}"[^>]* data-value="([^"]*)".*?</tr>',
                        html, re.S)
        assert row, indicator
        assert float(row[1]) == pytest.approx(expected, rel=REL), indicator
        assert f">{number(expected, decimals)}<" in row[0], indicator  # as the reader sees it
    nation = number(hand_sweden(region.national), 1)
    mortality = re.search(r'<tr data-indicator="mortality_all_cause".*?</tr>', html, re.S)[0]
    assert f">{nation}<" in mortality


def test_figures_from_the_synthetic_loads_are_marked_synthetic(region):
    import duckdb

    with duckdb.connect(str(region.db), read_only=True) as con:
        marks = dict(con.execute(
            "SELECT area_code, bool_and(synthetic) FROM observations WHERE indicator_id = "
            "'mortality_all_cause' AND area_code IN ('0580', 'SE') GROUP BY 1").fetchall())
    assert marks == {"0580": True, "SE": False}  # the nation: the real aggregates


def test_the_run_is_quick(region):
    assert sum(region.seconds.values()) < 60, region.seconds
