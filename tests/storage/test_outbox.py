"""Contract of `SqlOutbox`, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.definitions import Audience
from conversations.ports import DeliveryReport, OutboxMessage, Outcome, SendResult
from conversations.waves import Wave
from storage.models import OutboxRow, Participant
from storage.outbox import (
    SKIPPED_OPTED_OUT,
    BroadcastContent,
    JobOverview,
    SqlOutbox,
    WaveOverview,
)
from storage.unit_of_work import unit_of_work_factory
from tests.storage.helpers import NOW, add_people, add_person, state

WAVE = Wave("ceasefire", 1, NOW, NOW + timedelta(days=7))
INVITE = "wave:ceasefire:1:invite"
REMIND = "wave:ceasefire:1:remind"
LEASE = 60.0


@pytest.fixture
def outbox(engine: AsyncEngine) -> SqlOutbox:
    return SqlOutbox(engine)


async def rows(engine: AsyncEngine, job: str | None = None) -> list[OutboxRow]:
    statement = select(OutboxRow.__table__).order_by(OutboxRow.id)
    if job is not None:
        statement = statement.where(OutboxRow.job == job)
    async with engine.connect() as connection:
        return [OutboxRow(**row._mapping) for row in await connection.execute(statement)]


async def recipients(engine: AsyncEngine, job: str) -> set[str]:
    return {row.participant_id for row in await rows(engine, job)}


async def claim_all(outbox: SqlOutbox, worker: str = "w1") -> list[OutboxMessage]:
    return await outbox.claim(1000, worker, NOW, LEASE)


async def test_a_wave_invites_every_reachable_consenting_person_once(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    await add_person(engine, "yes")
    await add_person(engine, "also", language="fr")
    await add_person(engine, "no-consent", consented=False)
    await add_person(engine, "paused", opted_out=True)
    await add_person(engine, "blocked")
    await add_person(engine, "no-address")
    async with engine.begin() as connection:
        await connection.execute(
            Participant.__table__.update()
            .where(Participant.id == "blocked")
            .values(unreachable_at=NOW)
        )
        await connection.exec_driver_sql(
            "DELETE FROM chat_addresses WHERE participant_id = 'no-address'"
        )

    assert await outbox.open_wave(WAVE, Audience(), NOW) == 2
    assert await recipients(engine, INVITE) == {"yes", "also"}
    queued = await rows(engine, INVITE)
    assert {(r.kind, r.status, r.attempts, r.due_at) for r in queued} == {
        ("invite", "queued", 0, NOW)
    }
    assert all(r.payload == {"poll": "ceasefire", "wave": 1} for r in queued)

    assert await outbox.open_wave(WAVE, Audience(), NOW + timedelta(minutes=1)) is None
    assert len(await rows(engine)) == 2
    assert await outbox.job_counts(INVITE) == {
        "queued": 2,
        "sending": 0,
        "sent": 0,
        "failed": 0,
        "unreachable": 0,
    }


async def test_an_empty_audience_still_opens_the_wave_once(outbox: SqlOutbox) -> None:
    assert await outbox.open_wave(WAVE, Audience(), NOW) == 0
    assert await outbox.open_wave(WAVE, Audience(), NOW) is None


async def test_audience_filters_must_all_hold(engine: AsyncEngine, outbox: SqlOutbox) -> None:
    await add_person(engine, "north-woman", profile={"region": "north", "gender": "woman"})
    await add_person(engine, "north-man", profile={"region": "north", "gender": "man"})
    await add_person(engine, "south-woman", profile={"region": "south", "gender": "woman"})
    await add_person(engine, "east-woman", profile={"region": "east", "gender": "woman"})
    await add_person(engine, "unstated")

    audience = Audience(regions=("north", "east"), profile={"gender": ("woman",)})
    assert await outbox.open_wave(WAVE, audience, NOW) == 2
    assert await recipients(engine, INVITE) == {"north-woman", "east-woman"}

    second = Wave("ceasefire", 2, NOW, NOW + timedelta(days=7))
    assert await outbox.open_wave(second, Audience(profile={"region": ("south",)}), NOW) == 1
    assert await recipients(engine, "wave:ceasefire:2:invite") == {"south-woman"}


async def test_the_region_field_is_configurable(engine: AsyncEngine) -> None:
    await add_person(engine, "a", profile={"home": "north"})
    await add_person(engine, "b", profile={"region": "north"})
    outbox = SqlOutbox(engine, region_field="home")
    assert await outbox.open_wave(WAVE, Audience(regions=("north",)), NOW) == 1
    assert await recipients(engine, INVITE) == {"a"}


async def test_two_openers_at_once_open_the_wave_once(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    await add_people(engine, 50)
    other = SqlOutbox(engine)
    async with asyncio.timeout(20):
        results = await asyncio.gather(
            *(box.open_wave(WAVE, Audience(), NOW) for box in (outbox, other, outbox, other))
        )
    assert sorted(results, key=lambda r: r is None) == [50, None, None, None]
    assert len(await rows(engine, INVITE)) == 50


async def test_reminders_go_to_invited_people_who_did_not_complete(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    for person in ("done", "pending", "paused-later", "done-other-wave"):
        await add_person(engine, person)
    assert await outbox.queue_reminders(WAVE, NOW) is None  # not opened: nobody invited
    assert await outbox.open_wave(WAVE, Audience(), NOW) == 4
    await add_person(engine, "joined-later")
    uow = unit_of_work_factory(engine)
    async with uow() as work:
        await work.record_completion("done", "ceasefire", 1, NOW)
        await work.record_completion("done-other-wave", "ceasefire", 2, NOW)
        await work.set_opted_out("paused-later", True)
        await work.commit()

    later = NOW + timedelta(days=3)
    assert await outbox.queue_reminders(WAVE, later) == 2
    assert await recipients(engine, REMIND) == {"pending", "done-other-wave"}
    assert {r.kind for r in await rows(engine, REMIND)} == {"remind"}
    assert await outbox.queue_reminders(WAVE, later) is None
    assert len(await rows(engine, REMIND)) == 2


async def test_a_broadcast_goes_to_the_topic_subscribers(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    await add_person(engine, "news", topics=("news",))
    await add_person(engine, "both", topics=("news", "north"))
    await add_person(engine, "north", topics=("north",))
    await add_person(engine, "none")
    await add_person(engine, "paused", topics=("news",), opted_out=True)

    texts = {"en": "Talks resume", "fr": "Reprise des pourparlers"}
    job, queued = await outbox.queue_broadcast("news", texts, "https://x.test/p.jpg", NOW)
    assert queued == 2
    assert await recipients(engine, job) == {"news", "both"}
    broadcast_id = int(job.removeprefix("broadcast:"))
    assert {r.payload["broadcast"] for r in await rows(engine, job)} == {broadcast_id}
    assert await outbox.broadcast(broadcast_id) == BroadcastContent(texts, "https://x.test/p.jpg")
    assert await outbox.broadcast(broadcast_id + 100) is None

    everyone, queued = await outbox.queue_broadcast(None, {"en": "Hello"}, None, NOW)
    assert everyone != job
    assert queued == 4
    assert await recipients(engine, everyone) == {"news", "both", "north", "none"}


async def test_claims_are_disjoint_and_carry_what_the_sender_needs(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    await add_person(engine, "fr-person", address="4242", language="fr")
    await add_people(engine, 9)
    await outbox.open_wave(WAVE, Audience(), NOW)

    first = await outbox.claim(4, "w1", NOW, LEASE)
    second = await outbox.claim(4, "w2", NOW, LEASE)
    third = await outbox.claim(4, "w3", NOW, LEASE)
    assert [len(first), len(second), len(third)] == [4, 4, 2]
    assert await outbox.claim(4, "w4", NOW, LEASE) == []
    claimed = first + second + third
    assert len({m.id for m in claimed}) == 10
    assert [m.id for m in claimed] == sorted(m.id for m in claimed)
    french = next(m for m in claimed if m.participant == "fr-person")
    assert french == OutboxMessage(
        id=french.id,
        job=INVITE,
        participant="fr-person",
        channel="telegram",
        address="4242",
        language="fr",
        kind="invite",
        payload={"poll": "ceasefire", "wave": 1},
        attempts=1,
    )
    stored = {r.id: r for r in await rows(engine)}
    assert {(r.status, r.claimed_at) for r in stored.values()} == {("sending", NOW)}
    assert {stored[m.id].claimed_by for m in second} == {"w2"}


async def test_concurrent_claimers_never_share_a_row(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    await add_people(engine, 120)
    await outbox.open_wave(WAVE, Audience(), NOW)
    boxes = [SqlOutbox(engine) for _ in range(4)]

    async def claimer(box: SqlOutbox, name: str) -> list[int]:
        taken: list[int] = []
        while batch := await box.claim(7, name, NOW, LEASE):
            taken += [m.id for m in batch]
        return taken

    async with asyncio.timeout(30):
        taken = await asyncio.gather(*(claimer(b, f"w{i}") for i, b in enumerate(boxes)))
    every = [message_id for batch in taken for message_id in batch]
    assert len(every) == len(set(every)) == 120


async def test_skip_locked_passes_over_rows_another_claim_holds(
    engine: AsyncEngine, outbox: SqlOutbox, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writing transaction at a time: claimers take turns")
    await add_people(engine, 6)
    await outbox.open_wave(WAVE, Audience(), NOW)
    async with engine.connect() as holder:
        # another dispatcher's claim transaction, stopped half-way with three rows locked
        await holder.begin()
        held = (
            await holder.execute(
                select(OutboxRow.id)
                .order_by(OutboxRow.id)
                .limit(3)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
        held_ids = set(held)
        async with asyncio.timeout(10):
            claimed = await outbox.claim(10, "w2", NOW, LEASE)
        await holder.rollback()
    assert len(claimed) == 3
    assert not held_ids & {m.id for m in claimed}


async def test_an_expired_lease_is_claimed_again(engine: AsyncEngine, outbox: SqlOutbox) -> None:
    await add_people(engine, 2)
    await outbox.open_wave(WAVE, Audience(), NOW)
    first = await outbox.claim(1, "crashed", NOW, LEASE)
    assert await outbox.claim(5, "w2", NOW + timedelta(seconds=59), LEASE) != []  # the other
    assert await outbox.claim(5, "w2", NOW + timedelta(seconds=59), LEASE) == []
    again = await outbox.claim(5, "w2", NOW + timedelta(seconds=61), LEASE)
    assert [(m.id, m.attempts) for m in again] == [(first[0].id, 2)]


async def test_settling_each_outcome(engine: AsyncEngine, outbox: SqlOutbox) -> None:
    await add_people(engine, 6)
    await outbox.open_wave(WAVE, Audience(), NOW)
    sent, flood, flaky, hopeless, refused, blocked = await claim_all(outbox)
    later = NOW + timedelta(seconds=5)
    retry_at = NOW + timedelta(seconds=30)

    await outbox.settle(sent, SendResult(Outcome.SENT), later, None)
    await outbox.settle(flood, SendResult(Outcome.RETRY, 7.0, "429"), later, retry_at)
    await outbox.settle(flaky, SendResult(Outcome.RETRY, None, "502 Bad Gateway"), later, retry_at)
    await outbox.settle(hopeless, SendResult(Outcome.RETRY, None, "timeout"), later, None)
    await outbox.settle(refused, SendResult(Outcome.FAILED, None, "x" * 500), later, None)
    await outbox.settle(blocked, SendResult(Outcome.UNREACHABLE, None, "blocked"), later, None)

    stored = {r.id: r for r in await rows(engine)}
    assert (stored[sent.id].status, stored[sent.id].sent_at) == ("sent", later)
    assert (stored[flood.id].status, stored[flood.id].due_at) == ("queued", retry_at)
    assert stored[flood.id].attempts == 0  # flood control is not the message's fault
    assert (stored[flaky.id].status, stored[flaky.id].attempts) == ("queued", 1)
    assert stored[flaky.id].last_error == "502 Bad Gateway"
    assert (stored[hopeless.id].status, stored[hopeless.id].last_error) == ("failed", "timeout")
    assert (stored[refused.id].status, stored[refused.id].last_error) == ("failed", "x" * 200)
    assert stored[blocked.id].status == "unreachable"
    async with engine.connect() as connection:
        unreachable = dict(
            (await connection.execute(select(Participant.id, Participant.unreachable_at))).all()
        )
    assert unreachable[blocked.participant] == later
    assert [p for p, at in unreachable.items() if at is not None] == [blocked.participant]

    # due again only at retry_at; settling a message twice changes nothing
    assert await outbox.claim(10, "w1", retry_at - timedelta(seconds=1), LEASE) == []
    await outbox.settle(sent, SendResult(Outcome.FAILED, None, "late"), later, None)
    assert (await rows(engine))[0].status == "sent"
    retried = await outbox.claim(10, "w1", retry_at, LEASE)
    assert sorted(m.id for m in retried) == sorted([flood.id, flaky.id])
    assert await outbox.job_counts(INVITE) == {
        "queued": 0,
        "sending": 2,
        "sent": 1,
        "failed": 2,
        "unreachable": 1,
    }


async def test_unreachable_people_are_left_out_from_then_on(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    await add_people(engine, 3)
    await outbox.open_wave(WAVE, Audience(), NOW)
    news, _ = await outbox.queue_broadcast(None, {"en": "News"}, None, NOW)
    invitations = await outbox.claim(3, "w1", NOW, LEASE)
    assert {m.job for m in invitations} == {INVITE}
    blocked = invitations[0]
    await outbox.settle(blocked, SendResult(Outcome.UNREACHABLE), NOW, None)
    for message in invitations[1:]:
        await outbox.settle(message, SendResult(Outcome.SENT), NOW, None)

    # the broadcast queued before they blocked the bot is not sent to them ...
    others = sorted({"1", "2", "3"} - {blocked.participant})
    rest = await outbox.claim(10, "w1", NOW, LEASE)
    assert sorted((m.job, m.participant) for m in rest) == sorted([(news, p) for p in others])
    assert await outbox.job_counts(news) == {
        "queued": 0,
        "sending": 2,
        "sent": 0,
        "failed": 0,
        "unreachable": 1,
    }
    # ... nor is any later one, until they write to the bot again
    _, queued = await outbox.queue_broadcast(None, {"en": "More"}, None, NOW)
    assert queued == 2
    uow = unit_of_work_factory(engine)
    async with uow() as work:
        state = await work.load_state_for_update(blocked.participant)
        assert state is not None
        await work.save_state(blocked.participant, state, NOW)
        await work.commit()
    _, queued = await outbox.queue_broadcast(None, {"en": "Welcome back"}, None, NOW)
    assert queued == 3


async def test_people_who_paused_after_queuing_are_skipped(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    await add_people(engine, 2)
    await outbox.open_wave(WAVE, Audience(), NOW)
    async with unit_of_work_factory(engine)() as work:
        await work.set_opted_out("1", True)
        await work.commit()
    claimed = await claim_all(outbox)
    assert [m.participant for m in claimed] == ["2"]
    skipped = next(r for r in await rows(engine) if r.participant_id == "1")
    assert (skipped.status, skipped.last_error) == ("failed", SKIPPED_OPTED_OUT)


async def test_forgetting_a_person_drops_their_pending_messages(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    await add_people(engine, 3)
    await outbox.open_wave(WAVE, Audience(), NOW)
    await outbox.queue_broadcast(None, {"en": "News"}, None, NOW)
    async with unit_of_work_factory(engine)() as work:
        await work.forget("2")
        await work.commit()
    assert {r.participant_id for r in await rows(engine)} == {"1", "3"}
    assert len(await rows(engine)) == 4


async def test_overviews(engine: AsyncEngine, outbox: SqlOutbox) -> None:
    await add_people(engine, 3)
    await outbox.open_wave(WAVE, Audience(), NOW)
    job, _ = await outbox.queue_broadcast(None, {"en": "News"}, None, NOW)
    first = (await outbox.claim(1, "w1", NOW, LEASE))[0]
    await outbox.settle(first, SendResult(Outcome.SENT), NOW, None)
    async with unit_of_work_factory(engine)() as work:
        await work.record_completion("1", "ceasefire", 1, NOW)
        await work.record_completion("2", "ceasefire", 1, NOW)
        await work.record_completion("2", "ceasefire", 2, NOW)
        await work.commit()

    assert await outbox.jobs_overview() == [
        JobOverview(INVITE, queued=2, sending=0, sent=1, failed=0, unreachable=0),
        JobOverview(job, queued=3, sending=0, sent=0, failed=0, unreachable=0),
    ]
    assert (await outbox.jobs_overview())[0].total == 3
    assert await outbox.waves_overview() == [
        WaveOverview(
            poll_id="ceasefire",
            number=1,
            opens_at=WAVE.opens_at,
            closes_at=WAVE.closes_at,
            opened_at=NOW,
            invited=3,
            completed=2,
            reminders_queued_at=None,
        )
    ]


async def test_a_cancelled_claim_does_not_leave_the_database_locked(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    await add_people(engine, 50)
    await outbox.open_wave(WAVE, Audience(), NOW)
    for step in range(12):
        claim = asyncio.create_task(outbox.claim(5, "doomed", NOW, LEASE))
        await asyncio.sleep(step * 0.001)
        claim.cancel()
        # the next writer gets on at once (a cut-off SQLite transaction would keep the lock)
        async with asyncio.timeout(5):
            await outbox.queue_broadcast(None, {"en": f"after {step}"}, None, NOW)
    await asyncio.sleep(0.3)  # the last claim finishes in the background
    counts = await outbox.job_counts(INVITE)
    assert counts["queued"] + counts["sending"] == 50


async def test_platform_ids_and_delivery_reports(engine: AsyncEngine, outbox: SqlOutbox) -> None:
    """WhatsApp: the id a send returns is kept; status reports move forward only; a failure
    for an unreachable person marks the row and the person."""
    await add_person(engine, "amina", channel="whatsapp", address="+23566000001")
    await add_person(engine, "karim", channel="whatsapp", address="+23566000002")
    _, queued = await outbox.queue_broadcast(None, {"en": "Hello"}, None, NOW)
    assert queued == 2
    sent = {m.participant: m for m in await claim_all(outbox)}
    for person, message in sent.items():
        result = SendResult(Outcome.SENT, message_id=f"wamid.{person}")
        await outbox.settle(message, result, NOW, None)
    reports = [
        DeliveryReport("wamid.amina", "read"),
        DeliveryReport("wamid.amina", "delivered"),  # late: read stays
        DeliveryReport("wamid.karim", "failed", unreachable=True, detail="WhatsApp 131026"),
        DeliveryReport("wamid.unknown", "delivered"),
    ]
    assert await outbox.record_deliveries(reports, NOW) == 2
    found = {r.participant_id: (r.status, r.platform_id, r.delivery) for r in await rows(engine)}
    assert found == {
        "amina": ("sent", "wamid.amina", "read"),
        "karim": ("unreachable", "wamid.karim", "failed"),
    }
    async with engine.connect() as connection:
        unreachable = await connection.scalar(
            select(Participant.unreachable_at).where(Participant.id == "karim")
        )
    assert unreachable is not None


async def test_when_people_last_wrote_is_read_together(
    engine: AsyncEngine, outbox: SqlOutbox
) -> None:
    for person in ("a", "b", "c"):
        await add_person(engine, person)
    async with unit_of_work_factory(engine)() as work:
        await work.save_state("a", state(last_active=NOW - timedelta(hours=3)), NOW)
        await work.commit()
    asked = await asyncio.gather(*(outbox.last_message_at(p) for p in ("a", "b", "nobody", "a")))
    assert asked == [NOW - timedelta(hours=3), None, None, NOW - timedelta(hours=3)]
