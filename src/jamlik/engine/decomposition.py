"""Where the gap in life expectancy comes from: Arriaga decompositions.

From the person-level tables (the mean population of each year and the deaths with their
``cause_group``, as the engine's indicators count them) pooled over the latest ``years`` years,
aggregated to the 20 life-table bands × cause group (the rest of Sweden: 31 December population
+ ½ deaths), the engine decomposes, with :func:`jamlik.equity.arriaga`,

* within the region: income quintile 1 vs 5, education compulsory vs post-secondary ≥ 3 years,
  RegSO area type 1 vs 5 (population 1 = the disadvantaged group, population 2 = the
  advantaged group, so the gap e0_2 − e0_1 is positive when the advantaged live longer);
* each kommun of the region, and the region itself, vs the nation (population 1 = the nation =
  the region's microdata + the rest of Sweden's ``aggregate_counts``; population 2 = the area).

A death takes the income, education (and DeSO) of the person's ``person_years`` row of the year
before, as the engine does; deaths without one (mostly infants) have no group and are left out of
the group comparisons (said in ``note``). Education is recorded from age 25: below 25 both
education groups get the region's rates, so those bands contribute nothing and the gap is the
part of the e0 gap that arises from age 25 on. Each band's contribution is shared among causes
in proportion to the differences in cause-specific rates; the cause contributions of a band add
up to its total (cause ``'all'``), and the bands add up to e0_2 − e0_1 exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import polars as pl

from jamlik.engine._frames import Frames
from jamlik.engine._rollup import band_index
from jamlik.equity import arriaga
from jamlik.model.age_bands import LIFE_TABLE_BANDS
from jamlik.model.breakdowns import BREAKDOWNS
from jamlik.model.errors import InputError
from jamlik.store import queries

__all__ = ["CAUSES", "DecompositionReport", "compute_le_decomposition", "decomposition_rows"]

CAUSES = ("ischaemic_heart", "cerebrovascular", "other_circulatory", "neoplasms", "respiratory",
          "external", "dementia", "diabetes", "other")
#: (dimension, most disadvantaged group, most advantaged group): the ends of each gradient.
GROUP_COMPARISONS = tuple((b.name, b.most_disadvantaged, b.most_advantaged) for b in (
    BREAKDOWNS[name] for name in ("income_quintile", "education", "socio_type")))
EDUCATION_FROM_AGE = 25
COLUMNS = ["comparison", "dimension", "area_level", "area_code", "group_1", "group_2", "period",
           "first_year", "last_year", "age_band", "band_order", "cause", "contribution",
           "direct", "indirect", "interaction", "e0_1", "e0_2", "deaths_1", "deaths_2", "note",
           "computed_at"]


@dataclass(frozen=True, slots=True)
class DecompositionReport:
    """What :func:`compute_le_decomposition` did; ``skipped`` says which comparison and why."""

    comparisons: tuple[str, ...]
    skipped: tuple[str, ...]
    rows: int
    period: str
    seconds: float


def decomposition_rows(comparison: str, dimension: str, area_level: str, area_code: str,
                       group_1: str, group_2: str, deaths_1: np.ndarray, pop_1: np.ndarray,
                       deaths_2: np.ndarray, pop_2: np.ndarray, *, first_year: int,
                       last_year: int, note: str | None = None) -> pl.DataFrame:
    """Arriaga rows of one comparison from (20 bands × causes) deaths and (20,) populations."""
    d1, d2 = np.asarray(deaths_1, float), np.asarray(deaths_2, float)
    res = arriaga(d1.sum(1), pop_1, d2.sum(1), pop_2, cause_deaths1=d1, cause_deaths2=d2,
                  causes=CAUSES)
    nb, nc = len(LIFE_TABLE_BANDS), len(CAUSES)
    band = np.repeat(np.arange(nb), nc)
    blank = np.full(nb * nc, np.nan)
    frame = pl.DataFrame({
        "age_band": [LIFE_TABLE_BANDS[b] for b in band] + list(LIFE_TABLE_BANDS),
        "band_order": np.r_[band, np.arange(nb)].astype(np.int16),
        "cause": list(CAUSES) * nb + ["all"] * nb,
        "contribution": np.r_[res.by_cause.ravel(), res.total],
        "direct": np.r_[blank, res.direct], "indirect": np.r_[blank, res.indirect],
        "interaction": np.r_[blank, res.interaction],
        "deaths_1": np.r_[d1.ravel(), d1.sum(1)], "deaths_2": np.r_[d2.ravel(), d2.sum(1)]})
    period = f"{first_year}–{last_year}"
    return frame.with_columns(
        comparison=pl.lit(comparison), dimension=pl.lit(dimension),
        area_level=pl.lit(area_level), area_code=pl.lit(area_code), group_1=pl.lit(group_1),
        group_2=pl.lit(group_2), period=pl.lit(period),
        first_year=pl.lit(first_year, pl.Int16), last_year=pl.lit(last_year, pl.Int16),
        e0_1=pl.lit(res.e0_1), e0_2=pl.lit(res.e0_2), note=pl.lit(note, pl.Utf8),
        **{c: pl.col(c).fill_nan(None) for c in ("direct", "indirect", "interaction")})


def _cells(wh, first: int, last: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Mean population and deaths of the region by band × groups (× cause), from the engine's
    unit frames (so a death has the same area and groups as in the indicators)."""
    frames = Frames(wh.ibis(), wh.home_region)

    def count(source: str, n, *extra) -> pl.DataFrame:
        t = frames(source)
        t = t.filter(t.year.between(first, last))
        out = pl.from_arrow(t.group_by(
            _band=band_index(t.age), kommun_code=t.kommun_code, education=t.education,
            income_quintile=t.income_quintile.cast("string"),
            socio_type=t.socio_type.cast("string"),
            **{name: expr(t) for name, expr in extra}).agg(n=n(t)).to_pyarrow())
        return out.with_columns(age_band=pl.col("_band").replace_strict(
            dict(enumerate(LIFE_TABLE_BANDS)), return_dtype=pl.Utf8)).drop("_band")

    pop = count("mean_population", lambda t: t._w.sum().cast("float64"))
    deaths = count("deaths", lambda t: t.count().cast("float64"),
                   ("cause", lambda t: t.cause_group.fill_null("other")))
    return pop, deaths


