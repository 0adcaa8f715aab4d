"""The rest of Sweden as aggregated counts drawn from the same model.

Cells: kommun (277 outside län 05) x year x sex x life-table band x education x income quintile,
counted as a region's real aggregated comparators come:

- ``population``: the population on 31 December of the year, by band of age on 31 December
  (year - birth year). Expected population per cell = the real 2019 kommun age x sex table
  scaled by the riket change for that sex and single age, times the model's joint
  P(education, quintile | kommun, band, sex) (exact: normal CDF of latent income at the national
  cut-points, mixed over the kommun's DeSO). The year before the first demo year (2014) has the
  population only (every other count 0), so that the first year has a mean population too
  (1/2 x 31 Dec of the year before + 1/2 x 31 Dec of the year, as for the region's registers).
- ``deaths``, ``deaths_<cause>``: by band of **completed age at death**; the care events
  (``mi_events``, ``stroke_events``, ``heart_failure_events``, ``fall_injuries``) by band of
  **completed age at admission**. The model's rates are by attained age; a death or event at
  attained age a >= 1 fell before the birthday (completed age a - 1) with the probability of
  :func:`jamlik.demo._completed_age.before_birthday` (1/2 + m/12 for death hazard m), so the
  part at each band's first single age that fell before the birthday moves to the band below
  (education 'not_applicable' when that band is under 25). The share is computed from the
  model's single ages within the band (:func:`_death_parts`, :func:`_event_shares`).
- The person measures and ``diabetes_prevalent`` are counts of people in the 31 December
  population, by band of age on 31 December.

A cell's population is the 31 December population (survivors), so deaths per person are
exp(m) - 1 and event exposure per person (exp(m) - 1) / m (see ``deaths_per_survivor``).

Mortality level: the baseline rates are Linköping's, whose real all-cause mortality is about 15 %
below Sweden's at the same age and sex, far more than the SES model explains. The rest of Sweden
therefore gets a level factor per (year, sex, life-table band of attained age) such that the
expected deaths of the demo nation (model-expected deaths of the region + the rest, both by
completed age at death) equal the real national deaths by completed age at death (HMD/SCB,
``population/riket_deaths_1yr_age_sex_1968_2023.csv``); see ``national_level``.

The MI process (index MI, MI-related deaths, recurrent MI and post-MI stroke) is drawn person by
person in the region; the rest of Sweden gets it as the region's rates per person-year at equal
year, sex, life band and income quintile (:mod:`jamlik.demo._mi_rates`), so that at equal
composition every cause of death is the level factor times the region's rate and every care
condition the region's rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr

from jamlik.demo import _params as P
from jamlik.demo._completed_age import first_age_share, single_ages
from jamlik.demo._events import Calibration, diabetes_probability, incidence_shape
from jamlik.demo._inputs import RealInputs, _by_sex_age, _csv
from jamlik.demo._measures import gymnasium_shift, measure_logit
from jamlik.demo._mi_rates import RegionMiRates
from jamlik.demo._mortality import Mortality, cause_shares, ses_rr
from jamlik.demo._params import expit
from jamlik.demo._population import abroad_probability, education_probs, life_band
from jamlik.demo.schemas import SCHEMAS
from jamlik.model.errors import DataError, SchemaError

NA = 5  # education index 'not_applicable' (under 25)
_DESO_BAND_OF_LIFE = np.array([0, 0, *range(1, 17), 16, 16])
_LIFE_BAND_START = np.array([0, 1, *range(5, 95, 5)])
COUNT_COLUMNS = SCHEMAS["aggregate_counts"].names[6:]


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
    """Real deaths in Sweden by year: (2, 101) sex x completed age at death (100 = 100+).

    The file has deaths by completed age at death (HMD period 1x1, equal to SCB's totals), the
    age the demo's deaths are counted by, so they are taken as they are.
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
    return {int(year): _by_sex_age(group, "deaths", name)
            for year, group in frame.groupby("year")}


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


def deaths_per_survivor(rate: np.ndarray) -> np.ndarray:
    """Expected deaths in the year per person alive on 31 December: exp(rate) - 1 (at most 1).

    A cell's population is the 31 December population, i.e. the survivors. With a constant
    hazard over the year, survivors = at-risk x exp(-rate) and deaths = at-risk x (1 -
    exp(-rate)), so deaths = survivors x (exp(rate) - 1): the same as the region's back-cast
    (Poisson(q / (1 - q)) dead "twins" per survivor). Capped at 1 so that deaths <= population
    (reached only at rate > ln 2, beyond the model's band-mean rates).
    """
    return np.minimum(np.expm1(rate), 1.0)


def _at_risk(rate: np.ndarray) -> np.ndarray:
    """Person-years at risk of events per survivor, counting the year's decedents' part-year as
    the region's person-level events do: (exp(m) - 1) / m for a constant hazard m."""
    return np.where(rate > 1e-9, np.expm1(rate) / np.maximum(rate, 1e-9), 1.0)


#: Single ages per cell: the 90+ band has 11 (90..100+), every other band at most 5.
_WIDTHS = ((lambda lb: lb < 19, 5), (lambda lb: lb == 19, 11))


@dataclass(frozen=True)
class _DeathParts:
    """A year's model death rates of cells (before the level factor) by single age of the
    band: for each group of cells of equal width (``_WIDTHS``) its rows, the single ages, their
    population weights within the band and the background rate at each age; the MI-related
    rate (the same at every age of the band) and the band rate the counts are drawn with."""

    groups: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], ...]
    mi: np.ndarray  # (n,)
    band: np.ndarray  # (n,) weighted mean background + mi

    def expected(self, level: np.ndarray, of_mi: bool = True) -> np.ndarray:
        """(5, n) per cell at level factor ``level`` (n,): expected deaths per survivor summed
        over the band's single ages, of them MI-related (0 unless ``of_mi``), the same two at
        the band's first age, and the death hazard at the first age."""
        out = np.zeros((5, self.band.size))
        for rows, _, weight, background in self.groups:
            mi = self.mi[rows, None]
            x = level[rows, None] * (background + mi)
            deaths = weight * deaths_per_survivor(x)
            out[0, rows], out[2, rows], out[4, rows] = deaths.sum(1), deaths[:, 0], x[:, 0]
            if of_mi:
                part = deaths * mi / np.maximum(background + mi, 1e-300)
                out[1, rows], out[3, rows] = part.sum(1), part[:, 0]
        return out


