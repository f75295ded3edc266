"""The conversation service over the real store: batching, order, dedup, isolation of failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from config.deployment import demo_folder, load_deployment
from conversations.engine import Engine
from conversations.identity import pseudonym
from conversations.ports import Clock
from conversations.service import ConversationService
from conversations.values import Inbound, ParticipantKey, Press, Reply, Text
from storage.models import Answer, Participant
from storage.unit_of_work import unit_of_work_factory
from tests.conversations.conftest import fake_detect

SECRET = b"service-test-secret-0123456789"


class FixedClock(Clock):
    def now(self) -> datetime:
        return datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
async def service(engine: AsyncEngine) -> AsyncIterator[ConversationService]:
    deployment = load_deployment(demo_folder())
    yield ConversationService(
        Engine(deployment, fake_detect), unit_of_work_factory(engine), SECRET, FixedClock()
    )


class Person:
    def __init__(self, service: ConversationService, user: str) -> None:
        self.service = service
        self.key = ParticipantKey("test", user)
        self.update = 0
        self.last_buttons: dict[str, str] = {}

    async def send(self, event: Text | Press, update_id: int | None = None) -> str:
        inbound = Inbound(self.key, event, address=self.key.user, update_id=update_id)
        replies = await self.service.handle(inbound)
        if replies and replies[-1].buttons:
            self.last_buttons = {b.label: b.data for b in replies[-1].flat_buttons}
        return replies[-1].text if replies else ""

    async def press(self, label: str) -> str:
        return await self.send(Press(self.last_buttons[label]))

    async def onboard(self) -> None:
        await self.send(Text("/start"))
        await self.press("I agree")
        await self.press("English")
        for _ in range(3):
            await self.press("Prefer not to say")
        await self.press("Agenda for the peace talks")


async def count(engine: AsyncEngine, model: type[Answer] | type[Participant]) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model)) or 0)


async def test_many_people_at_once_are_batched_and_all_kept(
    service: ConversationService, engine: AsyncEngine
) -> None:
    people = [Person(service, f"u{i}") for i in range(40)]
    await asyncio.gather(*(p.onboard() for p in people))
    texts = await asyncio.gather(*(p.press("☐ Land and property") for p in people))
    assert all("☑ Land and property" in t or "Question 1 of 7" in t for t in texts)
    await asyncio.gather(*(p.press("Done ✔") for p in people))
    assert await count(engine, Participant) == 40
    assert await count(engine, Answer) == 40


async def test_one_persons_events_keep_their_order(service: ConversationService) -> None:
    person = Person(service, "ordered")
    await person.onboard()
    toggles = [
        person.last_buttons[label]
        for label in ("☐ Security and protection of civilians", "☐ Land and property")
    ]
    # Two presses sent without waiting: the second was made for the keyboard the first
    # replaced, so in order it expires; out of order, both would count.
    first, second = await asyncio.gather(
        person.send(Press(toggles[0])), person.send(Press(toggles[1]))
    )
    assert "Question 1 of 7" in first
    assert second.startswith("This button has expired.")
    assert "☑ Security and protection of civilians" in person.last_buttons  # first counted


async def test_a_redelivered_update_in_the_same_batch_is_processed_once(
    service: ConversationService, engine: AsyncEngine
) -> None:
    person = Person(service, "dup")
    await person.send(Text("/start"), update_id=1)
    data = person.last_buttons["I agree"]
    replies = await asyncio.gather(
        person.send(Press(data), update_id=2), person.send(Press(data), update_id=2)
    )
    assert sorted(bool(r) for r in replies) == [False, True]
    assert await count(engine, Participant) == 1


async def test_one_broken_participant_fails_alone(
    service: ConversationService, engine: AsyncEngine
) -> None:
    broken = Person(service, "broken")
    await broken.onboard()
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE participants SET state = :state WHERE id = :id"),
            {"state": '{"v": 99}', "id": pseudonym(SECRET, broken.key)},
        )
    others = [Person(service, f"ok{i}") for i in range(5)]
    results = await asyncio.gather(
        broken.send(Text("/polls")),
        *(p.send(Text("/start")) for p in others),
        return_exceptions=True,
    )
    assert "version 99" in str(results[0])
    assert all(isinstance(r, str) and "Do you agree" in r for r in results[1:])


async def test_votes_in_one_batch_see_each_other(
    service: ConversationService, engine: AsyncEngine
) -> None:
    """The service keeps a consultation's view current within a batch: two votes handled
    together move on to two different statements."""
    from storage.consultations import sync_seeds, vote_rows

    await sync_seeds(engine, load_deployment(demo_folder()), FixedClock().now())
    amina = Person(service, "amina")
    await amina.onboard()
    await amina.send(Text("/consult"))
    await amina.send(Text("Elders and women."))
    assert "Women from the affected" in await amina.press("Vote on statements")
    first, second = await asyncio.gather(amina.send(Text("1")), amina.send(Text("1")))
    assert "international observers" in first
    assert "Religious and traditional leaders" in second
    votes = await vote_rows(engine, "monitoring")
    assert sorted((s, v) for _, s, v in votes) == [(1, 1), (2, 1)]


async def test_a_nul_byte_in_free_text_is_dropped_not_a_failed_transaction(
    service: ConversationService, engine: AsyncEngine
) -> None:
    """PostgreSQL refuses NUL in text; the person's answer is kept without it."""
    person = Person(service, "nul")
    await person.onboard()
    replies: tuple[Reply, ...] = ()
    for _ in range(12):  # the first option of each question until the free-text one
        labels = list(person.last_buttons)
        label = "Done ✔" if any(b.startswith("☑") for b in labels) else labels[0]
        inbound = Inbound(person.key, Press(person.last_buttons[label]), "nul")
        replies = await service.handle(inbound)
        person.last_buttons = {b.label: b.data for b in replies[-1].flat_buttons}
        if replies[-1].expects_text:
            break
    assert replies[-1].expects_text
    await person.send(Text("peace\x00 now"))
    async with engine.connect() as connection:
        texts = (
            await connection.scalars(select(Answer.text).where(Answer.text.is_not(None)))
        ).all()
    assert texts == ["peace now"]


