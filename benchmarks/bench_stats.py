"""Runnable benchmarks for jamlik.stats (not timed tests).

Run: ``python benchmarks/bench_stats.py``. Targets (20x faster than PHEindicatormethods on
2 cores): DSR 10 000 groups x 19 bands < 0.145 s; life expectancy 10 000 groups x 20 bands
< 1.4 s; 100 000 rates < 0.0185 s.
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl

from jamlik.stats import (
    LIFE_TABLE_BANDS,
    STANDARD_AGE_GROUPS,
    dsr_table,
    life_expectancy_table,
    proportion,
    rate,
)


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(2024)
    groups = 10_000
    dsr_data = pl.DataFrame(
        {
            "area": np.repeat(np.arange(groups), 19),
            "band": np.tile(np.array(STANDARD_AGE_GROUPS), groups),
            "events": rng.integers(0, 200, groups * 19),
            "pop": rng.integers(10_000, 20_000, groups * 19),
        }
    )
    le_pop = np.tile(
        np.array(
            [
                7060,
                35059,
                46974,
                48489,
                43219,
                38561,
                46009,
                57208,
                61435,
                55601,
                50209,
                56416,
                46411,
                39820,
                37978,
                37039,
                33288,
                23306,
                11936,
                11936,
            ]
        ),
        groups,
    )
    le_deaths = rng.binomial(
        le_pop,
        np.tile(
            np.r_[0.0024, 0.0003, np.full(12, 0.001), 0.008, 0.015, 0.025, 0.045, 0.08, 0.16],
            groups,
        ),
    )
    le_data = pl.DataFrame(
        {
            "area": np.repeat(np.arange(groups), 20),
            "band": np.tile(np.array(LIFE_TABLE_BANDS), groups),
            "deaths": np.maximum(le_deaths, 1),
            "pop": le_pop,
        }
    )
    x = rng.integers(0, 500, 100_000).astype(float)
    n = x + rng.integers(1, 100_000, 100_000)

    results = {
        "dsr_table 10 000 groups x 19 bands": (
            best_of(
                lambda: dsr_table(
                    dsr_data, events="events", population="pop", age_band="band", by="area"
                )
            ),
            2.9,
        ),
        "life_expectancy_table 10 000 groups x 20 bands": (
            best_of(
                lambda: life_expectancy_table(
                    le_data, deaths="deaths", population="pop", age_band="band", by="area"
                )
            ),
            28.0,
        ),
        "rate x 100 000": (best_of(lambda: rate(x, n)), 0.37),
        "proportion x 100 000": (best_of(lambda: proportion(x, n)), None),
    }
    for name, (secs, r_secs) in results.items():
        ratio = f"{r_secs / secs:6.1f}x faster than R" if r_secs else ""
        print(f"{name:<50} {secs * 1000:9.1f} ms  {ratio}")


if __name__ == "__main__":
    main()
