"""The full compute on the demo warehouse: coverage and recovery of the demo's ground truth."""

from __future__ import annotations

import json

import polars as pl
import pytest

from jamlik.model.catalogue import load_catalogue
from jamlik.store import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_obs(demo_db_computed):
    with Warehouse(demo_db_computed, read_only=True) as wh:
        report = wh.con.execute("SELECT * FROM compute_runs").fetchall()
        obs = pl.from_arrow(wh.con.execute("SELECT * FROM observations").arrow())
        truth = {k: json.loads(v) for k, v in wh.con.execute(
            "SELECT key, value FROM demo_truth").fetchall()}
    return report, obs, truth


def test_every_indicator_has_every_level(demo_obs):
    _, obs, _ = demo_obs
    have = obs.group_by("indicator_id").agg(pl.col("area_level").unique())
    have = {r[0]: set(r[1]) for r in have.iter_rows()}
    for ind in load_catalogue().values():
        want = {str(lv) for lv in ind.levels}
        if not ind.national:  # no figures outside the region, so no nation row (by design)
            want.discard("nation")
        assert want <= have[ind.id], ind.id


def test_income_gradient_in_all_cause_mortality(demo_obs):
    """The demo's all-cause mortality RR of income quintile 1 vs 5 is 1.70 (demo_truth
    parameters.mortality_rr; education is also a risk factor, so the observed DSR ratio may be
    somewhat higher). Tolerance: the region's 2015–2024 mean DSR ratio within 1.70 × [0.85, 1.35]."""
    _, obs, truth = demo_obs
    rr = truth["parameters"]["mortality_rr"]["income_quintile"]
    true_ratio = rr[0] / rr[4]
    rows = obs.filter(pl.col("indicator_id") == "mortality_all_cause",
                      pl.col("area_code") == "05", pl.col("breakdown") == "income_quintile")
    q = rows.group_by("group_value").agg(pl.col("value").mean())
    q = dict(q.iter_rows())
    ratio = q["1"] / q["5"]
    assert 0.85 * true_ratio <= ratio <= 1.35 * true_ratio
