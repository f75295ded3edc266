"""What every `peacepulse` command shares: one clear line instead of a traceback, settings read
once with their secrets kept out of the logs, and following an outbox job with a progress bar.

The command modules (`bots.cli`, `bots.community_cli`, `bots.consultation_cli`,
`bots.insights_cli`) all use these, so an error reads the same whichever command failed.
"""

from __future__ import annotations

import asyncio
import sys
import unicodedata
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any, TypeVar

import click

from bots import app as root
from bots import logs
from config.errors import ConfigError
from config.settings import Settings, load_settings
from insights import InsightsError
from storage.database import StorageError

T = TypeVar("T")


BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that reorder the text around them ("Trojan Source"): shown escaped too."""


def escaped_controls(text: str) -> str:
    """``text`` for a terminal: control characters (escape sequences that could clear the
    screen or rewrite a line, newlines that could fake a second statement) and bidirectional
    overrides are shown as ``\\x1b``, ``\\n``, ``\\u202e``; every other letter, Arabic
    included, as written."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS
        else ch
        for ch in text
    )


def _fail(message: str) -> None:
    click.echo(f"peacepulse: {message}", err=True)
    sys.exit(2)


def friendly(command: Callable[..., T]) -> Callable[..., T]:
    """Turn expected failures into one clear line on stderr instead of a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return command(*args, **kwargs)
        except (ConfigError, StorageError, InsightsError) as error:
            _fail(str(error))
        except click.ClickException as error:  # a command's own refusal, said the same way
            _fail(error.format_message())
        raise AssertionError("unreachable")

    return wrapper


def read_settings() -> Settings:
    """The settings, read once; their secrets are from now on masked in every log line."""
    settings = load_settings()
    secrets = [
        s.get_secret_value()
        for s in (
            settings.telegram_token,
            settings.secret_key,
            settings.webhook_secret,
            settings.sms_twilio_auth_token,
            settings.sms_africastalking_api_key,
            settings.sms_webhook_key,
            settings.whatsapp_access_token,
            settings.whatsapp_app_secret,
            settings.whatsapp_verify_token,
        )
        if s is not None
    ]
    logs.configure(settings.log_level, secrets)
    return settings


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


async def follow_job(settings: Settings, job: str, total: int) -> str:
    """Follow an outbox job with a progress bar; its summary line (queued, sent, …)."""
    summary = await _follow(settings, job, total)
    return (
        f"queued {summary['total']}, sent {summary['sent']}, "
        f"unreachable {summary['unreachable']}, failed {summary['failed']}"
        + (f", still waiting {summary['waiting']}" if summary["waiting"] else "")
    )


async def _follow(settings: Settings, job: str, total: int) -> dict[str, int]:
    """A progress bar over the job's messages until none is waiting (or Ctrl-C)."""
    hinted = False
    started = asyncio.get_running_loop().time()
    counts: dict[str, int] = {}
    with click.progressbar(length=total, label="sending", file=sys.stderr) as bar:
        try:
            while True:
                counts = await root.job_counts(settings, job)
                done = total - counts.get("queued", 0) - counts.get("sending", 0)
                bar.update(done - bar.pos)
                if done >= total:
                    break
                waited = asyncio.get_running_loop().time() - started
                if not hinted and done == 0 and waited > 15:
                    click.echo(
                        "\nnothing sent yet: messages go out from a running `peacepulse run` "
                        "(and not during quiet hours); Ctrl-C stops watching, not sending",
                        err=True,
                    )
                    hinted = True
                await asyncio.sleep(1)
        except (KeyboardInterrupt, asyncio.CancelledError):
            pass
    waiting = counts.get("queued", 0) + counts.get("sending", 0)
    return {
        "total": total,
        "sent": counts.get("sent", 0),
        "unreachable": counts.get("unreachable", 0),
        "failed": counts.get("failed", 0),
        "waiting": waiting,
    }
