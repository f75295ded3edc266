"""The SMS webhook: gateway request → `Inbound` → `ConversationService` → replies sent back.

Order of work for one request: the signature (or key) is checked first, and a request that
fails it gets 403 with nothing read further and nothing stored; the sender's number is put in
E.164; the service commits what the text changed; only then are the replies sent, part by part,
through the gateway's send API; the gateway gets its 200 last. A redelivered message (same
gateway message id) is processed once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from bots.sms.gateway import SmsGateway
from bots.sms.segments import plain, split
from conversations.i18n import translate
from conversations.identity import InvalidPhoneNumber, phone_number
from conversations.ports import Outcome, SendResult
from conversations.service import ConversationService
from conversations.texting import numbered_text
from conversations.values import Inbound, ParticipantKey, Reply, Text, Unsupported

log = logging.getLogger(__name__)

CHANNEL = "sms"

Pace = Callable[[str], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class SmsWebhook:
    """Where the webhook listens; ``path`` is the path of the public URL."""

    listen: str
    port: int
    path: str


def texts(reply: Reply) -> list[str]:
    """A reply as the SMS messages that carry it: options numbered, one segment each."""
    return [part.text for part in split(plain(numbered_text(reply)))]


async def send_reply(
    gateway: SmsGateway, number: str, reply: Reply, pace: Pace | None = None
) -> SendResult:
    """Every part of one reply, in order; stops at the first part that is not sent."""
    result = SendResult(Outcome.FAILED, detail="nothing to send: the message is empty")
    for index, text in enumerate(texts(reply)):
        if index and pace is not None:
            await pace(number)
        result = await gateway.send(number, text)
        if result.outcome is not Outcome.SENT:
            return result
    return result


def build_app(
    gateway: SmsGateway,
    service: ConversationService,
    path: str,
    default_region: str | None = None,
    language: str = "en",
) -> web.Application:
    """The webhook app; ``language`` is that of the apology when processing fails."""

    async def receive(request: web.Request) -> web.StreamResponse:
        posted = await request.post()
        form = {name: [str(v) for v in posted.getall(name)] for name in posted}
        if not gateway.authentic(request, form):
            log.warning(
                "refused an SMS webhook request without a valid %s %s",
                gateway.name,
                gateway.credential,
            )
            raise web.HTTPForbidden()
        incoming = gateway.incoming(form)
        if incoming is None:
            return gateway.acknowledge()
        try:
            number = phone_number(incoming.sender, default_region)
        except InvalidPhoneNumber:
            log.warning("ignored an SMS from a sender that is not a phone number")
            return gateway.acknowledge()
        inbound = Inbound(
            key=ParticipantKey(CHANNEL, number),
            # an MMS without text, or an empty SMS: nothing to read
            event=Text(incoming.text) if incoming.text.strip() else Unsupported("empty"),
            address=number,
            update_id=incoming.update_id,
            buttons=False,
            silent_while_stopped=True,  # carriers refuse it (Twilio 21610), and it costs
        )
        try:
            replies = await service.handle(inbound)
        except Exception:
            # Nothing was committed; say so rather than leave the person waiting in silence.
            log.exception("could not process an SMS")
            replies = (Reply(translate("internal_error", language)),)
        for reply in replies:
            result = await send_reply(gateway, number, reply)
            if result.outcome is not Outcome.SENT:
                log.warning(
                    "an SMS reply was not sent (%s): %s", result.outcome.value, result.detail
                )
                break
        return gateway.acknowledge()

    app = web.Application()
    app.router.add_post(path, receive)
    return app


@asynccontextmanager
async def serving(
    gateway: SmsGateway,
    service: ConversationService,
    webhook: SmsWebhook,
    default_region: str | None = None,
    language: str = "en",
) -> AsyncIterator[None]:
    """The webhook server, listening while the block runs; the gateway's client closed after."""
    app = build_app(gateway, service, webhook.path, default_region, language)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, webhook.listen, webhook.port).start()
        log.info(
            "SMS webhook (%s) listening on %s:%d%s",
            gateway.name,
            webhook.listen,
            webhook.port,
            webhook.path,
        )
        yield
    finally:
        await runner.cleanup()
        await gateway.close()
