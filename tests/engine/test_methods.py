"""The registry of indicator methods (jamlik.engine.methods): one declaration per method, the
same contract for each. Expected values come from jamlik.stats, whose own tests check them
against published references."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest

from jamlik import stats
from jamlik.engine.methods import LEVELS, METHODS, RESULT, SERIES, method_of, register
from jamlik.engine.methods._counts import CELLS
from jamlik.model.catalogue import COMPUTED_METHODS, load_catalogue
from jamlik.model.catalogue import METHODS as CATALOGUE_METHODS
from jamlik.model.errors import InputError

CAT = load_catalogue()


def test_the_registry_has_exactly_the_catalogues_computed_methods():
    assert set(METHODS) == set(COMPUTED_METHODS)
    assert set(CATALOGUE_METHODS) == {*COMPUTED_METHODS, "external"}
    for ind in CAT.values():
        assert method_of(ind).name == ind.method


def test_each_method_says_how_its_rows_were_made():
    labels = {name: m.label for name, m in METHODS.items()}
    assert labels == {"count": "count", "proportion": "wilson", "rate": "byar_exact",
                      "dsr": "dobson", "life_expectancy": "chiang_ii_silcocks",
                      "survey_proportion": "taylor_linearisation_logit"}
    assert {n for n, m in METHODS.items() if m.input.name == "survey_units"} == {
        "survey_proportion"}


def test_a_method_is_registered_once():
    with pytest.raises(RuntimeError, match="'rate' registered twice"):
        register("rate", input=CELLS, label="again")(lambda df, ind: df)


def test_an_external_indicator_has_no_method_to_compute():
    ext = next(i for i in load_catalogue(include_external=True).values() if i.is_external)
    with pytest.raises(InputError, match="external indicators are published by"):
        method_of(ext)


def _cells(numerator, denominator) -> pl.DataFrame:
    n = len(denominator)
    return pl.DataFrame({"year": [2020] * n, "area_level": ["kommun"] * n,
                         "area_code": [f"05{i:02d}" for i in range(n)], "breakdown": ["total"] * n,
                         "group_value": ["total"] * n, "_band": [-1] * n,
                         "numerator": numerator, "denominator": denominator},
                        schema_overrides={"_band": pl.Int8, "numerator": pl.Float64,
                                          "denominator": pl.Float64})


@pytest.mark.parametrize("name", ["proportion", "rate"])
def test_crude_methods_follow_the_contract_and_equal_stats(name):
    ind = dataclasses.replace(next(i for i in CAT.values() if i.method == "proportion"),
                              method=name)
    method = METHODS[name]
    x, n = np.array([3.0, 40.0, 0.0]), np.array([50.0, 400.0, 0.0])
    out = method.finish(method.estimate(_cells(x, n), ind), ind)
    assert out.columns == RESULT
    assert set(out["method"]) == {method.label}
    fn = stats.proportion if name == "proportion" else stats.rate
    ref = fn(x[:2], n[:2], confidence=LEVELS, multiplier=ind.multiplier)
    np.testing.assert_allclose(out["value"][:2].to_numpy(), ref.value, rtol=1e-12)
    np.testing.assert_allclose(out["lower_998"][:2].to_numpy(), ref.intervals[0.998][0],
                               rtol=1e-12)
    assert np.isnan(out["value"][2]) and out["note"][2] == "no denominator"


def test_a_pooled_method_names_its_period_and_a_standardised_one_its_standard():
    le = next(i for i in CAT.values() if i.method == "life_expectancy" and i.period_years > 1)
    dsr = next(i for i in CAT.values() if i.method == "dsr")
    rows = pl.DataFrame({c: ["x"] for c in SERIES[1:]}).with_columns(
        year=pl.lit(2024), numerator=pl.lit(1.0), denominator=pl.lit(2.0), note=pl.lit(None))
    first = 2024 - le.period_years + 1
    assert METHODS["life_expectancy"].finish(rows, le)["period"][0] == f"{first}–2024"
    assert METHODS["dsr"].finish(rows, dsr)["standard"][0] == dsr.standard
    assert METHODS["rate"].finish(rows, dsr)["standard"][0] is None
