"""The web app (layer 5): server-rendered pages, a JSON API and downloads."""

from jamlik.web.app import create_app

__all__ = ["create_app"]
