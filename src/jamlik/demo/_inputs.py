"""Read and check the real public data the demo region is built on.

Everything here is real SCB/Skolverket data shipped in ``jamlik/data`` (see its PROVENANCE.md).
The readers return plain numpy arrays in fixed orders so that the generator can work with
index arithmetic only; every join is made on named codes, never on file order.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib.resources import files

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

from jamlik.model.errors import DataError, SchemaError

__all__ = ["DESO_BANDS", "EDUCATION", "RealInputs", "read_inputs"]

#: The 17 five-year bands of the DeSO statistics (lower bounds); the last is 80+.
DESO_BANDS: tuple[int, ...] = tuple(range(0, 85, 5))
#: Education levels of the table contract, in a fixed order.
EDUCATION: tuple[str, ...] = (
    "compulsory",
    "upper_secondary",
    "post_secondary_lt3y",
    "post_secondary_ge3y",
    "missing",
)
#: Lower bounds of the age groups of the kommun education table used for adjustment.
EDU_AGE_GROUPS: tuple[int, ...] = (25, 35, 45, 55, 65, 75, 85, 95)
_SUN_TO_LEVEL = {
    "förgymnasial utbildning kortare än 9 år": 0,
    "förgymnasial utbildning, 9 (10) år": 0,
    "gymnasial utbildning, högst 2 år": 1,
    "gymnasial utbildning, 3 år": 1,
    "eftergymnasial utbildning, mindre än 3 år": 2,
    "eftergymnasial utbildning, 3 år eller mer": 3,
    "forskarutbildning": 3,
    "uppgift om utbildningsnivå saknas": 4,
}
MAX_AGE = 110  # rates and tables are indexed 0..MAX_AGE


@dataclass(frozen=True)
class RealInputs:
    """Real inputs, indexed by position in ``deso_codes`` / ``kommun_codes``."""

    deso_codes: np.ndarray  # (D,) all 5 984 DeSO 2018 codes, sorted
    deso_kommun: np.ndarray  # (D,) index into kommun_codes
    deso_regso_name: np.ndarray  # (D,) RegSO 2020 name
    deso_band_pop: np.ndarray  # (D, 17) population 31 Dec 2022 by five-year band
    deso_edu: np.ndarray  # (D, 5) education counts, ages 25-64
    deso_income_median: np.ndarray  # (D,) median income, tkr
    deso_abroad_share: np.ndarray  # (D,) born abroad / total
    kommun_codes: np.ndarray  # (K,) all 290 kommun codes, sorted
    kommun_names: np.ndarray  # (K,)
    kommun_pop_2019: np.ndarray  # (K, 2, 101) sex (0 male, 1 female) x age 0..100
    kommun_edu_ratio: np.ndarray  # (K, 2, 8, 5) P(edu|age group, sex) / P(edu|25-64)
    kommun_gymn_eligible: np.ndarray  # (K,) share eligible 2018/19 (nan if unknown)
    riket_pop: dict[int, np.ndarray]  # year -> (2, 101)
    riket_single_age_2022: np.ndarray  # (101,) both sexes
    linkoping_pop: np.ndarray  # (years 2014..2024, 2, 101)
    linkoping_deaths: np.ndarray  # (years 2015..2024, 2, 101), age at death
    deso_lonlat: dict[str, tuple[float, float]]  # Östergötland DeSO 2018 -> centroid


def _resource(*parts: str):
    return files("jamlik").joinpath("data", *parts)


def _csv(*parts: str, dtype: dict | None = None) -> pd.DataFrame:
    path = _resource(*parts)
    return pd.read_csv(io.BytesIO(path.read_bytes()), dtype=dtype)


def _require(frame: pd.DataFrame, name: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            "required column missing", file=name, column=missing[0], value=list(frame.columns)
        )


def _by_sex_age(frame: pd.DataFrame, value: str, name: str) -> np.ndarray:
    out = np.zeros((2, 101))
    sex = frame["sex"].map({"male": 0, "female": 1})
    if sex.isna().any():
        row = int(np.flatnonzero(sex.isna().to_numpy())[0])
        raise DataError("sex must be 'male' or 'female'", file=name, row=row + 1,
                        column="sex", value=frame["sex"].iloc[row])
    np.add.at(out, (sex.to_numpy(int), frame["age"].to_numpy(int)), frame[value].to_numpy(float))
    return out


def read_inputs() -> RealInputs:
    """Read every real file the generator needs (about 0.5 s)."""
    stats_name = "deso_regso/deso2018_stats_2022.csv"
    stats = _csv("deso_regso", "deso2018_stats_2022.csv",
                 dtype={"deso_kod": str, "regso_kod": str, "kommun_kod": str})
    bands = [f"pop_{a}_{a + 4}" for a in DESO_BANDS[:-1]] + ["pop_80plus"]
    edu_cols = ["edu_" + e for e in EDUCATION]
    _require(stats, stats_name, ["deso_kod", "kommun_kod", "pop_total", *bands, *edu_cols,
                                 "income_median_tkr", "born_abroad"])
    key = _csv("deso_regso", "deso2018_regso2020_key.csv", dtype=str)
    stats = stats.merge(key[["deso_kod", "regso_namn"]], on="deso_kod", how="left",
                        validate="one_to_one").sort_values("deso_kod", ignore_index=True)
    band_pop = stats[bands].to_numpy(float)
    bad = np.flatnonzero(np.abs(band_pop.sum(1) - stats["pop_total"].to_numpy()) > 0)
    if bad.size:
        raise DataError("age bands do not sum to pop_total", file=stats_name,
                        row=int(bad[0]) + 1, column="pop_total",
                        value=int(stats["pop_total"].iloc[bad[0]]))
    kpop = _csv("population", "kommun_pop_1yr_age_sex_2019.csv", dtype={"kommun_kod": str})
    _require(kpop, "kommun_pop_1yr_age_sex_2019.csv", ["kommun_kod", "sex", "age", "population"])
    kommun = (kpop[["kommun_kod", "kommun_namn"]].drop_duplicates("kommun_kod")
              .sort_values("kommun_kod", ignore_index=True))
    kcodes = kommun["kommun_kod"].to_numpy(str)
    k_index = {c: i for i, c in enumerate(kcodes)}
    deso_k = stats["kommun_kod"].map(k_index)
    if deso_k.isna().any():
        row = int(np.flatnonzero(deso_k.isna().to_numpy())[0])
        raise DataError("kommun code not in the kommun population table", file=stats_name,
                        row=row + 1, column="kommun_kod", value=stats["kommun_kod"].iloc[row])
    kpop_arr = np.zeros((len(kcodes), 2, 101))
    np.add.at(kpop_arr, (kpop["kommun_kod"].map(k_index).to_numpy(int),
                         kpop["sex"].map({"male": 0, "female": 1}).to_numpy(int),
                         kpop["age"].to_numpy(int)), kpop["population"].to_numpy(float))

    riket = _csv("population", "riket_pop_1yr_age_sex_1968_2025.csv")
    riket_pop = {int(y): _by_sex_age(g, "population", "riket_pop") for y, g in riket.groupby("year")}
    link = _csv("population", "linkoping_0580_pop_deaths_1yr_age_sex_1968_2025.csv")
    lpop = np.stack([_by_sex_age(link[link.year == y], "population", "linkoping")
                     for y in range(2014, 2025)])
    ldeaths = np.stack([_by_sex_age(link[link.year == y], "deaths", "linkoping")
                        for y in range(2015, 2025)])
    return RealInputs(
        deso_codes=stats["deso_kod"].to_numpy(str),
        deso_kommun=deso_k.to_numpy(int),
        deso_regso_name=stats["regso_namn"].fillna("").to_numpy(str),
        deso_band_pop=band_pop,
        deso_edu=stats[edu_cols].to_numpy(float),
        deso_income_median=stats["income_median_tkr"].to_numpy(float),
        deso_abroad_share=(stats["born_abroad"] / stats["pop_total"].clip(lower=1)).to_numpy(),
        kommun_codes=kcodes,
        kommun_names=kommun["kommun_namn"].to_numpy(str),
        kommun_pop_2019=kpop_arr,
        kommun_edu_ratio=_education_ratio(k_index),
        kommun_gymn_eligible=_gymnasium_share(k_index),
        riket_pop=riket_pop,
        riket_single_age_2022=riket_pop[2022].sum(0),
        linkoping_pop=lpop,
        linkoping_deaths=ldeaths,
        deso_lonlat=_deso_centroids(),
    )


def _education_ratio(k_index: dict[str, int]) -> np.ndarray:
    """P(level | kommun, sex, age group) divided by P(level | kommun, sex, ages 25-64)."""
    name = "kommun_education_level_age_sex_2019.csv"
    edu = _csv("kommun", name, dtype={"kommun_kod": str})
    _require(edu, name, ["kommun_kod", "sex", "age_group", "education_level", "population"])
    level = edu["education_level"].map(_SUN_TO_LEVEL)
    if level.isna().any():
        row = int(np.flatnonzero(level.isna().to_numpy())[0])
        raise DataError("unknown SUN education level", file=name, row=row + 1,
                        column="education_level", value=edu["education_level"].iloc[row])
    lower = edu["age_group"].str.extract(r"^(\d+)")[0].astype(int)
    keep = lower >= 25
    group = lower[keep].map({a: i for i, a in enumerate(EDU_AGE_GROUPS)}).to_numpy(int)
    counts = np.zeros((len(k_index), 2, len(EDU_AGE_GROUPS), 5))
    np.add.at(counts, (edu.loc[keep, "kommun_kod"].map(k_index).to_numpy(int),
                       edu.loc[keep, "sex"].map({"male": 0, "female": 1}).to_numpy(int),
                       group, level[keep].to_numpy(int)), edu.loc[keep, "population"].to_numpy(float))
    counts += 0.5  # avoid zero cells in small kommuner
    p_group = counts / counts.sum(-1, keepdims=True)
    core = counts[:, :, :4].sum(2)  # 25-64
    p_core = core / core.sum(-1, keepdims=True)
    return p_group / p_core[:, :, None, :]


def _gymnasium_share(k_index: dict[str, int]) -> np.ndarray:
    name = "kommun_gymnasiebehorighet_grade9_2018_19.csv"
    g = _csv("kommun", name, dtype={"kommun_kod": str})
    g = g[(g.huvudman == "all") & (g.sex == "total")]
    wide = g.pivot_table(index="kommun_kod", columns="measure", values="n_students", aggfunc="sum")
    out = np.full(len(k_index), np.nan)
    ok = wide["total"] >= 10
    for code, share in (wide.loc[ok, "eligible"] / wide.loc[ok, "total"]).items():
        if code in k_index:
            out[k_index[code]] = share
    return out


def _deso_centroids() -> dict[str, tuple[float, float]]:
    """Centroid (lon, lat) of each Östergötland DeSO 2018, from the DeSO 2025 boundaries."""
    table = pq.read_table(io.BytesIO(_resource("deso_regso", "ostergotland_deso2025.parquet")
                                     .read_bytes()), columns=["deso_kod", "geometry"])
    key = _csv("deso_regso", "ostergotland_deso2025_regso2025_key.csv", dtype=str)
    geoms = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
    by_2025 = dict(zip(table.column("deso_kod").to_pylist(), geoms, strict=True))
    out: dict[str, tuple[float, float]] = {}
    for code18, group in key.groupby("deso2018_kod"):
        parts = [by_2025[c] for c in group["deso_kod"]]
        c = shapely.union_all(parts).centroid
        out[str(code18)] = (float(c.x), float(c.y))
    return out
