"""What goal views and the brief read: documents (stored or built in), places and fulfilment.

Shared by the web app (:mod:`jamlik.web.strategy`), the brief (:mod:`jamlik.reports.strategy`)
and the CLI, so the dashboard and the PDF show the same statuses. Observations are read through
named queries (:mod:`jamlik.store.queries`) on any connection to the main warehouse (the web
app's is read-only); documents come from a :class:`~jamlik.strategy.StrategyStore` on the
strategy side file. A built-in document that has never been stored is shown as published in
jamlik (``stored=False``); its first edit or import stores it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

import polars as pl

from jamlik.model import AreaLevel
from jamlik.store import queries
from jamlik.strategy.content import BUILTIN, load_builtin
from jamlik.strategy.errors import DocumentError
from jamlik.strategy.fulfilment import goal_fulfilment
from jamlik.strategy.model import Plan, Strategy

_log = logging.getLogger(__name__)
#: The nation: every region's comparator, and the region of a warehouse without a home region.
NATION = "SE"


@dataclass(frozen=True)
class DocumentEntry:
    """A strategy or plan as the views see it."""

    doc_id: str
    kind: str
    title: str
    revision: int
    stored: bool
    obj: Strategy | Plan


@dataclass(frozen=True)
class Place:
    """A place goal views follow: a kommun, the län or the nation (``level``)."""

    code: str
    name: str
    level: str


@cache
def _builtin(name: str) -> Strategy | Plan:
    return load_builtin(name)


def documents(store=None, parse=None) -> dict[str, DocumentEntry]:
    """Stored documents plus the built-in ones not (yet) stored, by id.

    ``parse(store, doc_id, revision)`` may cache parsed documents (the web app's does).
    """
    out: dict[str, DocumentEntry] = {}
    if store is not None:
        for info in store.documents():
            try:
                obj = parse(store, info.doc_id, info.revision) if parse else store.get(info.doc_id)
            except DocumentError as exc:  # stored under older rules; the views carry on without
                _log.warning("stored document %s is skipped: %s", info.doc_id, exc)
                continue
            out[info.doc_id] = DocumentEntry(info.doc_id, info.kind, obj.title.sv, info.revision,
                                             True, obj)
    for name in BUILTIN:
        if name not in out:
            obj = _builtin(name)
            kind = "strategy" if isinstance(obj, Strategy) else "plan"
            out[name] = DocumentEntry(name, kind, obj.title.sv, 0, False, obj)
    return out


def region_places(registry, region: str) -> list[Place]:
    """The region's kommuner (by code), then the län, then the nation (for ``SE``: every
    kommun, then the nation)."""
    region = region if region in registry else NATION
    places = [Place(a.code, a.name, "kommun")
              for a in sorted(registry.children(region, AreaLevel.KOMMUN), key=lambda a: a.code)]
    if region != NATION:
        places.append(Place(region, registry[region].name, "lan"))
    if NATION in registry:
        places.append(Place(NATION, registry[NATION].name, "nation"))
    return places


def read_observations(con, indicators: list[str], codes: list[str]) -> pl.DataFrame:
    """Observations of ``indicators`` for ``codes`` and their direct sub-areas (for the
    sub-area part of "mind the gap"); empty when the warehouse has no observations."""
    if not queries.has_table(con, "observations") or not indicators:
        return pl.DataFrame()
    return queries.goal_observations(con, indicators, codes)


def indicator_ids(strategy: Strategy | Plan) -> list[str]:
    """The ids of the indicators a strategy's goals or a plan's results follow, sorted."""
    if isinstance(strategy, Strategy):
        return sorted({x.id for g in strategy.goals for x in g.indicators})
    return sorted({x.id for r in strategy.results for x in r.indicators})


def fulfilment(con, strategy: Strategy, places: list[Place]) -> pl.DataFrame:
    """:func:`~jamlik.strategy.goal_fulfilment` for ``places`` (every goal gets a row per place)."""
    areas = {p.code: p.level for p in places}
    obs = read_observations(con, indicator_ids(strategy), list(areas)) if con else None
    if obs is None or obs.height == 0:
        obs = pl.DataFrame(schema={"indicator_id": pl.String, "year": pl.Int64,
                                   "area_level": pl.String, "area_code": pl.String,
                                   "breakdown": pl.String, "group_value": pl.String,
                                   "value": pl.Float64, "lower_95": pl.Float64,
                                   "upper_95": pl.Float64, "trend": pl.String,
                                   "suppressed": pl.Boolean, "parent_code": pl.String})
    return goal_fulfilment(obs, strategy, areas=areas)


def synthetic_pairs(con, indicators: list[str], codes: list[str]) -> set[tuple[str, str]]:
    """``(indicator_id, area_code)`` of ``indicators`` × ``codes`` with synthetic observations
    (the demo's): what goal statuses built on them must say."""
    if con is None or not queries.has_table(con, "observations") or not indicators or not codes:
        return set()
    return queries.synthetic_observation_pairs(con, indicators, codes)


def synthetic_in(con, indicators: list[str], codes: list[str]) -> bool:
    """Whether any observation of ``indicators`` for ``codes`` is synthetic."""
    return bool(synthetic_pairs(con, indicators, codes))


def headline(frame: pl.DataFrame, strategy: Strategy, codes: list[str]) -> dict:
    """``(goal_id, area_code) → row`` of the goal's headline status: the total row of its first
    indicator; ``mind_the_gap`` is true when any of its indicators raises the flag there."""
    totals = frame.filter((pl.col("breakdown") == "total") & pl.col("area_code").is_in(codes))
    flags = {(r["goal_id"], r["area_code"]) for r in totals.filter(pl.col("mind_the_gap"))
             .select("goal_id", "area_code").iter_rows(named=True)}
    first = {g.id: (g.indicators[0].id if g.indicators else None) for g in strategy.goals}
    out = {}
    for row in totals.iter_rows(named=True):
        if row["indicator_id"] == first.get(row["goal_id"]):
            out[(row["goal_id"], row["area_code"])] = {
                **row, "any_gap_flag": (row["goal_id"], row["area_code"]) in flags}
    return out
