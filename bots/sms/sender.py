"""`SmsSender`: the outbox's `Sender` for channel ``sms`` (invitations, reminders, broadcasts).

An SMS shows no buttons and no photo: a bulk message goes as its text, its buttons named in
brackets, "(Take part)", not numbered: a number typed back answers the conversation's own
question, while the engine reads a button's words typed back as that button.

One attempt per message, no retry inside: a long text is sent part by part, and a failed part
is reported with the outcome of that part (the dispatcher's retry then resends the parts before
it too; parts are short and this is rare).
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
        named = Reply(reply.text, reply.buttons, expects_text=True)  # buttons by name only
        return await send_reply(self._gateway, address, named, self._pace)
