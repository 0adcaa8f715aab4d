"""The region's MI process as expected rates per person-year, so the rest of Sweden gets it too.

The region draws a first (index) MI, then MI-related deaths and recurrent MI and stroke, person
by person (:func:`jamlik.demo._events.mi_outcomes`). The rest of Sweden is aggregated counts, so
it takes the same process as rates per person-year of the region at equal calendar year, sex,
life-table band (attained age) and income quintile:

- ``mi_death_rate``: expected MI-related deaths per person-year. Expected, not counted: for each
  index MI the hazard k h0(t) integrated over the time the person was exposed to it (until the
  MI-related death, the background death or the end of the window), split by calendar year
  (the compensator of the counting process; its expectation is the expected count).
- ``extra_event_rate``: the events the MI process adds per person-year on top of the background
  incidence: recurrent MI and post-MI stroke (compensators, as above) minus the background MIs
  after the index MI that the process replaces (counted). Heart failure and fall injuries get
  none: MI-related deaths end the person-time and its events together, so their rate per
  person-year is the background rate.
- ``background_cause_shares``: causes of death are ``CAUSE_SHARES`` of *all* deaths by age group,
  MI-related deaths included (they are ischaemic heart disease). So the other deaths of a year
  and age group get the shares with ischaemic heart disease reduced by the MI-related deaths:
  IHD (s T - M) / (T - M), every other cause s T / (T - M) (T the region's deaths that year and
  age group, M the expected MI-related deaths among them; at least 0).

Education is left out of the cells (its effect on the MI process runs mostly through the income
quintile and is small next to it); the rates carry the sampling noise of the region's index MIs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from jamlik.demo import _params as P
from jamlik.demo._events import Events, MiOutcomes
from jamlik.demo._inputs import MAX_AGE
from jamlik.demo._persons import Persons
from jamlik.demo._population import life_band
from jamlik.demo._rng import day, year_of
from jamlik.model.age_bands import LIFE_TABLE_STARTS

CELLS = (2, 20, 5)  # sex x life-table band x income quintile
_BAND_START = np.array(LIFE_TABLE_STARTS)


@dataclass(frozen=True)
class RegionMiRates:
    """Per calendar year (index ``year - first_year``): (2, 20, 5) arrays by sex, life-table
    band of attained age and income quintile, and (5, groups) background cause shares."""

    first_year: int
    person_years: np.ndarray  # (Y, 2, 20, 5)
    mi_death_rate: np.ndarray  # (Y, 2, 20, 5) per person-year
    extra_event_rate: dict[str, np.ndarray]  # condition -> (Y, 2, 20, 5) per person-year
    background_cause_shares: np.ndarray  # (Y, cause age groups, cause groups)

    def year_index(self, year: int) -> int:
        """Index of ``year``; a year outside the window takes the nearest year's rates (the
        national calibration's reference year can lie before a short window)."""
        return min(max(year - self.first_year, 0), self.person_years.shape[0] - 1)

    def as_truth(self) -> dict[str, Any]:
        """JSON-serialisable: per year, sex, life band (``LIFE_TABLE_BANDS``) the five quintiles."""

        def cells(arr: np.ndarray) -> dict[str, Any]:
            return {str(self.first_year + i): {sex: [[float(f"{v:.6g}") for v in band]
                                                     for band in arr[i, s]]
                                               for s, sex in enumerate(("male", "female"))}
                    for i in range(arr.shape[0])}

        return {
            "method": "the region's MI process per person-year at equal year, sex, life-table "
                      "band (attained age) and income quintile, given to the rest of Sweden "
                      "(jamlik.demo._mi_rates); background cause shares make MI-related deaths "
                      "part of the ischaemic heart disease share of CAUSE_SHARES",
            "person_years": cells(self.person_years),
            "mi_related_deaths_per_person_year": cells(self.mi_death_rate),
            "extra_events_per_person_year": {c: cells(self.extra_event_rate[c])
                                             for c in ("mi", "stroke")},
            "background_cause_shares": {
                str(self.first_year + i): [[round(float(v), 6) for v in g] for g in year]
                for i, year in enumerate(self.background_cause_shares)},
        }

    def cause_probabilities(self, year: np.ndarray, age_at_death: np.ndarray) -> np.ndarray:
        """(n, groups) cause probabilities of background deaths (year, completed age)."""
        group = np.searchsorted(P.CAUSE_AGE_LIMITS, age_at_death, side="right") - 1
        return self.background_cause_shares[np.asarray(year) - self.first_year, group]


def _by_year(people: Persons, person: np.ndarray, start: np.ndarray, stop: np.ndarray,
             years: range, amount: Callable[..., np.ndarray]) -> np.ndarray:
    """(Y, 2, 20, 5): ``amount(rows, lo, hi)`` of each part [lo, hi) of [start, stop) (days)
    that falls in a calendar year, summed by the person's sex, band and quintile that year."""
    out = np.zeros((len(years), *CELLS))
    birth_year = people.birth_year[person]
    for i, year in enumerate(years):
        lo = np.maximum(start, day(year))
        hi = np.minimum(stop, day(year + 1))
        rows = np.flatnonzero(hi > lo)
        p = person[rows]
        band = life_band(np.minimum(year - birth_year[rows], MAX_AGE))
        np.add.at(out[i], (people.sex[p], band, people.quintile[p] - 1),
                  amount(rows, lo[rows], hi[rows], day(year + 1) - day(year)))
    return out


