"""Africa's Talking SMS: the incoming-messages callback and the ``version1/messaging`` API.

As read from the official africastalking-python 2 SDK (``SMS.py``, ``Service.py``) and the
provider's callback documentation:

* For an incoming message Africa's Talking POSTs, form-encoded, ``from``, ``to``, ``text``,
  ``date``, ``id``, ``linkId`` (premium products) and ``networkCode`` to the callback URL
  configured in its dashboard.
* Callbacks are **not signed**: there is no header to verify. This adapter therefore requires
  a long random key in the callback URL (``https://…/sms?key=…``, the scheme the Community
  Health Toolkit uses with this provider), compared in constant time; anything else gets 403.
  Serve it over HTTPS only, so the key is not seen on the way, and keep it out of logs (the
  access log is off). A source-IP allow-list at the reverse proxy can be added on top.
* Sending: ``POST {api}/version1/messaging`` with headers ``apiKey`` and
  ``Accept: application/json`` and form fields ``username``, ``to``, ``message``, optional
  ``from`` (short code or sender id), ``bulkSMSMode=1``; the sandbox is
  ``https://api.sandbox.africastalking.com`` (username ``sandbox``). The JSON answer lists a
  ``statusCode`` per recipient: 100 processed, 101 sent, 102 queued; 401 risk hold,
  402 invalid sender id, 403 invalid phone number, 404 unsupported number type,
  405 insufficient balance, 406 user in blacklist (opted out), 407 could not route,
  409 do-not-disturb rejection, 500 internal error, 501 gateway error, 502 rejected by gateway.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

import aiohttp
from aiohttp import web

from bots.sms.gateway import IncomingSms, SmsGateway, first
from conversations.ports import OUTAGE_STATUSES, Outcome, SendResult

SENT_CODES = frozenset({100, 101, 102})
UNREACHABLE_CODES = frozenset({403, 404, 406, 409})
RETRY_CODES = frozenset({405, 500, 501})


class AfricasTalkingGateway(SmsGateway):
    name = "africastalking"
    credential = "key"  # its callbacks are not signed: the URL carries our shared key

    def __init__(
        self,
        *,
        username: str,
        api_key: str,
        webhook_key: str,
        sender: str | None = None,
        api_url: str = "https://api.africastalking.com",
    ) -> None:
        super().__init__(api_url)
        self._username = username
        self._api_key = api_key
        self._webhook_key = webhook_key
        self._sender = sender

    def authentic(self, request: web.Request, form: Mapping[str, str | list[str]]) -> bool:
        given = request.query.get("key", "")
        return bool(given) and hmac.compare_digest(given.encode(), self._webhook_key.encode())

    def incoming(self, form: Mapping[str, str | list[str]]) -> IncomingSms | None:
        sender, message_id = first(form, "from"), first(form, "id")
        if not sender or not message_id:
            return None
        return IncomingSms(sender=sender, text=first(form, "text"), message_id=message_id)

    async def send(self, number: str, text: str) -> SendResult:
        data = {"username": self._username, "to": number, "message": text, "bulkSMSMode": "1"}
        if self._sender:
            data["from"] = self._sender
        headers = {"apiKey": self._api_key, "Accept": "application/json"}
        try:
            async with self.session().post(
                f"{self._api_url}/version1/messaging", data=data, headers=headers
            ) as response:
                if response.status >= 500:
                    outage = response.status in OUTAGE_STATUSES
                    detail = f"Africa's Talking {response.status}"
                    return SendResult(Outcome.RETRY, None, detail, outage=outage)
                if response.status >= 300:
                    text_body = (await response.text())[:150]
                    detail = f"Africa's Talking {response.status}: {text_body}"
                    return SendResult(Outcome.FAILED, None, detail)
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as error:
            detail = f"Africa's Talking: {error!r}"[:200]
            return SendResult(Outcome.RETRY, None, detail, outage=True)
        except ValueError as error:  # an answer that is not JSON
            return SendResult(Outcome.RETRY, None, f"Africa's Talking: {error!r}"[:200])
        return _outcome(body)


def _outcome(body: object) -> SendResult:
    recipients: list[object] = []
    if isinstance(body, dict) and isinstance(data := body.get("SMSMessageData"), dict):
        recipients = data.get("Recipients") or []
    if not recipients or not isinstance(recipients[0], dict):
        message = body.get("SMSMessageData", {}) if isinstance(body, dict) else {}
        return SendResult(Outcome.FAILED, None, f"no recipient in answer: {message!r}"[:200])
    recipient = recipients[0]
    code = recipient.get("statusCode")
    detail = f"Africa's Talking {code} {recipient.get('status', '')}"
    if code in SENT_CODES:
        return SendResult(Outcome.SENT)
    if code in UNREACHABLE_CODES:
        return SendResult(Outcome.UNREACHABLE, None, detail)
    if code in RETRY_CODES:
        return SendResult(Outcome.RETRY, None, detail)
    return SendResult(Outcome.FAILED, None, detail)
