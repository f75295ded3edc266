"""`TelegramSender`: the `Sender` port over a `TelegramClient`, for bulk messages.

One attempt per message and no retry inside: the dispatcher decides what happens after a
failure. A message that needs several calls (a text over 4096 characters, a photo whose text
is too long for a caption) is sent part by part; ``pace`` (the dispatcher's
`scheduler.ratelimit.RateLimiter.next_turn`) is awaited before every part but the first, whose
turn the dispatcher took already.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bots.telegram.common import (
    MAX_CAPTION,
    BotApiError,
    Keyboard,
    NetworkFailure,
    Refused,
    RetryLater,
    TelegramClient,
    Unreachable,
    keyboard,
    split_text,
)
from conversations.ports import Outcome, Sender, SendResult
from conversations.values import Reply

Pace = Callable[[str], Awaitable[object]]
"""Waits for a chat's next turn within a message (`scheduler.ratelimit.RateLimiter.next_turn`)."""


class TelegramSender(Sender):
    """Delivers one reply to one Telegram chat, reporting the outcome as a `SendResult`."""

    def __init__(self, client: TelegramClient, *, pace: Pace | None = None) -> None:
        self._client = client
        self._pace = pace

    async def send(self, address: str, reply: Reply) -> SendResult:
        try:
            chat_id = int(address)
            markup = keyboard(reply)
        except ValueError as error:  # not a chat id; button data too long
            return SendResult(Outcome.FAILED, detail=str(error)[:200])
        try:
            await self._deliver(address, chat_id, reply, markup)
        except RetryLater as error:
            return SendResult(Outcome.RETRY, error.retry_after, str(error))
        except NetworkFailure as error:
            return SendResult(Outcome.RETRY, None, str(error), outage=error.outage)
        except Unreachable as error:
            return SendResult(Outcome.UNREACHABLE, None, str(error))
        except BotApiError as error:
            return SendResult(Outcome.FAILED, None, str(error))
        return SendResult(Outcome.SENT)

    async def _deliver(
        self, address: str, chat_id: int, reply: Reply, markup: Keyboard | None
    ) -> None:
        calls: list[Callable[[], Awaitable[None]]] = []
        text = reply.text.strip()
        if reply.photo is not None:
            photo = reply.photo
            caption = text if len(text) <= MAX_CAPTION else ""
            calls.append(
                lambda: self._client.send_photo(
                    chat_id, photo, caption or None, markup if caption or not text else None
                )
            )
            if caption:
                text = ""
        if text:
            chunks = split_text(text)
            for index, chunk in enumerate(chunks):
                last = index == len(chunks) - 1

                async def send(chunk: str = chunk, last: bool = last) -> None:
                    await self._client.send_message(chat_id, chunk, markup if last else None)

                calls.append(send)
        if not calls:
            raise Refused("sendMessage", "nothing to send: the message is empty")
        for index, call in enumerate(calls):
            if index and self._pace is not None:
                await self._pace(address)
            await call()
