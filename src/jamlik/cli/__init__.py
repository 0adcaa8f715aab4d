"""The ``jamlik`` command line (layer 5): thin commands over the layers below."""

from jamlik.cli.app import app, main

__all__ = ["app", "main"]
