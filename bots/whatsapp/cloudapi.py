"""A lean client of the WhatsApp Business Cloud API: send messages, upload media, map errors.

Why not pywa (4.5, the maintained Python library, read from its wheel): its async client is
built around its own handler registry (``@wa.on_message`` callbacks decide what happens to an
update), keeps its duplicate-update memory in the process, and logs request arguments and whole
updates at DEBUG — phone numbers and what people wrote. PeacePulse's engine decides everything,
`processed_updates` in the database dedups across processes, the outbox dispatcher does every
bulk send at its own pace, and the webhook must check ``X-Hub-Signature-256`` on the raw body
before anything is parsed. What is left for a library is one JSON POST per message and an
error table; that is written here over aiohttp, which the service already uses (pywa would add
httpx beside it), as was done for Telegram bulk sending (`bots.telegram.botapi`).

Wire format (Cloud API, Graph ``v21.0``): ``POST {api}/{version}/{phone-number-id}/messages``
with ``Authorization: Bearer <token>`` and ``{"messaging_product": "whatsapp", "to": …,
"type": …}``; 200 answers ``{"messages": [{"id": "wamid…"}]}``; errors answer
``{"error": {"code": …, "message": …, "error_data": {"details": …}}}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bots.whatsapp.messages import Message
from conversations.ports import OUTAGE_STATUSES, Outcome, SendResult

log = logging.getLogger(__name__)

VERSION = "v21.0"
TIMEOUT = aiohttp.ClientTimeout(total=20)

# Error codes (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes; the same
# table as pywa's errors.py).
RATE_LIMITED = {4: 1.0, 80007: 1.0, 130429: 1.0, 131048: 60.0}
"""Throughput and spam limits of the number or the app: wait (seconds) and retry."""
PAIR_RATE_LIMITED = 131056
"""Too many messages to one person in a short time: retried later (paced per recipient)."""
RE_ENGAGEMENT = 131047
"""More than 24 hours since the person last wrote: only a template may be sent."""
UNREACHABLE = frozenset({131026, 131030, 131021, 131050})
"""Undeliverable (not on WhatsApp, old app, blocked us), not in the test number's allowed list,
the recipient is the sender, the person stopped business messages."""


def signature(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` header Meta sends with a webhook body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def authentic(app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the body's signature under the app secret (constant time)."""
    if not header:
        return False
    # as bytes: compare_digest refuses text that is not ASCII (a 500 instead of a 403)
    given = header.encode("utf-8", "surrogateescape")
    return hmac.compare_digest(signature(app_secret, body).encode(), given)


def outcome(status: int, body: dict[str, Any], retry_after: float | None = None) -> SendResult:
    """A refused request's `SendResult`, from the HTTP status and the error's code."""
    found = body.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    code = error_code(body)
    data = error.get("error_data")
    details = data.get("details", "") if isinstance(data, dict) else ""
    detail = f"WhatsApp {status} {code}: {error.get('message', '')} {details}".strip()[:200]
    if code in RATE_LIMITED or status == 429:
        wait = retry_after if retry_after is not None else RATE_LIMITED.get(code or 0, 1.0)
        return SendResult(Outcome.RETRY, wait, detail)
    if code in UNREACHABLE:
        return SendResult(Outcome.UNREACHABLE, None, detail)
    # 502/503/504: the API or its gateway is down, an outage (the dispatcher pauses the
    # channel). Other 5xx, 131000 "something went wrong", 131016 "service unavailable", the
    # pair rate limit and anything else: retried with backoff, then failed (attempts counted)
    return SendResult(Outcome.RETRY, None, detail, outage=status in OUTAGE_STATUSES)


def error_code(body: dict[str, Any]) -> int | None:
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) else None


@dataclass(frozen=True, slots=True)
class Answer:
    """What the Cloud API answered one request: the outcome and the error's code, if any."""

    result: SendResult
    code: int | None = None

    @property
    def re_engagement(self) -> bool:
        return self.code == RE_ENGAGEMENT


class CloudApi:
    """Sends to one business phone number's ``/messages``; one attempt per call."""

    def __init__(self, api_url: str, phone_number_id: str, token: str, version: str = VERSION):
        self._base = f"{api_url.rstrip('/')}/{version}/{phone_number_id}"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # one connection pool for bulk and replies; Meta allows many parallel requests
            connector = aiohttp.TCPConnector(limit=200)
            self._session = aiohttp.ClientSession(timeout=TIMEOUT, connector=connector)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, to: str, message: Message) -> Answer:
        """One message to one number (E.164, with or without ``+``)."""
        if message.get("type") == "image" and "path" in message["image"]:
            uploaded = await self.upload(Path(message["image"]["path"]))
            if isinstance(uploaded, Answer):
                return uploaded
            media = {k: v for k, v in message["image"].items() if k != "path"} | {"id": uploaded}
            message = {"type": "image", "image": media}
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        return await self._post("/messages", json=payload | message)

    async def upload(self, path: Path) -> str | Answer:
        """A local picture uploaded to WhatsApp's media store; its media id."""
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as error:
            detail = f"cannot read the photo: {error.strerror}"
            return Answer(SendResult(Outcome.FAILED, None, detail))
        kind = mimetypes.guess_type(path.name)[0] or "image/jpeg"
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", kind)
        form.add_field("file", content, filename=path.name, content_type=kind)
        answer = await self._post("/media", data=form)
        if answer.result.outcome is Outcome.SENT and answer.result.message_id:
            return answer.result.message_id
        return answer

    async def _post(self, path: str, **kwargs: Any) -> Answer:
        try:
            async with self.session().post(
                self._base + path, headers=self._headers, **kwargs
            ) as response:
                body = await _json(response)
                if response.status == 200:
                    return Answer(SendResult(Outcome.SENT, message_id=_id(body)))
                header = response.headers.get("Retry-After")
                return Answer(outcome(response.status, body, _seconds(header)), error_code(body))
        except (aiohttp.ClientError, TimeoutError) as error:
            # the type only: an exception's text may hold the URL
            detail = f"WhatsApp unreachable: {type(error).__name__}"
            return Answer(SendResult(Outcome.RETRY, None, detail, outage=True))


def _id(body: dict[str, Any]) -> str | None:
    messages = body.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        found = messages[0].get("id")
        return str(found) if found else None
    media = body.get("id")  # /media answers {"id": …}
    return str(media) if media else None


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await response.json(content_type=None)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
