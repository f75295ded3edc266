"""The terminal chat: the same engine and store, buttons shown as numbered options."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from conversations.service import ConversationService
from conversations.values import Event, Inbound, ParticipantKey, Press, Reply, Text

CHANNEL = "terminal"
PROMPT = "> "


def render(reply: Reply) -> tuple[str, dict[str, str]]:
    """A reply as terminal text, and which typed number presses which button."""
    lines = [reply.text]
    presses: dict[str, str] = {}
    buttons = reply.flat_buttons
    if buttons and reply.expects_text:
        lines.append("   (" + " | ".join(b.label for b in buttons) + ")")
    elif buttons:
        for number, button in enumerate(buttons, 1):
            lines.append(f"  {number}) {button.label}")
            presses[str(number)] = button.data
    return "\n".join(lines), presses


async def chat(
    service: ConversationService,
    *,
    user: str | None = None,
    locale: str | None = None,
    stdin: TextIO = sys.stdin,
    write: Callable[[str], None] = print,
) -> None:
    """Talk to the engine on stdin/stdout until end of input or /quit."""
    key = ParticipantKey(CHANNEL, user or getpass.getuser())
    presses: dict[str, str] = {}
    write("PeacePulse terminal chat. Type a number to choose an option, /quit to leave.\n")
    line = "/start"
    while True:
        typed = line.strip()
        if typed == "/quit":
            return
        event: Event = Press(presses[typed]) if typed in presses else Text(line)
        replies = await service.handle(Inbound(key, event, address=key.user, locale=locale))
        for reply in replies:
            text, presses = render(reply)
            write(text + "\n")
        write(PROMPT)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            write("\n")
            return
        line = line.rstrip("\n")
