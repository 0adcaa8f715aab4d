"""Fixtures of the report tests: Linköping's profile read from the computed demo (shared with
``tests/profiles``)."""

from ..profiles._demo import con, linkoping, reader  # noqa: F401 (fixtures)
