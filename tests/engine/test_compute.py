"""End-to-end engine tests on the small hand-made warehouse.

Expected counts are computed here from the raw tables with plain pandas (an independent path from
the engine's Ibis expressions); values are checked against :mod:`jamlik.stats` called directly,
whose own tests check them against published references (PHEindicatormethods, R).
"""

from __future__ import annotations

import _small
import numpy as np
import pandas as pd
import polars as pl
import pytest

from jamlik import stats
from jamlik.engine import COLUMNS, compute
from jamlik.model.catalogue import load_catalogue
from jamlik.store import Warehouse

REGION_KOMMUNER = ("0580", "0581")


def _row(obs, ind, year, level, code, breakdown="total", group="total"):
    r = obs.filter(pl.col("indicator_id") == ind, pl.col("year") == year,
                   pl.col("area_level") == level, pl.col("area_code") == code,
                   pl.col("breakdown") == breakdown, pl.col("group_value") == group)
    assert r.height == 1, (ind, year, level, code, breakdown, group, r.height)
    return r.row(0, named=True)


def _death_kommun(t) -> pd.Series:
    """Kommun of each death: person_years of year-1, else the same year, else the deaths row."""
    py = t["person_years"]
    d = t["deaths"].copy()
    prev = py.assign(year=py.year + 1)[["person_id", "year", "kommun_code"]]
    same = py[["person_id", "year", "kommun_code"]]
    d = d.merge(prev, on=["person_id", "year"], how="left", suffixes=("", "_prev"))
    d = d.merge(same, on=["person_id", "year"], how="left", suffixes=("", "_same"))
    return d.kommun_code_prev.fillna(d.kommun_code_same).fillna(d.kommun_code)


def test_observation_columns_match_the_migration(small):
    with Warehouse(small[0], read_only=True) as wh:
        names = [c[0] for c in wh.columns("observations")]
    assert sorted(names) == sorted([*COLUMNS, "load_id"])  # load_id (003), synthetic (007)


def test_population_count_equals_person_years(obs, small):
    py = small[1]["person_years"]
    for k in REGION_KOMMUNER:
        expected = ((py.year == 2020) & (py.kommun_code == k)).sum()
        assert _row(obs, "population_total", 2020, "kommun", k)["value"] == expected
    female = py.merge(small[1]["persons"][["person_id", "sex"]], on="person_id")
    expected = ((female.year == 2021) & (female.sex == "female")).sum()
    assert _row(obs, "population_total", 2021, "lan", "05", "sex", "female")["value"] == expected


def test_deaths_are_placed_by_previous_year_residence(obs, small):
    t = small[1]
    d = t["deaths"].assign(k=_death_kommun(t).to_numpy())
    for k in REGION_KOMMUNER:
        expected = ((d.year == 2020) & (d.k == k)).sum()
        got = _row(obs, "mortality_all_cause", 2020, "kommun", k)["numerator"]
        assert got == expected
    # the mover lived in Linköping (0580) in 2019 and died in Norrköping in 2020
    mover = d[d.person_id == _small.MOVER]
    assert list(mover.k) == ["0580"] and list(mover.kommun_code) == ["0581"]


def test_died_within_28_days_counts_the_mover(obs, small):
    t = small[1]
    ev = t["care_events"].merge(t["persons"][["person_id", "death_date"]], on="person_id")
    ev = ev[(ev.condition == "mi") & (ev.year == 2020)]
    days = (pd.to_datetime(ev.death_date) - pd.to_datetime(ev.admission_date)).dt.days
    expected_num = int((days <= 28).sum())
    row = _row(obs, "mi_death_28d", 2020, "lan", "05")
    assert expected_num >= 1
    if not row["suppressed"]:
        assert row["numerator"] == expected_num
        assert row["denominator"] == len(ev)


