"""JSON API and downloads of published aggregates (never person-level data).

Everything here reads ``observations`` (suppressed cells arrive as NULL) and the catalogue and
area registry. Downloads come as CSV (UTF-8 with BOM and semicolons, as Swedish Excel expects),
Excel or Parquet, ready for Power BI or R.
"""

from __future__ import annotations

import io
from enum import StrEnum

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from jamlik import __version__
from jamlik.model import AreaCodeError, AreaLevel
from jamlik.web._state import AppState

router = APIRouter(prefix="")

PUBLIC_COLUMNS = (
    "indicator_id", "year", "period", "area_level", "area_code", "breakdown", "group_value",
    "numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998",
    "method", "standard", "multiplier", "parent_code", "parent_value", "vs_parent_95",
    "vs_parent_998", "nation_value", "vs_nation_95", "vs_nation_998", "trend", "suppressed",
    "suppression_reason", "smoothed_value", "note", "computed_at",
)


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


def _query(state: AppState, indicator: str | None, area: str | None, level: AreaLevel | None,
           year: int | None, breakdown: str | None, limit: int | None,
           offset: int = 0) -> pa.Table:
    if indicator is not None and indicator not in state.catalogue:
        raise HTTPException(404, f"unknown indicator {indicator!r}")
    if area is not None:
        try:
            state.registry().validate(area)
        except AreaCodeError as exc:
            raise HTTPException(404, str(exc)) from exc
    cur = state.cursor()
    if cur is None or state.reader() is None:
        raise HTTPException(503, "no computed observations yet; run 'jamlik compute'")
    where, params = [], []
    for column, value in (("indicator_id", indicator), ("area_code", area),
                          ("area_level", level.value if level else None), ("year", year),
                          ("breakdown", breakdown)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = f"SELECT {', '.join(PUBLIC_COLUMNS)} FROM observations"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY indicator_id, area_code, breakdown, group_value, year"
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    return cur.execute(sql, params).to_arrow_table()


@router.get("/api/observations", tags=["observations"],
            summary="Observationer (publicerade aggregat) / published observations")
def api_observations(
    request: Request,
    indicator: str | None = Query(None, description="Indikator-id, t.ex. mortality_all_cause"),
    area: str | None = Query(None, description="Områdeskod, t.ex. 0580"),
    level: AreaLevel | None = Query(None, description="Områdesnivå"),
    year: int | None = None,
    breakdown: str | None = Query(None, description="total, sex, education, …"),
    limit: int = Query(1000, ge=1, le=50_000),
    offset: int = Query(0, ge=0),
):
    table = _query(_state(request), indicator, area, level, year, breakdown, limit, offset)
    rows = table.to_pylist()
    for row in rows:
        if row.get("computed_at") is not None:
            row["computed_at"] = row["computed_at"].isoformat()
    return JSONResponse({"rows": rows, "limit": limit, "offset": offset, "count": len(rows)})


@router.get("/api/profiles/{code}", tags=["profiles"], summary="Områdesprofil / area profile")
def api_profile(request: Request, code: str, comparator: str = "parent", lang: str = "sv"):
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
        "rows": [{
            "indicator_id": r.indicator.id, "year": r.year, "period": r.period,
            "value": r.value, "lower_95": r.lower_95, "upper_95": r.upper_95,
            "lower_998": r.lower_998, "upper_998": r.upper_998, "numerator": r.numerator,
            "denominator": r.denominator, "suppressed": r.suppressed,
            "comparator_value": r.comparator_value, "comparison_95": r.comparison_95,
            "comparison_998": r.comparison_998, "category_95": r.category_95,
            "nation_value": r.nation_value, "trend": r.trend,
            "groups": [{"breakdown": g.breakdown, "group": g.group, "value": g.value,
                        "lower_95": g.lower, "upper_95": g.upper, "suppressed": g.suppressed}
                       for g in r.groups],
        } for r in profile.rows],
    }


@router.get("/api/areas", tags=["areas"], summary="Sök områden / search areas")
def api_areas(request: Request, q: str = Query("", description="Namn eller kod / name or code"),
              level: AreaLevel | None = None, limit: int = Query(20, le=500)):
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


@router.get("/ladda-ner/observationer.{fmt}", tags=["downloads"],
            summary="Ladda ner observationer / download observations")
def download(request: Request, fmt: Format, indicator: str | None = None,
             area: str | None = None, level: AreaLevel | None = None, year: int | None = None,
             breakdown: str | None = None):
    table = _query(_state(request), indicator, area, level, year, breakdown, None)
    name = "_".join(p for p in ("jamlik", indicator, area, level.value if level else None,
                                str(year) if year else None) if p)
    if fmt is Format.parquet:
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        body, media = sink.getvalue(), "application/vnd.apache.parquet"
    elif fmt is Format.csv:
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, pacsv.WriteOptions(delimiter=";"))
        body, media = "\ufeff".encode() + sink.getvalue(), "text/csv; charset=utf-8"
    else:
        body = _xlsx(table)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt.value}"'})


def _xlsx(table: pa.Table) -> bytes:
    import xlsxwriter

    sink = io.BytesIO()
    book = xlsxwriter.Workbook(sink, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet("observationer")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, table.column_names, bold)
    for c, column in enumerate(table.columns):
        for r, value in enumerate(column.to_pylist(), start=1):
            if value is not None:
                sheet.write(r, c, value)
    sheet.freeze_panes(1, 0)
    book.close()
    return sink.getvalue()


def _area_json(area) -> dict:
    return {"code": area.code, "level": area.level.value, "name": area.name,
            "parent_code": area.parent_code, "socio_type": area.socio_type}
