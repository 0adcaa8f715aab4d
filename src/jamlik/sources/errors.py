"""Errors of the source connectors.

Bad arguments raise :class:`jamlik.model.InputError`, bad payloads :class:`jamlik.model.DataError`
(with ``file`` set to the URL). Transport failures that survive all retries raise
:class:`SourceError`, which names the URL, the HTTP status and what the server said.
"""

from __future__ import annotations

from jamlik.model.errors import JamlikError


class SourceError(JamlikError):
    """A request to a remote source failed (after retries, when the failure was retryable)."""

    def __init__(self, url: str, status: int | None, detail: str, attempts: int = 1):
        self.url = url
        self.status = status
        self.detail = detail
        self.attempts = attempts
        status_text = f"HTTP {status}" if status is not None else "no response"
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{url}: {status_text}{tries}: {detail}")
