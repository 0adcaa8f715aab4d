"""Key messages (:func:`jamlik.profiles.messages.key_messages`) on a profile built by hand.

Each row below is made to trigger exactly one rule (or none), so the test says which rows give a
message, with which judgement and in which order: unfavourable differences first, then
favourable ones, then significant trends (judged before neutral), then income gaps. The wording
is the translation catalogue's; the tests check what a message names (the indicator's title, the
comparator) rather than whole sentences.
"""

from __future__ import annotations

import dataclasses

import pytest

from jamlik.geo import AreaRegistry
from jamlik.model.catalogue import load_catalogue
from jamlik.profiles import key_messages
from jamlik.profiles.model import AreaProfile, GroupValue, ProfileRow, category_of


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _row(indicator, *, value=10.0, comparison="similar", trend="no_significant_change",
         suppressed=False, income=None) -> ProfileRow:
    """A latest-year row of ``indicator``; ``income``: (value, lower, upper) of quintiles 1
    and 5."""
    groups = ()
    if income is not None:
        groups = tuple(GroupValue("income_quintile", group, v, lo, up, None, None, False,
                                  "not_compared")
                       for group, (v, lo, up) in zip(("1", "5"), income, strict=True))
    category = category_of(comparison, indicator.polarity)
    return ProfileRow(
        indicator=indicator, year=2024, period="2024", value=None if suppressed else value,
        lower_95=None, upper_95=None, lower_998=None, upper_998=None, numerator=None,
        denominator=None, suppressed=suppressed, suppression_reason=None,
        comparator_value=12.0, comparison_95=comparison, comparison_998=comparison,
        category_95=category, category_998=category, parent_value=12.0, nation_value=12.0,
        nation_category_95=category, nation_category_998=category, trend=trend,
        trend_reason=None, note=None, computed_at=None, groups=groups)


@pytest.fixture(scope="module")
def profile(catalogue):
    reg = AreaRegistry.builtin()
    c = catalogue
    rows = (
        # a significant income gap only (quintile 1's interval lies above quintile 5's)
        _row(c["diabetes_prevalence"], income=((8.0, 7.0, 9.0), (4.0, 3.5, 4.5))),
        # a trend only, favourable (life expectancy increasing)
        _row(c["life_expectancy_birth"], trend="increasing"),
        # higher than the comparator where high is good: better
        _row(c["good_health"], comparison="higher"),
        # nothing to say: similar, no trend, overlapping income intervals
        _row(c["daily_smoking"], income=((8.0, 6.0, 10.0), (7.0, 5.0, 9.0))),
        # a trend without a judgement (population increasing)
        _row(c["population_total"], trend="increasing"),
        # higher than the comparator where low is good: worse, said with its trend
        _row(c["mortality_all_cause"], comparison="higher", trend="decreasing"),
        # suppressed: nothing is said, whatever the comparison
        _row(c["mi_incidence"], comparison="higher", suppressed=True),
    )
    return AreaProfile(area=reg["0580"], parent=reg["05"], comparator="parent",
                       comparator_name="Östergötlands län", rows=rows)


ORDER = [("mortality_all_cause", "worse"), ("good_health", "better"),
         ("life_expectancy_birth", "better"), ("population_total", "neutral"),
         ("diabetes_prevalence", "worse")]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_which_rows_speak_and_in_which_order(profile, lang):
    messages = key_messages(profile, lang)
    assert [(m.indicator_id, m.judgement) for m in messages] == ORDER
    for message in messages:
        assert message.text.endswith(".")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_messages_name_the_indicator_and_the_comparator(profile, catalogue, lang):
    messages = {m.indicator_id: m.text for m in key_messages(profile, lang)}
    for indicator_id, text in messages.items():
        assert catalogue[indicator_id].title(lang) in text
    assert "Östergötlands län" in messages["mortality_all_cause"]
    assert "Östergötlands län" in messages["good_health"]
    assert "Östergötlands län" not in messages["life_expectancy_birth"]


def test_the_wording_follows_the_language(profile):
    sv = {m.indicator_id: m.text for m in key_messages(profile, "sv")}
    en = {m.indicator_id: m.text for m in key_messages(profile, "en")}
    # comparison and trend in one sentence
    assert "högre" in sv["mortality_all_cause"] and "minskar" in sv["mortality_all_cause"]
    assert "higher" in en["mortality_all_cause"] and "decreasing" in en["mortality_all_cause"]
    # the gap between the lowest and the highest income group
    assert "inkomstgrupp" in sv["diabetes_prevalence"]
    assert "income group" in en["diabetes_prevalence"]


def test_limit_keeps_the_most_important(profile):
    assert [m.indicator_id for m in key_messages(profile, limit=2)] == [
        "mortality_all_cause", "good_health"]


def test_peers_are_named_as_similar_areas(profile):
    peers = dataclasses.replace(profile, comparator="peers", comparator_name="peers")
    text = {m.indicator_id: m.text for m in key_messages(peers, "en")}["good_health"]
    assert "similar areas" in text


def test_a_profile_without_rows_has_no_messages(profile):
    assert key_messages(dataclasses.replace(profile, rows=()), "sv") == []
