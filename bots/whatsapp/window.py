"""The 24-hour window: free-form messages only to people who wrote in the last 24 hours;
everything the service sends on its own to anyone else goes as a template named in the
deployment (``whatsapp: templates:`` per purpose, per language, with its parameters).

`WindowedRenderer` wraps the dispatcher's renderer: for each queued WhatsApp message it looks
up when the recipient last wrote (``state.last_active``, saved in the same transaction as their
message) and hands the sender a `WindowedReply`: the free-form reply, whether the window is
open, and the template call to use when it is not. The window is taken as closing
`MARGIN` early, so that a message that waits for its turn never goes out a few seconds late.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bots.whatsapp.messages import Message
from conversations.definitions import Deployment, TemplatePurpose
from conversations.ports import Clock, OutboxMessage
from conversations.values import Reply
from scheduler.dispatcher import Render

CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24)
MARGIN = timedelta(minutes=10)
MAX_PARAMETER = 900  # a template's whole body is at most 1024 characters

LastMessage = Callable[[str], Awaitable[datetime | None]]
"""When a participant last wrote (`storage.outbox.SqlOutbox.last_message_at`)."""


@dataclass(frozen=True, slots=True)
class TemplateCall:
    name: str
    language: str
    parameters: tuple[str, ...] = ()
    payloads: tuple[str, ...] = ()
    """Quick-reply payloads, one per template button, in order."""

    def message(self) -> Message:
        components: list[dict[str, object]] = []
        if self.parameters:
            components.append(
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": p} for p in self.parameters],
                }
            )
        components += [
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [{"type": "payload", "payload": payload}],
            }
            for index, payload in enumerate(self.payloads)
        ]
        template: dict[str, object] = {"name": self.name, "language": {"code": self.language}}
        if components:
            template["components"] = components
        return {"type": "template", "template": template}


@dataclass(frozen=True, slots=True)
class WindowedReply(Reply):
    """A queued message for WhatsApp: the reply, and what to send outside the window."""

    window_open: bool = False
    template: TemplateCall | None = None


def purpose(message: OutboxMessage) -> TemplatePurpose:
    if message.kind == "broadcast":
        return "followup" if "consultation" in message.payload else "broadcast"
    if message.kind == "invite":
        return "invite"
    if message.kind == "remind":
        return "remind"
    return "initiative"


def one_line(text: str, limit: int = MAX_PARAMETER) -> str:
    """A text as a template parameter: no new lines or tabs (WhatsApp refuses them)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def template_call(
    deployment: Deployment, message: OutboxMessage, reply: Reply
) -> TemplateCall | None:
    """The template for this message's purpose in its recipient's language, filled in."""
    if deployment.whatsapp is None:
        return None
    template = deployment.whatsapp.templates.get(purpose(message))
    if template is None:
        return None
    language = message.language if message.language in template.languages else None
    language = language or deployment.default_language
    code = template.languages.get(language)
    if code is None:
        return None
    values = {
        "text": one_line(reply.text),
        "organization": one_line(deployment.text(deployment.organization, language)),
    }
    payloads = tuple(b.data for b in reply.flat_buttons) if template.quick_replies else ()
    return TemplateCall(
        template.name, code, tuple(values[p] for p in template.parameters), payloads
    )


class WindowedRenderer:
    """The dispatcher's `Render` with the window decided for every WhatsApp recipient."""

    def __init__(
        self, render: Render, deployment: Deployment, last_message: LastMessage, clock: Clock
    ) -> None:
        self._render = render
        self._deployment = deployment
        self._last_message = last_message
        self._clock = clock

    async def __call__(self, message: OutboxMessage) -> Reply:
        reply = await self._render(message)
        if message.channel != CHANNEL:
            return reply
        last = await self._last_message(message.participant)
        is_open = last is not None and self._clock.now() - last < WINDOW - MARGIN
        fields = {f.name: getattr(reply, f.name) for f in dataclasses.fields(Reply)}
        return WindowedReply(
            **fields,
            window_open=is_open,
            template=template_call(self._deployment, message, reply),
        )
