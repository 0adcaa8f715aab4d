"""The translation catalogue covers every code that pages turn into labels."""

from __future__ import annotations

import pytest

from jamlik.model import AreaLevel, i18n, t
from jamlik.model.catalogue import BREAKDOWNS, METHODS, POLARITIES, load_catalogue

CODES = (
    [f"method.{m}" for m in METHODS]
    + [f"polarity.{p}" for p in POLARITIES]
    + [f"breakdown.{b}" for b in BREAKDOWNS]
    + [f"level.{lv.value}" for lv in AreaLevel]
    + [f"web.topic.{i.topic}" for i in load_catalogue().values()]
    + [f"cat.{c}" for c in ("better", "worse", "similar", "higher", "lower", "not_compared")]
    + [f"trend.{c}" for c in ("increasing", "decreasing", "no_significant_change",
                              "cannot_be_calculated")]
    + [f"breakdown.subareas:{lv}" for lv in ("deso", "regso", "kommun", "lan")]
)


@pytest.mark.parametrize("key", sorted(set(CODES)))
def test_code_has_swedish_and_english(key):
    assert i18n.has(key), f"add {key!r} to src/jamlik/i18n/messages.yaml"
    assert t(key, "sv") and t(key, "en")


def test_unknown_key_is_a_clear_error():
    with pytest.raises(KeyError, match=r"add it to jamlik/i18n/messages\.yaml"):
        t("no.such.key")


def test_unknown_language_falls_back_to_swedish():
    assert t("app.title", "fi") == t("app.title", "sv")


def _group_values() -> set[tuple[str, str]]:
    """Every (breakdown, group) a page or report can meet: the groups of every breakdown and
    its unknown value, the classification targets, and education 'not_applicable' (accepted in
    a region's aggregates for people under 25, jamlik/ingest/kinds/aggregates.py)."""
    from jamlik.model._classification_files import BIRTH_REGIONS, EDUCATION_GROUPS
    from jamlik.model.breakdowns import BREAKDOWNS

    found = {(b.name, g) for b in BREAKDOWNS.values() if b.name != "total"
             for g in (*b.groups, *([b.unknown] if b.unknown else []))}
    found |= {("education", g) for g in (*EDUCATION_GROUPS, "not_applicable")}
    found |= {("birth_region", g) for g in BIRTH_REGIONS}
    return found


@pytest.mark.parametrize(("breakdown", "group"), sorted(_group_values()))
def test_every_group_value_has_a_label(breakdown, group):
    key = f"group.{breakdown}.{group}"
    assert i18n.has(key), f"add {key!r} to src/jamlik/i18n/messages.yaml"
    assert i18n.group_label(breakdown, group, "sv") == t(key, "sv")
    assert i18n.group_label(breakdown, group, "en") == t(key, "en")


def test_group_without_a_label_shows_its_code():
    assert i18n.group_label("education", "x_unforeseen", "en") == "x_unforeseen"
    assert i18n.t_or("no.such.key", "fallback") == "fallback"
