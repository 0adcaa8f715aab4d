"""The rest of Sweden as aggregated counts drawn from the same model.

Cells: kommun (277 outside län 05) x year x sex x life-table band x education x income quintile.
Expected population per cell = the real 2019 kommun age x sex table scaled by the riket change
for that sex and single age, times the model's joint P(education, quintile | kommun, band, sex)
(exact: normal CDF of latent income at the national cut-points, mixed over the kommun's DeSO).

Mortality level: the baseline rates are Linköping's, whose real all-cause mortality is about 15 %
below Sweden's at the same age and sex, far more than the SES model explains. The rest of Sweden
therefore gets a level factor per (year, sex, life-table band) such that the expected deaths of
the demo nation (model-expected deaths of the region + the rest) equal the real national deaths
(HMD/SCB, ``population/riket_deaths_1yr_age_sex_1968_2023.csv``); see ``national_level``.
A cell's population is the 31 December population (survivors), so deaths per person are
exp(m) - 1 and event exposure per person (exp(m) - 1) / m (see ``deaths_per_survivor``).

The MI process (index MI, MI-related deaths, recurrent MI and post-MI stroke) is drawn person by
person in the region; the rest of Sweden gets it as the region's rates per person-year at equal
year, sex, life band and income quintile (:mod:`jamlik.demo._mi_rates`), so that at equal
composition every cause of death is the level factor times the region's rate and every care
condition the region's rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr

from jamlik.demo import _params as P
from jamlik.demo._events import Calibration, diabetes_probability, incidence_shape
from jamlik.demo._inputs import RealInputs, _by_sex_age, _csv
from jamlik.demo._measures import gymnasium_shift, measure_logit
from jamlik.demo._mi_rates import RegionMiRates
from jamlik.demo._mortality import Mortality, cause_shares, ses_rr
from jamlik.demo._params import expit
from jamlik.demo._population import abroad_probability, education_probs, life_band
from jamlik.model.errors import DataError, SchemaError

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


NATIONAL_DEATHS_FILE = ("population", "riket_deaths_1yr_age_sex_1968_2023.csv")


def national_deaths() -> dict[int, np.ndarray]:
    """Real deaths in Sweden by year: (2, 101) sex x *attained* age (100 = 100+).

    The file has deaths by completed age at death (HMD period 1x1, equal to SCB's totals); as
    in the Linköping baseline, half of the deaths at completed age a are at attained age a and
    half at a + 1 (a + 1 folded into 100+ at the top).
    """
    name = "/".join(NATIONAL_DEATHS_FILE)
    frame = _csv(*NATIONAL_DEATHS_FILE)
    for column in ("year", "sex", "age", "deaths"):
        if column not in frame.columns:
            raise SchemaError("required column missing", file=name, column=column,
                              value=list(frame.columns))
    bad = np.flatnonzero(~(frame["deaths"].to_numpy(float) >= 0))
    if bad.size:
        raise DataError("deaths must be a non-negative number", file=name, row=int(bad[0]) + 1,
                        column="deaths", value=frame["deaths"].iloc[bad[0]])
    frame = frame.assign(age=frame["age"].clip(upper=100))
    out = {}
    for year, group in frame.groupby("year"):
        d = _by_sex_age(group, "deaths", name)
        attained = 0.5 * d
        attained[:, 1:] += 0.5 * d[:, :-1]
        attained[:, 100] += 0.5 * d[:, 100]
        out[int(year)] = attained
    return out


def _cells(joint: np.ndarray, kommuns: np.ndarray) -> dict[str, np.ndarray]:
    """Valid (kommun position, sex, life band, education, quintile) cells of ``kommuns``."""
    k_grid, s_grid, lb_grid, e_grid, q_grid = np.meshgrid(
        np.arange(kommuns.size), np.arange(2), np.arange(20), np.arange(6), np.arange(5),
        indexing="ij")
    valid = (e_grid == NA) == (lb_grid < 6)
    k_i, s_i, lb_i, e_i, q_i = (g[valid] for g in (k_grid, s_grid, lb_grid, e_grid, q_grid))
    edu_rr_index = np.where(e_i == NA, 3, e_i)
    return {"k": k_i, "s": s_i, "lb": lb_i, "e": e_i, "q": q_i, "edu_rr": edu_rr_index,
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


def _cell_rate(mort: Mortality, cells: dict[str, np.ndarray], pop_single: np.ndarray,
               year_factor: float) -> np.ndarray:
    """Model death rate per cell (baseline averaged over the band's single ages)."""
    ones = _band_sum(pop_single, np.ones(101))
    m_band = _band_sum(pop_single, mort.rate[:, :101] * year_factor) / np.maximum(ones, 1e-12)
    k, s, lb = cells["k"], cells["s"], cells["lb"]
    return m_band[k, s, lb] * mort.normaliser[s, lb] * cells["rr_death"]


def deaths_per_survivor(rate: np.ndarray) -> np.ndarray:
    """Expected deaths in the year per person alive on 31 December: exp(rate) - 1 (at most 1).

    A cell's population is the 31 December population, i.e. the survivors. With a constant
    hazard over the year, survivors = at-risk x exp(-rate) and deaths = at-risk x (1 -
    exp(-rate)), so deaths = survivors x (exp(rate) - 1): the same as the region's back-cast
    (Poisson(q / (1 - q)) dead "twins" per survivor). Capped at 1 so that deaths <= population
    (reached only at rate > ln 2, beyond the model's band-mean rates).
    """
    return np.minimum(np.expm1(rate), 1.0)


def _solve_level(n: np.ndarray, rate: np.ndarray, group: np.ndarray,
                 target: np.ndarray) -> np.ndarray:
    """L per group with sum n * deaths_per_survivor(L * rate) = target, by Newton.

    The left side is increasing and convex in L (up to the cap), so Newton from the linear
    guess (which lies above the root) converges monotonically.
    """
    size = target.size
    target = np.minimum(target, 0.99 * np.bincount(group, n, size))
    linear = np.bincount(group, n * rate, size)
    level = np.where(linear > 0, target / np.maximum(linear, 1e-300), 1.0)
    for _ in range(12):
        x = level[group] * rate
        f = np.bincount(group, n * deaths_per_survivor(x), size) - target
        slope = np.bincount(group, n * rate * np.exp(x) * (x < np.log(2)), size)
        level = np.where(slope > 0, level - f / np.maximum(slope, 1e-300), level)
    return level


def _mi_death_rate(mi: RegionMiRates | None, year: int,
                   cells: dict[str, np.ndarray]) -> np.ndarray | float:
    """The region's expected MI-related deaths per person-year in each cell (0 without ``mi``)."""
    if mi is None:
        return 0.0
    return mi.mi_death_rate[mi.year_index(year)][cells["s"], cells["lb"], cells["q"]]


def _levels(inputs: RealInputs, joint: np.ndarray, mort: Mortality, years: range,
            real: dict[int, np.ndarray],
            mi: RegionMiRates | None = None) -> dict[int, tuple[int, np.ndarray]]:
    """Year -> (reference year, (2, 20) rest-of-Sweden level factor by sex x life band).

    The model's death rate of a cell is background + MI-related (``mi``); the region has it as
    it is, the rest of Sweden times the level factor. For a reference year with real national
    deaths the factor makes the expected deaths of region + rest equal the real deaths in
    every (sex, life band). Later years (no real deaths yet) reuse the last real year's
    rest-of-Sweden background rates and level.
    """
    codes = inputs.kommun_codes.astype(str)
    region = np.flatnonzero(np.char.startswith(codes, "05"))
    rest = np.flatnonzero(~np.char.startswith(codes, "05"))
    parts = ((region, _cells(joint, region), False), (rest, _cells(joint, rest), True))
    last = max(real)
    out, cache = {}, {}
    for year in years:
        ref = min(year, last)
        if ref not in cache:
            target = life_band_sum(real[ref])
            for ks, cells, is_rest in parts:
                pop = _pop_single(inputs, ks, ref)
                n = _band_sum(pop, np.ones(101))[cells["k"], cells["s"], cells["lb"]] \
                    * cells["p_eq"]
                rate = (_cell_rate(mort, cells, pop, mort.year_factor.get(ref, 1.0))
                        + _mi_death_rate(mi, ref, cells))
                group = cells["s"] * 20 + cells["lb"]
                if is_rest:
                    cache[ref] = _solve_level(n, rate, group, target.ravel()).reshape(2, 20)
                else:
                    target = np.maximum(target - np.bincount(
                        group, n * deaths_per_survivor(rate), 40).reshape(2, 20), 0)
        out[year] = (ref, cache[ref])
    return out


def life_band_sum(by_age: np.ndarray) -> np.ndarray:
    """(2, 101) by single age -> (2, 20) by life-table band."""
    out = np.zeros((2, 20))
    np.add.at(out, (slice(None), life_band(np.arange(101))), by_age)
    return out


def rest_of_sweden_levels(levels: dict[int, tuple[int, np.ndarray]]) -> dict[str, Any]:
    """``level_factor`` of ``aggregate_counts`` for the truth: year -> reference year and
    the factor by sex x life-table band (the order of ``LIFE_BANDS``)."""
    return {str(year): {"reference_year": int(ref),
                        **{sex: [round(float(v), 6) for v in level[i]]
                           for i, sex in enumerate(("male", "female"))}}
            for year, (ref, level) in levels.items()}


def national_level(inputs: RealInputs, cuts: np.ndarray, mort: Mortality, years: range,
                   mi: RegionMiRates | None = None) -> dict[int, tuple[int, np.ndarray]]:
    """The rest-of-Sweden mortality level factors used by ``aggregate_counts`` (which also
    returns them, as ``level_factor``)."""
    joint, _ = joint_education_income(inputs, cuts)
    return _levels(inputs, joint, mort, years, national_deaths(), mi)


def aggregate_counts(rng: np.random.Generator, inputs: RealInputs, cuts: np.ndarray,
                     mort: Mortality, calib: Calibration, years: range,
                     mi: RegionMiRates | None = None) -> dict[str, Any]:
    """Columns of the ``aggregate_counts`` table (all-zero rows dropped), and ``level_factor``:
    the level factors of ``national_level`` (for the truth).

    ``mi`` (:func:`jamlik.demo._mi_rates.region_mi_rates`) gives the rest of Sweden the
    region's MI process at equal year, sex, life band and income quintile: its expected
    MI-related deaths per person-year are added to the background death rate before the level
    factor (so every cause of death is level x the region's rate), those deaths are ischaemic
    heart disease and the other deaths get the region's background cause shares; the events
    it adds per person-year (recurrent MI, post-MI stroke, less the background MIs they
    replace) are added to the background incidence."""
    rest = np.flatnonzero(~np.char.startswith(inputs.kommun_codes.astype(str), "05"))
    joint, outside = joint_education_income(inputs, cuts)
    levels = _levels(inputs, joint, mort, years, national_deaths(), mi)
    ages = np.arange(101)
    lb_of_age = life_band(ages)
    cols: dict[str, list[np.ndarray]] = {}
    cells = _cells(joint, rest)
    k_i, s_i, lb_i, e_i, q_i = (cells[c] for c in ("k", "s", "lb", "e", "q"))
    p_eq, edu_rr_index = cells["p_eq"], cells["edu_rr"]
    adult = lb_i >= 6
    p_diab_ever = diabetes_probability(s_i, np.full(s_i.size, 200), q_i + 1, edu_rr_index)
    for year in years:
        pop_single = _pop_single(inputs, rest, year)  # (K, 2, 101)

        def band_sum(values, pop_single=pop_single):
            return _band_sum(pop_single, values)

        pop_band = band_sum(np.ones(101))
        safe = np.maximum(pop_band, 1e-12)

        def band_mean(values, safe=safe, band_sum=band_sum):
            return band_sum(values) / safe

        ref, level = levels[year]
        expected = pop_band[k_i, s_i, lb_i] * p_eq
        population = rng.poisson(expected)
        sex2 = np.arange(2)[:, None]
        background = _cell_rate(mort, cells, pop_single, mort.year_factor.get(ref, 1.0))
        mi_rate = _mi_death_rate(mi, year, cells)
        rate = (background + mi_rate) * level[s_i, lb_i]
        deaths = _binomial(rng, population, deaths_per_survivor(rate))
        mi_deaths = _binomial(rng, deaths, mi_rate / np.maximum(background + mi_rate, 1e-300))
        # person-years at risk of events per survivor, counting the year's decedents' part-year
        # as the region's person-level events do: (exp(m) - 1) / m for a constant hazard m
        at_risk = np.where(rate > 1e-9, np.expm1(rate) / np.maximum(rate, 1e-9), 1.0)
        col = {"population": population, "deaths": deaths}
        remaining, left = deaths - mi_deaths, np.ones(deaths.size)
        shares = (cause_shares(_LIFE_BAND_START[lb_i]) if mi is None else
                  mi.cause_probabilities(np.full(lb_i.size, year), _LIFE_BAND_START[lb_i]))
        for j, name in enumerate(P.CAUSE_GROUPS):
            x = (remaining if j == len(P.CAUSE_GROUPS) - 1
                 else _binomial(rng, remaining, shares[:, j] / np.maximum(left, 1e-12)))
            col[f"deaths_{name}"] = x + (mi_deaths if name == "ischaemic_heart" else 0)
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
            if mi is not None:
                lam = lam + mi.extra_event_rate[cond][mi.year_index(year)][s_i, lb_i, q_i]
            col[out_name] = _poisson(rng, population * at_risk * lam)
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
    out: dict[str, Any] = {k: np.concatenate(v) for k, v in cols.items()}
    out["level_factor"] = levels
    return out
