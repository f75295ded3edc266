"""Contract of `SqlUnitOfWork`, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.ports import ConcurrentUpdate
from conversations.values import AnswerGiven, Button, Reply
from storage.models import (
    ChatAddress,
    Completion,
    Participant,
    ProcessedUpdate,
    ProfileValue,
    Subscription,
)
from storage.unit_of_work import (
    AlreadyInTransaction,
    NotInTransaction,
    SqlUnitOfWork,
    UnknownParticipant,
    unit_of_work_factory,
)
from tests.storage.helpers import NOW, answer_rows, state

Factory = Callable[[], SqlUnitOfWork]


@pytest.fixture
def uow(engine: AsyncEngine) -> Factory:
    return unit_of_work_factory(engine)


async def create(uow: Factory, *participants: str) -> None:
    async with uow() as work:
        for participant in participants:
            await work.save_state(participant, state(), NOW)
        await work.commit()


async def participant_row(engine: AsyncEngine, participant: str) -> Participant | None:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(Participant.__table__).where(Participant.id == participant)
            )
        ).first()
    return None if row is None else Participant(**row._mapping)


async def count(engine: AsyncEngine, entity: type[object]) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(entity)) or 0)


async def test_claim_update_is_true_only_the_first_time(uow: Factory) -> None:
    async with uow() as work:
        assert await work.claim_update("telegram", 10, NOW)
        assert not await work.claim_update("telegram", 10, NOW)
        await work.commit()
    async with uow() as work:
        assert not await work.claim_update("telegram", 10, NOW)
        assert await work.claim_update("telegram", 11, NOW)
        assert await work.claim_update("sms", 10, NOW)
        assert await work.claim_update("telegram", 2**62, NOW)
        await work.commit()


async def test_claim_is_forgotten_when_the_event_rolls_back(uow: Factory) -> None:
    async with uow() as work:
        assert await work.claim_update("telegram", 10, NOW)
    async with uow() as work:
        assert await work.claim_update("telegram", 10, NOW)


async def test_unknown_participant_has_no_state(uow: Factory) -> None:
    async with uow() as work:
        assert await work.load_state_for_update("nobody") is None


async def test_state_round_trip_and_timestamps(uow: Factory, engine: AsyncEngine) -> None:
    later = NOW + timedelta(minutes=5)
    async with uow() as work:
        await work.save_state("p1", state(seq=1), NOW)
        await work.commit()
    async with uow() as work:
        assert await work.load_state_for_update("p1") == state(seq=1)
        await work.save_state("p1", state(seq=2, stage="menu"), later)
        await work.commit()
    async with uow() as work:
        assert await work.load_state_for_update("p1") == state(seq=2, stage="menu")

    row = await participant_row(engine, "p1")
    assert row is not None
    assert (row.created_at, row.updated_at) == (NOW, later)
    assert row.created_at.tzinfo is UTC
    assert row.consented_at is None
    assert row.opted_out is False


async def test_datetimes_are_stored_as_utc(uow: Factory, engine: AsyncEngine) -> None:
    kyiv = timezone(timedelta(hours=2))
    local = datetime(2025, 3, 1, 14, 0, tzinfo=kyiv)
    async with uow() as work:
        await work.save_state("p1", state(), local)
        await work.commit()
    row = await participant_row(engine, "p1")
    assert row is not None
    assert row.created_at == NOW
    assert row.created_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(uow: Factory) -> None:
    async with uow() as work:
        with pytest.raises(StatementError, match="naive datetime"):
            await work.save_state("p1", state(), datetime(2025, 3, 1))  # noqa: DTZ001


async def test_leaving_without_commit_rolls_back(uow: Factory, engine: AsyncEngine) -> None:
    await create(uow, "p1")
    async with uow() as work:
        await work.save_state("p1", state(seq=9), NOW)
        await work.save_state("p2", state(), NOW)
        await work.record_profile("p1", "region", "south")
        await work.record_answer("p1", AnswerGiven("poll", "q1", choices=("a",)), NOW)
    async with uow() as work:
        assert await work.load_state_for_update("p1") == state()
        assert await work.load_state_for_update("p2") is None
    assert await count(engine, ProfileValue) == 0
    assert await answer_rows(engine) == []


async def test_an_exception_rolls_back(uow: Factory) -> None:
    with pytest.raises(RuntimeError):
        async with uow() as work:
            await work.save_state("p1", state(), NOW)
            raise RuntimeError
    async with uow() as work:
        assert await work.load_state_for_update("p1") is None


async def test_a_unit_of_work_cancelled_again_and_again_still_ends_its_transaction(
    uow: Factory, engine: AsyncEngine
) -> None:
    """Stopping a service cancels its task, sometimes more than once: the rollback still runs
    to its end, so the next writer is not left waiting for a lock nobody holds."""
    await create(uow, "p1")
    entered = asyncio.Event()

    async def hold() -> None:
        async with uow() as work:
            await work.load_state_for_update("p1")
            await work.save_state("p1", state(seq=9), NOW)
            entered.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(hold())
    await entered.wait()
    while not task.done():
        task.cancel()
        await asyncio.sleep(0)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    async with asyncio.timeout(10), uow() as work:  # a guard against a hang, not a speed test
        assert await work.load_state_for_update("p1") == state()
        await work.save_state("p1", state(seq=2), NOW)
        await work.commit()


async def test_rollback_after_commit_keeps_the_commit(uow: Factory) -> None:
    async with uow() as work:
        await work.save_state("p1", state(), NOW)
        await work.commit()
        await work.rollback()
    async with uow() as work:
        assert await work.load_state_for_update("p1") == state()


async def test_the_unit_of_work_is_used_inside_its_block(uow: Factory) -> None:
    work = uow()
    with pytest.raises(NotInTransaction):
        await work.load_state_for_update("p1")
    async with work:
        with pytest.raises(AlreadyInTransaction):
            await work.__aenter__()
    async with work:  # it can be used again once closed
        assert await work.load_state_for_update("p1") is None


async def test_answer_rows_by_kind(uow: Factory, engine: AsyncEngine) -> None:
    await create(uow, "p1")
    async with uow() as work:
        await work.record_answer("p1", AnswerGiven("poll", "single", choices=("yes",)), NOW)
        await work.record_answer("p1", AnswerGiven("poll", "scale", choices=("4",)), NOW)
        await work.record_answer("p1", AnswerGiven("poll", "multi", choices=("a", "b")), NOW)
        await work.record_answer("p1", AnswerGiven("poll", "number", number=2.5), NOW)
        await work.record_answer(
            "p1",
            AnswerGiven("poll", "text", text="Peace now", language="en", language_probability=0.9),
            NOW,
        )
        await work.record_answer("p1", AnswerGiven("poll", "skipped"), NOW)
        await work.commit()

    rows = await answer_rows(engine)
    summary = [
        (r["question_id"], r["choice"], r["number"], r["text"], r["text_language"]) for r in rows
    ]
    assert summary == [
        ("single", "yes", None, None, None),
        ("scale", "4", None, None, None),
        ("multi", "a", None, None, None),
        ("multi", "b", None, None, None),
        ("number", None, 2.5, None, None),
        ("text", None, None, "Peace now", "en"),
        ("skipped", None, None, None, None),
    ]
    assert rows[5]["text_language_probability"] == pytest.approx(0.9)
    assert {(r["respondent"], r["poll_id"], r["wave"], r["answered_at"]) for r in rows} == {
        ("p1", "poll", 0, NOW)
    }


async def test_a_new_answer_replaces_the_earlier_one(uow: Factory, engine: AsyncEngine) -> None:
    await create(uow, "p1", "p2")
    async with uow() as work:
        await work.record_answer("p1", AnswerGiven("poll", "multi", choices=("a", "b")), NOW)
        await work.record_answer("p1", AnswerGiven("poll", "other", choices=("x",)), NOW)
        await work.record_answer("p1", AnswerGiven("poll2", "multi", choices=("a",)), NOW)
        await work.record_answer("p2", AnswerGiven("poll", "multi", choices=("a",)), NOW)
        await work.commit()
    async with uow() as work:
        later = NOW + timedelta(hours=1)
        await work.record_answer("p1", AnswerGiven("poll", "multi", choices=("c", "d")), later)
        await work.commit()

    rows = await answer_rows(engine)
    assert sorted((r["respondent"], r["poll_id"], r["question_id"], r["choice"]) for r in rows) == [
        ("p1", "poll", "multi", "c"),
        ("p1", "poll", "multi", "d"),
        ("p1", "poll", "other", "x"),
        ("p1", "poll2", "multi", "a"),
        ("p2", "poll", "multi", "a"),
    ]

    async with uow() as work:
        await work.record_answer("p1", AnswerGiven("poll", "multi"), NOW)
        await work.commit()
    skipped = [r for r in await answer_rows(engine, poll_id="poll") if r["question_id"] == "multi"]
    assert [(r["respondent"], r["choice"]) for r in skipped] == [("p2", "a"), ("p1", None)]


async def test_profile_values_are_set_changed_and_removed(
    uow: Factory, engine: AsyncEngine
) -> None:
    await create(uow, "p1")
    async with uow() as work:
        await work.record_profile("p1", "region", "north")
        await work.record_profile("p1", "age", "18-29")
        await work.commit()
    async with uow() as work:
        await work.record_profile("p1", "region", "south")
        await work.record_profile("p1", "age", None)
        await work.record_profile("p1", "gender", None)
        await work.commit()
    async with engine.connect() as connection:
        rows = (await connection.execute(select(ProfileValue.field, ProfileValue.value))).all()
    assert [tuple(row) for row in rows] == [("region", "south")]


async def test_addresses_are_kept_per_channel(uow: Factory, engine: AsyncEngine) -> None:
    await create(uow, "p1")
    async with uow() as work:
        await work.save_address("p1", "telegram", "100")
        await work.save_address("p1", "sms", "+10000000")
        await work.save_address("p1", "telegram", "200")
        await work.commit()
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(ChatAddress.channel, ChatAddress.address).order_by(ChatAddress.channel)
        )
        assert [tuple(row) for row in rows] == [("sms", "+10000000"), ("telegram", "200")]


async def test_consent_and_opt_out(uow: Factory, engine: AsyncEngine) -> None:
    await create(uow, "p1")
    async with uow() as work:
        await work.record_consent("p1", NOW)
        await work.set_opted_out("p1", True)
        await work.commit()
    row = await participant_row(engine, "p1")
    assert row is not None
    assert (row.consented_at, row.opted_out) == (NOW, True)
    async with uow() as work:
        await work.set_opted_out("p1", False)
        await work.commit()
    row = await participant_row(engine, "p1")
    assert row is not None
    assert row.opted_out is False


@pytest.mark.parametrize(
    "action",
    [
        lambda work: work.record_consent("ghost", NOW),
        lambda work: work.set_opted_out("ghost", True),
        lambda work: work.record_profile("ghost", "region", "north"),
        lambda work: work.save_address("ghost", "telegram", "1"),
    ],
    ids=["consent", "opt-out", "profile", "address"],
)
async def test_participant_facts_need_a_saved_participant(
    uow: Factory, action: Callable[[SqlUnitOfWork], object]
) -> None:
    async with uow() as work:
        with pytest.raises(UnknownParticipant):
            await action(work)  # type: ignore[misc]


async def test_forget_erases_the_person_and_detaches_answers(
    uow: Factory, engine: AsyncEngine
) -> None:
    await create(uow, "p1", "p2")
    async with uow() as work:
        for person in ("p1", "p2"):
            await work.record_consent(person, NOW)
            await work.save_address(person, "telegram", f"chat-{person}")
            await work.record_profile(person, "region", "north")
            await work.record_answer(person, AnswerGiven("poll", "q1", choices=("a", "b")), NOW)
            await work.record_answer(
                person,
                AnswerGiven("poll", "q2", text="My street", language="en", language_probability=1),
                NOW,
            )
        await work.claim_update("telegram", 1, NOW)
        await work.commit()

    async with uow() as work:
        await work.forget("p1")
        await work.commit()

    async with uow() as work:
        assert await work.load_state_for_update("p1") is None
        assert await work.load_state_for_update("p2") is not None
    assert await participant_row(engine, "p1") is None
    assert await count(engine, ProfileValue) == 1
    assert await count(engine, ChatAddress) == 1
    assert await count(engine, ProcessedUpdate) == 1

    rows = await answer_rows(engine)
    assert len(rows) == 6
    kept = [r for r in rows if r["respondent"] == "p2"]
    assert [r["text"] for r in kept] == [None, None, "My street"]
    detached = [r for r in rows if r["respondent"] != "p2"]
    assert [(r["question_id"], r["choice"]) for r in detached] == [
        ("q1", "a"),
        ("q1", "b"),
        ("q2", None),
    ]
    (tombstone,) = {r["respondent"] for r in detached}
    assert tombstone != "p1"
    assert len(tombstone) == 64
    assert all(
        r["text"] is None and r["text_language"] is None and r["text_language_probability"] is None
        for r in detached
    )


async def test_forgetting_twice_gives_unrelated_identifiers(
    uow: Factory, engine: AsyncEngine
) -> None:
    tombstones = set()
    for _ in range(2):
        await create(uow, "p1")
        async with uow() as work:
            await work.record_answer("p1", AnswerGiven("poll", "q1", choices=("a",)), NOW)
            await work.forget("p1")
            await work.commit()
        tombstones |= {r["respondent"] for r in await answer_rows(engine)}
    assert len(tombstones) == 2


async def test_events_of_one_participant_are_serialized(uow: Factory) -> None:
    """A second event waits for the first one's commit and sees what it saved."""
    await create(uow, "p1")
    order: list[str] = []
    first_has_lock = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with uow() as work:
            loaded = await work.load_state_for_update("p1")
            assert loaded is not None
            first_has_lock.set()
            await release_first.wait()
            await work.save_state("p1", state(seq=loaded.seq + 1), NOW)
            order.append("first commits")
            await work.commit()

    async def second() -> int:
        await first_has_lock.wait()
        async with uow() as work:
            loaded = await work.load_state_for_update("p1")
            order.append("second loaded")
            assert loaded is not None
            await work.save_state("p1", state(seq=loaded.seq + 1), NOW)
            await work.commit()
            return loaded.seq

    first_task = asyncio.create_task(first())
    second_task = asyncio.create_task(second())
    try:
        async with asyncio.timeout(20):
            await first_has_lock.wait()
            await asyncio.sleep(0.3)
            assert not second_task.done(), "the second event did not wait for the first"
            release_first.set()
            await first_task
            seen_by_second = await second_task
    finally:
        release_first.set()
        await asyncio.gather(first_task, second_task, return_exceptions=True)

    assert order == ["first commits", "second loaded"]
    assert seen_by_second == 2
    async with uow() as work:
        final = await work.load_state_for_update("p1")
    assert final is not None
    assert final.seq == 3


