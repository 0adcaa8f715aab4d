"""Rough timings of jamlik.equity: ``python benchmarks/bench_equity.py``.

Measures every applicable summary measure for an unordered dimension with 290 subgroups
(Swedish kommuner) and an ordered one with 5 income quintiles, and one Arriaga decomposition.
"""

from __future__ import annotations

import time

import numpy as np

import jamlik.equity as eq


def _timeit(label: str, fn, repeat: int = 5) -> None:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<55} {best * 1000:8.2f} ms")


def main() -> None:
    rng = np.random.default_rng(1)
    k = 290
    pop = rng.integers(2_000, 900_000, k).astype(float)
    est = rng.uniform(40, 80, k)
    se = rng.uniform(0.5, 3, k)
    _timeit(
        "compute_all, unordered, 290 subgroups (n_sim=100)",
        lambda: eq.compute_all(pop, est, se, reference=0),
    )
    _timeit(
        "bgsd, 290 subgroups, n_sim=10 000",
        lambda: eq.bgsd(pop, est, se=se, n_sim=10_000),
    )
    qpop = np.array([410e3, 420e3, 415e3, 418e3, 421e3])
    qest = np.array([62.0, 66.0, 70.0, 73.0, 77.0])
    qse = np.full(5, 0.8)
    _timeit(
        "compute_all, ordered, 5 quintiles",
        lambda: eq.compute_all(qpop, qest, qse, [1, 2, 3, 4, 5]),
    )
    _timeit(
        "sii linear, 5 quintiles, n_sim=100 000",
        lambda: eq.sii(qpop, qest, se=qse, order=[1, 2, 3, 4, 5], method="linear", n_sim=100_000),
    )
    ages = np.array([0, 1, *range(5, 95, 5)], dtype=float)
    popa = np.full(20, 50_000.0)
    d1 = (3e-5 * np.exp(0.085 * ages) + 5e-4) * popa
    d2 = (2e-5 * np.exp(0.085 * ages) + 5e-4) * popa
    causes1 = np.column_stack([0.5 * d1, 0.3 * d1, 0.2 * d1])
    causes2 = np.column_stack([0.4 * d2, 0.35 * d2, 0.25 * d2])
    _timeit(
        "arriaga by age and 3 causes",
        lambda: eq.arriaga(d1, popa, d2, popa, cause_deaths1=causes1, cause_deaths2=causes2),
    )
    years = np.arange(2005, 2025, dtype=float)
    _timeit(
        "gap_trend, 20 years",
        lambda: eq.gap_trend(years, 5 + 0.1 * (years - 2005), np.full(20, 0.3)),
    )


if __name__ == "__main__":
    main()
