"""The rest of Sweden as aggregated counts drawn from the same model.

Cells: kommun (277 outside län 05) x year x sex x life-table band x education x income quintile.
Expected population per cell = the real 2019 kommun age x sex table scaled by the riket change
for that sex and single age, times the model's joint P(education, quintile | kommun, band, sex)
(exact: normal CDF of latent income at the national cut-points, mixed over the kommun's DeSO).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from jamlik.demo import _params as P
from jamlik.demo._events import Calibration, diabetes_probability, incidence_shape
from jamlik.demo._inputs import RealInputs
from jamlik.demo._measures import gymnasium_shift, measure_logit
from jamlik.demo._mortality import Mortality, ses_rr
from jamlik.demo._params import expit
from jamlik.demo._population import abroad_probability, education_probs, life_band

NA = 5  # education index 'not_applicable' (under 25)
_DESO_BAND_OF_LIFE = np.array([0, 0, *range(1, 17), 16, 16])
_LIFE_BAND_START = np.array([0, 1, *range(5, 95, 5)])


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


def _binomial(rng, n, p):
    """Binomial draws, only where n > 0 (most cells are structural zeros)."""
    out = np.zeros(n.shape, np.int64)
    nz = np.flatnonzero(n > 0)
    p = np.broadcast_to(p, n.shape)
    out[nz] = rng.binomial(n[nz].astype(np.int64), np.clip(p[nz], 0, 1))
    return out


def _poisson(rng, lam):
    out = np.zeros(lam.shape, np.int64)
    nz = np.flatnonzero(lam > 0)
    out[nz] = rng.poisson(lam[nz])
    return out


def aggregate_counts(rng: np.random.Generator, inputs: RealInputs, cuts: np.ndarray,
                     mort: Mortality, calib: Calibration, years: range) -> dict[str, np.ndarray]:
    """Columns of the ``aggregate_counts`` table (all-zero rows dropped)."""
    rest = np.flatnonzero(~np.char.startswith(inputs.kommun_codes.astype(str), "05"))
    joint, outside = joint_education_income(inputs, cuts)
    ages = np.arange(101)
    lb_of_age = life_band(ages)
    base = inputs.kommun_pop_2019[rest]  # (K, 2, 101)
    r2019 = np.maximum(inputs.riket_pop[2019], 1)
    cols: dict[str, list[np.ndarray]] = {}
    k_grid, s_grid, lb_grid, e_grid, q_grid = np.meshgrid(
        np.arange(rest.size), np.arange(2), np.arange(20), np.arange(6), np.arange(5),
        indexing="ij")
    valid = (e_grid == NA) == (lb_grid < 6)
    k_i, s_i, lb_i, e_i, q_i = (g[valid] for g in (k_grid, s_grid, lb_grid, e_grid, q_grid))
    p_eq = joint[rest[k_i], _DESO_BAND_OF_LIFE[lb_i], s_i, e_i, q_i]
    adult = lb_i >= 6
    edu_rr_index = np.where(e_i == NA, 3, e_i)
    rr_death = ses_rr(q_i + 1, edu_rr_index, _LIFE_BAND_START[lb_i] + 2)
    p_diab_ever = diabetes_probability(s_i, np.full(s_i.size, 200), q_i + 1, edu_rr_index)
    for year in years:
        pop_single = base * (inputs.riket_pop[year] / r2019)[None]  # (K, 2, 101)

        def band_sum(values, pop_single=pop_single):
            out = np.zeros((rest.size, 2, 20))
            np.add.at(out, (slice(None), slice(None), lb_of_age), pop_single * values)
            return out

        pop_band = band_sum(np.ones(101))
        safe = np.maximum(pop_band, 1e-12)

        def band_mean(values, safe=safe, band_sum=band_sum):
            return band_sum(values) / safe

        expected = pop_band[k_i, s_i, lb_i] * p_eq
        population = rng.poisson(expected)
        sex2 = np.arange(2)[:, None]
        m_band = band_mean(mort.rate[sex2, ages[None, :]] * mort.year_factor.get(year, 1.0))
        rate = m_band[k_i, s_i, lb_i] * mort.normaliser[s_i, lb_i] * rr_death
        deaths = _binomial(rng, population, -np.expm1(-rate))
        col = {"population": population, "deaths": deaths}
        remaining, left = deaths.copy(), np.ones(deaths.size)
        group = np.searchsorted(P.CAUSE_AGE_LIMITS, _LIFE_BAND_START[lb_i], side="right") - 1
        shares = np.asarray(P.CAUSE_SHARES)[group]
        for j, name in enumerate(P.CAUSE_GROUPS):
            x = (remaining if j == len(P.CAUSE_GROUPS) - 1
                 else _binomial(rng, remaining, shares[:, j] / np.maximum(left, 1e-12)))
            col[f"deaths_{name}"] = x
            remaining, left = remaining - x, left - shares[:, j]
        g_diab = band_mean(diabetes_probability(sex2, ages[None, :] + 0 * sex2,
                                                np.full((2, 101), 5), np.full((2, 101), 3))
                           / np.asarray(P.DIABETES["pmax_reference"])[:, None])
        p_diab = np.minimum(p_diab_ever * g_diab[k_i, s_i, lb_i], 1)
        col["diabetes_prevalent"] = _binomial(rng, population, p_diab)
        for cond, out_name in (("mi", "mi_events"), ("stroke", "stroke_events"),
                               ("heart_failure", "heart_failure_events"),
                               ("fall_injury", "fall_injuries")):
            c = P.INCIDENCE[cond]
            shape = band_mean(incidence_shape(cond, sex2, ages[None, :] + 0 * sex2))
            rr = (np.asarray(c["income_rr"])[q_i] * np.where(
                adult, np.asarray(c["education_rr"])[edu_rr_index], 1.0)
                * (1 + p_diab * (c["diabetes_rr"] - 1)))
            lam = (calib.scale[cond] * shape[k_i, s_i, lb_i] * rr / calib.rr_mean[cond]
                   * (1 + c["trend_per_year"]) ** (year - 2022))
            col[out_name] = _poisson(rng, population * lam)
        frac = {a: pop_single[:, :, a] / safe[:, :, lb_of_age[a]] for a in (3, 15, 16, 17)}
        yr = np.full(q_i.size, year)
        infants = np.where(lb_i == 0, population, 0)
        col["infants"] = infants
        col["smoke_exposed_infants"] = _binomial(
            rng, infants, expit(measure_logit("smoke_exposed_infant", yr, q_i + 1, q_i * 0)))
        age3 = np.where(lb_i == 1, _binomial(rng, population, frac[3][k_i, s_i]), 0)
        col["children_age3"] = age3
        lg = measure_logit("caries_age3", yr, q_i + 1, q_i * 0)
        w_out = outside[rest[k_i], 0]
        p_car = (1 - w_out) * expit(lg) + w_out * expit(
            lg + np.log(P.MEASURES["caries_age3"]["or_born_outside_europe"]))
        col["caries_age3"] = _binomial(rng, age3, p_car)
        f1517 = sum(frac[a] for a in (15, 16, 17))[k_i, s_i]
        c1517 = np.where(lb_i == 4, _binomial(rng, population, f1517), 0)
        grade9 = _binomial(rng, c1517, frac[16][k_i, s_i] / np.maximum(f1517, 1e-12))
        col["grade9_pupils"] = grade9
        lg = measure_logit("gymnasium_eligible", yr, q_i + 1, q_i * 0)
        w_q = p_eq * (lb_i == 4)
        centre_num = np.zeros(rest.size)
        np.add.at(centre_num, k_i, w_q * lg)
        centre = centre_num / np.maximum(np.bincount(k_i, w_q, minlength=rest.size), 1e-12)
        shift = gymnasium_shift(inputs.kommun_gymn_eligible[rest])
        col["gymnasium_eligible"] = _binomial(rng, grade9, expit(lg - centre[k_i] + shift[k_i]))
        children = np.where(lb_i <= 3, population, 0) + c1517
        col["children_0_17"] = children
        col["econ_vulnerable_children"] = _binomial(
            rng, children, expit(measure_logit("econ_vulnerable_child", yr, q_i + 1, q_i * 0)))
        keep = np.zeros(q_i.size, bool)
        for v in col.values():
            keep |= v > 0
        col = {"kommun": rest[k_i[keep]], "year": yr[keep], "sex": s_i[keep],
               "age_band": lb_i[keep], "education": e_i[keep], "income_quintile": q_i[keep] + 1,
               **{k: v[keep].astype(np.int32) for k, v in col.items()}}
        for k, v in col.items():
            cols.setdefault(k, []).append(v)
    return {k: np.concatenate(v) for k, v in cols.items()}
