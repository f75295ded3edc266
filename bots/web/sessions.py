"""Signed session cookies, CSRF tokens and the sign-in rate limit of the workspace.

A session is a cookie signed with a key derived from ``PEACEPULSE_SECRET_KEY`` (HMAC with a
label of its own, so a cookie's key is never the pseudonyms' key), holding the staff member's
pseudonym and the session's CSRF token, and refused after `SESSION_AGE`. It holds no role:
roles are read from the database on every request, so a withdrawn role stops at once.

Every form carries the CSRF token of the session (or, on the sign-in page, of a signed
pre-session cookie) and is refused without it: another site cannot post for a signed-in
person, nor sign someone in as another person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

SESSION_COOKIE = "pp_session"
PRE_SESSION_COOKIE = "pp_pre"
SESSION_AGE = timedelta(hours=8)
PRE_SESSION_AGE = timedelta(minutes=30)


def derive_key(secret: bytes, label: str) -> bytes:
    """A key for one purpose, derived from the deployment's secret (HMAC-SHA256)."""
    return hmac.new(secret, f"peacepulse web {label}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class Session:
    participant: str
    csrf: str


class Sessions:
    """Makes and reads the signed cookies. Time comes from the caller (``now``): the issue time
    is part of the signed payload and checked against it."""

    def __init__(self, secret: bytes) -> None:
        self._session = URLSafeSerializer(derive_key(secret, "session"), salt="session")
        self._pre = URLSafeSerializer(derive_key(secret, "pre-session"), salt="pre")

    def new(self, participant: str, now: datetime) -> tuple[Session, str]:
        """A fresh session and its cookie value."""
        session = Session(participant, secrets.token_urlsafe(24))
        value = self._session.dumps(
            {"p": session.participant, "c": session.csrf, "t": int(now.timestamp())}
        )
        return session, str(value)

    def read(self, cookie: str | None, now: datetime) -> Session | None:
        """The session in a cookie, if its signature holds and it is young enough."""
        payload = _load(self._session, cookie, now, SESSION_AGE)
        if payload is None:
            return None
        participant, csrf = payload.get("p"), payload.get("c")
        if not isinstance(participant, str) or not isinstance(csrf, str):
            return None
        return Session(participant, csrf)

    def new_pre(self, now: datetime) -> tuple[str, str]:
        """A pre-session CSRF token for the sign-in form, and its cookie value."""
        token = secrets.token_urlsafe(24)
        return token, str(self._pre.dumps({"c": token, "t": int(now.timestamp())}))

    def read_pre(self, cookie: str | None, now: datetime) -> str | None:
        payload = _load(self._pre, cookie, now, PRE_SESSION_AGE)
        token = payload.get("c") if payload is not None else None
        return token if isinstance(token, str) else None


def _load(
    serializer: URLSafeSerializer, cookie: str | None, now: datetime, age: timedelta
) -> dict[str, object] | None:
    if not cookie or len(cookie) > 4096:
        return None
    try:
        payload = serializer.loads(cookie)
    except (BadSignature, ValueError, UnicodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), int):
        return None
    elapsed = now - datetime.fromtimestamp(payload["t"], UTC)
    if elapsed > age or elapsed < -timedelta(minutes=5):
        return None
    return payload


def same_token(expected: str, given: object) -> bool:
    """Constant-time comparison of a CSRF token with what a form sent."""
    return (
        isinstance(given, str)
        and bool(given)
        and hmac.compare_digest(expected.encode(), given.encode())
    )


class SignInLimiter:
    """At most `limit` failed sign-ins per address within `window`; then none is even checked.

    Kept in memory: a link is 128 random bits, so the limit is against noise and log flooding,
    not against guessing, and it needs no table. Behind a proxy the address is the proxy's.
    """

    def __init__(self, limit: int = 10, window: timedelta = timedelta(minutes=10)) -> None:
        self._limit = limit
        self._window = window
        self._failures: dict[str, deque[datetime]] = {}

    def blocked(self, address: str, now: datetime) -> bool:
        failures = self._failures.get(address)
        if not failures:
            return False
        while failures and now - failures[0] >= self._window:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return False
        return len(failures) >= self._limit

    def failed(self, address: str, now: datetime) -> None:
        if len(self._failures) > 10_000:  # a flood of addresses: forget the oldest
            self._failures.pop(next(iter(self._failures)))
        self._failures.setdefault(address, deque()).append(now)