def _count(people: Persons, person: np.ndarray, when: np.ndarray, years: range) -> np.ndarray:
    out = np.zeros((len(years), *CELLS))
    year = year_of(when)
    ok = (year >= years.start) & (year < years.stop)
    p, y = person[ok], year[ok]
    band = life_band(np.minimum(y - people.birth_year[p], MAX_AGE))
    np.add.at(out, (y - years.start, people.sex[p], band, people.quintile[p] - 1), 1.0)
    return out


def _per(numerator: np.ndarray, person_years: np.ndarray) -> np.ndarray:
    return np.where(person_years > 0, numerator / np.maximum(person_years, 1e-12), 0.0)


def region_mi_rates(people: Persons, background: Events, outcome: MiOutcomes,
                    years: range) -> RegionMiRates:
    """``people`` with their background death days, ``background`` the events before the MI
    process, ``outcome`` its result (see the module docstring)."""
    o = P.MI_OUTCOME
    end_day = day(years.stop)
    final = outcome.death_day
    alive_until = np.minimum(final + 1, end_day)  # exclusive; the death day is lived
    everyone = np.arange(people.size)
    person_years = _by_year(people, everyone, people.birth_day, alive_until, years,
                            lambda rows, lo, hi, length: (hi - lo) / length)

    ix = outcome.index
    adm, k = ix.admission, ix.hazard_multiplier
    h28 = -np.log1p(-o["p28_ref"])

    def cumulative(rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        t = np.maximum(t, 0.0)
        return k[rows] * np.where(t < 28, h28 * t / 28,
                                  h28 + o["rate_after_28d_per_year"] * (t - 28) / 365.25)

    # exposed to the MI-related hazard until it strikes or the background death / window ends
    exposed = np.minimum(people.death_day[ix.person], end_day) - adm
    stop = adm + np.minimum(ix.days_to_mi_death, np.maximum(exposed, 0))
    mi_deaths = _by_year(people, ix.person, adm.astype(float), stop, years,
                         lambda rows, lo, hi, length: cumulative(rows, hi - adm[rows])
                         - cumulative(rows, lo - adm[rows]))

    # MACE: one latent event each, at admission + 1 + floor(tau) if before death or window end
    limit = np.minimum(final[ix.person], end_day) - adm - 1
    extra = {}
    rates = (o["recurrent_mi_rate_per_year"], o["post_mi_stroke_rate_per_year"])
    for cond, rate, tau in zip(("mi", "stroke"), rates, ix.days_to_mace, strict=True):
        hazard = rate * ix.mace_hr / 365.25  # per day
        start = adm + 1.0
        extra[cond] = _by_year(people, ix.person, start,
                               start + np.minimum(tau, np.maximum(limit, 0)), years,
                               lambda rows, lo, hi, length, hazard=hazard: hazard[rows] * (hi - lo))
    # background MIs after the index MI, while alive, are replaced by the recurrence process
    mi = np.flatnonzero(background.condition == P.CONDITIONS.index("mi"))
    later = np.setdiff1d(mi, ix.event)
    later = later[background.admission[later] <= final[background.person[later]]]
    extra["mi"] = extra["mi"] - _count(people, background.person[later],
                                       background.admission[later], years)
    extra_rate = {c: _per(extra[c], person_years) if c in extra else np.zeros_like(person_years)
                  for c in P.CONDITIONS}
    return RegionMiRates(years.start, person_years, _per(mi_deaths, person_years), extra_rate,
                         _background_cause_shares(people, final, mi_deaths, years))


def _background_cause_shares(people: Persons, final: np.ndarray, mi_deaths: np.ndarray,
                             years: range) -> np.ndarray:
    """(Y, age groups, cause groups): the cause shares of the deaths that are not MI-related,
    such that all deaths have ``CAUSE_SHARES``; ``mi_deaths`` the expected MI-related deaths
    (expected, so that the rest of Sweden, which takes these shares, does not inherit the
    region's chance excess or deficit of MI-related deaths). The deaths are grouped by
    attained age (the bands of ``mi_deaths``); the region and the rest of Sweden apply the
    shares by completed age at death, which differs only for the deaths before the birthday
    at the first age of an age group."""
    shares = np.asarray(P.CAUSE_SHARES, float)
    shares = shares / shares.sum(1, keepdims=True)
    n_groups = len(P.CAUSE_AGE_LIMITS)
    band_group = np.searchsorted(P.CAUSE_AGE_LIMITS, _BAND_START, side="right") - 1
    mi = np.zeros((len(years), n_groups))
    np.add.at(mi, (slice(None), band_group), mi_deaths.sum((1, 3)))
    dead = np.flatnonzero((final >= day(years.start)) & (final < day(years.stop)))
    year = year_of(final[dead])
    age = year - people.birth_year[dead]
    total = np.zeros((len(years), n_groups))
    np.add.at(total, (year - years.start,
                      np.searchsorted(P.CAUSE_AGE_LIMITS, age, side="right") - 1), 1.0)
    expected = shares[None] * total[..., None]  # deaths by cause if the shares held exactly
    ihd = P.CAUSE_GROUPS.index("ischaemic_heart")
    expected[..., ihd] = np.maximum(expected[..., ihd] - mi, 0.0)
    norm = expected.sum(-1, keepdims=True)
    return np.where(norm > 0, expected / np.maximum(norm, 1e-12), shares[None])