def _death_parts(cells: dict[str, np.ndarray], pop_single: np.ndarray, mort: Mortality,
                 year_factor: np.ndarray | float, mi_rate: np.ndarray | float) -> _DeathParts:
    """The model's death rates of ``cells`` by single age: baseline x year factor (one, or one
    per cell) x normaliser x the cell's RR (band level, as the normaliser) + the MI-related
    deaths per person-year."""
    k, s, lb = cells["k"], cells["s"], cells["lb"]
    factor = mort.normaliser[s, lb] * cells["rr_death"] * year_factor
    mi = np.broadcast_to(np.asarray(mi_rate, float), lb.shape)
    band = mi.copy()
    groups = []
    for member, width in _WIDTHS:
        rows = np.flatnonzero(member(lb))
        ages, weight = single_ages(lb[rows], k[rows], s[rows], pop_single, width)
        background = mort.rate[s[rows, None], ages] * factor[rows, None]
        band[rows] += (weight * background).sum(1)
        groups.append((rows, ages, weight, background))
    return _DeathParts(tuple(groups), mi, band)


def _subset(parts: _DeathParts, rows: np.ndarray) -> _DeathParts:
    """``parts`` of the cells ``rows`` (in that order)."""
    where = np.full(parts.band.size, -1)
    where[rows] = np.arange(rows.size)
    groups = []
    for g_rows, *arrays in parts.groups:
        keep = np.flatnonzero(where[g_rows] >= 0)
        groups.append((where[g_rows[keep]], *(x[keep] for x in arrays)))
    return _DeathParts(tuple(groups), parts.mi[rows], parts.band[rows])


