"""Twilio's Messaging API: the incoming-message webhook and `Messages.json`.

As read from twilio-python 9 (``twilio/request_validator.py``) and Twilio's webhook security
documentation:

* Twilio POSTs the message form-encoded (``MessageSid``, ``AccountSid``, ``From``, ``To``,
  ``Body``, ``NumMedia``, …) with ``X-Twilio-Signature``: base64 of HMAC-SHA1, keyed with the
  account's auth token, of the full URL Twilio requested followed by every POST parameter
  name and value, sorted by name (values of a repeated name sorted too). The SDK accepts the
  URL with and without an explicit default port, because Twilio's side is inconsistent; so
  does this adapter. The URL is the public one configured at Twilio
  (``PEACEPULSE_SMS_WEBHOOK_URL``), not what a reverse proxy passes on.
* With Advanced Opt-Out (the default on long codes), Twilio acts on opt-out, opt-in and help
  keywords itself and adds ``OptOutType`` (``STOP``, ``START``, ``HELP``) to the webhook.
* The answer is TwiML; an empty ``<Response/>`` sends nothing, since replies go through the
  REST API: ``POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic
  auth (account SID, auth token) and form fields ``To``, ``Body`` and ``From`` (a number) or
  ``MessagingServiceSid`` (``MG…``). 201 is accepted; errors carry a JSON ``code``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web

from bots.sms.gateway import IncomingSms, SmsGateway, first
from conversations.ports import OUTAGE_STATUSES, Outcome, SendResult

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

# Twilio error codes (https://www.twilio.com/docs/api/errors) that mean this person cannot be
# reached: 21610 they replied STOP (Twilio blocks further messages itself), 21211 invalid
# number, 21614 not a mobile number, 21612 no route to the number.
UNREACHABLE_CODES = frozenset({21610, 21211, 21614, 21612})


def signature(auth_token: str, url: str, params: Mapping[str, str | list[str]]) -> str:
    """X-Twilio-Signature of a form POST to ``url``, as Twilio computes it."""
    payload = url
    for name in sorted(params):
        value = params[name]
        for item in sorted(set(value if isinstance(value, list) else [value])):
            payload += name + item
    mac = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def basic_auth(user: str, password: str) -> str:
    """An HTTP basic Authorization header value (RFC 7617)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _port_variants(url: str) -> list[str]:
    """The URL without and with the scheme's default port (twilio-python checks both)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = 443 if parts.scheme == "https" else 80
    without = urlunsplit(parts._replace(netloc=host)) if parts.port else url
    port = parts.port or default
    with_port = urlunsplit(parts._replace(netloc=f"{host}:{port}"))
    return [without, with_port]


class TwilioGateway(SmsGateway):
    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        webhook_url: str,
        api_url: str = "https://api.twilio.com",
    ) -> None:
        super().__init__(api_url)
        self._account = account_sid
        self._token = auth_token
        self._sender = sender
        self._webhook_url = webhook_url

    def authentic(self, request: web.Request, form: Mapping[str, str | list[str]]) -> bool:
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not given:
            return False
        url = self._webhook_url
        if request.query_string:
            url += "?" + request.query_string
        # as bytes: compare_digest refuses text that is not ASCII (a 500 instead of a 403)
        given_bytes = given.encode("utf-8", "surrogateescape")
        return any(
            hmac.compare_digest(signature(self._token, variant, form).encode(), given_bytes)
            for variant in _port_variants(url)
        )

    def incoming(self, form: Mapping[str, str | list[str]]) -> IncomingSms | None:
        sender, sid = first(form, "From"), first(form, "MessageSid") or first(form, "SmsSid")
        if not sender or not sid:
            return None
        # With Advanced Opt-Out, Twilio has already blocked a number that sent one of its stop
        # words (CANCEL, QUIT, END, …): the engine is told STOP too. Its opt-in words are left
        # as written: "YES" is also the answer to many a question.
        text = "STOP" if first(form, "OptOutType").upper() == "STOP" else first(form, "Body")
        return IncomingSms(sender=sender, text=text, message_id=sid)

    def acknowledge(self) -> web.Response:
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")

    async def send(self, number: str, text: str) -> SendResult:
        url = f"{self._api_url}/2010-04-01/Accounts/{self._account}/Messages.json"
        origin = "MessagingServiceSid" if self._sender.startswith("MG") else "From"
        data = {"To": number, origin: self._sender, "Body": text}
        try:
            async with self.session().post(
                url, data=data, headers={"Authorization": basic_auth(self._account, self._token)}
            ) as response:
                if response.status in (200, 201):
                    return SendResult(Outcome.SENT)
                body = await _json(response)
                code = body.get("code")
                detail = f"Twilio {response.status} {code}: {body.get('message', '')}"[:200]
                if response.status == 429:
                    retry_after = _seconds(response.headers.get("Retry-After"))
                    return SendResult(Outcome.RETRY, retry_after, detail)
                if response.status >= 500:
                    outage = response.status in OUTAGE_STATUSES
                    return SendResult(Outcome.RETRY, None, detail, outage=outage)
                if code in UNREACHABLE_CODES:
                    return SendResult(Outcome.UNREACHABLE, None, detail)
                return SendResult(Outcome.FAILED, None, detail)
        except (aiohttp.ClientError, TimeoutError) as error:
            detail = f"Twilio unreachable: {error!r}"[:200]
            return SendResult(Outcome.RETRY, None, detail, outage=True)


async def _json(response: aiohttp.ClientResponse) -> dict[str, object]:
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
