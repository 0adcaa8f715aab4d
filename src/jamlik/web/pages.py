"""Server-rendered HTML pages. Charts are Vega-Lite specs drawn in the browser."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from jamlik import __version__, charts
from jamlik.geo import boundaries
from jamlik.model import LANGUAGES, AreaCodeError, AreaLevel, t
from jamlik.model.i18n import group_label, t_or
from jamlik.profiles import coverage_note, key_messages
from jamlik.profiles.reader import TOPIC_ORDER
from jamlik.profiles.served import in_region
from jamlik.store import queries
from jamlik.web import _format
from jamlik.web._state import AppState
from jamlik.web.vendor import vega_bundle

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(resources.files("jamlik.web") / "templates"))
templates.env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "separators": (",", ":")}
TOPICS = TOPIC_ORDER


def _state(request: Request) -> AppState:
    return request.app.state.jamlik


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or \
        _state(request).settings.language
    return lang if lang in LANGUAGES else "sv"


def render(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    lang = _lang(request)
    started = time.perf_counter()
    state = _state(request)
    registry = state.registry()
    demo = state.coverage.synthetic_region
    base = {
        "demo_region": (registry[demo].name if demo in registry else demo) if demo else None,
        "serving_path": state.path.name,  # never the server's directories
        "loaded_kinds": state.loaded_kinds,
        "lang": lang, "version": __version__,
        "t": lambda key, **kw: t(key, lang, **kw),
        "label": lambda key, fallback: t_or(key, fallback, lang),
        "num": lambda v, d=1: _format.number(v, d, lang),
        "ci": lambda lo, hi, d=1: _format.interval(lo, hi, d, lang),
        "when": lambda v: _format.when(v, lang),
        "other_lang": "en" if lang == "sv" else "sv",
        "path": request.url.path,
        "query": {k: v for k, v in request.query_params.items() if k != "lang"},
    }
    response = templates.TemplateResponse(request, template, {**base, **context},
                                          status_code=status_code)
    response.headers["Server-Timing"] = f"render;dur={(time.perf_counter() - started) * 1000:.1f}"
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, samesite="lax")
    return response


def _spec_id(name: str, counter: list[int]) -> str:
    counter[0] += 1
    return f"vl-{name}-{counter[0]}"


@router.get("/vendor/vega.js")
def vega_js(request: Request):
    cache = Path(_state(request).settings.db_path).parent / ".cache"
    text, etag = vega_bundle(cache)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304)
    return Response(text, media_type="application/javascript",
                    headers={"ETag": etag, "Cache-Control": "public, max-age=86400"})


@router.get("/api", response_class=HTMLResponse)
def api_page(request: Request):
    """The JSON API, documented from the OpenAPI spec (no Swagger UI: it would need a CDN)."""
    spec = request.app.openapi()
    endpoints = [{"path": path, "method": method.upper(), "summary": op.get("summary", ""),
                  "params": [(p["name"], p.get("description", ""), p.get("required", False))
                             for p in op.get("parameters", [])]}
                 for path, ops in spec["paths"].items() for method, op in ops.items()]
    return render(request, "api.html", endpoints=endpoints, info=spec["info"])


def _by_topic(catalogue) -> dict[str, list]:
    """Indicators by topic: the known topics in their order, then any topic a region's own
    catalogue adds."""
    topics = list(dict.fromkeys([*TOPICS, *(i.topic for i in catalogue.values())]))
    return {topic: [i for i in catalogue.values() if i.topic == topic] for topic in topics}


def _region(state: AppState) -> str:
    """The region the served snapshot is about (``meta.home_region``), else the nation."""
    region = state.coverage.region
    return region if region in state.registry() else "SE"


def _next_step(state: AppState) -> str | None:
    """What to do before there is anything to show: ``'init'`` (no warehouse), ``'load'`` (an
    empty warehouse), ``'compute'`` (data loaded, nothing computed); None once there are
    figures."""
    if state.cursor() is None:
        return "init"
    if state.has_figures():
        return None
    return "compute" if state.loaded_kinds() else "load"


@router.get("/", response_class=HTMLResponse)
def index(request: Request, q: str | None = None):
    state = _state(request)
    lang = _lang(request)
    registry = state.registry()
    coverage = state.coverage
    region = _region(state)
    hits = registry.search(q, limit=40, within=region) if q else []
    # A RegSO, DeSO or vårdcentral is named with its kommun: many names recur across Sweden.
    hit_kommun = {a.code: k.name for a in hits if a.level not in (AreaLevel.NATION, AreaLevel.LAN,
                                                                 AreaLevel.KOMMUN)
                  for k in registry.ancestors(a.code) if k.level is AreaLevel.KOMMUN}
    # The region's kommuner (for the nation the län list below is the way in).
    focus = registry.children(region, AreaLevel.KOMMUN) if region != "SE" else []
    population = state.population()
    geo = boundaries("kommun", within=None if region == "SE" else region)
    reader = state.reader()
    values, synthetic_map = {}, False
    map_indicator = state.catalogue.get("life_expectancy_birth")
    if reader is not None and map_indicator is not None:
        view = reader.indicator_view(map_indicator.id, level="kommun",
                                     within=None if region == "SE" else region)
        values = {a["code"]: a["value"] for a in view.areas}
        synthetic_map = any(a["synthetic"] for a in view.areas)
    for feature in geo["features"]:
        feature["properties"]["url"] = f"/omrade/{feature['id']}"
    synthetic_population = bool(population) and bool(state.synthetic_tables())
    # No map without a figure to colour it (an empty warehouse).
    spec = charts.choropleth(geo, values or {c: population.get(c) for c in population},
                             title=(map_indicator.title(lang) if values and map_indicator
                                    else t("web.population", lang)),
                             decimals=1 if values else 0, height=380) \
        if values or population else None
    by_topic = _by_topic(state.catalogue)
    return render(request, "index.html", q=q or "", hits=hits, hit_kommun=hit_kommun, focus=focus,
                  population=population, map_spec=spec, by_topic=by_topic,
                  lan=sorted(registry.at_level(AreaLevel.LAN), key=lambda a: a.code),
                  units=[u for u in registry.at_level(AreaLevel.VARDCENTRAL)
                         if in_region(u, region)],
                  region=registry[region], coverage=coverage, next_step=_next_step(state),
                  synthetic=synthetic_map or synthetic_population,
                  synthetic_population=synthetic_population,
                  synthetic_map=synthetic_map or (not values and synthetic_population))


@router.get("/omrade/{code}", response_class=HTMLResponse)
def area_page(request: Request, code: str, comparator: str = "parent", level: str = "95"):
    state = _state(request)
    lang = _lang(request)
    registry = state.registry()
    try:
        area = registry.validate(code)
    except AreaCodeError:
        return render(request, "error.html", status_code=404,
                      message=t("web.unknown_area", lang, code=code))
    if comparator not in ("parent", "nation", "peers"):
        comparator = "parent"
    level = "998" if level == "998" else "95"
    reader = state.reader()
    profile = reader.area_profile(code, comparator=comparator, lang=lang) if reader else None
    counter = [0]
    sparklines, spine_rows = {}, []
    if profile:
        for row in profile.rows:
            points = [{"year": p.year, "value": p.value} for p in row.series if p.value is not None]
            if len(points) > 1:
                sparklines[row.indicator.id] = (_spec_id("spark", counter),
                                                charts.sparkline(points))
            position = row.spine_position()
            if position is not None:
                category = row.nation_category_998 if level == "998" else row.nation_category_95
                spine_rows.append({**position, "label": row.indicator.title(lang),
                                   "category": category,
                                   "category_label": t(f"cat.{category}", lang),
                                   "value_text": _format.number(row.value, row.indicator.decimals,
                                                                lang)})
    spine = charts.spine_chart(spine_rows) if spine_rows else None
    messages = key_messages(profile, lang) if profile else []
    return render(request, "area.html", area=area, profile=profile, comparator=comparator,
                  provenance=state.provenance(),
                  level=level, messages=messages, sparklines=sparklines, spine=spine,
                  coverage_note=coverage_note(profile, lang) if profile else None,
                  next_step=_next_step(state),
                  synthetic=bool(profile and profile.synthetic),
                  mixed=bool(profile and profile.mixed),
                  ancestors=list(reversed(registry.ancestors(code))),
                  children=registry.children(code)[:400],
                  units=[u for u in registry.at_level(AreaLevel.VARDCENTRAL)
                         if u.parent_code == code])


@router.get("/indikatorer", response_class=HTMLResponse)
def indicators_page(request: Request):
    state = _state(request)
    return render(request, "indicators.html", by_topic=_by_topic(state.catalogue))


@router.get("/indikator/{indicator_id}", response_class=HTMLResponse)
def indicator_page(request: Request, indicator_id: str, level: str = "kommun",
                   year: int | None = Query(None, ge=1900, le=2100),
                   area: str | None = None):
    state = _state(request)
    lang = _lang(request)
    if indicator_id not in state.catalogue:
        return render(request, "error.html", status_code=404,
                      message=f"{t('web.not_found', lang)}: {indicator_id}")
    ind = state.catalogue[indicator_id]
    registry = state.registry()
    try:
        level = AreaLevel(level).value
    except ValueError:
        level = "kommun"
    if area is not None:
        try:
            registry.validate(area)
        except AreaCodeError:
            return render(request, "error.html", status_code=404,
                          message=t("web.unknown_area", lang, code=area))
    reader = state.reader()
    if reader is None:
        return render(request, "error.html", status_code=503, message=t("web.no_data", lang))
    region = _region(state)
    if area is not None and not in_region(registry[area], region):
        # An area outside the home region is compared within its own län.
        region = registry[area].lan_code or "SE"
    within = region if level in ("kommun", "regso", "deso") and region != "SE" else None
    focus_area = area or region
    view = reader.indicator_view(indicator_id, level=level, year=year, within=within,
                                 focus=[focus_area, "SE"] if focus_area != "SE" else ["SE"])
    counter = [0]
    specs = {}
    unit = ind.unit(lang)
    bench = view.nation["value"] if view.nation else None
    if view.areas:
        ranked = [{**a, "category_label": t(f"cat.{a['category']}", lang)} for a in view.areas]
        specs["ranked"] = (_spec_id("ranked", counter), charts.ranked_bars(
            ranked, x_title=unit, benchmark=bench, benchmark_label=t("web.nation", lang),
            decimals=ind.decimals, highlight=area))
    if view.funnel and bench is not None and ind.method in ("proportion", "rate", "dsr"):
        from jamlik.stats import funnel_limits

        denominators = [f["denominator"] for f in view.funnel]
        lo, hi = max(1.0, min(denominators) * 0.8), max(denominators) * 1.2
        grid = [lo * (hi / lo) ** (i / 40) for i in range(41)]
        kind = "proportion" if ind.method == "proportion" else "rate"
        limits = funnel_limits(grid, bench / ind.multiplier, statistic=kind,
                               multiplier=ind.multiplier)
        (lo95, hi95), (lo998, hi998) = limits.limits[0.95], limits.limits[0.998]
        limit_rows = [{"denominator": n, "lower_95": a, "upper_95": b, "lower_998": c,
                       "upper_998": d} for n, a, b, c, d in zip(
                           grid, lo95.tolist(), hi95.tolist(), lo998.tolist(), hi998.tolist(),
                           strict=True)]
        specs["funnel"] = (_spec_id("funnel", counter), charts.funnel_plot(
            view.funnel, limit_rows, benchmark=bench,
            x_title=t("web.funnel_x." + ("proportion" if kind == "proportion" else "rate"), lang),
            y_title=unit, decimals=ind.decimals))
    map_levels = {"kommun": AreaLevel.KOMMUN, "lan": AreaLevel.LAN, "deso": AreaLevel.DESO}
    if level in map_levels:
        geo = boundaries(map_levels[level], within=within if level == "kommun" else None)
        if level == "kommun":
            national = reader.indicator_view(indicator_id, level="kommun", year=view.year)
            values = {a["code"]: a["value"] for a in national.areas}
            if len({c[:2] for c in values}) > 1:
                geo = boundaries(AreaLevel.KOMMUN)
        else:
            values = {a["code"]: a["value"] for a in view.areas}
        for feature in geo["features"]:
            feature["properties"]["url"] = f"/omrade/{feature['id']}"
        if values:
            specs["map"] = (_spec_id("map", counter), charts.choropleth(
                geo, values, title=unit, decimals=ind.decimals, highlight=area))
    if view.trend:
        specs["trend"] = (_spec_id("trend", counter), charts.trend_chart(
            list(view.trend), y_title=unit, decimals=ind.decimals))
    breakdown_specs = {}
    for breakdown, groups in view.breakdowns.items():
        rows = [{**g, "group_label": group_label(breakdown, g["group"], lang)} for g in groups]
        total = next((a["value"] for a in view.areas if a["code"] == focus_area), None)
        breakdown_specs[breakdown] = (_spec_id(f"bd-{breakdown}", counter), charts.breakdown_bars(
            rows, x_title=unit, decimals=ind.decimals, total=total), rows)
    return render(request, "indicator.html", ind=ind, view=view, specs=specs,
                  provenance=state.provenance().get(indicator_id, {}),
                  synthetic=view.synthetic, mixed=_mixed(
                      [a["synthetic"] for a in view.areas]
                      + ([view.nation["synthetic"]] if view.nation else [])),
                  breakdown_specs=breakdown_specs, level=level, focus_area=registry[focus_area],
                  inequalities=_inequalities(state, indicator_id, focus_area, view.year))


def _mixed(flags: list[bool]) -> bool:
    """Whether real and synthetic figures meet (then each synthetic one is marked)."""
    return any(flags) and not all(flags)


def _inequalities(state: AppState, indicator_id: str, area: str, year: int | None) -> list[dict]:
    if year is None or not state._has_table("inequalities"):
        return []
    return queries.area_inequalities(state.cursor(), indicator_id, area, year)


@router.get("/oversikt", response_class=HTMLResponse)
def overview_page(request: Request, level: str = "kommun", within: str | None = None):
    state = _state(request)
    lang = _lang(request)
    reader = state.reader()
    if reader is None:
        return render(request, "error.html", status_code=503, message=t("web.no_data", lang))
    within = within or _region(state)
    registry = state.registry()
    try:
        level = AreaLevel(level).value
        within_area = registry.validate(within)
    except (ValueError, AreaCodeError) as exc:
        raise HTTPException(404, str(exc)) from exc
    tartan = reader.tartan(level=level, within=within, lang=lang)
    levels = [lv for lv in ("kommun", "vardcentral", "regso")
              if lv == level or any(in_region(a, within) for a in registry.at_level(lv))]
    latest = reader.nation_latest([ind.id for ind in tartan.indicators])
    nation = {i: row["value"] for i, row in latest.items()}
    synthetic_ids = tartan.synthetic_ids | {i for i, row in latest.items() if row["synthetic"]}
    return render(request, "overview.html", tartan=tartan, nation=nation, level=level,
                  levels=levels, within=within, within_area=within_area,
                  next_step=_next_step(state), synthetic=bool(synthetic_ids),
                  synthetic_ids=synthetic_ids,
                  mixed=bool(synthetic_ids) and len(synthetic_ids) < len(tartan.indicators))
