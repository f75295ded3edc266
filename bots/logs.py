"""Logging set-up that keeps secrets out (every record is scrubbed of the configured secrets)
and stays readable in an outage (a failure repeated a thousand times is logged once, then
counted)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

REPEAT_WINDOW = 60.0
"""Seconds during which a repeated warning or error is counted instead of logged again."""


@dataclass(slots=True)
class _Seen:
    first: float
    last: float
    record: logging.LogRecord
    repeats: int = 0


class Repeats(logging.Filter):
    """Log a warning or error once, and its identical repeats within ``window`` seconds as one
    line with their count: "… (repeated 1,200 times in 20 s)".

    Identical: same logger, level, message and exception (type and text). The count is written
    by the first record that passes after the window (any record: the dispatcher's summary
    comes every few seconds) or by `flush` (at shut-down). Lower levels pass untouched.
    """

    def __init__(
        self,
        emit: Callable[[logging.LogRecord], object] | None = None,
        *,
        window: float = REPEAT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.emit = emit
        self._window = window
        self._clock = clock
        self._seen: dict[tuple[object, ...], _Seen] = {}
        self._reporting = False

    def filter(self, record: logging.LogRecord) -> bool:
        if self._reporting:  # a count this filter is writing
            return True
        now = self._clock()
        self._report(lambda seen: now - seen.first >= self._window)
        if record.levelno < logging.WARNING:
            return True
        error = record.exc_info[1] if record.exc_info else None
        key = (
            record.name,
            record.levelno,
            record.getMessage(),
            type(error).__name__ if error is not None else None,
            str(error) if error is not None else None,
        )
        seen = self._seen.get(key)
        if seen is None:
            self._seen[key] = _Seen(now, now, record)
            return True
        seen.repeats += 1
        seen.last = now
        return False

    @property
    def untold(self) -> int:
        """Repeats counted and not written yet."""
        return sum(seen.repeats for seen in self._seen.values())

    def flush(self) -> None:
        """Write the counts not written yet."""
        self._report(lambda seen: True)

    def _report(self, due: Callable[[_Seen], bool]) -> None:
        for key, seen in list(self._seen.items()):
            if not due(seen):
                continue
            del self._seen[key]
            if not seen.repeats or self.emit is None:
                continue
            first = seen.record
            count = logging.LogRecord(
                first.name,
                first.levelno,
                first.pathname,
                first.lineno,
                "%s (repeated %s times in %.0f s)",
                (first.getMessage(), f"{seen.repeats:,}", seen.last - seen.first),
                None,
            )
            self._reporting = True
            try:
                self.emit(count)
            finally:
                self._reporting = False


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to stderr; at shut-down, the counts of repeats still untold."""

    def __init__(self, repeats: Repeats) -> None:
        super().__init__(sys.stderr)
        self._repeats = repeats

    def close(self) -> None:
        self._repeats.flush()
        super().close()


class Redact(logging.Filter):
    """Replace each secret with ``***`` in the formatted message of every record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        for secret in self._secrets:
            message = message.replace(secret, "***")
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in self._secrets:
                record.exc_text = record.exc_text.replace(secret, "***")
        return True


def configure(level: str, secrets: Iterable[str]) -> None:
    repeats = Repeats()
    handler = _Handler(repeats)
    repeats.emit = handler.handle
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(repeats)  # first: a repeat dropped is not scrubbed for nothing
    handler.addFilter(Redact(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # At DEBUG the frameworks log whole updates and requests: what people wrote. Never that.
    for framework in ("telegram", "aiogram"):
        logging.getLogger(framework).setLevel(max(logging.getLevelName(level), logging.INFO))
    # aiosqlite logs every call with its arguments at DEBUG: chat ids, phone numbers, answers.
    # SQLAlchemy's own statement logs hide parameters (storage.database), but stay quiet too.
    for database in ("aiosqlite", "sqlalchemy"):
        logging.getLogger(database).setLevel(max(logging.getLevelName(level), logging.WARNING))
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
