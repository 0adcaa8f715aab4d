"""JSON API and downloads of published aggregates (never person-level data).

Everything here reads ``observations`` (suppressed cells arrive as NULL) and the catalogue and
area registry. Downloads (:mod:`jamlik.web.downloads`) come as CSV (UTF-8 with BOM and
semicolons, as Swedish Excel expects), Excel or Parquet, ready for Power BI or R.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any, Literal

import pyarrow as pa
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from jamlik import __version__
from jamlik.model import AreaCodeError, AreaLevel
from jamlik.model.catalogue import Indicator
from jamlik.profiles import coverage_note
from jamlik.store import queries
from jamlik.web._state import AppState

router = APIRouter(prefix="")


#: Query parameters shared by the routes, validated at the door (422 with the rule, never a
#: 500): years a register can hold, an offset DuckDB's BIGINT can take, known enum values.
Year = Annotated[int | None, Query(ge=1900, le=2100, description="År, t.ex. 2024 / year")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rader att hoppa över")]
Comparator = Literal["parent", "nation", "peers"]
Lang = Literal["sv", "en"]


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


def _state(request: Request) -> AppState:
    return request.app.state.jamlik


def _indicator_json(ind) -> dict:
    return {
        "id": ind.id, "title": {"sv": ind.title.sv, "en": ind.title.en},
        "definition": {"sv": ind.definition.sv, "en": ind.definition.en}, "topic": ind.topic,
        "method": ind.method, "unit": {"sv": ind.unit.sv, "en": ind.unit.en},
        "multiplier": ind.multiplier, "polarity": ind.polarity, "standard": ind.standard,
        "levels": [lv.value for lv in ind.levels], "breakdowns": list(ind.breakdowns),
        "source": {"sv": ind.source.sv, "en": ind.source.en}, "period_years": ind.period_years,
        "ages": list(ind.ages),
    }


@router.get("/api/indicators", tags=["indicators"], summary="Indikatorkatalogen / the catalogue")
def api_indicators(request: Request):
    return [_indicator_json(i) for i in _state(request).catalogue.values()]


@router.get("/api/indicators/{indicator_id}", tags=["indicators"], summary="En indikator")
def api_indicator(request: Request, indicator_id: str):
    catalogue = _state(request).catalogue
    if indicator_id not in catalogue:
        raise HTTPException(404, f"unknown indicator {indicator_id!r}")
    return _indicator_json(catalogue[indicator_id])


def _check_request(state: AppState, indicator: str | None, area: str | None) -> None:
    """404 for an unknown indicator or area code, 503 before anything has been computed."""
    if indicator is not None and indicator not in state.catalogue:
        raise HTTPException(404, f"unknown indicator {indicator!r}")
    if area is not None:
        try:
            state.registry().validate(area)
        except AreaCodeError as exc:
            raise HTTPException(404, str(exc)) from exc
    if state.reader() is None:
        raise HTTPException(503, "no computed observations yet; run 'jamlik compute'")


def observation_filters(indicator: str | None, area: str | None, level: AreaLevel | None,
                        year: int | None, breakdown: str | None) -> dict:
    """A request's filters as the columns of ``observations`` they match (None: any value),
    for :func:`jamlik.store.queries.public_observations` and its kin."""
    return {"indicator_id": indicator, "area_code": area,
            "area_level": level.value if level else None, "year": year,
            "breakdown": breakdown}


def _query(state: AppState, indicator: str | None, area: str | None, level: AreaLevel | None,
           year: int | None, breakdown: str | None, limit: int, offset: int = 0) -> pa.Table:
    _check_request(state, indicator, area)
    cur = state.cursor()
    if cur is None:
        raise HTTPException(503, "no computed observations yet; run 'jamlik compute'")
    return queries.public_observations(
        cur, observation_filters(indicator, area, level, year, breakdown), limit=limit,
        offset=offset)


@router.get("/api/observations", tags=["observations"],
            summary="Observationer (publicerade aggregat) / published observations")
def api_observations(
    request: Request,
    indicator: str | None = Query(None, description="Indikator-id, t.ex. mortality_all_cause"),
    area: str | None = Query(None, description="Områdeskod, t.ex. 0580"),
    level: AreaLevel | None = Query(None, description="Områdesnivå"),
    year: Year = None,
    breakdown: str | None = Query(None, description="total, sex, education, …"),
    limit: int = Query(1000, ge=1, le=50_000),
    offset: Offset = 0,
):
    table = _query(_state(request), indicator, area, level, year, breakdown, limit, offset)
    rows = table.to_pylist()
    for row in rows:
        if row.get("computed_at") is not None:
            row["computed_at"] = row["computed_at"].isoformat()
    return JSONResponse({"rows": rows, "limit": limit, "offset": offset, "count": len(rows)})


@router.get("/api/profiles/{code}", tags=["profiles"], summary="Områdesprofil / area profile")
def api_profile(request: Request, code: str, comparator: Comparator = "parent",
                lang: Lang = "sv"):
    state = _state(request)
    try:
        state.registry().validate(code)
    except AreaCodeError as exc:
        raise HTTPException(404, str(exc)) from exc
    reader = state.reader()
    if reader is None:
        raise HTTPException(503, "no computed observations yet; run 'jamlik compute'")
    profile = reader.area_profile(code, comparator=comparator, lang=lang)
    return {
        "area": {"code": profile.area.code, "name": profile.area.name,
                 "level": profile.area.level.value},
        "comparator": profile.comparator, "comparator_name": profile.comparator_name,
        "updated": profile.updated.isoformat() if profile.updated else None,
        "synthetic": profile.synthetic,
        "coverage_note": coverage_note(profile, lang),
        "rows": [{
            "indicator_id": r.indicator.id, "year": r.year, "period": r.period,
            "value": r.value, "lower_95": r.lower_95, "upper_95": r.upper_95,
            "lower_998": r.lower_998, "upper_998": r.upper_998, "numerator": r.numerator,
            "denominator": r.denominator, "suppressed": r.suppressed,
            "comparator_value": r.comparator_value, "comparison_95": r.comparison_95,
            "comparison_998": r.comparison_998, "category_95": r.category_95,
            "nation_value": r.nation_value, "trend": r.trend, "synthetic": r.synthetic,
            "groups": [{"breakdown": g.breakdown, "group": g.group, "value": g.value,
                        "lower_95": g.lower, "upper_95": g.upper, "suppressed": g.suppressed}
                       for g in r.groups],
        } for r in profile.rows],
    }


@router.get("/api/areas", tags=["areas"], summary="Sök områden / search areas")
def api_areas(request: Request, q: str = Query("", description="Namn eller kod / name or code"),
              level: AreaLevel | None = None, limit: int = Query(20, ge=1, le=500)):
    registry = _state(request).registry()
    if q:
        found = registry.search(q, limit=limit, levels=[level] if level else None)
    else:
        found = registry.at_level(level)[:limit] if level else []
    return [_area_json(a) for a in found]


@router.get("/api/areas/{code}", tags=["areas"], summary="Ett område / one area")
def api_area(request: Request, code: str):
    registry = _state(request).registry()
    try:
        area = registry.validate(code)
    except AreaCodeError as exc:
        return JSONResponse({"error": str(exc), "code": code}, status_code=404)
    return {**_area_json(area), "parents": [_area_json(a) for a in registry.ancestors(code)],
            "children": [_area_json(a) for a in registry.children(code)]}


@router.get("/api/health", tags=["meta"], summary="Status")
def api_health(request: Request):
    return {"status": "ok", "version": __version__, "warehouse": _state(request).describe()}


def _area_json(area) -> dict:
    return {"code": area.code, "level": area.level.value, "name": area.name,
            "parent_code": area.parent_code, "socio_type": area.socio_type}


@router.get("/api/provenance", tags=["observations"],
            summary="Proveniens: källa och laddning per observation / where each figure came from")
def api_provenance(
    request: Request,
    indicator: str = Query(..., description="Indikator-id, t.ex. mortality_all_cause"),
    area: str | None = Query(None, description="Områdeskod, t.ex. 0580"),
    year: Year = None,
    breakdown: str | None = Query(None, description="total, sex, …"),
    limit: int = Query(200, ge=1, le=5000),
):
    """Each observation → its load (``loads``: source, when, content hash) → for external
    indicators the source load (``source_loads``: URL or file, query, retrieved_at) — and for
    computed indicators the latest loads of the input tables."""
    state = _state(request)
    _check_request(state, indicator, area)
    return provenance(state, state.catalogue[indicator], area=area, year=year,
                      breakdown=breakdown, limit=limit)


# -- provenance chain ------------------------------------------------------------------------
def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value



def provenance(state, ind: Indicator, *, area: str | None, year: int | None,
               breakdown: str | None, limit: int) -> dict:
    cur = state.cursor()
    found = queries.observation_provenance(
        cur, ind.id, {"area_code": area, "year": year, "breakdown": breakdown}, limit=limit,
        with_sources=state._has_table("source_loads"))
    rows = []
    for r in found:
        source = None
        if r["source_name"] is not None:
            source = {"name": r["source_name"], "kind": r["source_kind"], "url": r["url"],
                      "query": r["query"], "fetched_at": _iso(r["fetched_at"]),
                      "content_hash": r["source_hash"],
                      "periods": json.loads(r["periods"]) if r["periods"] else [],
                      "payloads": json.loads(r["payloads"]) if r["payloads"] else []}
        rows.append({
            "area_code": r["area_code"], "year": r["year"], "period": r["period"],
            "breakdown": r["breakdown"], "group_value": r["group_value"], "value": r["value"],
            "method": r["method"], "computed_at": _iso(r["computed_at"]),
            "load": None if r["load_id"] is None else {
                "load_id": r["load_id"], "source": r["source"], "target": r["target"],
                "finished_at": _iso(r["finished_at"]), "content_hash": r["content_hash"],
                "jamlik_version": r["jamlik_version"]},
            "source": source,
        })
    inputs = []
    tables = ind.input_tables()
    if tables:
        inputs = [{"table": r["target"], "load_id": r["load_id"], "source": r["source"],
                   "finished_at": _iso(r["finished_at"]), "content_hash": r["content_hash"]}
                  for r in queries.latest_loads(cur, tables)]
    return {"indicator": ind.id, "source_text": {"sv": ind.source.sv, "en": ind.source.en},
            "area": area, "year": year, "rows": rows, "inputs": inputs}
