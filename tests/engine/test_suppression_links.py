"""The engine's secondary suppression over areas and groups (engine/_publish.suppress)."""

from __future__ import annotations

import polars as pl

from jamlik.engine._publish import suppress
from jamlik.model.catalogue import load_catalogue

PARENTS = pl.DataFrame({
    "area_level": ["deso", "deso", "deso", "regso", "kommun"],
    "area_code": ["D1", "D2", "D3", "R1", "0580"],
    "parent_code": ["R1", "R1", "R1", "0580", "05"],
})


def _rows() -> pl.DataFrame:
    rows = []
    # (area_level, area, breakdown, group, deaths, population)
    cells = [("regso", "R1", "total", "total", 30, 3000),
             ("deso", "D1", "total", "total", 3, 1000),   # primary
             ("deso", "D2", "total", "total", 12, 1000),
             ("deso", "D3", "total", "total", 15, 1000),
             ("regso", "R1", "sex", "female", 14, 1500),
             ("regso", "R1", "sex", "male", 16, 1500),
             ("kommun", "0580", "total", "total", 30, 3000)]
    for year in (2023, 2024):
        for level, area, breakdown, group, d, n in cells:
            rows.append({"year": year, "period": str(year), "area_level": level,
                         "area_code": area, "breakdown": breakdown, "group_value": group,
                         "numerator": float(d), "denominator": float(n)})
    return pl.DataFrame(rows)


def _hidden(df: pl.DataFrame) -> set:
    ind = load_catalogue()["mortality_all_cause"]
    out = suppress(df, ind, PARENTS)
    return {tuple(r) for r in out.filter(pl.col("suppressed")).select(
        "year", "area_code", "breakdown", "group_value").iter_rows()}


def test_a_small_deso_gets_a_partner_under_its_regso_and_kommun():
    hidden = _hidden(_rows())
    assert (2024, "D1", "total", "total") in hidden
    # 30 − 12 − 15 = 3 would give D1 back: one more DeSO is hidden (the smaller one)
    assert (2024, "D2", "total", "total") in hidden
    assert (2024, "D3", "total", "total") not in hidden


def test_the_pattern_does_not_depend_on_row_order():
    df = _rows()
    assert _hidden(df) == _hidden(df.sample(fraction=1.0, shuffle=True, seed=3)) \
        == _hidden(df.reverse())
