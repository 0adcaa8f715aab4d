"""Sign-in throttling: a growing delay after repeated failures, per user name and per address.

Each key (``user:<name>``, ``addr:<client address>``) counts its failed sign-ins. The first
``free`` failures cost nothing; after that every failure locks the key for ``base · 2^k``
seconds (k = failures beyond the free ones − 1), capped at ``cap``. While a key is locked every
attempt is refused *before* the password is checked — a right password too — so guessing costs
the attacker time and the server no hashing. A success clears the user name's count (not the
address's: one valid account must not reset an attacker's budget).

The counts are kept in memory per process (they reset on restart, which only gives an attacker
one fresh round of ``free`` attempts); old entries are dropped so a flood of made-up names
cannot grow the table without bound. A lock on a user name lets anyone delay that user's
sign-in by at most ``cap``; that is the usual trade-off and is documented in docs/deploy.md.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    """When a key is locked and for how long (seconds)."""

    free: int = 5
    base: float = 1.0
    cap: float = 900.0

    def lock_for(self, failures: int) -> float:
        """Seconds of lock-out after ``failures`` failures in a row (0 within the free ones)."""
        beyond = failures - self.free
        return 0.0 if beyond <= 0 else min(self.cap, self.base * 2.0 ** min(beyond - 1, 60))


#: Per user name: 5 free failures. Per address: 20 (several people may share an office's
#: address), both doubling from 1 s up to 15 minutes.
USER_POLICY = Policy()
ADDRESS_POLICY = Policy(free=20)


@dataclass
class _Entry:
    failures: int = 0
    locked_until: float = 0.0
    last: float = 0.0


class SignInThrottle:
    """Counts failures and answers "how long must this attempt wait"."""

    def __init__(self, *, user_policy: Policy = USER_POLICY,
                 address_policy: Policy = ADDRESS_POLICY,
                 clock: Callable[[], float] = time.monotonic, max_entries: int = 100_000):
        self._policies = {"user": user_policy, "addr": address_policy}
        self._clock = clock
        self._max = max_entries
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    @staticmethod
    def keys(username: str, address: str | None) -> tuple[str, ...]:
        name = str(username).strip().lower()[:128]
        return (f"user:{name}",) + ((f"addr:{address}",) if address else ())

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds until an attempt for ``keys`` is allowed (0 = go ahead)."""
        now = self._clock()
        with self._lock:
            waits = [e.locked_until - now for k in keys if (e := self._entries.get(k))]
        return max([0.0, *waits])

    def failed(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                entry = self._entries.setdefault(key, _Entry())
                entry.failures += 1
                entry.last = now
                lock = self._policies[key.split(":", 1)[0]].lock_for(entry.failures)
                if lock:
                    entry.locked_until = now + lock
            if len(self._entries) > self._max:
                self._prune(now)

    def succeeded(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                if key.startswith("user:"):
                    self._entries.pop(key, None)

    def _prune(self, now: float) -> None:
        """Drop entries that are no longer locked, oldest first, down to half the maximum."""
        idle = sorted((e.last, k) for k, e in self._entries.items() if e.locked_until <= now)
        for _, key in idle[: max(0, len(self._entries) - self._max // 2)]:
            del self._entries[key]


def retry_after(seconds: float) -> str:
    """The ``Retry-After`` header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


__all__ = ["ADDRESS_POLICY", "USER_POLICY", "Policy", "SignInThrottle", "retry_after"]
