"""FastAPI application factory: pages, JSON API, downloads and the local chart bundle."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from jamlik import __version__
from jamlik.model import Settings
from jamlik.web._headers import SecurityHeaders, trusted_proxies
from jamlik.web._state import AppState


def create_app(settings: Settings) -> FastAPI:
    """The web app for one warehouse. Settings are passed in; nothing is read at import."""
    from jamlik.web import api, downloads, pages, strategy

    app = FastAPI(
        title="jamlik", version=__version__, docs_url=None, redoc_url=None,
        description=(
            "Öppna, aggregerade data om jämlik hälsa och vård: indikatorer med "
            "konfidensintervall per område, år och grupp. Små tal är skyddade (primär och "
            "sekundär röjandekontroll). / Open aggregated data on equitable health and care: "
            "indicators with confidence intervals per area, year and group. Small numbers are "
            "suppressed (primary and secondary)."),
        openapi_tags=[{"name": "indicators"}, {"name": "observations"}, {"name": "areas"},
                      {"name": "profiles"}, {"name": "downloads"}, {"name": "strategy"},
                      {"name": "meta"}],
    )
    app.state.jamlik = AppState(settings)
    app.mount("/static", StaticFiles(directory=str(resources.files("jamlik.web") / "static")),
              name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(downloads.router)
    app.include_router(strategy.router)
    app.add_middleware(SecurityHeaders)
    proxies = trusted_proxies(settings)
    if proxies:
        # Outermost: the scheme (Secure cookie, HSTS) and the client address (sign-in
        # throttling) come from X-Forwarded-Proto/-For, but only when a trusted proxy sent them.
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    return app
