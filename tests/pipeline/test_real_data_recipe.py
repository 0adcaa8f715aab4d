"""The real-data recipe of docs/real-data.md, run as written, checked against an independent
life table.

Linköping's real population (SCB, 31 December) and deaths (by age at death), and Sweden's real
population (SCB) and deaths (Human Mortality Database, from SCB's data), one-year age × sex, are
loaded as aggregates. The expected life expectancy is computed here, independently of jamlik's
code, with the same method — Chiang's abridged life table (bands 0, 1–4, … 85–89, 90+;
a = 0.1 for the first year and 0.5 elsewhere; the open band's L = l / M) — on the same numbers,
with the population definition the recipe declares: the mean population of each year (SCB's
medelfolkmängd), ½ × 31 December of the year before + ½ × 31 December of the year, by age on
each day, and deaths by age at death. Tolerance: 1e-9 relative (same arithmetic, floating point).
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

ROOT = Path(__file__).parents[2]
DATA = ROOT / "src" / "jamlik" / "data" / "population"
STARTS = [0, 1, *range(5, 95, 5)]


def _band(age: int) -> int:
    return 0 if age == 0 else 1 if age < 5 else min(age // 5 + 1, 19)


def _read(path: Path, area: str | None = None) -> dict[str, dict[int, np.ndarray]]:
    """{'population'|'deaths': {year: (20,) by band, both sexes}}."""
    out: dict[str, dict[int, np.ndarray]] = {"population": {}, "deaths": {}}
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            year, band = int(row["year"]), _band(int(row["age"]))
            for var in ("population", "deaths"):
                if var in row and row[var] not in ("", None):
                    out[var].setdefault(year, np.zeros(20))[band] += float(row[var])
    return out


def _chiang(deaths: np.ndarray, pop: np.ndarray) -> float:
    width = np.diff(STARTS).astype(float)
    a = np.full(19, 0.5)
    a[0] = 0.1
    m = deaths / pop
    q = np.append(m[:19] * width / (1 + m[:19] * width * (1 - a)), 1.0)
    lx = np.empty(20)
    lx[0] = 100_000.0
    for i in range(1, 20):
        lx[i] = lx[i - 1] * (1 - q[i - 1])
    big_l = np.empty(20)
    for i in range(19):
        big_l[i] = width[i] * (lx[i + 1] + a[i] * (lx[i] - lx[i + 1]))
    big_l[19] = lx[19] / m[19]
    return float(big_l.sum() / lx[0])


def _life_expectancy(data, last: int, person_time: str = "mean") -> float:
    years = range(last - 4, last + 1)
    deaths = sum(data["deaths"][y] for y in years)
    if person_time == "mean":
        pop = sum(0.5 * data["population"][y - 1] + 0.5 * data["population"][y] for y in years)
    else:  # 31 December + ½ deaths
        pop = sum(data["population"][y] + 0.5 * data["deaths"][y] for y in years)
    return _chiang(deaths, pop)


def _recipe() -> list[str]:
    text = (ROOT / "docs" / "real-data.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block, "docs/real-data.md has no ```sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def recipe_db(tmp_path_factory) -> Path:
    """Run the recipe's commands as written (the warehouse path moved to a temporary folder)."""
    db = tmp_path_factory.mktemp("real") / "linkoping.duckdb"
    jamlik = Path(sys.executable).with_name("jamlik")
    env = {**os.environ, "JAMLIK_LANG": "en"}
    for line in _recipe():
        args = shlex.split(line.replace("data/linkoping.duckdb", str(db)))
        assert args[0] == "jamlik"
        done = subprocess.run([str(jamlik), *args[1:]], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
    return db


def _value(db: Path, indicator: str, area: str, period: str) -> float:
    published = db.parent / "published" / db.name
    con = duckdb.connect(str(published), read_only=True)
    try:
        row = con.execute("SELECT value FROM observations WHERE indicator_id = ? AND "
                          "area_code = ? AND period = ? AND breakdown = 'total'",
                          [indicator, area, period]).fetchone()
    finally:
        con.close()
    assert row is not None, f"no {indicator} for {area} {period}"
    return row[0]


def test_linkoping_life_expectancy_matches_an_independent_life_table(recipe_db):
    data = _read(DATA / "linkoping_0580_pop_deaths_1yr_age_sex_1968_2025.csv")
    for last in (2019, 2023, 2024):
        expected = _life_expectancy(data, last)
        got = _value(recipe_db, "life_expectancy_birth", "0580", f"{last - 4}–{last}")
        assert got == pytest.approx(expected, rel=1e-9)
    # the old denominator (31 Dec + ½ deaths) overstates it: the reason for the mean population
    old = _life_expectancy(data, 2023, "dec31_half_deaths")
    assert 0.2 < old - _life_expectancy(data, 2023) < 0.5


def test_sweden_life_expectancy_matches_and_ends_with_the_deaths(recipe_db):
    pop = _read(DATA / "riket_pop_1yr_age_sex_1968_2025.csv")
    deaths = _read(DATA / "riket_deaths_1yr_age_sex_1968_2023.csv")
    data = {"population": pop["population"], "deaths": deaths["deaths"]}
    got = _value(recipe_db, "life_expectancy_birth", "SE", "2019–2023")
    assert got == pytest.approx(_life_expectancy(data, 2023), rel=1e-9)
    published = recipe_db.parent / "published" / recipe_db.name
    con = duckdb.connect(str(published), read_only=True)
    try:
        # no national deaths for 2024: no nation, and Linköping is "not compared" with it
        assert not con.execute("SELECT count(*) FROM observations WHERE area_code = 'SE' AND "
                               "year >= 2024 AND indicator_id = 'mortality_all_cause'"
                               ).fetchone()[0]
        row = con.execute("SELECT vs_nation_95, note FROM observations WHERE area_code = '0580' "
                          "AND year = 2024 AND indicator_id = 'mortality_all_cause' "
                          "AND breakdown = 'total'").fetchone()
        assert row[0] == "not_compared" and "no national data" in row[1]
        # the county is not the sum of one loaded kommun
        assert not con.execute("SELECT count(*) FROM observations WHERE area_code = '05'"
                               ).fetchone()[0]
        # real, not synthetic
        assert not con.execute("SELECT count(*) FROM observations WHERE synthetic").fetchone()[0]
    finally:
        con.close()


def test_the_profile_page_shows_linkopings_real_figures(recipe_db):
    from starlette.testclient import TestClient

    from jamlik.model import Settings
    from jamlik.web import create_app

    client = TestClient(create_app(Settings(db_path=recipe_db)))
    page = client.get("/omrade/0580")
    assert page.status_code == 200
    expected = _value(recipe_db, "life_expectancy_birth", "0580", "2021–2025")
    assert f"{expected:.1f}".replace(".", ",") in page.text
