"""Shipped standard populations and age-band keys.

Standards are keyed by the 19 five-year age groups ``"0-4", "5-9", …, "85-89", "90+"``
(the keys of ``data/standard_populations/*.csv``). Data may use finer bands — single ages
(``"0"``, ``"17"``, or integers) or the life-table bands ``"0"`` and ``"1-4"`` — which
:func:`standard_age_group` maps onto those groups so that tables are always **joined by key**.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from jamlik.model.errors import InputError

__all__ = ["STANDARDS", "STANDARD_AGE_GROUPS", "standard_age_group", "standard_population"]

STANDARD_AGE_GROUPS: tuple[str, ...] = (*(f"{a}-{a + 4}" for a in range(0, 90, 5)), "90+")

STANDARDS: dict[str, str] = {
    "esp2013": "Revised European Standard Population 2013 (Eurostat), 19 groups",
    "sweden_2000": "Sweden's population 31 Dec 2000 (SCB), 19 groups",
    "sweden_2022": "Sweden's population 31 Dec 2022 (SCB), 19 groups",
    "sweden_2024": "Sweden's population 31 Dec 2024 (SCB), 19 groups",
}

_BAND = re.compile(r"^\s*(\d+)\s*(?:(?:[-–]|to)\s*(\d+)|(\+)|\s*and\s+over)?\s*(?:years?|år)?\s*$")


def _parse_band(band: Any) -> tuple[int, int | None]:
    if isinstance(band, int | np.integer) or (isinstance(band, float) and band.is_integer()):
        age = int(band)
        return age, age
    m = _BAND.match(str(band))
    if not m:
        raise InputError(
            "age_band", band, "an age band such as '0', '1-4', '5-9', '90+' or a single age"
        )
    low = int(m.group(1))
    if m.group(2) is not None:
        return low, int(m.group(2))
    if m.group(3) is not None or "over" in str(band):
        return low, None
    return low, low


def standard_age_group(band: Any) -> str:
    """Map a single age or an age band onto its standard 5-year group.

    >>> standard_age_group("1-4"), standard_age_group(0), standard_age_group("90+")
    ('0-4', '0-4', '90+')
    >>> standard_age_group("95")
    '90+'
    """
    low, high = _parse_band(band)
    group_low = min(low // 5 * 5, 90)
    if high is None:
        if low < 90:
            raise InputError("age_band", band, "an open band starting at 90 or above ('90+')")
        return "90+"
    if high < low:
        raise InputError("age_band", band, "a band whose upper age is not below its lower age")
    if group_low < 90 and high > group_low + 4:
        raise InputError(
            "age_band",
            band,
            f"a band inside one standard group (it spans beyond {group_low}-{group_low + 4})",
        )
    return STANDARD_AGE_GROUPS[group_low // 5]


@cache
def _read(filename: str) -> tuple[dict[str, str], ...]:
    path = resources.files("jamlik") / "data" / "standard_populations" / filename
    with path.open(encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def standard_population(name: str, *, sex: str = "both_sexes") -> dict[str, float]:
    """Return a shipped standard as ``{age_group: weight}`` in age order.

    ``name`` is one of :data:`STANDARDS`. For the Swedish standards ``sex`` may be
    ``"both_sexes"`` (default), ``"male"`` or ``"female"``; ESP 2013 is sex-neutral.
    """
    if name == "esp2013":
        rows = _read("esp2013_19groups.csv")
        return {r["age_group"]: float(r["esp2013"]) for r in rows}
    if name in STANDARDS:
        if sex not in ("both_sexes", "male", "female"):
            raise InputError("sex", sex, "'both_sexes', 'male' or 'female'")
        key = f"{name}_31dec"
        rows = _read("sweden_population_19groups_2000_2022_2024.csv")
        return {r["age_group"]: float(r[sex]) for r in rows if r["standard"] == key}
    raise InputError("standard", name, f"one of {sorted(STANDARDS)} or a table keyed by age band")
