"""Expected all-cause mortality of the demo region from its documented ground truth alone.

Used by the tests that check the engine recovers the truth (test_demo.py, test_equity_demo.py).
Nothing here runs the engine: the inputs are ``demo_truth`` (the generator's rate formula and
parameters) and the register tables that describe who lived when (``person_years``, ``persons``,
the MI admissions of ``care_events``).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import polars as pl

from jamlik.demo._mortality import rr_exponent
from jamlik.stats.standard_populations import standard_age_group, standard_population

EDUCATION = ["compulsory", "upper_secondary", "post_secondary_lt3y", "post_secondary_ge3y",
             "missing"]
KEYS = ["year", "income_quintile", "group"]


def demo_truth(wh) -> dict:
    return {k: json.loads(v) for k, v in wh.con.execute(
        "SELECT key, value FROM demo_truth").fetchall()}


def _in(quintiles) -> str:
    return ", ".join(str(int(q)) for q in quintiles)


def le_band(age: int) -> str:
    """The life-table band ('0', '1-4', '5-9', …, '90+') of a completed age."""
    if age == 0:
        return "0"
    if age < 5:
        return "1-4"
    return "90+" if age >= 90 else f"{age // 5 * 5}-{age // 5 * 5 + 4}"


def background_cells(wh, quintiles=(1, 2, 3, 4, 5), first_year: int = 2016,
                     group_of: Callable[[int], str] = standard_age_group) -> pl.DataFrame:
    """Expected background deaths ``e`` and person-years ``n`` per year × income quintile ×
    age group (``group_of`` a completed age; default the ESP 2013 groups): every person-year of the region gets the model's death rate
    baseline[sex, age] × year_factor × normaliser[sex, band] × (RR_income × RR_education)^x(age)
    (demo_truth.mortality.rate_formula, age = attained age), split half and half between
    completed ages a − 1 and a, as a person of attained age a spends about half the year at each
    (deaths are counted by completed age at death)."""
    truth = demo_truth(wh)
    py = pl.from_arrow(wh.con.execute(
        "SELECT p.year, p.age, s.sex, p.education, p.income_quintile, count(*) AS n "
        "FROM person_years p JOIN persons s USING (person_id) WHERE p.income_quintile IN "
        f"({_in(quintiles)}) AND p.year >= ? GROUP BY ALL", [first_year]).arrow())
    mort, params = truth["mortality"], truth["parameters"]["mortality_rr"]
    age = py["age"].to_numpy()
    sex = py["sex"].to_list()
    band = np.searchsorted([1, 5, *range(10, 95, 5)], age, side="right")
    base = np.array([mort["baseline_rate_by_attained_age"][s][min(a, 110)]
                     for s, a in zip(sex, age, strict=True)])
    norm = np.array([mort["rr_normaliser_by_life_band"][s][b]
                     for s, b in zip(sex, band, strict=True)])
    year = np.array([mort["year_factor"][str(y)] for y in py["year"]])
    rr_q = np.array(params["income_quintile"])[py["income_quintile"].to_numpy() - 1]
    edu = [e if e in EDUCATION else None for e in py["education"].to_list()]
    rr_e = np.array([params["education"][EDUCATION.index(e)] if e and a >= 25 else 1.0
                     for e, a in zip(edu, age, strict=True)])
    expected = base * norm * year * (rr_q * rr_e) ** rr_exponent(age) * py["n"].to_numpy()
    frame = py.with_columns(e=pl.Series(expected), n=pl.col("n").cast(pl.Float64))
    halves = [frame.with_columns(pl.col("e", "n") * 0.5, group=pl.Series(
        [group_of(max(int(a) - shift, 0)) for a in age])) for shift in (0, 1)]
    return pl.concat(halves).group_by(KEYS).agg(pl.col("e", "n").sum())


def mi_excess_cells(wh, quintiles=(1, 2, 3, 4, 5), first_year: int = 2016,
                    group_of: Callable[[int], str] = standard_age_group) -> pl.DataFrame:
    """Expected MI-related deaths ``e_mi`` per year × income quintile × age group.

    The generator gives each person's first MI (the first ``mi`` admission in ``care_events``)
    a death hazard on top of the background rate (demo_truth parameters.mi_outcome):
    k·h0(t), k = exp(age_coef × (age at MI − 70)) × HR[income quintile], h0 = −ln(1 − p28_ref)/28
    per day for 28 days, then rate_after_28d per year. The expected number of such deaths in a
    cell is that hazard integrated over the time each person was alive after the MI (the
    compensator of the counting process, whose expectation equals the expected count), split at
    the birthday into completed ages."""
    o = demo_truth(wh)["parameters"]["mi_outcome"]
    day = "datediff('day', DATE '1970-01-01', {})"
    d = pl.from_arrow(wh.con.execute(
        "WITH idx AS (SELECT person_id, min(admission_date) AS adm FROM care_events "
        "WHERE condition = 'mi' GROUP BY 1), "
        "q AS (SELECT person_id, any_value(income_quintile) AS q FROM person_years "
        f"WHERE income_quintile IN ({_in(quintiles)}) GROUP BY 1) "
        f"SELECT {day.format('i.adm')} AS adm, {day.format('p.birth_date')} AS birth, "
        # alive until the end of the death day; never dead: far in the future
        f"coalesce({day.format('p.death_date')} + 1, 1000000) AS death, q.q, "
        "year(p.birth_date) AS birth_year, month(p.birth_date) AS month, "
        "day(p.birth_date) AS dom, date_diff('year', p.birth_date, i.adm) - "
        "(strftime(i.adm, '%m%d') < strftime(p.birth_date, '%m%d'))::INT AS age "
        "FROM idx i JOIN persons p USING (person_id) JOIN q USING (person_id)").arrow())
    h28 = -np.log1p(-o["p28_ref"])
    k = (np.exp(o["age_coef_per_year"] * (d["age"].to_numpy() - 70))
         * np.asarray(o["hazard_ratio_income_quintile"])[d["q"].to_numpy() - 1])
    epoch = np.datetime64("1970-01-01", "D")
    adm, birth, death = (d[c].to_numpy() for c in ("adm", "birth", "death"))

    def cumulative(t: np.ndarray) -> np.ndarray:
        t = np.maximum(t, 0)
        return np.where(t < 28, k * h28 * t / 28,
                        k * h28 + k * o["rate_after_28d_per_year"] * (t - 28) / 365.25)

    birth_year, month, dom = (d[c].to_numpy() for c in ("birth_year", "month", "dom"))
    last = int(wh.con.execute("SELECT max(year) FROM person_years").fetchone()[0])
    parts = []
    for y in range(first_year, last + 1):
        ys = (np.datetime64(f"{y}-01-01", "D") - epoch).astype(np.int64)
        ye = (np.datetime64(f"{y + 1}-01-01", "D") - epoch).astype(np.int64)
        leap = (month == 2) & (dom == 29)
        bday = ys + (np.array([f"{y}-{m:02d}-{dd:02d}" for m, dd in
                               zip(month, np.where(leap, 28, dom), strict=True)],
                              dtype="datetime64[D]") - np.datetime64(f"{y}-01-01", "D")
                     ).astype(np.int64)
        start, stop = np.maximum(adm, ys), np.minimum(death, ye)
        for lo, hi, completed in ((start, np.minimum(stop, bday), y - birth_year - 1),
                                  (np.maximum(start, bday), stop, y - birth_year)):
            ok = (hi > lo) & (birth < ye)
            parts.append(pl.DataFrame({
                "year": np.full(ok.sum(), y), "income_quintile": d["q"].to_numpy()[ok],
                "age": completed[ok], "e_mi": (cumulative(hi - adm) - cumulative(lo - adm))[ok]}))
    f = pl.concat(parts)
    f = f.with_columns(group=pl.Series([group_of(max(int(a), 0)) for a in f["age"]]))
    return f.group_by(KEYS).agg(pl.col("e_mi").sum())


def truth_cells(wh, quintiles=(1, 2, 3, 4, 5), first_year: int = 2016,
                group_of: Callable[[int], str] = standard_age_group) -> pl.DataFrame:
    """Expected all-cause deaths ``e`` (background + MI-related) and person-years ``n`` per
    year × income quintile × age group; ``e / n`` is the group's true rate."""
    bg = background_cells(wh, quintiles, first_year, group_of)
    mi = mi_excess_cells(wh, quintiles, first_year, group_of).with_columns(
        pl.col("year").cast(bg["year"].dtype),
        pl.col("income_quintile").cast(bg["income_quintile"].dtype))
    return (bg.join(mi, on=KEYS, how="left")
            .with_columns(e=pl.col("e") + pl.col("e_mi").fill_null(0.0)).drop("e_mi"))


def truth_dsr(cells: pl.DataFrame, by: list[str]) -> dict[tuple, float]:
    """Expected DSRs per 100 000 (ESP 2013 weights, as the indicator) of ``truth_cells`` pooled
    over everything but ``by``."""
    weights = standard_population("esp2013")
    c = cells.group_by(*by, "group").agg(pl.col("e", "n").sum()).with_columns(
        w=pl.col("group").replace_strict(weights, return_dtype=pl.Float64))
    out = c.group_by(by).agg(
        dsr=(pl.col("w") * pl.col("e") / pl.col("n")).sum() / pl.col("w").sum() * 100_000)
    return {tuple(r[:-1]): r[-1] for r in out.iter_rows()}