def _completed_deaths(parts: _DeathParts, lb: np.ndarray, s: np.ndarray, n: np.ndarray,
                      level: np.ndarray, expected: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Expected deaths by sex x band of completed age at death (2, 20), and of them the part
    from the band above (2, 20); ``n`` the cells' expected populations, ``level`` their level
    factors, ``lb`` and ``s`` their bands of attained age and sexes (``expected``:
    ``parts.expected(level)`` if already computed)."""
    total = n * deaths_per_survivor(level * parts.band)
    summed, _, first, _, first_rate = (parts.expected(level, of_mi=False) if expected is None
                                       else expected)
    moved = total * first_age_share(summed, first, first_rate, lb)
    stay = np.bincount(s * 20 + lb, total - moved, 40).reshape(2, 20)
    below = np.bincount(s * 20 + np.maximum(lb - 1, 0), moved, 40).reshape(2, 20)
    return stay + below, below


def _solve_levels(parts: _DeathParts, group: np.ndarray, lb: np.ndarray, n: np.ndarray,
                  target: np.ndarray) -> np.ndarray:
    """(G, 20) L by group (``group`` of each cell: sex, or reference year x sex) x band of
    attained age such that the expected deaths by band of completed age equal ``target``
    (G, 20).

    Completed band b holds the deaths of attained band b except those at its first age before
    the birthday, plus those of band b + 1's first age before the birthday. So the bands are
    solved from the top down: band b's L given band b + 1's, by secant steps on the deaths that
    stay in band b (which increase with L, nearly in proportion) from the linear guess.
    """
    size = target.shape[0]
    level = np.ones((size, 20))
    moved_in = np.zeros(size)
    for b in range(19, -1, -1):
        rows = np.flatnonzero(lb == b)
        sub, gr, nr, band = _subset(parts, rows), group[rows], n[rows], lb[rows]
        want = np.minimum(np.maximum(target[:, b] - moved_in, 0),
                          0.99 * np.bincount(gr, nr, size))

        def kept_and_moved(lv: np.ndarray, sub=sub, gr=gr, nr=nr, band=band):
            total = nr * deaths_per_survivor(lv[gr] * sub.band)
            summed, _, first, _, first_rate = sub.expected(lv[gr], of_mi=False)
            moved = total * first_age_share(summed, first, first_rate, band)
            return np.bincount(gr, total - moved, size), np.bincount(gr, moved, size)

        linear = np.bincount(gr, nr * sub.band, size)
        lv = np.where(linear > 0, want / np.maximum(linear, 1e-300), 1.0)
        previous = kept_previous = None
        for _ in range(30):  # a proportional step, then secant steps
            kept, moved = kept_and_moved(lv)
            if np.all(np.abs(kept - want) <= 1e-10 * want):
                break
            if previous is None:
                new = lv * np.where(kept > 0, want / np.maximum(kept, 1e-300), 1.0)
            else:
                slope = (kept - kept_previous) / np.where(lv != previous, lv - previous, 1.0)
                new = np.where(slope > 0, lv - (kept - want) / np.maximum(slope, 1e-300), lv)
            previous, kept_previous, lv = lv, kept, np.maximum(new, 0.5 * lv)
        level[:, b] = np.where(linear > 0, lv, 1.0)
        moved_in = moved
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
    """Year -> (reference year, (2, 20) rest-of-Sweden level factor by sex x life band of
    attained age).

    The model's death rate of a cell is background + MI-related (``mi``); the region has it as
    it is, the rest of Sweden times the level factor. For a reference year with real national
    deaths the factor makes the expected deaths of region + rest, by completed age at death,
    equal the real deaths in every (sex, life band of completed age). Later years (no real
    deaths yet) reuse the last real year's rest-of-Sweden background rates and level.
    """
    codes = inputs.kommun_codes.astype(str)
    region = np.flatnonzero(np.char.startswith(codes, "05"))
    rest = np.flatnonzero(~np.char.startswith(codes, "05"))
    last = max(real)
    refs = sorted({min(year, last) for year in years})
    targets = []
    cells = _cells(joint, region)
    for ref in refs:
        pop = _pop_single(inputs, region, ref)
        n = _band_sum(pop, np.ones(101))[cells["k"], cells["s"], cells["lb"]] * cells["p_eq"]
        rates = _death_parts(cells, pop, mort, mort.year_factor.get(ref, 1.0),
                             _mi_death_rate(mi, ref, cells))
        expected, _ = _completed_deaths(rates, cells["lb"], cells["s"], n, np.ones(n.size))
        targets.append(np.maximum(life_band_sum(real[ref]) - expected, 0))
    # the rest of Sweden, all reference years at once: cells stacked, group = year x sex
    one = _cells(joint, rest)
    stacked = {c: np.tile(one[c], len(refs)) for c in ("s", "lb", "q", "rr_death")}
    stacked["k"] = np.concatenate([one["k"] + i * rest.size for i in range(len(refs))])
    pop = np.concatenate([_pop_single(inputs, rest, ref) for ref in refs])
    n = _band_sum(pop, np.ones(101))[stacked["k"], stacked["s"], stacked["lb"]] \
        * np.tile(one["p_eq"], len(refs))
    per_ref = np.repeat(np.arange(len(refs)), one["s"].size)
    year_factor = np.array([mort.year_factor.get(ref, 1.0) for ref in refs])[per_ref]
    mi_rate = np.concatenate([np.broadcast_to(_mi_death_rate(mi, ref, one), one["s"].shape)
                              for ref in refs])
    rates = _death_parts(stacked, pop, mort, year_factor, mi_rate)
    group = 2 * per_ref + stacked["s"]
    solved = _solve_levels(rates, group, stacked["lb"], n,
                           np.concatenate(targets)).reshape(-1, 2, 20)
    return {year: (min(year, last), solved[refs.index(min(year, last))]) for year in years}


def life_band_sum(by_age: np.ndarray) -> np.ndarray:
    """(2, 101) by single age -> (2, 20) by life-table band."""
    out = np.zeros((2, 20))
    np.add.at(out, (slice(None), life_band(np.arange(101))), by_age)
    return out


def rest_of_sweden_levels(levels: dict[int, tuple[int, np.ndarray, np.ndarray]]
                          ) -> dict[str, Any]:
    """``level_factor`` of ``aggregate_counts`` for the truth: year -> reference year, the
    factor by sex x life-table band of attained age (the order of ``LIFE_BANDS``), which
    multiplies the model's rates, and ``by_completed_age``: the level of the counted deaths,
    by sex x band of completed age at death: the rest of Sweden's expected deaths in the band
    over those its cells would have at the region's rates of the year (L = 1). A band's deaths
    mix two bands of attained age; after the last year with real deaths the rest of Sweden
    keeps that year's background rates, the region has its own year factor."""

    def by_sex(level: np.ndarray) -> dict[str, list[float]]:
        return {sex: [round(float(v), 6) for v in level[i]]
                for i, sex in enumerate(("male", "female"))}

    return {str(year): {"reference_year": int(ref), **by_sex(level),
                        "by_completed_age": by_sex(completed)}
            for year, (ref, level, completed) in levels.items()}


def national_level(inputs: RealInputs, cuts: np.ndarray, mort: Mortality, years: range,
                   mi: RegionMiRates | None = None) -> dict[int, tuple[int, np.ndarray]]:
    """The rest-of-Sweden mortality level factors used by ``aggregate_counts`` (which also
    returns them, as ``level_factor``)."""
    joint, _ = joint_education_income(inputs, cuts)
    return _levels(inputs, joint, mort, years, national_deaths(), mi)


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
