"""Resolve Swedish area names to codes, tolerant of case, diacritics and the usual affixes.

"Linköping", "Linköpings kommun" → 0580; "Region Östergötland", "Östergötlands län" → 05.
An exact (normalised) name wins: "Gotland" is kommun 0980, "Gotlands län" and "Region Gotland"
are 09. Otherwise the affix ("kommun", "stad", "Region …", "… län") picks the level, and a name
that still fits several codes is reported as ambiguous with the candidates, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from jamlik.model.areas import AreaLevel, level_of_code

_KOMMUN = re.compile(r"\s+(kommun|stad)$")
_LAN = re.compile(r"^(region|landstinget|landsting)\s+|\s+(lan|lans landsting|landsting|region)$")


def normalise(name: str) -> str:
    """Casefolded, without diacritics, hyphens/dots as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", str(name)).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[-_.,]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _parse(name: str) -> tuple[AreaLevel | None, str]:
    """The level an affix names (if any) and the name without affixes."""
    text = normalise(name)
    if _KOMMUN.search(text):
        return AreaLevel.KOMMUN, _KOMMUN.sub("", text)
    if _LAN.search(text):
        return AreaLevel.LAN, _LAN.sub("", text).strip()
    return None, text


class AreaNames:
    """Reverse index of an ``areas`` mapping (code → name)."""

    def __init__(self, areas: Mapping[str, str]):
        self.codes = frozenset(areas)
        self._exact: dict[str, set[str]] = {}
        self._base: dict[str, set[str]] = {}
        for code, name in areas.items():
            self._exact.setdefault(normalise(name), set()).add(code)
            _, base = _parse(name)
            variants = {base, base + "s"}
            if base.endswith("s"):  # "Östergötlands län" → also "östergötland"
                variants.add(base[:-1])
            for variant in variants:
                self._base.setdefault(variant, set()).add(code)

    def resolve(self, name: str) -> tuple[str | None, tuple[str, ...]]:
        """``(code, candidates)``: the code when exactly one fits, else ``None`` and the candidates."""
        exact = self._exact.get(normalise(name), set())
        if len(exact) == 1:
            return next(iter(exact)), ()
        level, base = _parse(name)
        found = set(self._base.get(base, set()))
        if level is not None:
            found = {code for code in found if level_of_code(code) == level}
        if len(found) == 1:
            return next(iter(found)), ()
        return None, tuple(sorted(found))
