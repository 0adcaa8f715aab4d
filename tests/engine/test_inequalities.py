"""The engine's inequality measures (jamlik.engine.inequalities).

Two kinds of expected values:

* published reference values of WHO's R package healthequal 1.0.1 (GitHub WHOequity/healthequal,
  tests/testthat/test-<measure>.R), with the test inputs reproduced from R as documented in
  tests/equity/test_healthequal_reference.py, here fed through a hand-made observations table;
* the per-group functions of :mod:`jamlik.equity` (themselves checked against healthequal),
  which the vectorised engine must reproduce to 1e-9 (relative) on a tiny hand-made table.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jamlik.equity as eq
from jamlik.engine.inequalities import (
    MAX_N_SIM,
    batch_measures,
    compute_inequalities,
    indicator_options,
    inequalities_frame,
)
from jamlik.model.breakdowns import BREAKDOWNS
from jamlik.model.catalogue import load_catalogue
from jamlik.model.errors import InputError
from jamlik.store import Warehouse

Z = 1.959963984540054
CAT = load_catalogue()
# healthequal test inputs (see tests/equity/test_healthequal_reference.py for the R code).
ORDERED_POP = [78, 91, 162, 103, 105]
ORDERED_EST = [20, 30, 40, 50, 60]
ORDERED_SE = [5, 7, 10, 12, 14]
UNORDERED_POP = [832, 931, 1468, 1021, 1039, 1515, 1138, 620, 794, 866, 1367, 1108, 1120,
                 1033, 833, 1536, 1149, 410, 1210, 858, 680, 935, 692, 781, 812]  # fmt: skip
UNORDERED_EST = [61, 74, 58, 59, 72, 75, 74, 68, 75, 67, 73, 63, 66, 62, 60, 66, 71, 73, 71,
                 61, 74, 84, 55, 69, 60]  # fmt: skip
UNORDERED_SE = [5, 3, 3, 3, 4, 9, 2, 2, 2, 5, 5, 7, 5, 6, 4, 5, 6, 6, 9, 4, 3, 4, 1, 3, 7]
AREAS = pl.DataFrame({
    "code": [f"0580A{i:04d}" for i in range(25)] + ["0580", "0581", "0582", "05"],
    "level": ["deso"] * 25 + ["kommun"] * 3 + ["lan"],
    "parent": ["0580"] * 25 + ["05"] * 3 + ["SE"]})


def row(ind, year, level, code, breakdown, group, pop, est, se, suppressed=False):
    return {"indicator_id": ind, "year": year, "period": str(year), "area_level": level,
            "area_code": code, "breakdown": breakdown, "group_value": group,
            "denominator": float(pop), "value": None if suppressed else float(est),
            "lower_95": None if se is None or suppressed else est - Z * se,
            "upper_95": None if se is None or suppressed else est + Z * se,
            "suppressed": suppressed, "judgement_nation": "similar"}


def frame(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides={"value": pl.Float64, "lower_95": pl.Float64,
                                                "upper_95": pl.Float64,
                                                "year": pl.Int16})


def healthequal_obs() -> pl.DataFrame:
    rows = [row("good_health", 2024, "kommun", "0580", "income_quintile", str(q + 1), p, e, s)
            for q, (p, e, s) in enumerate(zip(ORDERED_POP, ORDERED_EST, ORDERED_SE,
                                              strict=True))]
    rows += [row("good_health", 2024, "deso", f"0580A{i:04d}", "total", "total", p, e, s)
             for i, (p, e, s) in enumerate(zip(UNORDERED_POP, UNORDERED_EST, UNORDERED_SE,
                                               strict=True))]
    return frame(rows)


@pytest.fixture(scope="module")
def healthequal_table():
    out = inequalities_frame(healthequal_obs(), AREAS, CAT)
    return {(r["dimension"], r["measure"]): r for r in out.iter_rows(named=True)}


@pytest.mark.parametrize(("measure", "estimate", "tol"), [
    ("sii", 44.44502, 1e-6),     # test-sii.R "sii function calculates SII correctly"
    ("rii", 3.159506, 1e-6),     # test-rii.R
    ("aci", 7.3284202, 1e-6),    # test-aci.R
    ("rci", 0.17776859, 1e-5),   # test-rci.R (1e-3 there)
    ("paf", 45.544548, 1e-6),    # test-paf.R
    ("par", 18.775509, 1e-5),    # test-parisk.R (1e-2 there)
])
def test_ordered_measures_through_the_engine_match_healthequal(healthequal_table, measure,
                                                                estimate, tol):
    got = healthequal_table[("income_quintile", measure)]
    assert got["estimate"] == pytest.approx(estimate, rel=tol)


def test_ordered_intervals_through_the_engine_match_healthequal(healthequal_table):
    sii = healthequal_table[("income_quintile", "sii")]  # test-sii.R, se on the 0-1 scale there
    assert sii["se"] / 100 == pytest.approx(0.02190822, rel=1e-5)
    assert (sii["lower"], sii["upper"]) == pytest.approx((40.15109, 48.73895), rel=1e-5)
    rii = healthequal_table[("income_quintile", "rii")]  # test-rii.R, se of ln RII
    assert rii["se"] == pytest.approx(0.07644001, rel=1e-5)
    assert (rii["lower"], rii["upper"]) == pytest.approx((2.719902, 3.67016), rel=1e-5)
    aci = healthequal_table[("income_quintile", "aci")]  # test-aci.R
    assert aci["se"] == pytest.approx(0.29368517, rel=1e-5)


@pytest.mark.parametrize(("measure", "estimate", "tol"), [
    ("bgv", 46.198326, 1e-6),    # test-bgv.R
    ("bgsd", 6.7969351, 1e-4),   # test-bgsd.R
    ("idisu", 8.7018175, 1e-4),  # test-idisu.R
    ("idisw", 8.6178417, 1e-4),  # test-idisw.R
    ("mdbu", 16.360001, 1e-4),   # test-mdbu.R
    ("mdbw", 16.293156, 1e-4),   # test-mdbw.R
    ("mdmu", 5.891726, 1e-4),    # test-mdmu.R
    ("mdmw", 5.8348689, 1e-4),   # test-mdmw.R
])
def test_subarea_measures_through_the_engine_match_healthequal(healthequal_table, measure,
                                                                estimate, tol):
    got = healthequal_table[("subareas:deso", measure)]
    assert got["estimate"] == pytest.approx(estimate, rel=tol)
    if measure == "bgv":  # test-bgv.R: se 17.134647
        assert got["se"] == pytest.approx(17.134647, rel=1e-6)


# -- the vectorised engine equals the per-group equity functions -------------------------------
def tiny_obs() -> pl.DataFrame:
    """Two indicators (a logit-SII proportion and a linear-SII rate), two years, every kind of
    dimension, a suppressed income group and an education 'missing' group."""
    rng = np.random.default_rng(4)
    rows = []
    for ind, lo, hi in (("smoke_exposed_infants", 2, 30), ("mortality_all_cause", 300, 1600),
                        ("good_health", 55, 85)):
        for year in (2023, 2024):
            for code in ("0580", "0581"):
                level = "kommun"
                for dim, groups in (("income_quintile", "12345"), ("socio_type", "12345"),
                                    ("education", ("compulsory", "upper_secondary",
                                                   "post_secondary_lt3y",
                                                   "post_secondary_ge3y", "missing")),
                                    ("sex", ("female", "male")),
                                    ("birth_region", ("sweden", "nordic", "europe",
                                                      "outside_europe"))):
                    for g in groups:
                        est = rng.uniform(lo, hi)
                        sup = dim == "income_quintile" and g == "2" and code == "0581"
                        rows.append(row(ind, year, level, code, dim, g, rng.integers(40, 900),
                                        est, est * rng.uniform(0.05, 0.3), suppressed=sup))
            for i in range(6):
                est = rng.uniform(lo, hi)
                rows.append(row(ind, year, "deso", f"0580A{i:04d}", "total", "total",
                                rng.integers(100, 900), est, est * 0.1))
    return frame(rows)


@pytest.fixture(scope="module")
def tiny():
    obs = tiny_obs()
    return obs, inequalities_frame(obs, AREAS, CAT)


def _equity(ind_id, dim, groups: pl.DataFrame) -> dict[str, eq.InequalityResult]:
    opts = indicator_options(CAT[ind_id])
    g = groups.filter(~pl.col("suppressed")).sort("group_value")
    ranks = BREAKDOWNS[dim].ranks if dim in BREAKDOWNS else {}
    if ranks:
        g = g.filter(pl.col("group_value").is_in(list(ranks)))
    pop = g["denominator"].to_numpy()
    est = g["value"].to_numpy()
    se = ((g["upper_95"] - g["lower_95"]) / (2 * Z)).to_numpy()
    order = [ranks[v] for v in g["group_value"]] if ranks else None
    ref = (g["group_value"].to_list().index("sweden") if dim == "birth_region" else None)
    out = {}
    for spec in eq.applicable_measures(order is not None, len(est),
                                       has_reference=ref is not None):
        kw = {}
        if spec.name in ("sii", "rii"):
            kw = {"method": opts["sii_method"]}
            if opts["sii_method"] == "linear":
                kw["n_sim"] = MAX_N_SIM
        out[spec.name] = spec.function(pop, est, se=se, order=order, scale=opts["scale"],
                                       favourable=opts["favourable"], reference=ref, **kw)
    return out


def test_every_stored_measure_equals_the_equity_function(tiny):
    obs, out = tiny
    checked = 0
    for (ind, year, code, dim), stored in out.group_by("indicator_id", "year", "area_code",
                                                        "dimension"):
        if dim.startswith("subareas:"):
            groups = obs.filter(pl.col("indicator_id") == ind, pl.col("year") == year,
                                pl.col("area_level") == "deso")
        else:
            groups = obs.filter(pl.col("indicator_id") == ind, pl.col("year") == year,
                                pl.col("area_code") == code, pl.col("breakdown") == dim)
        expected = _equity(ind, dim.split(":")[0], groups)
        assert set(stored["measure"]) == set(expected), (ind, dim)
        for r in stored.iter_rows(named=True):
            e = expected[r["measure"]]
            for col, value in (("estimate", e.estimate), ("se", e.se), ("lower", e.lower),
                               ("upper", e.upper)):
                got = r[col]
                if np.isnan(value):
                    assert got is None, (ind, dim, r["measure"], col)
                else:
                    assert got == pytest.approx(value, rel=1e-9, abs=1e-12), (
                        ind, dim, r["measure"], col)
            assert r["ci_method"] == e.method
            checked += 1
    assert checked > 300


def test_not_applicable_measures_are_not_stored(tiny):
    _, out = tiny
    by_dim = out.group_by("dimension").agg(pl.col("measure").unique())
    measures = {d: set(m) for d, m in by_dim.iter_rows()}
    ordered_only = {"sii", "rii", "aci", "rci"}
    unordered_only = {"bgv", "bgsd", "cov", "ti", "mld", "idisu", "idisw", "mdbu", "mdbw",
                      "mdmu", "mdmw", "mdru", "mdrw"}
    for dim in ("income_quintile", "education", "socio_type"):
        assert ordered_only <= measures[dim] and not measures[dim] & unordered_only
    assert measures["sex"] == {"d", "r"}  # two groups: D and R only
    assert unordered_only <= measures["birth_region"]  # has the reference 'sweden'
    assert not measures["birth_region"] & ordered_only
    assert not measures["subareas:deso"] & ({"mdru", "mdrw"} | ordered_only)


def test_suppressed_group_is_left_out_and_said(tiny):
    _, out = tiny
    rows = out.filter(pl.col("dimension") == "income_quintile", pl.col("area_code") == "0581")
    assert set(rows["n_groups"]) == {4} and set(rows["n_missing"]) == {1}
    assert all("left out (suppressed or no value): 2" in n for n in rows["note"])
    edu = out.filter(pl.col("dimension") == "education")
    assert set(edu["n_groups"]) == {4}  # 'missing' is not an education level


def test_reference_group_and_no_judgement_are_recorded(tiny):
    _, out = tiny
    d = out.filter(pl.col("dimension") == "birth_region", pl.col("measure") == "d")
    assert set(d["reference_group"]) == {"sweden"}
    opts = indicator_options(CAT["population_total"])
    assert opts["favourable"] is False and "no_judgement" in opts["note"]


@settings(max_examples=60, deadline=None)
@given(st.data(), st.integers(2, 7), st.integers(1, 4), st.booleans(), st.booleans(),
       st.booleans(), st.booleans())
def test_engine_equals_the_single_set_functions_for_random_sets(data, k, n, ordered, favourable,
                                                                 linear, with_reference):
    """All sets of a batch at once give, set by set, what the public functions give for one."""
    group = st.tuples(st.integers(5, 5000), st.floats(0.5, 99.0), st.floats(0.1, 10.0))
    sets = [data.draw(st.lists(group, min_size=k, max_size=k)) for _ in range(n)]
    P, Y, S = (np.array([[g[j] for g in groups] for groups in sets], float) for j in range(3))
    R = np.array([data.draw(st.permutations(range(1, k + 1))) for _ in range(n)], float)
    ref = np.array([data.draw(st.integers(0, k - 1)) if with_reference and not ordered else -1
                    for _ in range(n)])
    method = "linear" if linear else "logit"
    res = batch_measures(P, Y, S, R, ref, ordered=ordered, scale=100, favourable=favourable,
                         sii_method=method)
    for i in range(n):
        reference = int(ref[i]) if ref[i] >= 0 else None
        for spec in eq.applicable_measures(ordered, k, has_reference=reference is not None):
            kw = {"method": method, "n_sim": MAX_N_SIM} if spec.name in ("sii", "rii") else {}
            got = res[spec.name]
            try:
                e = spec.function(P[i], Y[i], se=S[i], order=R[i] if ordered else None,
                                  favourable=favourable, reference=reference, **kw)
            except InputError:  # e.g. equal estimates: no gradient for SII/RII
                assert got.skip[i], spec.name
                continue
            assert not got.skip[i], spec.name
            for value, stored in ((e.estimate, got.estimate[i]), (e.se, got.se[i]),
                                  (e.lower, got.lower[i]), (e.upper, got.upper[i])):
                if np.isnan(value):
                    assert np.isnan(stored), spec.name
                else:
                    assert stored == pytest.approx(value, rel=1e-9, abs=1e-9), spec.name
            assert got.method[i] == e.method
            if not (spec.name == "rii" and linear):  # a linear fit may cross zero at a rank end
                assert spec.values.contains(e.estimate, tol=1e-9), (spec.name, e.estimate)


def test_compute_inequalities_writes_and_replaces(tmp_path):
    obs = tiny_obs().drop("judgement_nation")
    n = obs.height
    defaults = {"method": "wilson", "multiplier": 100.0, "vs_parent_95": "x",
                "vs_parent_998": "x", "vs_nation_95": "x", "vs_nation_998": "x",
                "judgement_nation": "none", "trend": "x", "computed_at": datetime(2025, 1, 1)}
    full = obs.with_columns(**{k: pl.Series([v] * n) for k, v in defaults.items()})
    with Warehouse(tmp_path / "t.duckdb") as wh:
        wh.migrate()
        wh.con.register("incoming", full.to_arrow())
        wh.con.execute(f"INSERT INTO observations ({', '.join(full.columns)}) "
                       f"SELECT {', '.join(full.columns)} FROM incoming")
        wh.con.register("tiny_areas", AREAS.to_arrow())
        wh.con.execute("INSERT INTO areas (code, level, name, parent_code, kommun_code, "
                       "lan_code, vintage) SELECT code, level, code, parent, "
                       "CASE WHEN level = 'deso' THEN parent END, '05', 'x' FROM tiny_areas")
        first = compute_inequalities(wh)
        again = compute_inequalities(wh, indicators=["smoke_exposed_infants"])
        rows = wh.con.execute("SELECT count(*), count(DISTINCT load_id) FROM inequalities"
                              ).fetchone()
    assert first.rows == rows[0] and rows[1] == 2  # one indicator replaced in a second load
    assert again.rows < first.rows
    expected = inequalities_frame(tiny_obs(), AREAS, CAT)
    assert first.rows == expected.height
