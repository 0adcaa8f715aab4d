"""The breakdowns figures are split by: their groups, order, ranks and reference group.

One :class:`Breakdown` per dimension, in one registry, :data:`BREAKDOWNS` (in display order).
The catalogue validates an indicator's ``breakdowns:`` against it, the engine rolls up and
ranks by it (inequality measures, the ends of a gradient kept visible by suppression), and
profiles list breakdowns and groups in its order.

>>> list(BREAKDOWNS)[:3]
['total', 'sex', 'age_group']
>>> edu = BREAKDOWNS["education"]
>>> edu.ordered, edu.most_disadvantaged, edu.most_advantaged, edu.ranks["upper_secondary"]
(True, 'compulsory', 'post_secondary_ge3y', 2)
>>> BREAKDOWNS["birth_region"].reference, BREAKDOWNS["birth_region"].label("en")
('sweden', 'Region of birth')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from jamlik.model.i18n import group_label, t

__all__ = ["BREAKDOWNS", "Breakdown"]


@dataclass(frozen=True)
class Breakdown:
    """One breakdown dimension.

    ``groups`` are its levels in display order. For an ordered breakdown (a social gradient)
    that order is the gradient: ``groups[0]`` is the most disadvantaged group (rank 1) and
    ``groups[-1]`` the most advantaged. ``unknown`` is the value rows carry when the group is
    not known: not a level, never ranked, shown after the levels. ``reference`` is the group
    unordered comparisons are made against (D, R, PAR, PAF, MDRU, MDRW), if any. ``compared``
    says whether the equity measures compare its groups (not the total, not age groups).
    Labels are ``breakdown.<name>`` and ``group.<name>.<group>`` in the translation catalogue.
    """

    name: str
    groups: tuple[str, ...]
    ordered: bool = False
    compared: bool = True
    reference: str | None = None
    unknown: str | None = None

    def __post_init__(self) -> None:
        if self.reference is not None and self.reference not in self.groups:
            raise ValueError(f"breakdown {self.name!r}: the reference group {self.reference!r} "
                             f"is not one of its groups {list(self.groups)}")
        if self.ordered and (self.reference is not None or not self.compared):
            raise ValueError(f"breakdown {self.name!r}: an ordered breakdown is compared along "
                             "its ranks, without a reference group")

    @property
    def ranks(self) -> dict[str, int]:
        """Group → rank (1 = most disadvantaged) of an ordered breakdown; empty when unordered."""
        return {g: i for i, g in enumerate(self.groups, 1)} if self.ordered else {}

    @property
    def most_disadvantaged(self) -> str | None:
        """The group of rank 1 (None for an unordered breakdown)."""
        return self.groups[0] if self.ordered else None

    @property
    def most_advantaged(self) -> str | None:
        """The group of the highest rank (None for an unordered breakdown)."""
        return self.groups[-1] if self.ordered else None

    @property
    def label_key(self) -> str:
        return f"breakdown.{self.name}"

    def label(self, lang: str = "sv") -> str:
        return t(self.label_key, lang)

    def group_label(self, group: str, lang: str = "sv") -> str:
        """The label of one of its groups (a group without a translation shows its code)."""
        return group_label(self.name, group, lang)


_QUINTILES = ("1", "2", "3", "4", "5")

#: Every breakdown, by name, in display order (``total`` is the whole population).
BREAKDOWNS: Mapping[str, Breakdown] = MappingProxyType({b.name: b for b in (
    Breakdown("total", ("total",), compared=False),
    Breakdown("sex", ("female", "male")),
    Breakdown("age_group", ("0-15", "16-29", "30-44", "45-64", "65-79", "80+"),
              compared=False),
    Breakdown("education", ("compulsory", "upper_secondary", "post_secondary_lt3y",
                            "post_secondary_ge3y"), ordered=True, unknown="missing"),
    # Income quintile 1 is the lowest income.
    Breakdown("income_quintile", _QUINTILES, ordered=True),
    Breakdown("birth_region", ("sweden", "nordic", "europe", "outside_europe"),
              reference="sweden"),
    # SCB's RegSO area type: 1 = major socio-economic challenges … 5 = very good conditions.
    Breakdown("socio_type", _QUINTILES, ordered=True),
)})
