"""Read observations into profiles and indicator views.

One named query of :mod:`jamlik.store.queries` per view part, against a read-only warehouse
connection; everything else is plain Python on a few thousand rows. Suppressed rows arrive with
NULL values (the engine never stores them), so nothing here can leak a suppressed figure.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from jamlik.geo import Area, AreaRegistry
from jamlik.model import AreaLevel, InputError
from jamlik.model.breakdowns import BREAKDOWNS
from jamlik.model.catalogue import Catalogue, Indicator
from jamlik.profiles.model import (
    AreaProfile,
    GroupValue,
    IndicatorView,
    ProfileRow,
    SeriesPoint,
    Tartan,
    category_of,
)
from jamlik.profiles.served import Coverage, in_region, read_coverage
from jamlik.store import Connection, SnapshotReader, queries

PEER_FEATURES = ("share_post_secondary", "share_low_income", "share_born_abroad",
                 "share_aged_80plus")


class ProfileReader:
    """Profiles, indicator views and the tartan rug from one warehouse connection."""

    def __init__(self, con: Connection | SnapshotReader, registry: AreaRegistry,
                 catalogue: Catalogue, coverage: Coverage | None = None):
        self.con = con
        self.registry = registry
        self.catalogue = catalogue
        #: The home region and the synthetic region (read from ``meta`` unless given).
        self.coverage = read_coverage(con.cursor()) if coverage is None else coverage
        self._spine_cache: dict[tuple, dict[str, dict]] = {}

    # -- helpers ----------------------------------------------------------------------------
    def has_observations(self) -> bool:
        return queries.has_rows(self.con.cursor(), "observations")

    def updated(self) -> object:
        return queries.last_computed(self.con.cursor())

    # -- area profile -------------------------------------------------------------------------
    def area_profile(self, code: str, *, comparator: str = "parent",
                     lang: str = "sv") -> AreaProfile:
        area = self.registry.validate(code)
        if comparator not in ("parent", "nation", "peers"):
            raise InputError("comparator", comparator, "'parent', 'nation' or 'peers'")
        parent = self.registry[area.parent_code] if area.parent_code else None
        if area.level is AreaLevel.NATION:
            comparator = "nation"
        peers: tuple[Area, ...] = ()
        if comparator == "peers":
            peers = tuple(self.peers(code))
            if not peers:
                comparator = "parent"
        comparators = ([parent.code] if parent else []) + (["SE"] if code != "SE" else [])
        comparators += [p.code for p in peers]
        rows = queries.area_observations(self.con.cursor(), code, comparators)
        by_key: dict[tuple, list[dict]] = defaultdict(list)
        for row in rows:
            by_key[(row["indicator_id"], row["area_code"], row["breakdown"])].append(row)
        spine = self._spine(area)
        gaps = self._gaps(code)
        profile_rows = []
        for ind in sorted(self.catalogue.values(), key=lambda i: _topic_rank(i.topic)):
            own = [r for r in by_key.get((ind.id, code, "total"), [])]
            if not own:
                continue
            latest = own[-1]
            if comparator == "peers":
                comp_value, comp_series = _peer_mean(
                    [by_key.get((ind.id, p.code, "total"), []) for p in peers], latest["year"])
                comp_95 = _compare(latest["lower_95"], latest["upper_95"], comp_value)
                comp_998 = _compare(latest["lower_998"], latest["upper_998"], comp_value)
            else:
                key = "parent" if comparator == "parent" else "nation"
                comp_value = latest[f"{key}_value"]
                comp_95, comp_998 = latest[f"vs_{key}_95"], latest[f"vs_{key}_998"]
                comp_code = parent.code if (key == "parent" and parent) else "SE"
                comp_series = _series(by_key.get((ind.id, comp_code, "total"), []))
            groups = []
            for breakdown in (b for b in BREAKDOWNS if b != "total"):
                latest_groups = [r for r in by_key.get((ind.id, code, breakdown), [])
                                 if r["year"] == latest["year"]]
                order = BREAKDOWNS[breakdown].groups
                latest_groups.sort(key=lambda r, o=order: (o.index(r["group_value"])
                                                           if r["group_value"] in o else 99))
                for r in latest_groups:
                    groups.append(GroupValue(
                        breakdown=breakdown, group=r["group_value"], value=_num(r["value"]),
                        lower=_num(r["lower_95"]), upper=_num(r["upper_95"]),
                        numerator=_num(r["numerator"]), denominator=_num(r["denominator"]),
                        suppressed=bool(r["suppressed"]),
                        vs_total=_compare(r["lower_95"], r["upper_95"], latest["value"])))
            dist = spine.get(ind.id)
            if dist is not None:
                bench = latest["nation_value"]
                dist = {**dist, "benchmark": dist["median"] if bench is None else bench}
            profile_rows.append(ProfileRow(
                indicator=ind, year=latest["year"], period=latest["period"],
                value=_num(latest["value"]), lower_95=_num(latest["lower_95"]),
                upper_95=_num(latest["upper_95"]), lower_998=_num(latest["lower_998"]),
                upper_998=_num(latest["upper_998"]), numerator=_num(latest["numerator"]),
                denominator=_num(latest["denominator"]), suppressed=bool(latest["suppressed"]),
                suppression_reason=latest["suppression_reason"],
                comparator_value=_num(comp_value), comparison_95=comp_95,
                comparison_998=comp_998, category_95=category_of(comp_95, ind.polarity),
                category_998=category_of(comp_998, ind.polarity),
                parent_value=_num(latest["parent_value"]),
                nation_value=_num(latest["nation_value"]),
                nation_category_95=category_of(latest["vs_nation_95"], ind.polarity),
                nation_category_998=category_of(latest["vs_nation_998"], ind.polarity),
                trend=latest["trend"],
                trend_reason=latest["trend_reason"], note=latest["note"],
                computed_at=latest["computed_at"], series=_series(own),
                comparator_series=comp_series, groups=tuple(groups), spine=dist,
                gap=gaps.get(ind.id), synthetic=bool(latest["synthetic"])))
        comparator_name = (parent.name if comparator == "parent" and parent else
                           "peers" if comparator == "peers" else "Sverige")
        sources = tuple(dict.fromkeys(r.indicator.source(lang) for r in profile_rows))
        outside, region = self._outside(area)
        return AreaProfile(area=area, parent=parent, comparator=comparator,
                           comparator_name=comparator_name, rows=tuple(profile_rows),
                           peers=peers, updated=max((r.computed_at for r in profile_rows),
                                                    default=None), sources=sources,
                           outside=outside, region_name=region)

    def _outside(self, area: Area) -> tuple[str | None, str]:
        """(``'synthetic'`` / ``'home'`` / None, the region's name): see
        :attr:`AreaProfile.outside`."""
        cov = self.coverage
        if cov.synthetic_region is not None:
            if cov.synthetic_covers(area):
                return None, ""
            return "synthetic", self._name(cov.synthetic_region)
        if cov.home_region is not None and not cov.covers(area):
            return "home", self._name(cov.home_region)
        return None, ""

    def _name(self, code: str) -> str:
        return self.registry[code].name if code in self.registry else code

    def _spine(self, area: Area) -> dict[str, dict]:
        """Distribution of the latest total values across areas of the same level.

        The same for every area of a level, so it is computed once per reader (a reader lives
        as long as its snapshot).
        """
        within = None if area.level in (AreaLevel.KOMMUN, AreaLevel.LAN, AreaLevel.VARDCENTRAL) \
            else area.code[:2]
        key = (area.level, within)
        if key not in self._spine_cache:
            rows = queries.level_distribution(self.con.cursor(), area.level.value, within)
            self._spine_cache[key] = {r["indicator_id"]: r for r in rows if r["n"] >= 3}
        return self._spine_cache[key]

    def _gaps(self, code: str) -> dict[str, dict]:
        """The area's latest inequality measures, when the equity engine has computed them."""
        if not queries.has_table(self.con.cursor(), "inequalities"):
            return {}
        rows = queries.latest_area_inequalities(self.con.cursor(), code, "income_quintile",
                                                ("sii", "rii", "d"))
        gaps: dict[str, dict] = defaultdict(dict)
        for r in rows:
            gaps[r["indicator_id"]][r["measure"]] = r
        return dict(gaps)

    def peers(self, code: str, n: int = 8) -> list[Area]:
        """The ``n`` areas of the same level most like ``code`` in population composition."""
        area = self.registry.validate(code)
        rows = queries.latest_level_values(self.con.cursor(), area.level.value, PEER_FEATURES)
        features: dict[str, dict[str, float]] = defaultdict(dict)
        for r in rows:
            if r["value"] is not None:
                features[r["area_code"]][r["indicator_id"]] = r["value"]
        complete = {c: f for c, f in features.items() if len(f) == len(PEER_FEATURES)}
        if code not in complete or len(complete) < 3:
            return []
        spread = {k: (max(f[k] for f in complete.values()) - min(f[k] for f in complete.values()))
                  or 1.0 for k in PEER_FEATURES}
        me = complete[code]
        distance = {c: math.sqrt(sum(((f[k] - me[k]) / spread[k]) ** 2 for k in PEER_FEATURES))
                    for c, f in complete.items() if c != code}
        return [self.registry[c] for c in sorted(distance, key=distance.get)[:n]
                if c in self.registry]

    # -- indicator view -----------------------------------------------------------------------
    def indicator_view(self, indicator_id: str, *, level: str = "kommun",
                       year: int | None = None, within: str | None = None,
                       focus: Iterable[str] = ()) -> IndicatorView:
        ind = self.catalogue[indicator_id]
        level = AreaLevel(level).value
        years = queries.indicator_years(self.con.cursor(), indicator_id, level)
        if year is None:
            year = years[-1] if years else None
        rows = queries.indicator_at_level(self.con.cursor(), indicator_id, level, year, within)
        areas = []
        for r in rows:
            if r["area_code"] not in self.registry:
                continue
            areas.append({
                "code": r["area_code"], "name": self.registry[r["area_code"]].name,
                "value": _num(r["value"]), "lower": _num(r["lower_95"]),
                "upper": _num(r["upper_95"]), "lower_998": _num(r["lower_998"]),
                "upper_998": _num(r["upper_998"]), "numerator": _num(r["numerator"]),
                "denominator": _num(r["denominator"]), "suppressed": bool(r["suppressed"]),
                "vs_nation_95": r["vs_nation_95"], "vs_nation_998": r["vs_nation_998"],
                "category": category_of(r["vs_nation_95"], ind.polarity),
                "category_998": category_of(r["vs_nation_998"], ind.polarity),
                "trend": r["trend"], "period": r["period"],
                "synthetic": bool(r["synthetic"])})
        nation_rows = queries.nation_series(self.con.cursor(), indicator_id)
        nation = None
        if nation_rows:
            last = [r for r in nation_rows if r["year"] == year] or nation_rows[-1:]
            nation = {"value": _num(last[0]["value"]), "lower": _num(last[0]["lower_95"]),
                      "upper": _num(last[0]["upper_95"]), "year": last[0]["year"],
                      "synthetic": bool(last[0]["synthetic"])}
        focus = list(focus) or ([within] if within else []) + ["SE"]
        trend_rows = queries.area_series(self.con.cursor(), indicator_id, focus)
        trend = tuple({"series": self.registry[r["area_code"]].name if r["area_code"] in
                       self.registry else r["area_code"], "code": r["area_code"],
                       "year": r["year"], "period": r["period"], "value": _num(r["value"]),
                       "lower": _num(r["lower_95"]), "upper": _num(r["upper_95"]),
                       "synthetic": bool(r["synthetic"])}
                      for r in trend_rows)
        breakdown_area = focus[0]
        breakdown_rows = queries.area_groups(self.con.cursor(), indicator_id, breakdown_area,
                                             year)
        breakdowns: dict[str, list[dict]] = defaultdict(list)
        for r in breakdown_rows:
            order = b.groups if (b := BREAKDOWNS.get(r["breakdown"])) else ()
            breakdowns[r["breakdown"]].append({
                "group": r["group_value"], "value": _num(r["value"]),
                "lower": _num(r["lower_95"]), "upper": _num(r["upper_95"]),
                "suppressed": bool(r["suppressed"]),
                "order": order.index(r["group_value"]) if r["group_value"] in order else 99})
        for values in breakdowns.values():
            values.sort(key=lambda g: g["order"])
        funnel = tuple({"name": a["name"], "denominator": a["denominator"],
                        "value": a["value"], "category": a["category_998"]}
                       for a in areas if a["denominator"] and a["value"] is not None)
        return IndicatorView(indicator=ind, level=level, year=year,
                             period=rows[0]["period"] if rows else None, areas=tuple(areas),
                             nation=nation, trend=trend,
                             breakdowns={k: tuple(v) for k, v in breakdowns.items()},
                             funnel=funnel, years=tuple(years))

    def nation_latest(self, indicator_ids: Iterable[str]) -> dict[str, dict]:
        """Per indicator: the nation's latest total (``value``, ``year``, ``synthetic``)."""
        ids = list(indicator_ids)
        if not ids:
            return {}
        rows = queries.nation_latest(self.con.cursor(), ids)
        return {r["indicator_id"]: {"value": _num(r["value"]), "year": r["year"],
                                    "synthetic": bool(r["synthetic"])} for r in rows}

    # -- tartan rug ---------------------------------------------------------------------------
    def tartan(self, *, level: str = "kommun", within: str | None = None,
               lang: str = "sv") -> Tartan:
        """Every indicator × every area of ``level`` inside ``within`` (a län code or ``SE``;
        default: the home region), latest year, compared with the nation; indicators by topic
        and then by their title in ``lang``."""
        level = AreaLevel(level)
        within = within or self.coverage.region
        areas = sorted((a for a in self.registry.at_level(level) if in_region(a, within)),
                       key=lambda a: a.code)
        rows = queries.latest_totals(self.con.cursor(), level.value, [a.code for a in areas])
        cells, year_of, synthetic = {}, {}, set()
        for r in rows:
            ind = self.catalogue.get(r["indicator_id"])
            if ind is None:
                continue
            year_of[ind.id] = r["year"]
            if r["synthetic"]:
                synthetic.add(ind.id)
            cells[(ind.id, r["area_code"])] = {
                "value": _num(r["value"]), "suppressed": bool(r["suppressed"]),
                "category": category_of(r["vs_nation_95"], ind.polarity),
                "trend": r["trend"], "synthetic": bool(r["synthetic"])}
        indicators = tuple(sorted((i for i in self.catalogue.values() if i.id in year_of),
                                  key=lambda i: (_topic_rank(i.topic), i.title(lang).casefold())))
        return Tartan(level=level.value, areas=tuple(areas), indicators=indicators,
                      cells=cells, year_of=year_of, synthetic_ids=frozenset(synthetic))


TOPIC_ORDER = ("mortality", "care", "care_process", "care_outcome", "health", "children",
               "survey", "population")


def _topic_rank(topic: str) -> int:
    return TOPIC_ORDER.index(topic) if topic in TOPIC_ORDER else len(TOPIC_ORDER)


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _series(rows: list[dict]) -> tuple[SeriesPoint, ...]:
    return tuple(SeriesPoint(r["year"], r["period"], _num(r["value"]), _num(r["lower_95"]),
                             _num(r["upper_95"])) for r in rows)


def _compare(lower, upper, benchmark) -> str:
    if lower is None or upper is None or benchmark is None:
        return "not_compared"
    if any(isinstance(v, float) and math.isnan(v) for v in (lower, upper, benchmark)):
        return "not_compared"
    return "higher" if lower > benchmark else "lower" if upper < benchmark else "similar"


def _peer_mean(series: list[list[dict]], year: int) -> tuple[float | None, tuple]:
    values = [r["value"] for rows in series for r in rows
              if r["year"] == year and r["value"] is not None]
    mean = sum(values) / len(values) if values else None
    by_year: dict[int, list[float]] = defaultdict(list)
    for rows in series:
        for r in rows:
            if r["value"] is not None:
                by_year[r["year"]].append(r["value"])
    points = tuple(SeriesPoint(y, str(y), sum(v) / len(v), None, None)
                   for y, v in sorted(by_year.items()))
    return mean, points


def indicator_levels(ind: Indicator) -> list[str]:
    return [lv.value for lv in ind.levels]
