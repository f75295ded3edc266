"""Fake SMS gateways speaking each provider's wire protocol over real HTTP.

Each fake is an aiohttp server standing in for the provider's REST API (the adapter's send
client is pointed at it by its API URL setting) and a client of PeacePulse's webhook that
delivers a phone's texts the way the provider does:

* `FakeTwilio` posts the form-encoded incoming-message webhook (``MessageSid``, ``AccountSid``,
  ``From``, ``To``, ``Body``, ``NumMedia``, ``NumSegments``, …) signed with
  ``X-Twilio-Signature`` = base64(HMAC-SHA1(auth token, URL + sorted name/value pairs)), computed
  here independently of the adapter; it accepts ``POST /2010-04-01/Accounts/{sid}/Messages.json``
  with HTTP basic auth and answers 201 with a message resource, or Twilio's JSON error.
* `FakeAfricasTalking` posts the callback form (``from``, ``to``, ``text``, ``date``, ``id``,
  ``linkId``, ``networkCode``) to the callback URL with its ``?key=``; it accepts
  ``POST /version1/messaging`` with the ``apiKey`` header and answers 201 with
  ``SMSMessageData.Recipients``.

Numbers in ``opted_out`` are refused as the provider refuses them (Twilio error 21610, Africa's
Talking status 406).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web


@dataclass(frozen=True, slots=True)
class Sent:
    to: str
    body: str
    sender: str


@dataclass
class FakeGateway:
    shortcode: str = "+23560000000"
    sent: list[Sent] = field(default_factory=list)
    opted_out: set[str] = field(default_factory=set)
    webhook_url: str = ""
    base_url: str = ""
    _runner: web.AppRunner | None = None
    _client: aiohttp.ClientSession | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._client = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def received(self, number: str) -> list[str]:
        """Every message body sent to ``number`` so far."""
        return [s.body for s in self.sent if s.to == number]

    async def post_webhook(
        self, form: dict[str, str], *, headers: dict[str, str] | None = None, url: str = ""
    ) -> int:
        assert self._client is not None
        async with self._client.post(url or self.webhook_url, data=form, headers=headers) as r:
            await r.read()
            return r.status

    async def text(self, number: str, body: str) -> list[str]:
        """The phone ``number`` texts ``body``; returns what PeacePulse sent back to it."""
        before = len(self.sent)
        status = await self.deliver(number, body)
        assert status == 200, status
        return [s.body for s in self.sent[before:] if s.to == number]

    async def deliver(self, number: str, body: str, message_id: str | None = None) -> int:
        raise NotImplementedError


# Twilio's default Advanced Opt-Out keywords (case-insensitive, the whole message).
TWILIO_OPT_OUT_KEYWORDS = {
    "STOP": {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"},
    "START": {"START", "YES", "UNSTOP"},
    "HELP": {"HELP", "INFO"},
}


def twilio_signature(auth_token: str, url: str, form: dict[str, str]) -> str:
    payload = url + "".join(name + form[name] for name in sorted(form))
    mac = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class FakeTwilio(FakeGateway):
    account_sid: str = "AC" + "0" * 31 + "1"
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create)

    async def _create(self, request: web.Request) -> web.Response:
        pair = f"{self.account_sid}:{self.auth_token}".encode()
        expected = "Basic " + base64.b64encode(pair).decode()
        if request.match_info["account"] != self.account_sid or (
            request.headers.get("Authorization") != expected
        ):
            return _twilio_error(401, 20003, "Authenticate")
        form = await request.post()
        to, body = str(form.get("To", "")), str(form.get("Body", ""))
        origin = str(form.get("From") or form.get("MessagingServiceSid") or "")
        if not to or not body or not origin:
            return _twilio_error(400, 21604, "A 'To', 'Body' and 'From' are required.")
        if to in self.opted_out:
            return _twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
        self.sent.append(Sent(to, body, origin))
        sid = f"SM{next(self._ids):032x}"
        return web.json_response(
            {"sid": sid, "status": "queued", "to": to, "from": origin, "body": body},
            status=201,
        )

    def webhook_form(self, number: str, body: str, message_id: str | None = None) -> dict[str, str]:
        """The fields Twilio posts for an incoming SMS."""
        sid = message_id or f"SM{secrets.token_hex(16)}"
        form = {
            "ToCountry": "TD",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "From": number,
            "To": self.shortcode,
            "Body": body,
            "AccountSid": self.account_sid,
            "NumSegments": "1",
            "MessageSid": sid,
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        keyword = body.strip().upper()
        for kind, words in TWILIO_OPT_OUT_KEYWORDS.items():
            if keyword in words:
                form["OptOutType"] = kind  # and Twilio blocks or unblocks the number itself
                if kind == "STOP":
                    self.opted_out.add(number)
                elif kind == "START":
                    self.opted_out.discard(number)
        return form

    async def deliver(self, number: str, body: str, message_id: str | None = None) -> int:
        form = self.webhook_form(number, body, message_id)
        signature = twilio_signature(self.auth_token, self.webhook_url, form)
        return await self.post_webhook(form, headers={"X-Twilio-Signature": signature})


def _twilio_error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


@dataclass
class FakeAfricasTalking(FakeGateway):
    username: str = "peacepulse"
    api_key: str = field(default_factory=lambda: secrets.token_hex(32))
    key: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/version1/messaging", self._send)

    async def _send(self, request: web.Request) -> web.Response:
        if request.headers.get("apiKey") != self.api_key:
            return web.Response(status=401, text="The supplied authentication is invalid")
        form = await request.post()
        if form.get("username") != self.username:
            return web.Response(status=401, text="The supplied authentication is invalid")
        to, message = str(form.get("to", "")), str(form.get("message", ""))
        recipient: dict[str, Any]
        if to in self.opted_out:
            recipient = {"statusCode": 406, "number": to, "status": "UserInBlacklist"}
        else:
            self.sent.append(Sent(to, message, str(form.get("from", ""))))
            recipient = {
                "statusCode": 101,
                "number": to,
                "status": "Success",
                "cost": "KES 0.8000",
                "messageId": f"ATXid_{next(self._ids)}",
            }
        return web.json_response(
            {"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [recipient]}}, status=201
        )

    def callback_form(
        self, number: str, body: str, message_id: str | None = None
    ) -> dict[str, str]:
        return {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "from": number,
            "id": message_id or secrets.token_hex(16),
            "linkId": secrets.token_hex(8),
            "text": body,
            "to": self.shortcode,
            "networkCode": "62201",
        }

    async def deliver(self, number: str, body: str, message_id: str | None = None) -> int:
        form = self.callback_form(number, body, message_id)
        return await self.post_webhook(form, url=f"{self.webhook_url}?key={self.key}")
