"""Life expectancy (Chiang II with Silcocks' final-band variance)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from jamlik.model.errors import InputError, SchemaError
from jamlik.stats import LIFE_TABLE_BANDS, life_expectancy, life_expectancy_table

# PHEindicatormethods tests/testthat/testLifeExpectancy.R (df1 and answer1): expected values
# produced by PHE's independent Excel life-expectancy calculator.
POPS = [
    7060,
    35059,
    46974,
    48489,
    43219,
    38561,
    46009,
    57208,
    61435,
    55601,
    50209,
    56416,
    46411,
    39820,
    37978,
    37039,
    33288,
    23306,
    11936,
    11936,
]
DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936, 1937]
VALUE = [
    80.16960813,
    79.36245674,
    75.44193645,
    70.47299936,
    65.52909542,
    60.67510088,
    55.78835987,
    50.92752727,
    46.06740425,
    41.24505636,
    36.49322717,
    31.83343842,
    27.26027992,
    22.9719144,
    18.76856852,
    14.95858336,
    11.51684445,
    8.618849241,
    6.163942934,
    6.16210635,
]
LOWER = [
    79.88268548,
    79.0898816,
    75.17407307,
    70.20675732,
    65.26548673,
    60.41876577,
    55.53801579,
    50.68279939,
    45.82666794,
    41.00842831,
    36.26223216,
    31.60996318,
    27.04337271,
    22.76653134,
    18.57570352,
    14.77985004,
    11.34831778,
    8.451134045,
    5.978358351,
    5.887683386,
]
UPPER = [
    80.45653078,
    79.63503188,
    75.70979983,
    70.7392414,
    65.79270412,
    60.931436,
    56.03870395,
    51.17225516,
    46.30814055,
    41.48168441,
    36.72422219,
    32.05691365,
    27.47718713,
    23.17729746,
    18.96143352,
    15.13731667,
    11.68537112,
    8.786564437,
    6.349527517,
    6.436529314,
]


def test_matches_phe_reference():
    est = life_expectancy(DEATHS, POPS)
    # values are given to 10 significant digits: tolerance 1e-9 relative
    np.testing.assert_allclose(est.value, VALUE, rtol=1e-9)
    # PHE's reference limits use z = 1.96 (spreadsheet); with that z they agree to 1e-9 ...
    np.testing.assert_allclose(est.value - 1.96 * est["se"], LOWER, rtol=1e-9)
    np.testing.assert_allclose(est.value + 1.96 * est["se"], UPPER, rtol=1e-9)
    # ... and our limits (exact z = 1.959964) differ by less than 1e-6 relative
    np.testing.assert_allclose(est.lower, LOWER, rtol=1e-6)
    np.testing.assert_allclose(est.upper, UPPER, rtol=1e-6)
    assert est.method == "chiang_ii_silcocks"


def test_band_keys_reorder():
    order = np.random.default_rng(0).permutation(20)
    bands = [LIFE_TABLE_BANDS[i].replace("-", " – ") for i in order]
    est = life_expectancy(np.array(DEATHS)[order], np.array(POPS)[order], age_bands=bands)
    np.testing.assert_allclose(est.value, VALUE, rtol=1e-9)


def test_table_many_groups_in_any_order():
    frames = []
    for area, scale in (("b", 2), ("a", 1)):
        frames.append(
            pl.DataFrame(
                {
                    "area": area,
                    "band": list(LIFE_TABLE_BANDS),
                    "deaths": np.array(DEATHS) * scale,
                    "pop": np.array(POPS) * scale,
                }
            )
        )
    df = pl.concat(frames).sample(fraction=1.0, shuffle=True, seed=1)
    res = life_expectancy_table(
        df, deaths="deaths", population="pop", age_band="band", by="area", confidence=(0.95, 0.998)
    )
    a = res.filter(pl.col("area") == "a")
    assert a["age_band"].to_list() == list(LIFE_TABLE_BANDS)
    np.testing.assert_allclose(a["value"].to_numpy(), VALUE, rtol=1e-9)
    assert (res["lower_998"] < res["lower_95"]).all()


def test_small_population_gives_reason():
    est = life_expectancy([1] * 20, [100] * 20)
    assert np.isnan(est.value).all() and "5000" in est["reason"]


def test_errors():
    with pytest.raises(InputError, match="deaths"):
        life_expectancy([-1, *DEATHS[1:]], POPS)
    with pytest.raises(InputError, match="population"):
        life_expectancy(DEATHS, [0, *POPS[1:]])
    with pytest.raises(InputError, match="20 values"):
        life_expectancy(DEATHS[:19], POPS[:19])
    with pytest.raises(InputError, match="at most the population"):
        life_expectancy([*DEATHS[:18], 20000, DEATHS[19]], POPS)
    df = pl.DataFrame(
        {"area": "a", "band": list(LIFE_TABLE_BANDS)[:19], "deaths": DEATHS[:19], "pop": POPS[:19]}
    )
    with pytest.raises(SchemaError):
        life_expectancy_table(df, deaths="deaths", population="pop", age_band="band", by="area")


def test_property_limits_bracket_and_narrow_with_size():
    small = life_expectancy(DEATHS, POPS)
    big = life_expectancy(np.array(DEATHS) * 4, np.array(POPS) * 4)
    assert (small.lower <= small.value).all() and (small.value <= small.upper).all()
    assert ((big.upper - big.lower) < (small.upper - small.lower)).all()


def test_table_tiny_groups_give_no_warning_and_no_value():
    # Regression: groups rejected by PHE's rules (total population 5 000 or less; no deaths in the
    # 90+ band) have infinite e and se; their limits used to be computed as inf - inf, raising
    # "RuntimeWarning: invalid value encountered in subtract" (an error under pytest's
    # filterwarnings=error). Group "ref" is PHEindicatormethods testLifeExpectancy.R df1 (PHE's
    # Excel calculator; 1e-9 relative) and must be unaffected by its neighbours.
    frames = [
        pl.DataFrame({"g": "ref", "band": list(LIFE_TABLE_BANDS), "d": DEATHS, "p": POPS}),
        pl.DataFrame({"g": "tiny", "band": list(LIFE_TABLE_BANDS), "d": [0] * 20, "p": [3] * 20}),
        pl.DataFrame(
            {"g": "no90", "band": list(LIFE_TABLE_BANDS), "d": [*DEATHS[:19], 0], "p": POPS}
        ),
    ]
    res = life_expectancy_table(
        pl.concat(frames), deaths="d", population="p", age_band="band", by="g",
        confidence=(0.95, 0.998),
    )
    ref = res.filter(pl.col("g") == "ref")
    np.testing.assert_allclose(ref["value"].to_numpy(), VALUE, rtol=1e-9)
    np.testing.assert_allclose(ref["lower_95"].to_numpy(), LOWER, rtol=1e-6)
    tiny = res.filter(pl.col("g") == "tiny")
    no90 = res.filter(pl.col("g") == "no90")
    for part, why in ((tiny, "total population 5000 or less"),
                      (no90, "no deaths in the final (90+) band")):
        for col in ("value", "lower_95", "upper_95", "lower_998", "upper_998"):
            assert part[col].is_nan().all()
        assert part["reason"].unique().to_list() == [why]
