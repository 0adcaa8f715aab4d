"""Security headers on every response, and which proxies may tell us the client's scheme.

The app loads nothing from elsewhere: scripts, styles and the Vega bundle come from this server,
chart specs sit in non-executable ``application/json`` blocks, and charts are drawn with Vega's
expression interpreter (no ``eval``), so the Content-Security-Policy can forbid everything
that is not our own file. Framing is refused (clickjacking), MIME sniffing is off and the
Referer never leaves the site. Over HTTPS browsers are also told to keep to HTTPS (HSTS).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))

HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
#: One year; sent only on responses that went out over HTTPS.
HSTS = "max-age=31536000"


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS` to every HTTP response (streamed ones too)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS:
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def trusted_proxies(settings) -> list[str]:
    """Addresses whose ``X-Forwarded-Proto`` / ``X-Forwarded-For`` are believed
    (``Settings.extra["trusted_proxies"]``, comma-separated; none by default)."""
    raw = (settings.extra or {}).get("trusted_proxies", "")
    return [p.strip() for p in str(raw).split(",") if p.strip()]


__all__ = ["CONTENT_SECURITY_POLICY", "HEADERS", "SecurityHeaders", "trusted_proxies"]
