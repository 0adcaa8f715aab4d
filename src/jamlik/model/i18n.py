"""One translation catalogue for all user-facing text: Swedish first, English second.

The catalogue is ``jamlik/i18n/messages.yaml``: ``key: {sv: ..., en: ...}``. Code refers to keys;
no Swedish or English sentence is hard-coded elsewhere.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("sv", "en")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("jamlik.i18n").joinpath("messages.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    for key, entry in data.items():
        missing = [lang for lang in LANGUAGES if lang not in entry]
        if missing:
            raise KeyError(f"translation {key!r} lacks {missing}")
    return data


def has(key: str) -> bool:
    """Whether the catalogue has ``key``."""
    return key in catalogue()


def t(key: str, lang: str = "sv", /, **values: Any) -> str:
    """Translate ``key`` into ``lang`` and fill ``{placeholders}``.

    >>> t("app.title", "en")
    'jamlik — equitable health and care'
    """
    if lang not in LANGUAGES:
        lang = "sv"
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"no translation for {key!r}; add it to jamlik/i18n/messages.yaml")
    text = entry[lang]
    return text.format(**values) if values else text


def t_or(key: str, fallback: str, lang: str = "sv", /, **values: Any) -> str:
    """Like :func:`t`, but ``fallback`` when the catalogue has no ``key`` (codes that come from
    data, e.g. a group value a region's file introduced).

    >>> t_or("cat.better", "?", "en"), t_or("group.sex.unknown_code", "unknown_code")
    ('Better', 'unknown_code')
    """
    return t(key, lang, **values) if has(key) else fallback


def group_label(breakdown: str, group: str, lang: str = "sv") -> str:
    """The label of a breakdown group (``group.<breakdown>.<group>``); a group without a
    translation shows as its code rather than failing the page or report.

    >>> group_label("education", "not_applicable", "en"), group_label("sex", "x9", "en")
    ('Not applicable (under 25)', 'x9')
    """
    return t_or(f"group.{breakdown}.{group}", str(group), lang)
