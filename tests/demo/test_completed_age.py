"""From attained age to completed age at a death or an admission (``jamlik.demo._completed_age``)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from jamlik.demo._completed_age import BAND_AGES, before_birthday, first_age_share
from jamlik.demo._population import life_band

BIRTHDAY_ITSELF = 1 / 730.5  # half of the deaths on the birthday's own day, 1/365.25


@pytest.mark.parametrize("m", [1e-5, 0.002, 0.05, 0.3, 1.0])
def test_before_birthday_is_the_integral_over_the_year(m):
    # Reference: numerical quadrature (scipy.integrate.quad) of P(T < B) for a birthday B
    # uniform on [0, 1) and independent of the time T: for a death under a constant hazard m,
    # T has density m e^(-mT) / (1 - e^(-m)); for an event at a constant rate among the
    # living, density proportional to e^(-mT). P(T < B) = E[1 - T]. Tolerance 1e-9.
    death = quad(lambda t: (1 - t) * m * np.exp(-m * t), 0, 1)[0] / -np.expm1(-m)
    event = (quad(lambda t: (1 - t) * np.exp(-m * t), 0, 1)[0]
             / quad(lambda t: np.exp(-m * t), 0, 1)[0])
    assert before_birthday(m) == pytest.approx(death - BIRTHDAY_ITSELF, abs=1e-9)
    assert before_birthday(m) == pytest.approx(event - BIRTHDAY_ITSELF, abs=1e-9)


def test_before_birthday_series():
    # Reference: the series 1/2 + m/12 - m^3/720 of 1 - 1/m + 1/(e^m - 1) (Bernoulli numbers:
    # x/(e^x - 1) = 1 - x/2 + x^2/12 - x^4/720 + ...), error O(m^5); tolerance 1e-8 at m <= 0.1.
    m = np.array([0.0, 1e-6, 1e-3, 0.05, 0.1])
    assert before_birthday(m) == pytest.approx(0.5 + m / 12 - m ** 3 / 720 - BIRTHDAY_ITSELF,
                                               abs=1e-8)


def test_band_ages_cover_each_age_once_first_age_first():
    ages = BAND_AGES[BAND_AGES >= 0]
    assert sorted(ages.tolist()) == list(range(101))
    assert (life_band(np.where(BAND_AGES >= 0, BAND_AGES, 0))[BAND_AGES >= 0]
            == np.repeat(np.arange(20), (BAND_AGES >= 0).sum(1))).all()
    assert BAND_AGES[:, 0].tolist() == [0, 1, *range(5, 95, 5)]


def test_first_age_share_hand_worked():
    # A 1-4 cell with expected counts 1, 2, 3, 4 at attained ages 1-4 (total 10) and a zero
    # hazard at age 1: 1 x (1/2 - 1/730.5) / 10 move to band 0. Band 0 keeps its own.
    share = first_age_share(np.array([10.0, 10.0]), np.array([1.0, 1.0]), np.zeros(2),
                            np.array([1, 0]))
    assert share.tolist() == pytest.approx([(0.5 - BIRTHDAY_ITSELF) / 10, 0.0], abs=1e-15)


def test_docstring_examples():
    import doctest

    from jamlik.demo import _completed_age

    assert doctest.testmod(_completed_age).failed == 0
