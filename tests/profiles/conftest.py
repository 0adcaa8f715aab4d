"""Fixtures of the profile tests: Linköping's profile read from the computed demo."""

from ._demo import con, linkoping, reader  # noqa: F401 (fixtures)
