"""The ground truth is complete, and analyses of the demo data recover it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import statsmodels.api as sm


def test_truth_is_json_and_complete(demo):
    truth = json.loads(json.dumps(demo.truth))
    assert truth["seed"] == 20240501 and truth["years"] == [2015, 2024]
    params = truth["parameters"]
    for key in ("income", "mortality_rr", "cause_of_death", "incidence", "mi_outcome",
                "mi_process", "diabetes", "person_measures", "survey", "care"):
        assert key in params, key
    assert len(params["mi_outcome"]["hazard_ratio_income_quintile"]) == 5
    assert len(truth["income_quintile_cut_points_log_tkr"]) == 4
    rates = truth["mortality"]["baseline_rate_by_attained_age"]
    assert len(rates["male"]) == len(rates["female"]) == 111
    assert set(truth["mortality"]["year_factor"]) == {str(y) for y in range(2015, 2025)}
    assert truth["row_counts"]["persons"] == demo.tables["persons"].num_rows
    assert len(truth["national_survey_true_values"]) == 150


def test_poisson_glm_recovers_income_mortality_rr(demo, tables, person_years):
    """Deaths in year y among persons alive on 31 Dec y-1, attained ages 30-64 (below the age
    where the model attenuates the gradient, and where the yearly risk is small so rate ratios
    equal relative risks), adjusted for age band, sex and education.
    The true RR (truth["parameters"]["mortality_rr"]) must lie in the 99 % CI."""
    start = person_years[(person_years.year < 2024) & person_years.age.between(29, 63)]
    d = tables["deaths"].set_index("person_id").year
    sex = tables["persons"].set_index("person_id").sex
    died = start.person_id.map(d).eq(start.year + 1).astype(int)
    frame = pd.DataFrame({"died": died.to_numpy(), "q": start.income_quintile.to_numpy(),
                          "band": (start.age.to_numpy() + 1) // 5,
                          "sex": start.person_id.map(sex).to_numpy(),
                          "edu": start.education.fillna("young").to_numpy()})
    cells = frame.groupby(["q", "band", "sex", "edu"]).died.agg(["sum", "size"]).reset_index()
    x = pd.get_dummies(cells[["band", "sex", "edu"]].astype(str), drop_first=True)
    for q in (1, 2, 3, 4):
        x[f"q{q}"] = (cells.q == q).astype(float)
    x = sm.add_constant(x.astype(float))
    fit = sm.GLM(cells["sum"], x, family=sm.families.Poisson(),
                 offset=np.log(cells["size"])).fit()
    ci = np.exp(fit.conf_int(alpha=0.01))
    true = demo.truth["parameters"]["mortality_rr"]["income_quintile"]
    for q in (1, 2, 3, 4):
        lo, hi = ci.loc[f"q{q}"]
        assert lo <= true[q - 1] / true[4] <= hi, (q, lo, hi)


def test_pci_lower_in_lowest_income_quintile(demo, tables, person_years):
    # truth: odds ratio of PCI in Q1 vs Q5 is 0.65; observed share must be lower in Q1
    e = tables["care_events"]
    mi = e[e.condition == "mi"].merge(
        person_years[["person_id", "year", "income_quintile"]].drop_duplicates("person_id"),
        on="person_id")
    share = mi.groupby("income_quintile").pci.mean()
    assert demo.truth["parameters"]["mi_process"]["pci"]["or_income"][0] < 1
    assert share.loc[1] < share.loc[5]