def agree(person: Person, update_id: int) -> Inbound:
    return Inbound(
        person.key, Press(person.last_buttons["I agree"]), person.key.user, update_id=update_id
    )


async def test_a_copy_of_an_update_still_owed_its_replies_gets_them_once_sent_nothing(
    engine: AsyncEngine,
) -> None:
    def started() -> ConversationService:  # the same store, as after a restart
        deployment = load_deployment(demo_folder())
        return ConversationService(
            Engine(deployment, fake_detect), unit_of_work_factory(engine), SECRET, FixedClock()
        )

    before_crash = started()
    person = Person(before_crash, "owed")
    await person.send(Text("/start"), update_id=1)
    inbound = agree(person, 2)
    replies = await before_crash.handle(inbound, until_replied=True)
    assert "Which language" in replies[-1].text
    # the process dies before sending them: the copy Telegram sends again gets them
    restarted = started()
    assert await restarted.handle(inbound, until_replied=True) == replies
    restarted.replied(inbound)
    await Person(restarted, "other").send(Text("/start"))  # a transaction after the reply
    # sent now: a further copy gets nothing, as does one from a channel without confirmation
    assert await started().handle(inbound, until_replied=True) == ()
    assert await started().handle(inbound) == ()
    assert await count(engine, Participant) == 1


async def test_a_copy_of_an_update_this_process_is_answering_gets_nothing(
    service: ConversationService,
) -> None:
    person = Person(service, "answering")
    await person.send(Text("/start"), update_id=1)
    inbound = agree(person, 2)
    first = await service.handle(inbound, until_replied=True)
    assert first
    # the first copy's replies are being sent (`replied` not called yet)
    assert await service.handle(inbound, until_replied=True) == ()
    both = await asyncio.gather(
        service.handle(agree(person, 3), until_replied=True),
        service.handle(agree(person, 3), until_replied=True),
    )
    assert [bool(replies) for replies in both] == [True, False]


async def test_replies_are_kept_only_until_sent(
    service: ConversationService, engine: AsyncEngine
) -> None:
    person = Person(service, "kept")
    await person.send(Text("/start"), update_id=1)
    inbound = agree(person, 2)
    await service.handle(inbound, until_replied=True)

    async def owed() -> list[int]:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT update_id FROM processed_updates WHERE reply_owed IS NOT NULL")
            )
            return [row[0] for row in rows]

    assert await owed() == [2]  # update 1 was handled without `until_replied`
    service.replied(inbound)
    await Person(service, "later").send(Text("/start"))
    assert await owed() == []
