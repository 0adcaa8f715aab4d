"""The rest of Sweden as aggregated counts drawn from the same model.

Cells: kommun (277 outside län 05) x year x sex x life-table band x education x income quintile,
counted as a region's real aggregated comparators come:

- ``population``: the population on 31 December of the year, by band of age on 31 December
  (year - birth year), drawn around the expected population of :mod:`jamlik.demo._rest_cells`.
  The year before the first demo year (2014) has the
  population only (every other count 0), so that the first year has a mean population too
  (1/2 x 31 Dec of the year before + 1/2 x 31 Dec of the year, as for the region's registers).
- ``deaths``, ``deaths_<cause>``: by band of **completed age at death**; the care events
  (``mi_events``, ``stroke_events``, ``heart_failure_events``, ``fall_injuries``) by band of
  **completed age at admission**. The model's rates are by attained age; a death or event at
  attained age a >= 1 fell before the birthday (completed age a - 1) with the probability of
  :func:`jamlik.demo._completed_age.before_birthday` (1/2 + m/12 for death hazard m), so the
  part at each band's first single age that fell before the birthday moves to the band below
  (education 'not_applicable' when that band is under 25). The share is computed from the
  model's single ages within the band (:mod:`jamlik.demo._rest_mortality`, ``_event_shares``).
- The person measures and ``diabetes_prevalent`` are counts of people in the 31 December
  population, by band of age on 31 December.

Deaths per 31 December survivor, event exposure and the mortality level factor calibrated on
the real national deaths: :mod:`jamlik.demo._rest_mortality`.

The MI process (index MI, MI-related deaths, recurrent MI and post-MI stroke) is drawn person by
person in the region; the rest of Sweden gets it as the region's rates per person-year at equal
year, sex, life band and income quintile (:mod:`jamlik.demo._mi_rates`), so that at equal
composition every cause of death is the level factor times the region's rate and every care
condition the region's rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jamlik.demo import _params as P
from jamlik.demo._completed_age import first_age_share
from jamlik.demo._events import Calibration, diabetes_probability, incidence_shape
from jamlik.demo._inputs import RealInputs
from jamlik.demo._measures import gymnasium_shift, measure_logit
from jamlik.demo._mi_rates import RegionMiRates
from jamlik.demo._mortality import Mortality, cause_shares
from jamlik.demo._params import expit
from jamlik.demo._population import life_band
from jamlik.demo._rest_cells import (
    _LIFE_BAND_START,
    _band_sum,
    _cells,
    _pop_single,
    joint_education_income,
)
from jamlik.demo._rest_mortality import (
    _at_risk,
    _completed_deaths,
    _death_parts,
    _DeathParts,
    _levels,
    _mi_death_rate,
    deaths_per_survivor,
    national_deaths,
    national_level,
    rest_of_sweden_levels,
)
from jamlik.demo.schemas import SCHEMAS

__all__ = ["aggregate_counts", "deaths_per_survivor", "national_level", "rest_of_sweden_levels"]

COUNT_COLUMNS = SCHEMAS["aggregate_counts"].names[6:]


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


def _to_completed(rng: np.random.Generator, counts: np.ndarray, share: np.ndarray,
                  below: np.ndarray) -> np.ndarray:
    """Counts by band of attained age -> by band of completed age: of each cell's count,
    Binomial(count, share) move to the cell ``below``."""
    moved = _binomial(rng, counts, share)
    out = counts - moved
    hit = np.flatnonzero(moved)
    np.add.at(out, below[hit], moved[hit])
    return out


def _event_shares(cells: dict[str, np.ndarray], parts: _DeathParts, level: np.ndarray,
                  extra: dict[str, np.ndarray], p_diab_ever: np.ndarray, calib: Calibration,
                  year: int, wanted: np.ndarray) -> dict[str, np.ndarray]:
    """Per condition, the share of each cell's events at completed age one below its band,
    from the band's single ages: expected events = weight x exposure per survivor x the
    incidence at that age (age shape, diabetes prevalence of that age) + the MI process
    (``extra``, the same at every age of the band). Computed where ``wanted`` (bool, the cells
    with events), 0 elsewhere."""
    s, lb = cells["s"], cells["lb"]
    sex2 = np.arange(2)[:, None]
    ages101 = np.arange(101)[None, :] + 0 * sex2
    g_diab = (diabetes_probability(sex2, ages101, np.full((2, 101), 5), np.full((2, 101), 3))
              / np.asarray(P.DIABETES["pmax_reference"])[:, None])
    adult = lb >= 6
    sums = {cond: np.zeros((3, lb.size)) for cond in extra}
    for g_rows, g_ages, g_weight, g_background in parts.groups:
        sel = np.flatnonzero(wanted[g_rows])
        rows, ages, weight, background = (v[sel] for v in (g_rows, g_ages, g_weight,
                                                             g_background))
        sr = s[rows, None]
        x = level[rows, None] * (background + parts.mi[rows, None])
        exposure = weight * _at_risk(x)
        p_diab = np.minimum(p_diab_ever[rows, None] * g_diab[sr, ages], 1)
        for cond, add in extra.items():
            c = P.INCIDENCE[cond]
            rr = np.asarray(c["income_rr"])[cells["q"][rows]] * np.where(
                adult[rows], np.asarray(c["education_rr"])[cells["edu_rr"][rows]], 1.0)
            rate = (calib.scale[cond] * incidence_shape(cond, sr, ages) * rr[:, None]
                    * (1 + p_diab * (c["diabetes_rr"] - 1)) / calib.rr_mean[cond]
                    * (1 + c["trend_per_year"]) ** (year - 2022)) + add[rows, None]
            amount = exposure * rate
            sums[cond][:, rows] = amount.sum(1), amount[:, 0], x[:, 0]
    return {cond: first_age_share(*v, lb) for cond, v in sums.items()}


def aggregate_counts(rng: np.random.Generator, inputs: RealInputs, cuts: np.ndarray,
                     mort: Mortality, calib: Calibration, years: range,
                     mi: RegionMiRates | None = None) -> dict[str, Any]:
    """Columns of the ``aggregate_counts`` table (all-zero rows dropped), and ``level_factor``:
    year -> (reference year, the level factors of ``national_level``, the level of the counted
    deaths by band of completed age; see ``rest_of_sweden_levels``).

    Years ``years.start - 1`` (population only) and ``years``. ``mi``
    (:func:`jamlik.demo._mi_rates.region_mi_rates`) gives the rest of Sweden the region's MI
    process at equal year, sex, life band and income quintile: its expected MI-related deaths
    per person-year are added to the background death rate before the level factor (so every
    cause of death is level x the region's rate), those deaths are ischaemic heart disease and
    the other deaths get the region's background cause shares (of the age group of the
    completed age at death, as in the region); the events it adds per person-year (recurrent
    MI, post-MI stroke, less the background MIs they replace) are added to the background
    incidence."""
    rest = np.flatnonzero(~np.char.startswith(inputs.kommun_codes.astype(str), "05"))
    joint, outside = joint_education_income(inputs, cuts)
    levels = _levels(inputs, joint, mort, years, national_deaths(), mi)
    ages = np.arange(101)
    lb_of_age = life_band(ages)
    cols: dict[str, list[np.ndarray]] = {}
    cells = _cells(joint, rest)
    k_i, s_i, lb_i, q_i = (cells[c] for c in ("k", "s", "lb", "q"))
    p_eq, edu_rr_index, below = cells["p_eq"], cells["edu_rr"], cells["below"]
    adult = lb_i >= 6
    p_diab_ever = diabetes_probability(s_i, np.full(s_i.size, 200), q_i + 1, edu_rr_index)
    completed_level = {}
    for year in (years.start - 1, *years):
        pop_single = _pop_single(inputs, rest, year)  # (K, 2, 101)

        def band_sum(values, pop_single=pop_single):
            return _band_sum(pop_single, values)

        pop_band = band_sum(np.ones(101))
        safe = np.maximum(pop_band, 1e-12)

        def band_mean(values, safe=safe, band_sum=band_sum):
            return band_sum(values) / safe

        expected = pop_band[k_i, s_i, lb_i] * p_eq
        population = rng.poisson(expected)
        yr = np.full(q_i.size, year)
        if year < years.start:  # the 31 December population of the year before the window
            col = {c: np.zeros(q_i.size, np.int64) for c in COUNT_COLUMNS}
            col["population"] = population
            _append(cols, col, rest, yr, cells)
            continue
        ref, level = levels[year]
        sex2 = np.arange(2)[:, None]
        parts = _death_parts(cells, pop_single, mort, mort.year_factor.get(ref, 1.0),
                             _mi_death_rate(mi, year, cells))
        cell_level = level[s_i, lb_i]
        at_level = parts.expected(cell_level)
        region_rates = parts if ref == year else _death_parts(
            cells, pop_single, mort, mort.year_factor.get(year, 1.0),
            _mi_death_rate(mi, year, cells))
        completed_level[year] = _completed_level(parts, region_rates, cells, expected,
                                                 cell_level, at_level)
        rate = parts.band * cell_level
        deaths = _binomial(rng, population, deaths_per_survivor(rate))
        summed, summed_mi, first, first_mi, first_rate = at_level
        mi_deaths = _binomial(rng, deaths, summed_mi / np.maximum(summed, 1e-300))
        background = deaths - mi_deaths
        # by completed age at death: the MI-related and the other deaths each with their share
        mi_deaths = _to_completed(
            rng, mi_deaths, first_age_share(summed_mi, first_mi, first_rate, lb_i), below)
        background = _to_completed(rng, background, first_age_share(
            summed - summed_mi, first - first_mi, first_rate, lb_i), below)
        col = {"population": population, "deaths": background + mi_deaths}
        remaining, left = background, np.ones(deaths.size)
        shares = (cause_shares(_LIFE_BAND_START[lb_i]) if mi is None else
                  mi.cause_probabilities(yr, _LIFE_BAND_START[lb_i]))
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
        extra = {cond: (np.zeros(q_i.size) if mi is None else
                        mi.extra_event_rate[cond][mi.year_index(year)][s_i, lb_i, q_i])
                 for cond in P.CONDITIONS}
        at_risk = _at_risk(rate)
        events = {}
        for cond in P.CONDITIONS:
            c = P.INCIDENCE[cond]
            shape = band_mean(incidence_shape(cond, sex2, ages[None, :] + 0 * sex2))
            rr = (np.asarray(c["income_rr"])[q_i] * np.where(
                adult, np.asarray(c["education_rr"])[edu_rr_index], 1.0)
                * (1 + p_diab * (c["diabetes_rr"] - 1)))
            lam = (calib.scale[cond] * shape[k_i, s_i, lb_i] * rr / calib.rr_mean[cond]
                   * (1 + c["trend_per_year"]) ** (year - 2022)) + extra[cond]
            events[cond] = _poisson(rng, population * at_risk * lam)
        moved_share = _event_shares(cells, parts, cell_level, extra, p_diab_ever, calib, year,
                                    np.any([v > 0 for v in events.values()], axis=0))
        for cond, out_name in (("mi", "mi_events"), ("stroke", "stroke_events"),
                               ("heart_failure", "heart_failure_events"),
                               ("fall_injury", "fall_injuries")):
            col[out_name] = _to_completed(rng, events[cond], moved_share[cond], below)
        frac = {a: pop_single[:, :, a] / safe[:, :, lb_of_age[a]] for a in (3, 15, 16, 17)}
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
        _append(cols, col, rest, yr, cells)
    out: dict[str, Any] = {k: np.concatenate(v) for k, v in cols.items()}
    out["level_factor"] = {year: (ref, level, completed_level[year])
                           for year, (ref, level) in levels.items()}
    return out


def _completed_level(parts: _DeathParts, region_rates: _DeathParts,
                     cells: dict[str, np.ndarray], n: np.ndarray, level: np.ndarray,
                     expected: np.ndarray) -> np.ndarray:
    """(2, 20) the level of the deaths by band of completed age: the rest of Sweden's expected
    deaths (``parts`` at ``level``; ``expected``: ``parts.expected(level)``) over those of the
    same cells at the region's rates of the year (``region_rates``, L = 1); 1 where none."""
    with_level, _ = _completed_deaths(parts, cells["lb"], cells["s"], n, level, expected)
    without, _ = _completed_deaths(region_rates, cells["lb"], cells["s"], n, np.ones(n.size))
    return np.where(without > 0, with_level / np.maximum(without, 1e-300), 1.0)


def _append(cols: dict[str, list[np.ndarray]], col: dict[str, np.ndarray], rest: np.ndarray,
            yr: np.ndarray, cells: dict[str, np.ndarray]) -> None:
    """Add a year's cells with any count > 0 to ``cols``."""
    keep = np.zeros(yr.size, bool)
    for v in col.values():
        keep |= v > 0
    col = {"kommun": rest[cells["k"][keep]], "year": yr[keep], "sex": cells["s"][keep],
           "age_band": cells["lb"][keep], "education": cells["e"][keep],
           "income_quintile": cells["q"][keep] + 1,
           **{k: col[k][keep].astype(np.int32) for k in COUNT_COLUMNS}}
    for k, v in col.items():
        cols.setdefault(k, []).append(v)
