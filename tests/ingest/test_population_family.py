"""Population loads: children take their family's education and income; quintiles by cut points
(national when supplied, else the region's own); sex and birth year from the personnummer."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from jamlik.demo.extracts import synthetic_personnummer
from jamlik.ingest import LoadMapping, LoadRequest
from jamlik.model.identity import PseudonymKey
from jamlik.pipeline.init import init_warehouse
from jamlik.pipeline.load import load_requests

KEY = PseudonymKey(b"family-test-key-0123456789abcdef")


def _pnr(born: str, male: bool, seed: int) -> str:
    day = np.array([np.datetime64(born).astype(int)])
    p = synthetic_personnummer(day, np.array([male]), np.random.default_rng(seed))[0]
    return f"{p[:8]}-{p[8:]}"


@pytest.fixture
def family(tmp_path):
    mother, father = _pnr("1980-03-01", False, 1), _pnr("1978-07-09", True, 2)
    child, adult = _pnr("2015-05-05", True, 3), _pnr("1960-01-20", False, 4)
    rows = [  # person, education (SUN), income, parent1, parent2
        (mother, "5", "300000", "", ""), (father, "3", "100000", "", ""),
        (child, "", "0", mother, father), (adult, "6", "250000", "", "")]
    path = tmp_path / "population.csv"
    path.write_text("PersonNr;Ar;Kommun;Sun2000niva_old;DispInk04;PersonNrMor;PersonNrFar\n"
                    + "\n".join(f"{p};2020;0580;{e};{i};{m};{f}" for p, e, i, m, f in rows)
                    + "\n", encoding="utf-8")
    cuts = tmp_path / "cuts.csv"
    cuts.write_text("year,p20,p40,p60,p80\n2020,120000,180000,220000,280000\n",
                    encoding="utf-8")
    db = tmp_path / "w.duckdb"
    init_warehouse(db, region="05")
    return db, path, cuts, {"mother": mother, "father": father, "child": child,
                            "adult": adult}


def _rows(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0]: r[1:] for r in con.execute(
            "SELECT py.person_id, py.age, py.education, py.income_quintile, p.sex, p.birth_year "
            "FROM person_years py JOIN persons p USING (person_id)").fetchall()}
    finally:
        con.close()


def _pid(pnr: str) -> str:
    import hashlib
    import hmac

    return "p" + hmac.digest(KEY.secret, pnr.replace("-", "").encode(),
                             hashlib.sha256).hex()[:20]


def test_children_take_the_family_s_education_and_income(family):
    db, path, cuts, who = family
    mapping = LoadMapping.from_dict({"options": {"income_cut_points": str(cuts)}},
                                    kind="population")
    [report] = load_requests(db, [LoadRequest("population", (path,), mapping)], key=KEY)
    assert "national" in report.details["income_cut_points"]
    rows = _rows(db)
    # age, education group (from 25), quintile (1 + cut points below the income), sex, birth year
    assert rows[_pid(who["mother"])] == (40, "post_secondary_lt3y", 5, "female", 1980)
    assert rows[_pid(who["father"])] == (42, "upper_secondary", 1, "male", 1978)
    # the child: the parents' highest education; the quintile of the parents' mean income
    # (200 000: above 120 000 and 180 000 → quintile 3)
    assert rows[_pid(who["child"])] == (5, "post_secondary_lt3y", 3, "male", 2015)
    assert rows[_pid(who["adult"])][1:3] == ("post_secondary_ge3y", 4)


def test_without_cut_points_the_region_s_own_are_used_and_said(family):
    db, path, _, _ = family
    [report] = load_requests(db, [LoadRequest("population", (path,),
                                              LoadMapping(kind="population"))], key=KEY)
    assert "region's own" in report.details["income_cut_points"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        source, persons = con.execute("SELECT source, persons FROM income_cut_points").fetchone()
    finally:
        con.close()
    assert source.startswith("region") and persons == 3  # the three adults (20+)
