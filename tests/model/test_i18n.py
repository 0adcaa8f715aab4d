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