async def test_creating_the_same_participant_twice_at_once_is_a_conflict(
    uow: Factory, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs writing transactions one after the other (BEGIN IMMEDIATE)")
    async with asyncio.timeout(20), uow() as first, uow() as second:
        assert await first.load_state_for_update("p1") is None
        assert await second.load_state_for_update("p1") is None
        await first.save_state("p1", state(seq=1), NOW)
        second_save = asyncio.create_task(second.save_state("p1", state(seq=2), NOW))
        await asyncio.sleep(0.3)
        assert not second_save.done(), "the second insert did not wait for the first"
        await first.commit()
        with pytest.raises(ConcurrentUpdate):
            await second_save
    async with uow() as work:
        assert await work.load_state_for_update("p1") == state(seq=1)


async def test_the_language_column_follows_the_state(uow: Factory, engine: AsyncEngine) -> None:
    async with uow() as work:
        await work.save_state("p1", state(language="fr"), NOW)
        await work.commit()
    row = await participant_row(engine, "p1")
    assert row is not None
    assert row.language == "fr"
    assert row.unreachable_at is None
    async with uow() as work:
        await work.save_state("p1", state(language="ar"), NOW)
        await work.commit()
    row = await participant_row(engine, "p1")
    assert row is not None
    assert row.language == "ar"


async def test_completions_are_recorded_once(uow: Factory, engine: AsyncEngine) -> None:
    await create(uow, "p1")
    later = NOW + timedelta(hours=1)
    async with uow() as work:
        await work.record_completion("p1", "ceasefire", 1, NOW)
        await work.record_completion("p1", "ceasefire", 1, later)
        await work.record_completion("p1", "ceasefire", 2, later)
        await work.record_completion("p1", "intro", 0, later)
        await work.commit()
    async with engine.connect() as connection:
        stored = (
            await connection.execute(
                select(Completion.poll_id, Completion.wave, Completion.completed_at).order_by(
                    Completion.poll_id, Completion.wave
                )
            )
        ).all()
    assert [tuple(row) for row in stored] == [
        ("ceasefire", 1, NOW),
        ("ceasefire", 2, later),
        ("intro", 0, later),
    ]
    async with uow() as work:
        with pytest.raises(UnknownParticipant):
            await work.record_completion("ghost", "ceasefire", 1, NOW)


async def test_subscriptions_are_idempotent(uow: Factory, engine: AsyncEngine) -> None:
    await create(uow, "p1")

    async def topics() -> list[str]:
        async with engine.connect() as connection:
            return list(
                (
                    await connection.execute(
                        select(Subscription.topic).order_by(Subscription.topic)
                    )
                ).scalars()
            )

    async with uow() as work:
        await work.set_subscription("p1", "news", True)
        await work.set_subscription("p1", "news", True)
        await work.set_subscription("p1", "north", True)
        await work.set_subscription("p1", "south", False)
        await work.commit()
    assert await topics() == ["news", "north"]
    async with uow() as work:
        await work.set_subscription("p1", "news", False)
        await work.set_subscription("p1", "news", False)
        await work.commit()
    assert await topics() == ["north"]
    async with uow() as work:
        with pytest.raises(UnknownParticipant):
            await work.set_subscription("ghost", "news", True)


async def test_answers_are_kept_per_wave(uow: Factory, engine: AsyncEngine) -> None:
    await create(uow, "p1")
    async with uow() as work:
        await work.record_answer("p1", AnswerGiven("poll", "q1", choices=("a",), wave=1), NOW)
        await work.record_answer("p1", AnswerGiven("poll", "q1", choices=("b",), wave=2), NOW)
        await work.record_answer("p1", AnswerGiven("poll", "q1", choices=("c",), wave=2), NOW)
        await work.commit()
    assert [(r["wave"], r["choice"]) for r in await answer_rows(engine)] == [(1, "a"), (2, "c")]


async def test_forget_also_drops_completions_and_subscriptions(
    uow: Factory, engine: AsyncEngine
) -> None:
    await create(uow, "p1", "p2")
    async with uow() as work:
        for person in ("p1", "p2"):
            await work.record_completion(person, "ceasefire", 1, NOW)
            await work.set_subscription(person, "news", True)
        await work.forget("p1")
        await work.commit()
    assert await count(engine, Completion) == 1
    assert await count(engine, Subscription) == 1


async def test_owed_replies_are_kept_with_their_update_until_sent(uow: Factory) -> None:
    replies = (
        Reply("Question 1 — « آمن » ?", buttons=((Button("Oui", "a:1"), Button("Non", "a:2")),)),
        Reply("Photo", replace=True, expects_text=True, photo="https://x.example/a.jpg"),
        Reply("1 3", several=True),
    )
    async with uow() as work:
        await work.claim_updates([("telegram", 1), ("telegram", 2), ("sms", 1)], NOW)
        await work.owe_replies({("telegram", 1): replies, ("sms", 1): replies[:1]})
        assert await work.owed_replies([("telegram", 1), ("telegram", 2)]) == {
            ("telegram", 1): replies
        }
        await work.commit()
    async with uow() as work:
        keys = [("telegram", 1), ("telegram", 2), ("sms", 1), ("telegram", 3)]
        assert await work.owed_replies(keys) == {("telegram", 1): replies, ("sms", 1): replies[:1]}
        await work.replies_sent([("telegram", 1), ("telegram", 1)])
        await work.commit()
    async with uow() as work:
        assert await work.owed_replies([("telegram", 1), ("sms", 1)]) == {("sms", 1): replies[:1]}
    async with uow() as work:  # nothing to do is no statement at all
        await work.owe_replies({})
        await work.replies_sent([])
        assert await work.owed_replies([]) == {}
