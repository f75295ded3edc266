"""`SmsSender`: the outbox's `Sender` for channel ``sms`` (invitations, reminders, broadcasts).

An SMS shows no buttons and no photo: a bulk message goes as its text. Whatever the person
texts back reaches the engine, which answers with where they are (for an invitation: the list
of open polls, numbered). One attempt per message, no retry inside: a long text is sent part
by part, and a failed part is reported with the outcome of that part (the dispatcher's retry
then resends the parts before it too; parts are short and this is rare).
"""

from __future__ import annotations

from bots.sms.gateway import SmsGateway
from bots.sms.webhook import Pace, send_reply
from conversations.ports import Sender, SendResult
from conversations.values import Reply


class SmsSender(Sender):
    def __init__(self, gateway: SmsGateway, *, pace: Pace | None = None) -> None:
        self._gateway = gateway
        self._pace = pace

    async def send(self, address: str, reply: Reply) -> SendResult:
        return await send_reply(self._gateway, address, Reply(reply.text), self._pace)
