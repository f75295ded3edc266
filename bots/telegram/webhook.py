"""The webhook receiver both frameworks share: the secret is checked before the body is read.

Telegram posts each update with the secret in ``X-Telegram-Bot-Api-Secret-Token``. Anyone can
post to the public address, so a request is refused (401) on its headers alone, and a body
over `MAX_BODY` is refused (413) without being kept: python-telegram-bot's own tornado server
read whole bodies of any size first (90 MB ones took the process from 116 to 535 MB).
Credentials are compared as bytes, so a header with non-ASCII characters is refused like any
other wrong one instead of failing the comparison (500).

Telegram takes a 2xx answer as the update's confirmation and drops it, so the answer is given
only once the update was handled (committed, replies sent); when its transaction failed the
answer is 500, and Telegram brings it again later (`bots.telegram.updates.Attempts`).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bots.telegram.updates import Attempts

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
"""The largest update body accepted (Telegram's updates are a few kilobytes)."""

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a credential from a request with the configured one,
    whatever characters ``given`` holds."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


def receiver(
    secret: str, deliver: Callable[[dict[str, object]], Awaitable[object]], attempts: Attempts
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler: secret, then size, then JSON, then ``deliver(update)`` (the
    framework's handlers), answered 200 once it was handled and 500 if it is to come again."""

    async def receive(request: web.Request) -> web.Response:
        if not same_secret(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=401, text="Unauthorized")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="Request Entity Too Large")
        try:
            body = await request.read()  # a chunked body is cut at client_max_size (413)
            update = json.loads(body)
        except ValueError:
            return web.Response(status=400, text="Bad Request")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400, text="Bad Request")
        if not await attempts.attempt(update["update_id"], lambda: deliver(update)):
            return web.Response(status=500, text="Not handled; send it again")
        return web.Response(text="ok")

    return receive


def application() -> web.Application:
    """An aiohttp application that refuses bodies over `MAX_BODY`."""
    return web.Application(client_max_size=MAX_BODY)