def _rest_of_sweden(wh, first: int, last: int, region: str
                    ) -> tuple[np.ndarray, np.ndarray] | None:
    """Deaths by band × cause and person-time by band of the kommuner outside ``region``, from
    ``aggregates`` (person-time as the engine's indicators take it); None unless every other
    kommun is loaded with deaths by cause for every year."""
    from jamlik.engine._aggregates import PERSON_TIME, aggregate_cells

    names = [f"deaths_{c}" for c in CAUSES]
    cells = aggregate_cells(wh.ibis(), names).filter(
        pl.col("year").is_between(first, last), pl.col("area_code").str.len_chars() == 4,
        pl.col("area_code").str.slice(0, 2) != region)
    others = queries.kommuner_outside(wh.con, region)
    if not others:
        return np.zeros((len(LIFE_TABLE_BANDS), len(CAUSES))), np.zeros(len(LIFE_TABLE_BANDS))
    have = cells.group_by("year").agg(pl.col("area_code").n_unique())
    if have.height != last - first + 1 or (have["area_code"] != len(others)).any() or \
            not all(n in cells.columns for n in names):
        return None
    by_band = cells.group_by("_band").agg(pl.col(PERSON_TIME, *names).sum())
    pop, deaths = np.zeros(len(LIFE_TABLE_BANDS)), np.zeros((len(LIFE_TABLE_BANDS), len(CAUSES)))
    for row in by_band.iter_rows(named=True):
        i = int(row["_band"])
        pop[i] = row[PERSON_TIME]
        deaths[i] = [row[n] or 0.0 for n in names]
    return deaths, pop


