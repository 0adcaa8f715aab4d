"""Sign-in, sessions, CSRF and the read-write side store for strategies, users and the audit log.

**Why a side file.** The web app opens the warehouse read-only (:mod:`jamlik.web._state`) so a
refresh can replace it at any time, and DuckDB refuses a read-write and a read-only connection
to the same file in one process. Strategy documents, accounts and the audit trail therefore live
in a small DuckDB file *next to* the warehouse — ``<db>.strategy.duckdb`` (``jamlik.duckdb`` →
``jamlik.strategy.duckdb``; ``Settings.extra["strategy_db"]`` overrides it) — migrated with all
of jamlik's migrations (cheap on an empty file, and its ``schema_version`` then matches the
code). Observations are still read from the main warehouse through the read-only cursor. The
side file is opened per request and closed afterwards, so ``jamlik strategy …`` on the command
line can write to it between requests; edits are committed before the response is sent and
survive a restart.

**Sessions** are signed cookies (itsdangerous, HMAC-SHA1 over a key derived from the secret) that
hold a CSRF token and, once signed in, a random session id, nothing else. The id must name a live
row of ``sessions`` in the side store (:meth:`Accounts.session_user`), so signing out ends the
session on the server: the old cookie opens nothing. The user's role is re-read with it on every
request, so a demotion takes effect at once. The cookie is ``HttpOnly``, ``SameSite=Lax`` and
``Secure`` when the request came over HTTPS (the request's scheme — behind a trusted proxy its
``X-Forwarded-Proto``, see :mod:`jamlik.web.app` — or ``Settings.extra["https"]``). The secret comes from
``Settings.extra["secret"]``, else the ``JAMLIK_SECRET`` environment variable (read when the app
first needs it, never at import), else a file ``<db>.secret`` created with 32 random bytes on
first start (mode 0600). **CSRF**: every state-changing form carries the session's token in a
hidden ``csrf`` field; a POST whose token does not match the signed cookie is refused (403).
Anonymous visitors get a token too, so the sign-in form is protected as well.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from jamlik.model import Settings
from jamlik.store import Warehouse
from jamlik.strategy import Accounts, StrategyStore, User
from jamlik.strategy.accounts import Credentials
from jamlik.strategy.model import Plan, Strategy
from jamlik.web._throttle import SignInThrottle

COOKIE = "jamlik_session"
#: Sessions end after 8 hours (a working day); signing in again issues a new token.
MAX_AGE = 8 * 3600
_SALT = "jamlik.session.v1"


def strategy_db_path(settings: Settings) -> Path:
    """Where the strategy side store of this warehouse lives."""
    override = settings.extra.get("strategy_db") if settings.extra else None
    if override:
        return Path(override)
    db = Path(settings.db_path)
    return db.with_name(db.stem + ".strategy.duckdb")


def load_secret(settings: Settings, environ: Mapping[str, str] | None = None) -> str:
    """The session-signing secret (see the module docstring for the order of sources)."""
    if settings.extra and settings.extra.get("secret"):
        return settings.extra["secret"]
    env = os.environ if environ is None else environ
    if env.get("JAMLIK_SECRET"):
        return env["JAMLIK_SECRET"]
    path = Path(settings.db_path).with_suffix(".secret")
    try:
        return path.read_text("utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value)
    return value


@dataclass(frozen=True)
class Session:
    """Who is asking (``user`` is None for anonymous visitors) and their CSRF token."""

    user: User | None
    csrf: str
    fresh: bool = False
    #: The server-side session id of a signed-in user (None for anonymous visitors).
    session_id: str | None = None

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None

    def can(self, role: str) -> bool:
        return self.user is not None and self.user.has(role)


class StrategyState:
    """The side store of one app: opened per use, migrated once, with the session signer."""

    def __init__(self, settings: Settings, *, hasher=None, environ: Mapping[str, str] | None = None,
                 throttle: SignInThrottle | None = None):
        self.settings = settings
        self.path = strategy_db_path(settings)
        self._hasher = hasher or PasswordHasher()
        #: Failed sign-ins per user name and address (see :mod:`jamlik.web._throttle`).
        self.throttle = throttle or SignInThrottle()
        self._environ = environ
        self._signer: URLSafeTimedSerializer | None = None
        self._lock = threading.RLock()
        self._migrated = False
        self._parsed: dict[tuple[str, int], Strategy | Plan] = {}
        #: Goal fulfilment by (document, revision, warehouse stamp, places); one entry kept.
        self.cache: dict = {}

    # -- the side store -----------------------------------------------------------------------
    @contextlib.contextmanager
    def open(self) -> Iterator[tuple[StrategyStore, Accounts]]:
        """A read-write connection to the side file for one request (serialised)."""
        with self._lock:
            wh = Warehouse(self.path)
            try:
                if not self._migrated:
                    if wh.version < wh.latest_version:
                        wh.migrate()
                    self._migrated = True
                yield StrategyStore(wh), Accounts(wh, hasher=self._hasher)
            finally:
                wh.close()

    def parsed(self, store: StrategyStore, doc_id: str, revision: int) -> Strategy | Plan:
        """The stored document as a model object, parsed once per revision."""
        key = (doc_id, revision)
        if key not in self._parsed:
            self._parsed[key] = store.get(doc_id)
        return self._parsed[key]

    # -- sessions -------------------------------------------------------------------------------
    @property
    def signer(self) -> URLSafeTimedSerializer:
        if self._signer is None:
            self._signer = URLSafeTimedSerializer(load_secret(self.settings, self._environ),
                                                  salt=_SALT)
        return self._signer

    def session(self, request: Request, accounts: Accounts | None = None) -> Session:
        """The request's session; the user's role is read from the side store now."""
        cached = getattr(request.state, "jamlik_session", None)
        if cached is not None:
            return cached
        raw = request.cookies.get(COOKIE)
        data = None
        if raw:
            try:
                data = self.signer.loads(raw, max_age=MAX_AGE)
            except BadSignature:
                data = None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            session = Session(None, secrets.token_urlsafe(24), fresh=True)
        else:
            user = None
            sid = data.get("s")
            if isinstance(sid, str):
                if accounts is None:
                    with self.open() as (_, acc):
                        user = acc.session_user(sid)
                else:
                    user = accounts.session_user(sid)
            session = Session(user, data["c"], session_id=sid if user else None)
        request.state.jamlik_session = session
        return session

    def secure(self, request: Request) -> bool:
        """Whether cookies get the ``Secure`` flag: HTTPS, or the ``https`` setting."""
        forced = (self.settings.extra or {}).get("https", "")
        return request.url.scheme == "https" or str(forced).lower() in ("1", "true", "yes")

    def remember(self, request: Request, response: Response, session: Session) -> None:
        """Set the session cookie when it is new or changed."""
        payload = {"c": session.csrf}
        if session.session_id is not None:
            payload["s"] = session.session_id
        response.set_cookie(COOKIE, self.signer.dumps(payload), max_age=MAX_AGE, httponly=True,
                            samesite="lax", path="/", secure=self.secure(request))

    # -- signing in and out (blocking: call these from a worker thread) ---------------------------
    def authenticate(self, username: str, password: str) -> User:
        """The user when the password is right, else :class:`AuthenticationError`. The argon2
        check runs outside the side store's lock, so other requests are not held up."""
        with self.open() as (_, accounts):
            credentials: Credentials = accounts.credentials(username)
        user = credentials.check(password, self._hasher)
        if self._hasher.check_needs_rehash(credentials.password_hash):
            with self.open() as (_, accounts):
                accounts.rehash_if_needed(credentials, password)
        return user

    def sign_in(self, request: Request, response: Response, user: User) -> Session:
        """A new server-side session (and a new CSRF token) for ``user``."""
        with self.open() as (_, accounts):
            sid = accounts.open_session(user, MAX_AGE)
        session = Session(user, secrets.token_urlsafe(24), fresh=True, session_id=sid)
        self.remember(request, response, session)
        return session

    def sign_out(self, session: Session, response: Response) -> None:
        """End the session on the server and drop the cookie."""
        if session.session_id is not None:
            with self.open() as (_, accounts):
                accounts.revoke_session(session.session_id)
        response.delete_cookie(COOKIE, path="/")


def csrf_ok(session: Session, token: str | None) -> bool:
    """Whether a form's token matches the session's (constant-time comparison)."""
    return bool(token) and not session.fresh and hmac.compare_digest(session.csrf, str(token))


def state_of(request: Request) -> StrategyState:
    """The app's :class:`StrategyState`, created on first use (tests may set their own)."""
    app_state = request.app.state
    with _CREATE:
        state = getattr(app_state, "jamlik_strategy", None)
        if state is None:
            state = StrategyState(app_state.jamlik.settings)
            app_state.jamlik_strategy = state
    return state


_CREATE = threading.Lock()

__all__ = ["COOKIE", "MAX_AGE", "Session", "StrategyState", "csrf_ok", "load_secret", "state_of",
           "strategy_db_path"]
