"""The WhatsApp webhook: Meta's request → `Inbound` → `ConversationService` → replies.

* ``GET`` is the verification handshake: ``hub.mode=subscribe`` with the configured
  ``hub.verify_token`` is answered with ``hub.challenge``; anything else 403.
* ``POST``: the body is read raw (more than 1 MiB: 413, unread) and its
  ``X-Hub-Signature-256`` (HMAC-SHA256 of those bytes under the app secret) checked in constant
  time before anything is parsed; a request that fails gets 403 and nothing is stored.
* Messages to this phone number id, one to one (a group's messages are ignored), become
  events: text → `Text`, a tapped reply button or list row → `Press` of the engine's button
  data, a template's quick reply → `Press` of its payload (or its words, typed), anything else
  (pictures, voice, location) → `Unsupported`. Conversations run on the text path shared with
  SMS (``Inbound.buttons`` False: typed numbers and words work, ``conversations.texting``);
  replies show options as buttons or lists where they fit (`bots.whatsapp.messages`). A
  redelivered message (same ``wamid``) is processed once.
* Status callbacks (sent, delivered, read, failed) are recorded on the outbox rows of the
  messages they report.

The number is put in E.164 and pseudonymized like any address (the participant is
``("whatsapp", "+…")``); the number itself is kept only as the chat address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bots.whatsapp.cloudapi import UNREACHABLE, CloudApi, authentic
from bots.whatsapp.sender import send_reply
from conversations.i18n import translate
from conversations.identity import InvalidPhoneNumber, phone_number
from conversations.ports import DELIVERY_ORDER, DeliveryReport, Outcome
from conversations.service import ConversationService
from conversations.values import Event, Inbound, ParticipantKey, Press, Reply, Text, Unsupported

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
MAX_BODY = 1024 * 1024
SIGNATURE_HEADER = "X-Hub-Signature-256"

RecordDeliveries = Callable[[Sequence[DeliveryReport]], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class WhatsAppWebhook:
    listen: str
    port: int
    path: str
    verify_token: str
    app_secret: str
    phone_number_id: str


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message as the webhook reported it."""

    sender: str
    message_id: str
    event: Event

    @property
    def update_id(self) -> int:
        """The ``wamid`` as the positive 63-bit number redeliveries are told by."""
        digest = hashlib.sha256(self.message_id.encode()).digest()
        return int.from_bytes(digest[:8], "big") & (2**63 - 1)


def event_of(message: dict[str, Any]) -> Event | None:
    """What a person did, from one webhook message object; None for what needs no answer."""
    kind = message.get("type")
    if kind == "text":
        return Text(str(message.get("text", {}).get("body", "")))
    if kind == "interactive":
        interactive = message.get("interactive", {})
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        data = reply.get("id")
        return Press(str(data)) if data else Unsupported("interactive")
    if kind == "button":  # a template's quick-reply button
        button = message.get("button", {})
        if button.get("payload"):
            return Press(str(button["payload"]))
        return Text(str(button.get("text", "")))
    if kind in ("reaction", "system", "request_welcome"):
        return None  # an emoji on a message, a number change: nothing to answer
    return Unsupported(str(kind))


def parse(
    body: dict[str, Any], phone_number_id: str
) -> tuple[list[Incoming], list[DeliveryReport]]:
    """The messages and status reports for this phone number in a webhook body."""
    incoming: list[Incoming] = []
    reports: list[DeliveryReport] = []
    if body.get("object") != "whatsapp_business_account":
        return incoming, reports
    for entry in body.get("entry") or ():
        for change in entry.get("changes") or ():
            value = change.get("value") or {}
            if change.get("field") != "messages":
                continue
            if (value.get("metadata") or {}).get("phone_number_id") != phone_number_id:
                continue
            for message in value.get("messages") or ():
                if message.get("group_id"):  # only one-to-one chats are served
                    continue
                event = event_of(message)
                sender, wamid = message.get("from"), message.get("id")
                if event is not None and sender and wamid:
                    incoming.append(Incoming(str(sender), str(wamid), event))
            for status in value.get("statuses") or ():
                report = _report(status)
                if report is not None:
                    reports.append(report)
    return incoming, reports


def _report(status: dict[str, Any]) -> DeliveryReport | None:
    name, wamid = status.get("status"), status.get("id")
    if name not in DELIVERY_ORDER or not wamid:
        return None
    errors = status.get("errors") or [{}]
    code = errors[0].get("code")
    detail = f"WhatsApp {code}: {errors[0].get('title', '')}"[:200] if name == "failed" else ""
    return DeliveryReport(str(wamid), str(name), code in UNREACHABLE, detail)


def build_app(
    api: CloudApi,
    service: ConversationService,
    webhook: WhatsAppWebhook,
    record: RecordDeliveries,
    language: str = "en",
) -> web.Application:
    """The webhook app; ``language`` is that of the apology when processing fails."""

    async def verify(request: web.Request) -> web.StreamResponse:
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and _same(token, webhook.verify_token):
            return web.Response(text=query.get("hub.challenge", ""))
        raise web.HTTPForbidden()

    async def receive(request: web.Request) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise web.HTTPRequestEntityTooLarge(MAX_BODY, request.content_length)
        raw = await request.read()  # at most client_max_size (MAX_BODY), else 413
        if not authentic(webhook.app_secret, raw, request.headers.get(SIGNATURE_HEADER)):
            log.warning("refused a WhatsApp webhook request without a valid signature")
            raise web.HTTPForbidden()
        try:
            body = json.loads(raw)
        except ValueError:
            raise web.HTTPBadRequest() from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest()
        incoming, reports = parse(body, webhook.phone_number_id)
        if reports:
            await record(reports)
        for message in incoming:
            await handle(message)
        return web.Response(status=200)

    async def handle(message: Incoming) -> None:
        try:
            number = phone_number("+" + message.sender.lstrip("+"))
        except InvalidPhoneNumber:
            log.warning("ignored a WhatsApp message from a sender that is not a phone number")
            return
        event = message.event
        if isinstance(event, Text) and not event.text.strip():
            event = Unsupported("empty")
        inbound = Inbound(
            key=ParticipantKey(CHANNEL, number),
            event=event,
            address=number,
            update_id=message.update_id,
            buttons=False,  # the text path shared with SMS; choices still shown as buttons
        )
        try:
            replies = await service.handle(inbound)
        except Exception:
            # Nothing was committed; say so rather than leave the person waiting in silence.
            log.exception("could not process a WhatsApp message")
            replies = (Reply(translate("internal_error", language)),)
        for reply in replies:
            answer = await send_reply(api, number, reply)
            if answer.result.outcome is not Outcome.SENT:
                result = answer.result
                log.warning(
                    "a WhatsApp reply was not sent (%s): %s", result.outcome.value, result.detail
                )
                break

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_get(webhook.path, verify)
    app.router.add_post(webhook.path, receive)
    return app


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


@asynccontextmanager
async def serving(
    api: CloudApi,
    service: ConversationService,
    webhook: WhatsAppWebhook,
    record: RecordDeliveries,
    language: str = "en",
) -> AsyncIterator[None]:
    """The webhook server, listening while the block runs; the API client closed after."""
    app = build_app(api, service, webhook, record, language)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, webhook.listen, webhook.port).start()
        log.info(
            "WhatsApp webhook listening on %s:%d%s", webhook.listen, webhook.port, webhook.path
        )
        yield
    finally:
        await runner.cleanup()
        await api.close()
