"""Plain, immutable shapes of a profile, shared by the web app and the reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from jamlik.geo import Area
from jamlik.model.catalogue import Indicator

#: Comparison code (vs benchmark) × polarity → the category used for colour and label.
_JUDGED = {
    ("higher", "high_is_good"): "better", ("lower", "high_is_good"): "worse",
    ("higher", "low_is_good"): "worse", ("lower", "low_is_good"): "better",
    ("higher", "no_judgement"): "higher", ("lower", "no_judgement"): "lower",
}


def category_of(code: str | None, polarity: str) -> str:
    """'better'/'worse'/'similar'/'higher'/'lower'/'not_compared' from a comparison code."""
    if code == "similar":
        return "similar"
    return _JUDGED.get((code or "", polarity), "not_compared")


@dataclass(frozen=True)
class SeriesPoint:
    year: int
    period: str
    value: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class GroupValue:
    breakdown: str
    group: str
    value: float | None
    lower: float | None
    upper: float | None
    numerator: float | None
    denominator: float | None
    suppressed: bool
    vs_total: str  # 'higher' / 'similar' / 'lower' / 'not_compared' against the area's total


@dataclass(frozen=True)
class ProfileRow:
    indicator: Indicator
    year: int
    period: str
    value: float | None
    lower_95: float | None
    upper_95: float | None
    lower_998: float | None
    upper_998: float | None
    numerator: float | None
    denominator: float | None
    suppressed: bool
    suppression_reason: str | None
    comparator_value: float | None
    comparison_95: str
    comparison_998: str
    category_95: str
    category_998: str
    parent_value: float | None
    nation_value: float | None
    nation_category_95: str
    nation_category_998: str
    trend: str
    trend_reason: str | None
    note: str | None
    computed_at: object
    series: tuple[SeriesPoint, ...] = ()
    comparator_series: tuple[SeriesPoint, ...] = ()
    groups: tuple[GroupValue, ...] = ()
    spine: dict | None = None
    gap: dict | None = None
    #: Computed from synthetic loads (the demo): must never be shown without a mark.
    synthetic: bool = False

    def groups_of(self, breakdown: str) -> list[GroupValue]:
        return [g for g in self.groups if g.breakdown == breakdown]

    def spine_position(self) -> dict[str, float] | None:
        """Positions (0–1) of this row on a spine chart: value, range, quartiles and parent.

        ``spine`` holds the raw distribution across areas of the same level (min, q1, median,
        q3, max) and the benchmark (the nation, or the median when the nation is missing).
        """
        from jamlik.charts import spine_positions

        s = self.spine
        if not s or self.value is None or self.suppressed or s.get("benchmark") is None:
            return None
        args = (s["benchmark"], s["min"], s["q1"], s["q3"], s["max"], self.indicator.polarity)
        position = spine_positions(self.value, *args)
        if position is not None and self.parent_value is not None:
            parent = spine_positions(self.parent_value, *args)
            position["parent"] = parent["value"] if parent else None
        return position


@dataclass(frozen=True)
class AreaProfile:
    area: Area
    parent: Area | None
    comparator: str            # 'parent' | 'nation' | 'peers'
    comparator_name: str
    rows: tuple[ProfileRow, ...]
    peers: tuple[Area, ...] = ()
    updated: object = None
    sources: tuple[str, ...] = ()
    #: Why the area has fewer figures than the region's own areas: ``'synthetic'`` when the
    #: warehouse's synthetic (demo) figures do not reach it, ``'home'`` when it lies outside the
    #: home region; None inside. ``region_name`` names that region.
    outside: str | None = None
    region_name: str = ""

    def row(self, indicator_id: str) -> ProfileRow | None:
        return next((r for r in self.rows if r.indicator.id == indicator_id), None)

    @property
    def synthetic(self) -> bool:
        """Whether any figure of the profile is synthetic."""
        return any(r.synthetic for r in self.rows)

    @property
    def mixed(self) -> bool:
        """Whether real and synthetic figures meet in the profile (each row needs its mark)."""
        return self.synthetic and not all(r.synthetic for r in self.rows)


@dataclass(frozen=True)
class IndicatorView:
    indicator: Indicator
    level: str
    year: int | None
    period: str | None
    areas: tuple[dict, ...]              # one dict per area: code, name, value, CI, category…
    nation: dict | None
    trend: tuple[dict, ...]              # series per area for the chosen areas
    breakdowns: dict[str, tuple[dict, ...]] = field(default_factory=dict)
    funnel: tuple[dict, ...] = ()
    years: tuple[int, ...] = ()

    @property
    def synthetic(self) -> bool:
        """Whether any figure of the view (areas, nation, trend) is synthetic."""
        return any(a.get("synthetic") for a in (*self.areas, *self.trend)) or bool(
            self.nation and self.nation.get("synthetic"))


@dataclass(frozen=True)
class Tartan:
    level: str
    areas: tuple[Area, ...]
    indicators: tuple[Indicator, ...]
    cells: dict[tuple[str, str], dict]   # (indicator id, area code) → value, category, text
    year_of: dict[str, int] = field(default_factory=dict)
    #: Indicators whose figures in the rug are synthetic.
    synthetic_ids: frozenset[str] = frozenset()

    @property
    def synthetic(self) -> bool:
        return bool(self.synthetic_ids)
