"""What every SMS gateway adapter does: check and read a webhook, send one message.

An adapter only translates between a provider's HTTP protocol and these few calls; what a text
means is decided by the engine (`conversations.texting`), how it is cut by `bots.sms.segments`.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from conversations.ports import SendResult

TIMEOUT = aiohttp.ClientTimeout(total=20)


@dataclass(frozen=True, slots=True)
class IncomingSms:
    """One text as the gateway reported it; ``sender`` not yet normalized."""

    sender: str
    text: str
    message_id: str

    @property
    def update_id(self) -> int:
        """The gateway's message id as the positive 63-bit number redeliveries are told by."""
        digest = hashlib.sha256(self.message_id.encode()).digest()
        return int.from_bytes(digest[:8], "big") & (2**63 - 1)


class SmsGateway(abc.ABC):
    """One provider's webhook protocol and send API."""

    name: str
    credential: str = "signature"
    """What `authentic` checks, as the log names it when a request fails it."""

    def __init__(self, api_url: str) -> None:
        self._api_url = api_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    @abc.abstractmethod
    def authentic(self, request: web.Request, form: Mapping[str, str | list[str]]) -> bool:
        """Whether the webhook request comes from the gateway (checked before anything else)."""

    @abc.abstractmethod
    def incoming(self, form: Mapping[str, str | list[str]]) -> IncomingSms | None:
        """The text in an authentic webhook; None for a request that carries none."""

    def acknowledge(self) -> web.Response:
        """What the webhook answers once the text is processed."""
        return web.Response(status=200)

    @abc.abstractmethod
    async def send(self, number: str, text: str) -> SendResult:
        """Send one message (one segment) to an E.164 number; one attempt."""

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def first(form: Mapping[str, str | list[str]], name: str) -> str:
    """A form field's (first) value, "" when absent."""
    value = form.get(name, "")
    if isinstance(value, list):
        return value[0] if value else ""
    return value