def test_first_year_events_of_the_dead_are_placed_by_the_deaths_register(obs, small):
    """An MI in the first register year of a person who died that year (no register row of
    the year before or of the year) is counted where the deaths register puts the person."""
    t = small[1]
    ev = t["care_events"][(t["care_events"].condition == "mi")
                          & (t["care_events"].year == _small.YEARS.start)]
    assert "E_FIRST" in set(ev.event_id)
    age = _small.YEARS.start - ev.merge(t["persons"], on="person_id").birth_year
    row = _row(obs, "mi_incidence", _small.YEARS.start, "lan", "05")
    assert not row["suppressed"]
    assert row["numerator"] == (age >= 20).sum()


def test_first_year_register_breakdowns_are_blank_not_biased(obs):
    """In the first register year deaths have no education, income or vårdcentral: those cells
    are blank with the reason (not a rate with every death missing); totals are computed."""
    first = _small.YEARS.start
    rows = obs.filter(pl.col("indicator_id") == "mortality_all_cause",
                      pl.col("year") == first, pl.col("area_code") == "05")
    q = rows.filter(pl.col("breakdown") == "income_quintile")
    assert q.height == 5 and q["value"].is_null().all() and q["numerator"].is_null().all()
    assert q["note"].str.contains("first register year").all()
    assert rows.filter(pl.col("breakdown") == "total")["value"].is_not_null().all()
    later = obs.filter(pl.col("indicator_id") == "mortality_all_cause",
                       pl.col("year") == first + 1, pl.col("area_code") == "05",
                       pl.col("breakdown") == "income_quintile")
    assert later["numerator"].is_not_null().all() and (later["numerator"] > 0).all()
    vc = obs.filter(pl.col("indicator_id") == "mortality_all_cause", pl.col("year") == first,
                    pl.col("area_level") == "vardcentral")
    assert vc.height > 0 and vc["value"].is_null().all()
    # life expectancy pools five years: every window that includes the first year is blank
    le = obs.filter(pl.col("indicator_id") == "life_expectancy_birth",
                    pl.col("area_code") == "05", pl.col("breakdown") == "income_quintile")
    assert le.height > 0
    for r in le.iter_rows(named=True):
        blanked = "first register year" in (r["note"] or "")
        assert blanked == (r["year"] - 4 <= first), r["period"]
        assert r["value"] is None or not blanked


def test_rollup_kommun_sums_to_lan(obs):
    cat = load_catalogue()
    checked = 0
    for ind in ("population_total", "mortality_all_cause", "diabetes_prevalence"):
        col = "value" if cat[ind].method == "count" else "denominator"
        for year in (2018, 2022):
            kom = obs.filter(pl.col("indicator_id") == ind, pl.col("year") == year,
                             pl.col("area_level") == "kommun", pl.col("breakdown") == "total",
                             pl.col("area_code").is_in(REGION_KOMMUNER))[col].sum()
            lan = _row(obs, ind, year, "lan", "05")[col]
            deso = obs.filter(pl.col("indicator_id") == ind, pl.col("year") == year,
                              pl.col("area_level") == "deso",
                              pl.col("breakdown") == "total")[col].sum()
            assert kom == lan == deso
            checked += 1
    assert checked == 6


def test_the_nation_is_the_loaded_national_rows_never_a_partial_sum(obs, small):
    agg = small[1]["aggregate_counts"]
    rest = agg[agg.year == 2019].population.sum()
    # the national rows loaded as SE (the two kommuner × 40), not region + two kommuner
    assert _row(obs, "population_total", 2019, "nation", "SE")["value"] == rest * 40
    for kommun in ("0180", "1480"):
        expected = agg[(agg.year == 2019) & (agg.kommun_code == kommun)].population.sum()
        assert _row(obs, "population_total", 2019, "kommun", kommun)["value"] == expected
    # Stockholm's and Västra Götaland's län: one kommun each loaded, so no figure
    assert obs.filter(pl.col("area_code").is_in(["01", "14"])).height == 0


