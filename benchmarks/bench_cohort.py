"""Benchmark: 300 000 index events with 5-year follow-up through the cohort pipeline.

Times: follow-up build (joins, exposures, three outcomes), KM/AJ per group (5 grouping variables),
age–sex standardised estimates, process measures, and Cox HRs (income and education, adjusted for
age and sex) for all-cause death. Run:

    .venv/bin/python benchmarks/bench_cohort.py [n_events]

Also times pseudonymisation of 1 000 000 identity numbers. The data are simulated (no real
persons); identity numbers are synthetic but valid (correct check digit).
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import numpy as np
import polars as pl

from jamlik.cohort import (
    PseudonymKey,
    build_cohort,
    check_identity_numbers,
    example_spec_path,
    hazard_ratios,
    load_spec,
    process_estimates,
    pseudonymise,
    standardised_estimates,
    survival_estimates,
)


def simulate(n: int, seed: int = 1) -> tuple[pl.DataFrame, ...]:
    """Pseudonymised register tables as the readers return them (as polars)."""
    rng = np.random.default_rng(seed)
    pid = np.char.add("p", np.char.zfill(np.arange(n).astype(str), 20))
    start = np.datetime64("2012-01-01")
    index = start + rng.integers(0, 8 * 365, n).astype("timedelta64[D]")
    age = np.clip(rng.normal(71, 12, n), 18, 105).round()
    sex = rng.integers(1, 3, n)
    income = rng.lognormal(7.5, 0.5, n)
    edu = rng.integers(1, 8, n)
    q_income = np.argsort(np.argsort(income)) * 5 // n + 1
    hazard = 0.05 * np.exp(0.07 * (age - 70) + 0.15 * (5 - q_income) / 4 + 0.1 * (sex == 1))
    death_days = rng.exponential(365.25 / hazard)
    dead = death_days < (np.datetime64("2024-12-31") - index).astype(float)
    quality = pl.DataFrame({
        "pid": pid, "index_date": index, "age": age, "sex": sex.astype(np.int8),
        "hospital": rng.choice(["A", "B", "C"], n),
        "pci": (rng.random(n) < 0.6).astype(np.int8), "statin_discharge": (rng.random(n) < 0.85).astype(np.int8),
    })
    index_year = index.astype("datetime64[Y]").astype(int) + 1970
    population = pl.DataFrame({
        "pid": pid, "year": (index_year - 1).astype(np.int32), "income": income,
        "education_level": edu.astype(np.int8),
        "education": np.array(["compulsory", "compulsory", "upper_secondary", "upper_secondary",
                               "post_secondary", "post_secondary", "post_secondary"])[edu - 1],
    })
    deaths = pl.DataFrame({"pid": pid[dead], "death_date": index[dead] + death_days[dead].astype("timedelta64[D]")})
    k = int(n * 0.8)
    who = rng.integers(0, n, k)
    adm = index[who] + rng.integers(1, 6 * 365, k).astype("timedelta64[D]")
    codes = rng.choice(["I219", "I639", "I500", "J189", "I611", "K359"], k)
    patients = pl.DataFrame({"pid": pid[who], "admission_date": adm, "main_diagnosis": codes,
                             "secondary_diagnoses": [[]] * k}, schema_overrides={"secondary_diagnoses": pl.List(pl.String)})
    return quality, population, deaths, patients


def main(n: int = 300_000) -> None:
    spec = load_spec(example_spec_path("ami"))
    spec = type(spec)(**{**spec.__dict__, "process_measures": ("pci", "statin_discharge")})
    quality, population, deaths, patients = simulate(n)
    t0 = time.perf_counter()
    cohort = build_cohort(spec, quality, population, deaths, patients)
    t1 = time.perf_counter()
    surv = survival_estimates(cohort, spec)
    std = standardised_estimates(cohort, spec)
    proc = process_estimates(cohort, spec)
    t2 = time.perf_counter()
    hrs = hazard_ratios(cohort, spec, outcomes=["death"])
    t3 = time.perf_counter()
    print(f"index events: {n}, in cohort: {cohort.table.height}")
    print(f"follow-up build:            {t1 - t0:6.2f} s")
    print(f"KM/AJ + standardised + proc: {t2 - t1:6.2f} s  ({surv.height} + {std.height} + {proc.height} rows)")
    print(f"Cox (income, education):    {t3 - t2:6.2f} s  ({hrs.height} rows)")
    print(f"total:                      {t3 - t0:6.2f} s")

    rng = np.random.default_rng(2)
    m = 1_000_000
    born = np.datetime64("1930-01-01") + rng.integers(0, 80 * 365, m).astype("timedelta64[D]")
    ymd = np.datetime_as_string(born).astype("U10")
    nine = [f"{d[2:4]}{d[5:7]}{d[8:10]}{s:03d}" for d, s in zip(ymd, rng.integers(0, 1000, m), strict=True)]
    ids = [f"{d[:4]}{x[2:]}{_luhn(x)}" for d, x in zip(ymd, nine, strict=True)]
    key = PseudonymKey(b"benchmark-key-not-secret-0123456789abcdef")
    t4 = time.perf_counter()
    checked = check_identity_numbers(ids)
    t5 = time.perf_counter()
    pseudonymise(checked.normalised, key)
    t6 = time.perf_counter()
    print(f"validate 1M identity numbers: {t5 - t4:5.2f} s ({int(checked.valid.sum())} valid); "
          f"pseudonymise 1M: {t6 - t5:5.2f} s")
    print(dt.datetime.now().isoformat(timespec="seconds"))


def _luhn(nine: str) -> int:
    total = 0
    for i, ch in enumerate(nine):
        p = int(ch) * (2 if i % 2 == 0 else 1)
        total += p - 9 if p > 9 else p
    return (10 - total % 10) % 10


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300_000)
