"""`BotApiClient`: a lean `TelegramClient` over aiohttp, for bulk sending.

The outbox dispatcher sends at up to a thousand messages a second from one event loop, and the
frameworks' clients cost too much per call for that: aiogram builds a multipart form and
validates every answer into pydantic models (a `Message` with its chat and sender), about half
of the dispatcher's CPU per message (benchmarks/README.md, "Bulk sending"). This client posts
the call as JSON and reads only what decides the outcome — ``ok``, ``error_code``,
``description`` and ``parameters.retry_after`` — and maps it to the shared `BotApiError`
family as the framework adapters do:

* 429, or any refusal with ``retry_after`` → `RetryLater`;
* 403 → `Unreachable`;
* 400 "message is not modified" → `NotModified`; other 400s, 401, 404, 409, 413 → `Refused`;
* 5xx, an answer that is not the Bot API's JSON (a proxy's error page), timeouts and
  connection errors → `NetworkFailure`; an outage (``outage``) but for a 500, which is a
  failure of the one call.

A local photo goes up as multipart form data, as Bot API servers require for uploads. It
belongs to no framework: the composition root (`bots.app`) builds one for the outbox whichever
framework serves the conversation.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp
from yarl import URL

from bots.telegram.common import (
    BotApiError,
    Keyboard,
    NetworkFailure,
    NotModified,
    Refused,
    RetryLater,
    Unreachable,
    inline_markup,
    local_photo,
)
from conversations.ports import OUTAGE_STATUSES

REQUEST_TIMEOUT = 20.0
"""Seconds a call may take in all. Well within half the outbox lease (30 s): a send that took
longer could be taken over by another dispatcher and sent a second time."""

CONNECTIONS = 100
"""Connections kept open to the Bot API server at most (aiogram's default too)."""

_JSON = {"Content-Type": "application/json"}


def _markup(keyboard: Keyboard | None) -> dict[str, Any] | None:
    return None if keyboard is None else inline_markup(keyboard)


def _failure(method: str, status: int, body: bytes) -> BotApiError | None:
    """The error an answer stands for, or None when the call succeeded."""
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        # not the Bot API speaking: a proxy's error page, a truncated answer
        outage = status in OUTAGE_STATUSES
        return NetworkFailure(method, f"HTTP {status}: not a Bot API answer", outage=outage)
    if answer.get("ok") is True and 200 <= status < 300:
        return None
    code = answer.get("error_code")
    code = code if isinstance(code, int) else status
    description = str(answer.get("description") or f"HTTP {status}")
    parameters = answer.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if isinstance(retry_after, int | float) and not isinstance(retry_after, bool):
        return RetryLater(method, description, float(retry_after))
    if code == 403:
        return Unreachable(method, description)
    if code == 400 and "message is not modified" in description.lower():
        return NotModified(method, description)
    if code >= 500 or code == 429:  # a 429 without retry_after: back off and try again
        return NetworkFailure(method, description, outage=code in OUTAGE_STATUSES)
    return Refused(method, description)


class BotApiClient:
    """`TelegramClient` posting JSON to a Bot API server (Telegram's, a self-hosted one, the
    fake of the tests) at ``api_url``; use ``async with`` to close its connections."""

    def __init__(
        self,
        token: str,
        api_url: str = "https://api.telegram.org",
        *,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self._base = f"{api_url.rstrip('/')}/bot{token}/"
        self._urls: dict[str, URL] = {}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send_message(self, chat_id: int, text: str, keyboard: Keyboard | None) -> None:
        params: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if keyboard is not None:
            params["reply_markup"] = _markup(keyboard)
        await self._call("sendMessage", params)

    async def send_photo(
        self, chat_id: int, photo: str, caption: str | None, keyboard: Keyboard | None
    ) -> None:
        params: dict[str, Any] = {"chat_id": chat_id}
        if caption is not None:
            params["caption"] = caption
        if keyboard is not None:
            params["reply_markup"] = _markup(keyboard)
        path = local_photo(photo)
        if path is None:
            await self._call("sendPhoto", params | {"photo": photo})
            return
        await self._upload("sendPhoto", params, "photo", path)

    async def edit_message(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None:
        params: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id, "text": text}
        if keyboard is not None:
            params["reply_markup"] = _markup(keyboard)
        await self._call("editMessageText", params)

    async def answer_callback(self, callback_id: str) -> None:
        await self._call("answerCallbackQuery", {"callback_query_id": callback_id})

    async def set_commands(self, commands: Sequence[tuple[str, str]], language: str | None) -> None:
        params: dict[str, Any] = {
            "commands": [{"command": name, "description": text} for name, text in commands]
        }
        if language is not None:
            params["language_code"] = language
        await self._call("setMyCommands", params)

    # ------------------------------------------------------------------ internals

    def _url(self, method: str) -> URL:
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = URL(self._base + method)
        return url

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=CONNECTIONS),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def _call(self, method: str, params: dict[str, Any]) -> None:
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        await self._post(method, body, _JSON)

    async def _upload(self, method: str, params: dict[str, Any], field: str, path: Path) -> None:
        content = await asyncio.to_thread(path.read_bytes)
        form = aiohttp.FormData(quote_fields=False)
        for name, value in params.items():
            form.add_field(name, value if isinstance(value, str) else json.dumps(value))
        form.add_field(field, content, filename=path.name)
        await self._post(method, form, None)

    async def _post(
        self, method: str, data: bytes | aiohttp.FormData, headers: dict[str, str] | None
    ) -> None:
        try:
            async with self._client().post(self._url(method), data=data, headers=headers) as answer:
                body = await answer.read()
                status = answer.status
        except TimeoutError as error:
            raise NetworkFailure(method, "timed out") from error
        except aiohttp.ClientError as error:
            # the type only: the text may hold the URL, and the URL holds the token
            raise NetworkFailure(method, type(error).__name__) from error
        failure = _failure(method, status, body)
        if failure is not None:
            raise failure