def test_proportion_values_equal_stats(obs):
    rows = obs.filter(pl.col("indicator_id") == "share_born_abroad", ~pl.col("suppressed"),
                      pl.col("value").is_not_null())
    est = stats.proportion(rows["numerator"].to_numpy(), rows["denominator"].to_numpy(),
                           confidence=(0.95, 0.998), multiplier=100)
    np.testing.assert_allclose(rows["value"].to_numpy(), est.value, rtol=1e-12)
    np.testing.assert_allclose(rows["lower_95"].to_numpy(), est.intervals[0.95][0], rtol=1e-12)
    np.testing.assert_allclose(rows["upper_998"].to_numpy(), est.intervals[0.998][1], rtol=1e-12)


@pytest.mark.parametrize("year", [2021, 2016])
def test_dsr_equals_stats_dsr_on_hand_counted_bands(obs, small, year):
    """Lan 05, all-cause mortality: bands counted with pandas, then stats.dsr (ESP 2013). The
    population at risk is the mean population: ½ × the 31 Dec population of the year before (by
    its age then) + ½ × that of the year. 2016 is the first register year: its 1 January
    population is the 2016 people born before 2016, one year younger, plus the 2016 deaths of
    people born before 2016 at their age on 1 January."""
    t = small[1]
    from jamlik.model.age_bands import LIFE_TABLE_BANDS

    def band(age):
        age = np.asarray(age)
        return np.select([age == 0, age < 5, age >= 90],
                         ["0", "1-4", "90+"], [f"{a // 5 * 5}-{a // 5 * 5 + 4}" for a in age])

    def counts(ages) -> np.ndarray:
        c = pd.Series(band(ages)).value_counts() if len(ages) else pd.Series(dtype=float)
        return np.array([c.get(b, 0) for b in LIFE_TABLE_BANDS], float)

    py = t["person_years"]
    d = t["deaths"][t["deaths"].year == year]
    end = py[py.year == year].age.to_numpy()
    if year > py.year.min():
        start = py[py.year == year - 1].age.to_numpy()
    else:
        born = d.merge(t["persons"][["person_id", "birth_year"]], on="person_id").birth_year
        start = np.r_[end[end >= 1] - 1, (year - 1 - born[born < year]).to_numpy()]
    x = counts(d.age.to_numpy())
    n = 0.5 * counts(start) + 0.5 * counts(end)
    ref = stats.dsr(x, n, "esp2013", age_bands=list(LIFE_TABLE_BANDS), confidence=(0.95, 0.998))
    row = _row(obs, "mortality_all_cause", year, "lan", "05")
    assert row["value"] == pytest.approx(ref.value, rel=1e-9)
    assert row["lower_95"] == pytest.approx(ref.intervals[0.95][0], rel=1e-9)
    assert row["upper_998"] == pytest.approx(ref.intervals[0.998][1], rel=1e-9)
    assert row["standard"] == "esp2013" and row["method"] == "dobson"


def test_breakdown_groups_are_complete(obs):
    sex = obs.filter(pl.col("indicator_id") == "population_total", pl.col("breakdown") == "sex",
                     pl.col("area_level") == "kommun", pl.col("area_code") == "0580")
    assert sex.group_by("year").len()["len"].to_list() == [2] * sex["year"].n_unique()
    groups = set(obs.filter(pl.col("indicator_id") == "population_total",
                            pl.col("breakdown") == "age_group",
                            pl.col("area_level") == "lan")["group_value"])
    assert groups == {"0-15", "16-29", "30-44", "45-64", "65-79", "80+"}


def test_levels_and_breakdowns_per_level(obs):
    deso = obs.filter(pl.col("area_level") == "deso")
    assert set(deso["breakdown"]) <= {"total", "sex"}
    survey = obs.filter(pl.col("indicator_id") == "good_health")
    assert set(survey["area_level"]) == {"nation", "lan", "kommun"}
    edu = obs.filter(pl.col("breakdown") == "education", pl.col("area_level") == "lan")
    assert edu["note"].str.contains("25").all()


