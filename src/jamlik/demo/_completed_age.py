"""From attained age (the model's rates) to completed age at a death or an admission.

The model's rates are indexed by attained age a = year - birth year (the age on 31 December)
and are constant over the calendar year. A death or an event in the year at attained age a >= 1
happened at completed age a - 1 if it fell before the person's birthday that year, else at a;
at attained age 0 it is at completed age 0 (the child was born that year).

Probability that it fell before the birthday, :func:`before_birthday`. The birthday B is uniform
over the year and independent of the time T of the death or event; the death hazard m is
constant over the year (the rest of Sweden's model: deaths per 31 December survivor e^m - 1,
event exposure per survivor (e^m - 1)/m, see :mod:`jamlik.demo._rest_mortality`). Measuring time in
years from 1 January:

- a death at T has density m e^(-mT) / (1 - e^(-m)) on [0, 1], so
  P(T < B) = E[1 - T] = 1 - 1/m + 1/(e^m - 1) = 1/2 + m/12 - m^3/720 + ...
  (a higher hazard puts more deaths early in the year, before more birthdays);
- an event (rate lambda among the living) has density proportional to lambda e^(-mT), the same
  shape, so the same probability, whatever lambda.

On day level the birthday itself is reached (``jamlik.demo._rng.completed_age``): a death on the
birthday is at the new age. It falls on that day with probability 1/365.25, of which the
continuous formula counted half as before the birthday, so 1/730.5 is subtracted.

The region's person-level generator places a death's day uniformly within the year (a
simplification of the same constant hazard); its split is therefore 1/2 - 1/730.5 for deaths,
about m/12 below the value here: at most 0.03 at the oldest ages, which moves at most 0.3 % of
a life-table band's deaths (90+ and 85-89).

At band level only the deaths and events at the band's first single year of attained age move,
to the band below; :func:`first_age_share` gives the share of a cell's count that moves, from
the model's single ages within the band.
"""

from __future__ import annotations

import numpy as np

from jamlik.demo._population import life_band

DAYS_PER_YEAR = 365.25
#: Single ages 0..100 (100 = 100+) of each life-table band, the band's first age in column 0;
#: -1 pads the shorter bands.
BAND_AGES = np.full((20, 11), -1)
for _age in range(101):
    _band = int(life_band(_age))
    BAND_AGES[_band, int((BAND_AGES[_band] >= 0).sum())] = _age


def before_birthday(rate: np.ndarray | float) -> np.ndarray:
    """P(a death or event at attained age >= 1 fell before the birthday), constant death
    hazard ``rate`` over the year (see the module docstring): 1 - 1/m + 1/(e^m - 1) - 1/730.5.

    >>> round(float(before_birthday(0.0)), 6), round(float(before_birthday(0.3)), 6)
    (0.498631, 0.523594)
    """
    m = np.asarray(rate, float)
    small = m < 1e-4
    safe = np.where(small, 1.0, m)
    continuous = np.where(small, 0.5 + m / 12, 1 - 1 / safe + 1 / np.expm1(safe))
    return continuous - 0.5 / DAYS_PER_YEAR


def single_ages(band: np.ndarray, k: np.ndarray, s: np.ndarray, pop_single: np.ndarray,
                width: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's first ``width`` single ages (n, width) and their population weights within
    the band (rows sum to 1; 0 past the band's last age), from ``pop_single`` (K, 2, 101) at
    the cell's kommun ``k`` and sex ``s``. ``width`` must cover the cells' bands (11 for
    90+, 5 for the others)."""
    ages = BAND_AGES[:, :width]
    valid = ages >= 0
    ages = np.where(valid, ages, 0)
    table = pop_single[:, :, ages] * valid  # (K, 2, 20, width)
    table = table / np.maximum(table.sum(-1, keepdims=True), 1e-300)
    return ages[band], table[k, s, band]


def first_age_share(total: np.ndarray, first: np.ndarray, death_rate: np.ndarray,
                    band: np.ndarray) -> np.ndarray:
    """Share of a cell's deaths or events that happened at completed age one below its band:
    those at the band's first single year of attained age that fell before the birthday.
    ``total``: the cell's expected count summed over the band's single ages, ``first``: the
    part at the first age, ``death_rate``: the death hazard at the first age. 0 for band 0."""
    moved = first * before_birthday(death_rate)
    return np.where((band > 0) & (total > 0), moved / np.maximum(total, 1e-300), 0.0)
