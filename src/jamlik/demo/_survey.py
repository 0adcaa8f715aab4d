"""The yearly regional survey sample (Liv och hälsa style) and national comparators."""

from __future__ import annotations

import numpy as np

from jamlik.demo import _params as P
from jamlik.demo._measures import ANSWERS, answer_probability, response_probability


def _age_group(age: np.ndarray) -> np.ndarray:
    return np.searchsorted([30, 45, 65], age, side="right")


def draw_survey(rng: np.random.Generator, year: int, rows: np.ndarray, kommun: np.ndarray,
                sex: np.ndarray, age: np.ndarray, education: np.ndarray, quintile: np.ndarray,
                birth_region: np.ndarray) -> dict[str, np.ndarray]:
    """Stratified (by kommun) simple random sample from the frame ``rows`` of one year.

    All arrays are aligned with ``rows`` (person-year rows of the frame, ages 16-84).
    """
    n_total = int(P.SURVEY["sample_per_year"])
    _, inv, big_n = np.unique(kommun, return_inverse=True, return_counts=True)
    root = np.sqrt(big_n)
    n_h = np.minimum(np.round(n_total * root / root.sum()).astype(int), big_n)
    order = np.lexsort((rng.random(rows.size), inv))
    rank = np.arange(rows.size) - np.searchsorted(inv[order], inv[order])
    chosen = order[rank < n_h[inv[order]]]
    chosen.sort()
    s = inv[chosen]
    design = big_n[s] / n_h[s]
    female = sex[chosen] == 1
    responded = rng.random(chosen.size) < response_probability(
        age[chosen], female, education[chosen], birth_region[chosen])
    cell = (s * 2 + sex[chosen]) * 4 + _age_group(age[chosen])
    sampled_w = np.bincount(cell, design, minlength=cell.max() + 1)
    resp_w = np.bincount(cell, design * responded, minlength=cell.max() + 1)
    coarse = s * 2 + sex[chosen]  # fallback cell: stratum x sex
    c_sampled = np.bincount(coarse, design)
    c_resp = np.bincount(coarse, design * responded)
    factor = np.where(resp_w[cell] > 0, sampled_w[cell] / np.maximum(resp_w[cell], 1e-12),
                      c_sampled[coarse] / np.maximum(c_resp[coarse], 1e-12))
    out = {"rows": rows[chosen], "stratum": s, "design_weight": design,
           "responded": responded, "weight": np.where(responded, design * factor, np.nan)}
    for name in ANSWERS:
        p = answer_probability(name, np.full(chosen.size, year), age[chosen], female,
                               education[chosen], quintile[chosen], birth_region[chosen])
        out[name] = rng.random(chosen.size) < p
    return out


def national_survey(rng: np.random.Generator, sample: dict[str, np.ndarray],
                    years: range) -> dict[str, np.ndarray]:
    """National comparators: true model prevalence in the national sample + sampling noise."""
    lo, hi = P.SURVEY["ages"]
    keep = (sample["age"] >= lo) & (sample["age"] <= hi)
    age, sex = sample["age"][keep], sample["sex"][keep]
    edu, q, br = sample["education"][keep], sample["income_quintile"][keep], \
        sample["birth_region"][keep]
    n = int(P.SURVEY["national_respondents_per_sex"])
    deff = float(P.SURVEY["national_design_effect"])
    rows: dict[str, list] = {k: [] for k in ("year", "sex", "measure", "estimate", "se",
                                              "respondents", "true_value")}
    for year in years:
        for name in ANSWERS:
            p = answer_probability(name, np.full(age.size, year), age, sex == 1, edu, q, br)
            for label, mask, m in (("male", sex == 0, n), ("female", sex == 1, n),
                                   ("total", np.ones(age.size, bool), 2 * n)):
                true = float(p[mask].mean())
                se = float(np.sqrt(true * (1 - true) / m * deff))
                est = float(np.clip(true + se * rng.standard_normal(), 0, 1))
                for k, v in (("year", year), ("sex", label), ("measure", name),
                             ("estimate", est), ("se", se), ("respondents", m),
                             ("true_value", true)):
                    rows[k].append(v)
    return {k: np.asarray(v) for k, v in rows.items()}
