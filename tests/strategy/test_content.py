"""The built-in content: SKR's Strategi för hälsa (22 goals), a regional strategy, a plan."""

from __future__ import annotations

import pytest

from jamlik.model.catalogue import load_catalogue
from jamlik.strategy import BUILTIN, STAGES, Plan, Strategy, load_builtin

# Goals whose indicator is in the catalogue (issue 7 and the catalogue's `goal:` keys).
LINKED = {
    "tobacco_smoke_children": "smoke_exposed_infants",
    "caries_age3": "caries_age3",
    "sedentary_leisure": "sedentary_leisure",
    "falls_elderly": "fall_injuries_elderly",
    "life_expectancy": "life_expectancy_birth",
    "self_rated_health": "good_health",
    "trust": "trust_others",
    "gymnasium_eligibility": "gymnasium_eligibility",
    "children_economic_vulnerability": "econ_vulnerable_children",
}


@pytest.fixture(scope="module")
def sfh() -> Strategy:
    return load_builtin("strategi_for_halsa")


def test_strategi_for_halsa_has_22_goals_in_three_areas(sfh):
    # SKL news 2017-12-19 "SKL antar strategi för långsiktig hälsa": "Totalt handlar det om
    # 22 mål till år 2022"; the three målområden are from skr.se/halsasjukvard/strategiforhalsa.
    assert len(sfh.goals) == 22
    assert [a.title.sv for a in sfh.areas] == ["God och jämlik hälsa", "Hållbart och uthålligt",
                                               "God kvalitet"]
    assert len({g.id for g in sfh.goals}) == 22


def test_every_goal_is_linked_or_says_why_not(sfh):
    catalogue = load_catalogue()
    linked = {g.id: g.indicators[0].id for g in sfh.goals if g.indicators}
    assert linked == LINKED
    for g in sfh.goals:
        if g.indicators:
            assert g.no_data is None
            assert all(x.id in catalogue for x in g.indicators)
            # the catalogue's own goal key points back to this goal
            assert catalogue[g.indicators[0].id].goal == g.id
        else:
            assert g.no_data.sv.startswith("Ingen datakälla ännu")
            assert g.no_data.en.startswith("No data source yet")
    assert sum(not g.indicators for g in sfh.goals) == 13


def test_published_targets(sfh):
    # SKL 2017-12-19: caries-free 3-year-olds +2 pp (so caries −2 pp), grade-9 eligibility
    # +2 pp, newly arrived in work or studies +7 pp, all by 2022. Exact.
    assert sfh.goal("caries_age3").target.change == -2
    assert sfh.goal("gymnasium_eligibility").target.change == 2
    assert sfh.goal("newly_arrived_work_studies").target.change == 7
    assert {g.target.year for g in sfh.goals} == {2022}
    assert sfh.goal("life_expectancy").gap_breakdown == "education"
    assert sfh.area_of("patient_emotional_support").id == "god_kvalitet"
    assert len(sfh.areas[2].goals) == 9  # the quality goals of the issue


def test_regional_strategy_has_areas_with_gap_analysis():
    s = load_builtin("folkhalsostrategi_exempel")
    assert isinstance(s, Strategy)
    assert 4 <= len(s.areas) <= 5
    assert all(a.gap_analysis and a.gap_analysis.sv for a in s.areas)
    assert all(g.indicators for g in s.goals)
    assert {x.measure for g in s.goals for x in g.indicators} == {"outcome", "process"}


def test_plan_chain_is_complete():
    p = load_builtin("samverkansplan_exempel")
    assert isinstance(p, Plan)
    assert {a.stage for a in p.activities} <= set(STAGES)
    assert {a.stage for a in p.activities} == {1, 2, 3, 4}
    needs = {n.id for n in p.needs}
    assert {c.need for c in p.changes} == needs
    assert {c.horizon for c in p.changes} == {"short", "long"}
    # every activity delivers an output, every output feeds a result measured by an indicator
    assert {o.activity for o in p.outputs} == {a.id for a in p.activities}
    assert {o for r in p.results for o in r.outputs} == {o.id for o in p.outputs}
    assert all(r.indicators for r in p.results)


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_loads(name):
    assert load_builtin(name).id == name