def _arrays(pop: pl.DataFrame, deaths: pl.DataFrame, where: pl.Expr | None
            ) -> tuple[np.ndarray, np.ndarray]:
    """(20 × causes) deaths and (20,) population of the rows matching ``where``."""
    p = pop if where is None else pop.filter(where)
    d = deaths if where is None else deaths.filter(where)
    p = p.group_by("age_band").agg(pl.col("n").sum())
    d = d.group_by("age_band", "cause").agg(pl.col("n").sum())
    band = {b: i for i, b in enumerate(LIFE_TABLE_BANDS)}
    cause = {c: j for j, c in enumerate(CAUSES)}
    P = np.zeros(len(LIFE_TABLE_BANDS))
    P[[band[b] for b in p["age_band"]]] = p["n"].to_numpy()
    D = np.zeros((len(LIFE_TABLE_BANDS), len(CAUSES)))
    np.add.at(D, ([band[b] for b in d["age_band"]],
                  [cause.get(c, cause["other"]) for c in d["cause"]]), d["n"].to_numpy())
    return D, P


def compute_le_decomposition(warehouse, *, years: int = 5, last_year: int | None = None,
                             region: str | None = None) -> DecompositionReport:
    """Decompose the life-expectancy gaps of the region into ``le_decomposition``.

    ``years`` pooled years ending in ``last_year`` (default: the latest year of ``deaths``);
    ``region`` is the län of the microdata (default: the län of its kommuner).
    """
    started = time.perf_counter()
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise InputError("years", years, "a positive number of pooled years, e.g. 5")
    wh = warehouse
    wh.migrate()
    latest = queries.latest_year(wh.con, "deaths")
    if latest is None:
        raise InputError("warehouse", wh.path, "a warehouse with person-level deaths",
                         hint="build the demo region or load the deaths register first")
    last = int(last_year or latest)
    first = last - years + 1
    pop, deaths = _cells(wh, first, last)
    region = region or wh.home_region or \
        pop["kommun_code"].drop_nulls().str.slice(0, 2).mode().sort()[0]
    frames, done, skipped = [], [], []

    def add(name, *args, note=None):
        try:
            frames.append(decomposition_rows(name, *args, first_year=first, last_year=last,
                                             note=note))
            done.append(name)
        except InputError as exc:  # e.g. no deaths in the open band of a small area
            skipped.append(f"{name}: {exc}")

    lost = deaths.filter(pl.col("income_quintile").is_null())["n"].sum()
    for dim, g1, g2 in GROUP_COMPARISONS:
        D1, P1 = _arrays(pop, deaths, pl.col(dim) == g1)
        D2, P2 = _arrays(pop, deaths, pl.col(dim) == g2)
        note = f"{int(lost)} deaths without the previous year's register row left out"
        if dim == "education":
            Dall, Pall = _arrays(pop, deaths, None)
            mask = np.array([_lower(b) < EDUCATION_FROM_AGE for b in LIFE_TABLE_BANDS])
            D1[mask], P1[mask], D2[mask], P2[mask] = Dall[mask], Pall[mask], Dall[mask], \
                Pall[mask]
            note += "; education from age 25: both groups have the region's rates below 25"
        add(f"{dim}:{g1} vs {g2}", dim, "lan", region, g1, g2, D1, P1, D2, P2, note=note)
    Dr, Pr = _arrays(pop, deaths, None)
    rest = _rest_of_sweden(wh, first, last, region)
    if rest is None:
        skipped.append("area vs SE: not compared: no national data (every other kommun's "
                       "deaths by cause in aggregates)")
    else:
        Dn, Pn = Dr + rest[0], Pr + rest[1]
        nation_note = "nation = the region's microdata + aggregates of the rest of Sweden"
        add(f"area:{region} vs SE", "area", "lan", region, "SE", region, Dn, Pn, Dr, Pr,
            note=nation_note)
        for kommun in sorted(pop["kommun_code"].drop_nulls().unique().to_list()):
            Dk, Pk = _arrays(pop, deaths, pl.col("kommun_code") == kommun)
            add(f"area:{kommun} vs SE", "area", "kommun", kommun, "SE", kommun, Dn, Pn, Dk, Pk,
                note=nation_note)
    computed_at = datetime.now(UTC).replace(tzinfo=None)
    out = (pl.concat(frames).with_columns(computed_at=pl.lit(computed_at)).select(COLUMNS)
           if frames else None)
    with wh.load_session("jamlik equity le_decomposition") as load:
        load.replace_rows("le_decomposition", out)
    return DecompositionReport(tuple(done), tuple(skipped), 0 if out is None else out.height,
                               f"{first}–{last}", time.perf_counter() - started)


def _lower(band: str) -> int:
    return int(band.rstrip("+").split("-")[0])
