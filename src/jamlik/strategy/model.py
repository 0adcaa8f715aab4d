"""The strategy model: strategies, target areas, goals and the program logic of a plan.

Everything here is a frozen dataclass built by :mod:`jamlik.strategy.documents` from a validated
document (a YAML mapping or an Excel workbook). Texts are bilingual (:class:`Text`, Swedish first).

A **strategy** has target areas (*målområden*); each area has goals with a direction, a baseline,
an optional target (absolute value or change from the baseline) and a target year, linked to
catalogue indicators marked as process or outcome measures — or explicitly marked "no data
source yet" with the reason.

A **plan** (*samverkansplan*) is a program logic: prioritised needs → desired changes (short and
long term) → activities (owner, period, status, scale-up stage 1–4) → outputs (*prestationer*)
→ results → the catalogue indicators that measure them.
"""

from __future__ import annotations

from dataclasses import dataclass

from jamlik.model.catalogue import Text

#: Goal directions; ``increase`` goals want higher values (catalogue polarity ``high_is_good``).
DIRECTIONS = ("increase", "decrease")
#: How an indicator measures a goal or result.
MEASURES = ("outcome", "process")
#: Time horizon of a desired change.
HORIZONS = ("short", "long")
#: Activity status in a plan.
ACTIVITY_STATUSES = ("planned", "ongoing", "completed", "paused", "cancelled")
#: Scale-up stage of an activity (Swedish wording first).
STAGES = {
    1: Text("Planering", "Planning"),
    2: Text("Testar nya arbetssätt", "Testing new ways of working"),
    3: Text("Visar förbättring och sprids", "Showing improvement and being scaled up"),
    4: Text("Del av ordinarie arbete", "Part of regular work"),
}


@dataclass(frozen=True)
class IndicatorLink:
    """A catalogue indicator that measures a goal or result."""

    id: str
    measure: str = "outcome"


@dataclass(frozen=True)
class Target:
    """What a goal aims for: an absolute ``value``, a ``change`` from the baseline, or neither
    (direction only: any significant improvement on the baseline)."""

    value: float | None = None
    change: float | None = None
    unit: str | None = None
    year: int | None = None

    @property
    def direction_only(self) -> bool:
        return self.value is None and self.change is None


@dataclass(frozen=True)
class Goal:
    id: str
    title: Text
    direction: str
    baseline_year: int | None
    baseline_value: float | None
    target: Target
    indicators: tuple[IndicatorLink, ...] = ()
    #: Breakdown whose group differences should narrow (e.g. ``education``), if any.
    gap_breakdown: str | None = None
    #: Why there is no indicator yet (set when ``indicators`` is empty).
    no_data: Text | None = None
    note: Text | None = None

    @property
    def has_data_source(self) -> bool:
        return bool(self.indicators)

    @property
    def sign(self) -> int:
        """+1 when higher values are better for this goal, −1 otherwise."""
        return 1 if self.direction == "increase" else -1


@dataclass(frozen=True)
class TargetArea:
    """A *målområde*: goals plus, optionally, a gap analysis text."""

    id: str
    title: Text
    goals: tuple[Goal, ...]
    gap_analysis: Text | None = None


@dataclass(frozen=True)
class Strategy:
    id: str
    title: Text
    owner: str
    source: Text | None
    areas: tuple[TargetArea, ...]

    @property
    def goals(self) -> tuple[Goal, ...]:
        return tuple(g for a in self.areas for g in a.goals)

    def goal(self, goal_id: str) -> Goal:
        for g in self.goals:
            if g.id == goal_id:
                return g
        raise KeyError(f"no goal {goal_id!r} in strategy {self.id!r}")

    def area_of(self, goal_id: str) -> TargetArea:
        for a in self.areas:
            if any(g.id == goal_id for g in a.goals):
                return a
        raise KeyError(f"no goal {goal_id!r} in strategy {self.id!r}")


@dataclass(frozen=True)
class Need:
    id: str
    title: Text
    priority: int


@dataclass(frozen=True)
class Change:
    id: str
    title: Text
    need: str
    horizon: str


@dataclass(frozen=True)
class Activity:
    id: str
    title: Text
    changes: tuple[str, ...]
    owner: str
    start: int
    end: int
    status: str
    stage: int

    @property
    def stage_text(self) -> Text:
        return STAGES[self.stage]


@dataclass(frozen=True)
class Output:
    """A *prestation*: what an activity delivers (e.g. number of staff trained)."""

    id: str
    title: Text
    activity: str
    unit: str | None = None
    planned: float | None = None
    achieved: float | None = None


@dataclass(frozen=True)
class Result:
    id: str
    title: Text
    outputs: tuple[str, ...]
    change: str | None
    indicators: tuple[IndicatorLink, ...]


@dataclass(frozen=True)
class Plan:
    id: str
    title: Text
    owner: str
    needs: tuple[Need, ...]
    changes: tuple[Change, ...]
    activities: tuple[Activity, ...]
    outputs: tuple[Output, ...]
    results: tuple[Result, ...]

    def activity(self, activity_id: str) -> Activity:
        for a in self.activities:
            if a.id == activity_id:
                return a
        raise KeyError(f"no activity {activity_id!r} in plan {self.id!r}")
