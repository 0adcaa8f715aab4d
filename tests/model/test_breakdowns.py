"""The breakdown vocabulary: one registry that the catalogue, engine and profiles read."""

from __future__ import annotations

import pytest

from jamlik.model.breakdowns import BREAKDOWNS, Breakdown
from jamlik.model.catalogue import load_catalogue


def test_ordered_breakdowns_rank_their_groups_from_the_most_disadvantaged():
    ordered = {b.name: b for b in BREAKDOWNS.values() if b.ordered}
    assert set(ordered) == {"education", "income_quintile", "socio_type"}
    for b in ordered.values():
        assert list(b.ranks.values()) == list(range(1, len(b.groups) + 1))
        assert b.ranks[b.most_disadvantaged] == 1
        assert b.ranks[b.most_advantaged] == len(b.groups)
    assert (ordered["income_quintile"].most_disadvantaged,
            ordered["income_quintile"].most_advantaged) == ("1", "5")
    # SCB's RegSO area type 1 is the area with major socio-economic challenges.
    assert ordered["socio_type"].most_disadvantaged == "1"


def test_an_unknown_group_is_not_a_level():
    edu = BREAKDOWNS["education"]
    assert edu.unknown == "missing"
    assert edu.unknown not in edu.groups and edu.unknown not in edu.ranks


def test_unordered_breakdowns_have_no_ranks_and_a_reference_only_where_declared():
    assert BREAKDOWNS["sex"].ranks == {} and BREAKDOWNS["sex"].most_disadvantaged is None
    assert BREAKDOWNS["birth_region"].reference == "sweden"
    assert [b.name for b in BREAKDOWNS.values() if b.compared and not b.ordered] == [
        "sex", "birth_region"]


def test_total_comes_first_and_the_catalogue_allows_exactly_the_registry():
    assert next(iter(BREAKDOWNS)) == "total"
    for ind in load_catalogue().values():
        assert set(ind.breakdowns) <= set(BREAKDOWNS), ind.id


def test_labels_come_from_the_translation_catalogue():
    assert BREAKDOWNS["income_quintile"].label("en") == "Income quintile"
    assert BREAKDOWNS["income_quintile"].group_label("1", "en") == "Q1 (lowest)"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"reference": "x"}, "reference group 'x' is not one of its groups"),
    ({"ordered": True, "reference": "a"}, "without a reference group"),
])
def test_an_inconsistent_breakdown_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Breakdown("demo", ("a", "b"), **kwargs)