def test_comparison_codes(obs):
    rows = obs.filter(pl.col("area_level") == "kommun", pl.col("area_code") == "0580",
                      pl.col("indicator_id") == "share_born_abroad")
    assert set(rows["parent_code"]) == {"05"}
    for r in rows.iter_rows(named=True):
        if r["value"] is None or r["parent_value"] is None:
            assert r["vs_parent_95"] == "not_compared"
        elif r["lower_95"] > r["parent_value"]:
            assert r["vs_parent_95"] == "higher"
        elif r["upper_95"] < r["parent_value"]:
            assert r["vs_parent_95"] == "lower"
        else:
            assert r["vs_parent_95"] == "similar"
    # share_born_abroad has no national mapping: never compared with the nation
    assert set(rows["vs_nation_95"]) == {"not_compared"}
    assert set(obs["judgement_nation"]) <= {"better", "worse", "similar", "none"}


def test_suppressed_rows_are_blank(obs):
    sup = obs.filter(pl.col("suppressed"))
    assert sup.height > 0
    for c in ("numerator", "denominator", "value", "lower_95", "upper_998", "smoothed_value",
              "parent_value"):
        if c == "parent_value":
            continue
        assert sup[c].null_count() == sup.height, c
    assert sup["suppression_reason"].null_count() == 0


def test_no_suppressed_group_recoverable_from_total(obs):
    """Every (indicator, year, area, breakdown) with a suppressed group has at least two, unless
    the area's total is itself suppressed (one-way table: one hidden cell = total − the rest)."""
    groups = obs.filter(pl.col("breakdown") != "total")
    totals = obs.filter(pl.col("breakdown") == "total").select(
        "indicator_id", "year", "area_level", "area_code", total_sup="suppressed")
    per = groups.group_by("indicator_id", "year", "area_level", "area_code", "breakdown").agg(
        n_sup=pl.col("suppressed").sum(), n=pl.len()).join(
        totals, on=["indicator_id", "year", "area_level", "area_code"], how="left")
    bad = per.filter(pl.col("n_sup") == 1, ~pl.col("total_sup").fill_null(False),
                     pl.col("n") > 1)
    assert bad.height == 0, bad.head()


def test_fingerprint_skips_unchanged_and_force_recomputes(small, tmp_path):
    path = tmp_path / "fp.duckdb"
    _small.build_warehouse(path, n=600)
    with Warehouse(path) as wh:
        first = compute(wh, indicators=["population_total", "share_low_income"])
        assert set(first.computed) == {"population_total", "share_low_income"}
        second = compute(wh, indicators=["population_total", "share_low_income"])
        assert second.computed == () and set(second.skipped) == set(first.computed)
        n = wh.con.execute("SELECT count(*) FROM observations").fetchone()[0]
        assert n == first.rows
        forced = compute(wh, indicators=["population_total"], force=True)
        assert forced.computed == ("population_total",)
        assert wh.con.execute("SELECT count(*) FROM observations").fetchone()[0] == n
        with wh.load_session("more") as load:
            load.put("person_measures", pd.DataFrame(
                {"year": [2020], "person_id": ["P00001"], "measure": ["caries_age3"],
                 "value": [True]}))
        again = compute(wh, indicators=["population_total", "caries_age3"])
        assert again.computed == ("caries_age3",)
        load_ids = wh.con.execute("SELECT DISTINCT load_id FROM observations").fetchall()
        assert all(r[0] is not None for r in load_ids)


def test_unknown_indicator_is_an_input_error(small):
    from jamlik.model.errors import InputError

    with Warehouse(small[0]) as wh, pytest.raises(InputError, match="no_such"):
        compute(wh, indicators=["no_such"])
