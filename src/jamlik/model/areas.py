"""Area levels and the shape of official Swedish area codes."""

from __future__ import annotations

import re
from enum import StrEnum


class AreaLevel(StrEnum):
    """Levels of the area hierarchy, from the nation down to DeSO.

    ``vardcentral`` is a primary-care unit; its population is its *listed* population, so it sits
    beside the geographic hierarchy (its parent is the kommun where it lies).
    """

    NATION = "nation"
    LAN = "lan"
    KOMMUN = "kommun"
    REGSO = "regso"
    DESO = "deso"
    VARDCENTRAL = "vardcentral"

    @property
    def code_pattern(self) -> re.Pattern[str]:
        return _PATTERNS[self]

    @property
    def code_description(self) -> str:
        return _DESCRIPTIONS[self]


_PATTERNS = {
    AreaLevel.NATION: re.compile(r"SE"),
    AreaLevel.LAN: re.compile(r"\d{2}"),
    AreaLevel.KOMMUN: re.compile(r"\d{4}"),
    AreaLevel.REGSO: re.compile(r"\d{4}R\d{3}"),
    AreaLevel.DESO: re.compile(r"\d{4}[ABC]\d{4}"),
    # A region's own code or an HSA-id: starts with a letter, so it never looks like another
    # level's code ("SE" alone is the nation, matched first).
    AreaLevel.VARDCENTRAL: re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{1,63}"),
}

_DESCRIPTIONS = {
    AreaLevel.NATION: "'SE'",
    AreaLevel.LAN: "2 digits, e.g. '05'",
    AreaLevel.KOMMUN: "4 digits, e.g. '0580'",
    AreaLevel.REGSO: "kommun code + 'R' + 3 digits, e.g. '0580R001'",
    AreaLevel.DESO: "kommun code + A/B/C + 4 digits, e.g. '0580C1010'",
    AreaLevel.VARDCENTRAL: ("a code that starts with a letter (letters, digits, '.', '_', '-'), "
                            "e.g. 'VC0580-01' or an HSA-id"),
}

#: Levels in hierarchical order (nation first); vårdcentral last.
AREA_LEVELS: tuple[AreaLevel, ...] = tuple(AreaLevel)


def level_of_code(code: str) -> AreaLevel | None:
    """The level whose code shape ``code`` has, or ``None``.

    >>> level_of_code("0580"), level_of_code("05"), level_of_code("0580C1010")
    (<AreaLevel.KOMMUN: 'kommun'>, <AreaLevel.LAN: 'lan'>, <AreaLevel.DESO: 'deso'>)
    """
    for level, pattern in _PATTERNS.items():
        if pattern.fullmatch(code):
            return level
    return None
