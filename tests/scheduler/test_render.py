"""`OutboxRenderer`: queued rows become replies in their recipient's language, at send time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.telegram.common import TelegramClient
from bots.telegram.sender import TelegramSender
from conversations.definitions import Audience, Deployment, Initiative
from conversations.outbound import Kind, broadcast_message, wave_message
from conversations.ports import OutboxMessage
from conversations.waves import waves_of
from scheduler.dispatcher import Dispatcher, DispatcherSettings
from scheduler.render import OutboxRenderer, UnknownContent
from storage.outbox import SqlOutbox
from tests.fakes.bot_api import FakeBotApi
from tests.scheduler.conftest import WallClock, drain
from tests.storage.helpers import NOW, add_person

LANGUAGES = ("en", "fr")


def text(value: str) -> dict[str, str]:
    return {language: f"{value} ({language})" for language in LANGUAGES}


DEPLOYMENT = Deployment.model_validate(
    {
        "organization": text("Peace office"),
        "contact": "peace@example.org",
        "purpose": text("Listening"),
        "privacy_notice": text("Privacy"),
        "languages": LANGUAGES,
        "default_language": "en",
        "timezone": "Africa/Nairobi",
        "polls": [
            {
                "id": "pulse",
                "title": text("Pulse"),
                "intro": text("Two minutes"),
                "questions": [
                    {
                        "id": "q1",
                        "type": "single_choice",
                        "prompt": text("How safe?"),
                        "choices": [
                            {"id": "a", "label": text("A")},
                            {"id": "b", "label": text("B")},
                        ],
                    }
                ],
                "schedule": {
                    "start": datetime(2025, 3, 1, 9),  # noqa: DTZ001 - deployment time
                    "every_days": 7,
                    "waves": 3,
                    "open_days": 5,
                },
            }
        ],
    }
)
POLL = DEPLOYMENT.polls[0]
WAVES = waves_of(POLL, ZoneInfo("Africa/Nairobi"))


def message(kind: Kind, payload: dict[str, object], language: str = "fr") -> OutboxMessage:
    return OutboxMessage(
        id=1,
        job="job",
        participant="p1",
        channel="telegram",
        address="5001",
        language=language,
        kind=kind,
        payload=payload,
    )


class Broadcasts:
    def __init__(self) -> None:
        self.lookups: list[int] = []

    async def __call__(self, broadcast_id: int) -> tuple[Mapping[str, str], str | None] | None:
        self.lookups.append(broadcast_id)
        if broadcast_id != 7:
            return None
        return {"en": "Talks resume", "fr": "Reprise"}, "https://example.org/p.jpg"


async def test_invitations_and_reminders_of_a_wave() -> None:
    render = OutboxRenderer(DEPLOYMENT, Broadcasts())
    for kind in ("invite", "remind"):
        reply = await render(message(kind, {"poll": "pulse", "wave": 2}))
        assert reply == wave_message(DEPLOYMENT, WAVES[1], kind, "fr")
    # a language the deployment does not speak falls back to its default
    reply = await render(message("invite", {"poll": "pulse", "wave": 1}, language="sw"))
    assert reply == wave_message(DEPLOYMENT, WAVES[0], "invite", "en")


async def test_broadcasts_are_read_once() -> None:
    broadcasts = Broadcasts()
    render = OutboxRenderer(DEPLOYMENT, broadcasts)
    for language in ("fr", "en", "fr"):
        reply = await render(message("broadcast", {"broadcast": 7}, language))
        texts = {"en": "Talks resume", "fr": "Reprise"}
        assert reply == broadcast_message(texts, language, "en", "https://example.org/p.jpg")
    assert broadcasts.lookups == [7]


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("invite", {"poll": "gone", "wave": 1}),
        ("remind", {"poll": "pulse", "wave": 4}),
        ("broadcast", {"broadcast": 8}),
        ("broadcast", {}),
    ],
)
async def test_unknown_content_is_an_error(kind: Kind, payload: dict[str, object]) -> None:
    render = OutboxRenderer(DEPLOYMENT, Broadcasts())
    with pytest.raises(UnknownContent):
        await render(message(kind, payload))


async def test_a_photo_broadcast_end_to_end(
    engine: AsyncEngine, api: FakeBotApi, client: TelegramClient
) -> None:
    outbox = SqlOutbox(engine)
    await add_person(engine, "p1", address="5001", language="fr")
    await add_person(engine, "p2", address="5002", language="en")
    api.known_chats([5001, 5002])
    wave = WAVES[0]
    assert await outbox.open_wave(wave, Audience(), NOW) == 2
    job, _ = await outbox.queue_broadcast(
        None, {"en": "Talks resume", "fr": "Reprise"}, "https://example.org/p.jpg", NOW
    )
    dispatcher = Dispatcher(
        outbox,
        {"telegram": TelegramSender(client)},
        OutboxRenderer(DEPLOYMENT, outbox.broadcast),
        WallClock(),
        settings=DispatcherSettings(rate=100, idle_seconds=0.05),
    )
    await drain([dispatcher], outbox, ["wave:pulse:1:invite", job])

    for chat, language in ((5001, "fr"), (5002, "en")):
        invitation, news = api.messages(chat)
        expected = wave_message(DEPLOYMENT, wave, "invite", language)
        assert invitation.text == expected.text
        assert invitation.button_labels == [b.label for b in expected.flat_buttons]
        assert (news.photo, news.text) == (
            "https://example.org/p.jpg",
            {"fr": "Reprise", "en": "Talks resume"}[language],
        )


async def test_messages_about_an_initiative_are_rendered_from_its_current_definition() -> None:
    from tests.service.test_community import deployment_with, small_initiative

    deployment = deployment_with(small_initiative())
    asked: list[str] = []

    async def lookup(initiative_id: str) -> Initiative | None:
        asked.append(initiative_id)
        return deployment.initiative(initiative_id)

    render = OutboxRenderer(deployment, Broadcasts(), lookup)
    promoted = await render(
        message("initiative", {"initiative": "small_dialogue", "event": "promoted"})
    )
    assert promoted.text.startswith(
        "Bonne nouvelle : une place s'est libérée pour « Petit dialogue » (2026-12-01 09:00)"
    )
    question = await render(
        message("initiative", {"initiative": "small_dialogue", "event": "feedback"}, "ar")
    )
    assert [b.data for b in question.flat_buttons] == [
        "-:if:small_dialogue:y",
        "-:if:small_dialogue:n",
    ]
    assert asked == ["small_dialogue", "small_dialogue"]  # not cached: edits show
    with pytest.raises(UnknownContent):
        await render(message("initiative", {"initiative": "gone", "event": "remind"}))
