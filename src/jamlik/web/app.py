"""FastAPI application factory.

Settings are passed in; the app opens the warehouse read-only, so any number of readers can run
beside a writer that publishes a new snapshot.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from jamlik import __version__
from jamlik.geo import AreaRegistry
from jamlik.model import LANGUAGES, AreaCodeError, AreaLevel, Settings, t
from jamlik.store import Warehouse


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="jamlik", version=__version__,
        description="Öppna aggregerade data om jämlik hälsa och vård / open aggregated data on "
                    "equitable health and care.",
    )
    web = resources.files("jamlik.web")
    templates = Jinja2Templates(directory=str(web / "templates"))
    app.mount("/static", StaticFiles(directory=str(web / "static")), name="static")
    state = _State(settings)

    def lang_of(request: Request) -> str:
        lang = request.query_params.get("lang") or request.cookies.get("lang") or settings.language
        return lang if lang in LANGUAGES else "sv"

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request, q: str | None = None):
        lang = lang_of(request)
        registry = state.registry()
        hits = registry.search(q, limit=30) if q else []
        lan = registry.at_level(AreaLevel.LAN)
        focus = registry.children("05", AreaLevel.KOMMUN) if "05" in registry else []
        response = templates.TemplateResponse(request, "index.html", {
            "lang": lang, "t": lambda key, **kw: t(key, lang, **kw), "q": q or "", "hits": hits,
            "lan": sorted(lan, key=lambda a: a.code), "focus": focus,
            "population": state.population(), "units": registry.at_level(AreaLevel.VARDCENTRAL),
            "version": __version__,
        })
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie("lang", lang, samesite="lax")
        return response

    @app.get("/api/areas", tags=["areas"], summary="Sök områden / search areas")
    def api_areas(q: str = Query("", description="Namn eller kod / name or code"),
                  level: AreaLevel | None = None, limit: int = Query(20, le=500)):
        registry = state.registry()
        if q:
            found = registry.search(q, limit=limit, levels=[level] if level else None)
        else:
            found = registry.at_level(level)[:limit] if level else []
        return [_area_json(a) for a in found]

    @app.get("/api/areas/{code}", tags=["areas"], summary="Ett område / one area")
    def api_area(code: str):
        registry = state.registry()
        try:
            area = registry.validate(code)
        except AreaCodeError as exc:
            return JSONResponse({"error": str(exc), "code": code}, status_code=404)
        return {**_area_json(area), "parents": [_area_json(a) for a in registry.ancestors(code)],
                "children": [_area_json(a) for a in registry.children(code)]}

    @app.get("/api/health", tags=["meta"], summary="Status")
    def health():
        return {"status": "ok", "version": __version__, "warehouse": state.describe()}

    return app


class _State:
    """What the app reads from the warehouse, opened read-only on demand."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._registry: AreaRegistry | None = None
        self._population: dict[str, int] | None = None

    def _open(self) -> Warehouse | None:
        path = Path(self.settings.db_path)
        return Warehouse(path, read_only=True) if path.exists() else None

    def registry(self) -> AreaRegistry:
        if self._registry is None:
            wh = self._open()
            if wh is None:
                self._registry = AreaRegistry.builtin()
            else:
                with wh:
                    has = wh.version and wh.tables().get("areas")
                    self._registry = (AreaRegistry.from_warehouse(wh.con) if has
                                      else AreaRegistry.builtin())
        return self._registry

    def population(self) -> dict[str, int]:
        """Population on 31 Dec of the latest demo year, per kommun (empty without data)."""
        if self._population is None:
            self._population = {}
            wh = self._open()
            if wh is not None:
                with wh:
                    if wh.version and wh.tables().get("person_years"):
                        rows = wh.con.execute(
                            "SELECT kommun_code, count(*) FROM person_years WHERE year = "
                            "(SELECT max(year) FROM person_years) GROUP BY 1").fetchall()
                        self._population = dict(rows)
        return self._population

    def describe(self) -> dict:
        wh = self._open()
        if wh is None:
            return {"path": str(self.settings.db_path), "exists": False}
        with wh:
            return {"path": str(self.settings.db_path), "exists": True, "schema": wh.version}


def _area_json(area) -> dict:
    return {"code": area.code, "level": area.level.value, "name": area.name,
            "parent_code": area.parent_code, "socio_type": area.socio_type}
