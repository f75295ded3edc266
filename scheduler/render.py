"""What a queued message says, decided when it is sent, in its recipient's language.

A queued row holds only what it is about (``{"poll", "wave"}`` or ``{"broadcast"}``); the
texts come from the deployment (`conversations.outbound`) and, for broadcasts, from the
broadcast's row, read once per broadcast and kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from zoneinfo import ZoneInfo

from conversations.community import from_organizer, initiative_message
from conversations.definitions import Deployment, Initiative
from conversations.outbound import (
    broadcast_message,
    wave_message,
    with_consultation_button,
)
from conversations.ports import OutboxMessage
from conversations.values import Reply
from conversations.waves import Wave, waves_of

InitiativeLookup = Callable[[str], Awaitable[Initiative | None]]
"""An initiative by id, from the deployment or the database (`CommunityStore.initiative`)."""

BroadcastLookup = Callable[[int], Awaitable[tuple[Mapping[str, str], str | None] | None]]
"""A broadcast's texts by language and its photo, by id (`storage.outbox.SqlOutbox.broadcast`)."""


class UnknownContent(Exception):
    """A queued message refers to a poll, wave or broadcast that does not exist (any more)."""

    def __init__(self, message: OutboxMessage) -> None:
        super().__init__(f"{message.kind} {message.payload} of job {message.job} is unknown")


class OutboxRenderer:
    """``await renderer(message)`` → the `Reply` to send; raises `UnknownContent`."""

    def __init__(
        self,
        deployment: Deployment,
        broadcasts: BroadcastLookup,
        initiatives: InitiativeLookup | None = None,
    ) -> None:
        self._deployment = deployment
        self._lookup = broadcasts
        self._initiatives = initiatives
        self._zone = ZoneInfo(deployment.timezone)
        self._broadcasts: dict[int, tuple[Mapping[str, str], str | None]] = {}
        self._waves: dict[str, tuple[Wave, ...]] = {}

    async def __call__(self, message: OutboxMessage) -> Reply:
        language = message.language
        if language not in self._deployment.languages:
            language = self._deployment.default_language
        if message.kind == "broadcast":
            texts, photo = await self._broadcast(message)
            reply = broadcast_message(texts, language, self._deployment.default_language, photo)
            consultation = message.payload.get("consultation")
            if isinstance(consultation, str):  # a follow-up that opens a new round
                reply = with_consultation_button(reply, consultation, language)
            initiative_id = message.payload.get("initiative")
            if isinstance(initiative_id, str) and self._initiatives is not None:
                # an organizer's message to the sign-ups: say whose and about what
                initiative = await self._initiatives(initiative_id)
                if initiative is not None:
                    reply = from_organizer(self._deployment, initiative, reply, language)
            return reply
        if message.kind == "initiative":
            initiative_id = str(message.payload.get("initiative"))
            found = self._initiatives and await self._initiatives(initiative_id)
            if not found:
                raise UnknownContent(message)
            event = str(message.payload.get("event"))
            return initiative_message(self._deployment, found, event, language)
        return wave_message(self._deployment, self._wave(message), message.kind, language)

    def _wave(self, message: OutboxMessage) -> Wave:
        poll = self._deployment.poll(str(message.payload.get("poll")))
        if poll is None:
            raise UnknownContent(message)
        if poll.id not in self._waves:
            self._waves[poll.id] = waves_of(poll, self._zone)
        number = message.payload.get("wave")
        wave = next((w for w in self._waves[poll.id] if w.number == number), None)
        if wave is None:
            raise UnknownContent(message)
        return wave

    async def _broadcast(self, message: OutboxMessage) -> tuple[Mapping[str, str], str | None]:
        broadcast_id = message.payload.get("broadcast")
        if not isinstance(broadcast_id, int):
            raise UnknownContent(message)
        if broadcast_id not in self._broadcasts:
            content = await self._lookup(broadcast_id)
            if content is None or not content[0]:
                raise UnknownContent(message)
            self._broadcasts[broadcast_id] = content
        return self._broadcasts[broadcast_id]
