"""The rest of Sweden's cells: kommun x sex x life-table band x education x income quintile.

Expected population per cell = the real 2019 kommun age x sex table scaled by the riket change
for that sex and single age, times the model's joint P(education, quintile | kommun, band, sex)
(exact: normal CDF of latent income at the national cut-points, mixed over the kommun's DeSO and
birth regions).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from jamlik.demo import _params as P
from jamlik.demo._inputs import RealInputs
from jamlik.demo._mortality import ses_rr
from jamlik.demo._population import abroad_probability, education_probs, life_band
from jamlik.model.age_bands import LIFE_TABLE_STARTS

NA = 5  # education index 'not_applicable' (under 25)
_DESO_BAND_OF_LIFE = np.array([0, 0, *range(1, 17), 16, 16])
_LIFE_BAND_START = np.array(LIFE_TABLE_STARTS)


def joint_education_income(inputs: RealInputs, cuts: np.ndarray) -> tuple[np.ndarray, ...]:
    """(K, 17, 2, 6, 5) P(education, quintile | kommun, DeSO band, sex) and
    (K, 17) P(born outside Europe | kommun, DeSO band)."""
    n_k = inputs.kommun_codes.size
    d_all = np.arange(inputs.deso_codes.size)
    split = np.asarray(list(P.ABROAD_SPLIT.values()))
    split = split / split.sum()
    edges = np.r_[-np.inf, cuts, np.inf]
    joint = np.zeros((n_k, 17, 2, 6, 5))
    outside = np.zeros((n_k, 17))
    beta_e = np.asarray(P.INCOME["education"])
    gamma = np.asarray(P.INCOME["birth_region"])
    for b in range(17):
        w = inputs.deso_band_pop[:, b]
        p_abroad = abroad_probability(inputs, d_all, np.full(d_all.size, b))
        p_br = np.column_stack([1 - p_abroad, p_abroad[:, None] * split[None, :]])  # (D, 4)
        np.add.at(outside[:, b], inputs.deso_kommun, w * p_br[:, 3])
        mid = 85 if b == 16 else 5 * b + 2
        mu0 = np.log(inputs.deso_income_median) + P.INCOME["age_band"][b]
        for s in range(2):
            if mid >= 25:
                p_e = education_probs(inputs, d_all, np.full(d_all.size, s),
                                      np.full(d_all.size, mid))
                p_e = np.column_stack([p_e / p_e.sum(1, keepdims=True), np.zeros(d_all.size)])
                shift = np.r_[beta_e, 0.0]
            else:
                p_e = np.zeros((d_all.size, 6))
                p_e[:, NA] = 1
                shift = np.zeros(6)
            mu = mu0[:, None, None] + shift[None, :, None] + gamma[None, None, :]  # (D, 6, 4)
            z = (edges[None, None, None, :] - mu[..., None]) / P.INCOME["sigma"]
            p_q = np.diff(ndtr(z), axis=-1)  # (D, 6, 4, 5)
            cell = (p_e[:, :, None, None] * p_br[:, None, :, None] * p_q).sum(2)  # (D, 6, 5)
            np.add.at(joint[:, b, s], inputs.deso_kommun, w[:, None, None] * cell)
    tot = joint.sum((3, 4), keepdims=True)
    joint = np.where(tot > 0, joint / np.maximum(tot, 1e-12), 0)
    pop_b = np.zeros((n_k, 17))
    np.add.at(pop_b, inputs.deso_kommun, inputs.deso_band_pop)
    return joint, outside / np.maximum(pop_b, 1)


def _cells(joint: np.ndarray, kommuns: np.ndarray) -> dict[str, np.ndarray]:
    """Valid (kommun position, sex, life band, education, quintile) cells of ``kommuns``, and
    ``below``: the cell one band lower at the same kommun, sex and quintile (education
    'not_applicable' when that band is under 25; -1 for band 0), where a death or event at
    completed age one below the band is counted."""
    k_grid, s_grid, lb_grid, e_grid, q_grid = np.meshgrid(
        np.arange(kommuns.size), np.arange(2), np.arange(20), np.arange(6), np.arange(5),
        indexing="ij")
    valid = (e_grid == NA) == (lb_grid < 6)
    k_i, s_i, lb_i, e_i, q_i = (g[valid] for g in (k_grid, s_grid, lb_grid, e_grid, q_grid))
    edu_rr_index = np.where(e_i == NA, 3, e_i)
    position = np.full(valid.shape, -1)
    position[valid] = np.arange(k_i.size)
    lower = np.maximum(lb_i - 1, 0)
    below = np.where(lb_i > 0, position[k_i, s_i, lower, np.where(lower < 6, NA, e_i), q_i], -1)
    return {"k": k_i, "s": s_i, "lb": lb_i, "e": e_i, "q": q_i, "edu_rr": edu_rr_index,
            "below": below,
            "p_eq": joint[kommuns[k_i], _DESO_BAND_OF_LIFE[lb_i], s_i, e_i, q_i],
            "rr_death": ses_rr(q_i + 1, edu_rr_index, _LIFE_BAND_START[lb_i] + 2)}


def _pop_single(inputs: RealInputs, kommuns: np.ndarray, year: int) -> np.ndarray:
    """(K, 2, 101) expected population: the 2019 kommun table x the riket change by age."""
    return inputs.kommun_pop_2019[kommuns] * (
        inputs.riket_pop[year] / np.maximum(inputs.riket_pop[2019], 1))[None]


def _band_sum(pop_single: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.zeros((pop_single.shape[0], 2, 20))
    np.add.at(out, (slice(None), slice(None), life_band(np.arange(101))), pop_single * values)
    return out
