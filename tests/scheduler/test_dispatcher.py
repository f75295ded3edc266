"""The dispatcher against the fake Bot API server, through the real senders and the real outbox.

Every test runs on SQLite and on PostgreSQL (the ``engine`` fixture).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections import Counter
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.telegram.common import TelegramClient
from bots.telegram.sender import TelegramSender
from conversations.definitions import Audience, QuietHours
from conversations.outbound import quiet_until
from conversations.ports import OutboxMessage, Sender, SendResult
from conversations.values import Reply
from conversations.waves import Wave
from scheduler.dispatcher import DispatcherSettings
from scheduler.outage import Outages
from scheduler.render import UnknownContent
from storage.database import create_engine
from storage.models import OutboxRow, Participant
from storage.outbox import SqlOutbox
from tests.fakes.bot_api import FakeBotApi
from tests.scheduler.conftest import DispatcherFactory, drain, eventually, framework_client
from tests.storage.helpers import NOW, add_people

ROOT = Path(__file__).parents[2]
FIRST = 10_001
WAVE = Wave("ceasefire", 1, NOW, NOW + timedelta(days=7))
INVITE = "wave:ceasefire:1:invite"


async def invite(engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, count: int) -> None:
    """``count`` people the fake lets the bot write to, invited to a wave."""
    people = await add_people(engine, count, first=FIRST)
    api.known_chats(int(p) for p in people)
    assert await outbox.open_wave(WAVE, Audience(), NOW) == count


def received(api: FakeBotApi) -> Counter[tuple[int, str]]:
    """How many times each chat got each job's message."""
    return Counter((m.chat_id, m.text) for m in api.sent_messages)


async def outbox_rows(engine: AsyncEngine) -> list[OutboxRow]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(OutboxRow.__table__).order_by(OutboxRow.id))
        return [OutboxRow(**row._mapping) for row in rows]


@pytest.mark.parametrize("framework", ["botapi", "aiogram", "ptb"])
async def test_the_rate_is_kept_and_every_message_goes_once(
    engine: AsyncEngine,
    api: FakeBotApi,
    outbox: SqlOutbox,
    make_dispatcher: DispatcherFactory,
    framework: str,
) -> None:
    rate = 50
    await invite(engine, api, outbox, 120)
    api.rate_limit(rate)  # the server refuses anything over the rate: there must be no 429
    async with framework_client(framework, api) as client:
        dispatcher = make_dispatcher(rate=rate, telegram_client=client)
        await drain([dispatcher], outbox, [INVITE])

    assert api.refusals == []
    assert api.max_sends_in_window() <= rate
    assert received(api) == Counter({(FIRST + n, INVITE): 1 for n in range(120)})
    times = [send.at for send in api.sends]
    assert len(times) / (times[-1] - times[0]) >= 0.85 * rate
    assert await outbox.job_counts(INVITE) == {
        "queued": 0,
        "sending": 0,
        "sent": 120,
        "failed": 0,
        "unreachable": 0,
    }


async def test_one_chat_gets_at_most_one_message_a_second(
    engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, make_dispatcher: DispatcherFactory
) -> None:
    await invite(engine, api, outbox, 10)
    news, _ = await outbox.queue_broadcast(None, {"en": "News"}, None, NOW)
    more, _ = await outbox.queue_broadcast(None, {"en": "More"}, None, NOW)
    await drain([make_dispatcher(rate=100)], outbox, [INVITE, news, more])

    assert len(api.sends) == 30
    interval = api.min_chat_interval()
    assert interval is not None
    assert interval >= 1.0
    assert set(received(api).values()) == {1}


async def test_flood_control_pauses_everything_and_nothing_is_lost(
    engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, make_dispatcher: DispatcherFactory
) -> None:
    await invite(engine, api, outbox, 15)
    api.rate_limit(6)  # far below the dispatcher's own rate: the server answers 429
    await drain([make_dispatcher(rate=100, concurrency=4)], outbox, [INVITE])

    floods = [r for r in api.refusals if r.error_code == 429]
    assert floods
    # each 429 stopped every send for retry_after: at most the sends under way were refused
    # at each pause (hammering on would collect dozens a second)
    assert len(floods) <= 4 * 4
    assert received(api) == Counter({(FIRST + n, INVITE): 1 for n in range(15)})
    rows = await outbox_rows(engine)
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}  # 429s are not attempts


async def test_server_errors_are_retried_with_backoff(
    engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, make_dispatcher: DispatcherFactory
) -> None:
    await invite(engine, api, outbox, 4)
    api.fail_next("sendMessage", 500, count=4)  # a failure of the call: an attempt
    await drain([make_dispatcher(backoff_base=0.05)], outbox, [INVITE])

    assert received(api) == Counter({(FIRST + n, INVITE): 1 for n in range(4)})
    rows = await outbox_rows(engine)
    assert {r.status for r in rows} == {"sent"}
    assert sum(r.attempts for r in rows) == 4 + 4


class CountingSender(Sender):
    """The real sender, counting the sends tried while the server was away."""

    def __init__(self, inner: Sender, api: FakeBotApi) -> None:
        self._inner = inner
        self._api = api
        self.tried_while_down = 0

    async def send(self, address: str, reply: Reply) -> SendResult:
        if self._api.refusing:
            self.tried_while_down += 1
        return await self._inner.send(address, reply)


@pytest.mark.parametrize("fault", ["refused", "gateway"])
async def test_an_outage_pauses_the_channel_and_uses_up_no_attempts(  # noqa: PLR0917
    engine: AsyncEngine,
    api: FakeBotApi,
    outbox: SqlOutbox,
    client: TelegramClient,
    make_dispatcher: DispatcherFactory,
    fault: str,
) -> None:
    await invite(engine, api, outbox, 60)
    sender = CountingSender(TelegramSender(client), api)
    outages = Outages(first=0.1, longest=0.4)
    # two attempts at most: without the pause the outage would fail every row it touched
    dispatcher = make_dispatcher(
        rate=40, concurrency=4, max_attempts=2, outages=outages, sender=sender
    )
    draining = asyncio.create_task(drain([dispatcher], outbox, [INVITE]))
    await eventually(lambda: len(api.sends) >= 15)
    if fault == "refused":
        await api.refuse_connections()
        await asyncio.sleep(1.5)  # the outage lasts this long
        await api.accept_connections()
    else:  # the gateway in front of the API answers 502/503 for a while
        api.fail_next("sendMessage", 502, count=5)
        api.fail_next("sendMessage", 503, count=5)
    await draining

    assert received(api) == Counter({(FIRST + n, INVITE): 1 for n in range(60)})
    rows = await outbox_rows(engine)
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
    if fault == "refused":
        # paused: the sends under way when it began, then one probe at 0.1, 0.2, 0.4, 0.4… s
        assert 1 <= sender.tried_while_down <= 4 + 7
    else:
        gateway = [r for r in api.refusals if r.error_code in (502, 503)]
        assert len(gateway) == 10  # every one of them was tried again


async def test_retries_stop_after_max_attempts(
    engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, make_dispatcher: DispatcherFactory
) -> None:
    await invite(engine, api, outbox, 1)
    api.fail_next("sendMessage", 500, count=10)
    await drain([make_dispatcher(max_attempts=3, backoff_base=0.02)], outbox, [INVITE])

    (row,) = await outbox_rows(engine)
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error is not None
    assert row.last_error.startswith("gave up after 3 attempts: sendMessage")
    assert len(api.calls_to("sendMessage")) == 3
    assert api.sends == []


async def test_blocked_chats_become_unreachable_and_are_left_out_later(
    engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, make_dispatcher: DispatcherFactory
) -> None:
    await invite(engine, api, outbox, 6)
    api.block(FIRST + 1)
    api.block(FIRST + 4)
    await drain([make_dispatcher()], outbox, [INVITE])
    assert await outbox.job_counts(INVITE) == {
        "queued": 0,
        "sending": 0,
        "sent": 4,
        "failed": 0,
        "unreachable": 2,
    }
    async with engine.connect() as connection:
        unreachable = set(
            (
                await connection.execute(
                    select(Participant.id).where(Participant.unreachable_at.is_not(None))
                )
            ).scalars()
        )
    assert unreachable == {str(FIRST + 1), str(FIRST + 4)}

    job, queued = await outbox.queue_broadcast(None, {"en": "News"}, None, NOW)
    assert queued == 4
    await drain([make_dispatcher()], outbox, [job])
    assert {chat for chat, text in received(api) if text == job} == {
        FIRST + n for n in (0, 2, 3, 5)
    }


async def test_refused_messages_fail_without_retry(
    engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, make_dispatcher: DispatcherFactory
) -> None:
    await add_people(engine, 2, first=FIRST)  # the fake knows neither chat: 400
    await outbox.open_wave(WAVE, Audience(), NOW)
    await drain([make_dispatcher()], outbox, [INVITE])

    rows = await outbox_rows(engine)
    assert {(r.status, r.attempts) for r in rows} == {("failed", 1)}
    assert all("chat not found" in (r.last_error or "") for r in rows)
    assert len(api.calls_to("sendMessage")) == 2


async def test_quiet_hours_defer_sending(
    engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, make_dispatcher: DispatcherFactory
) -> None:
    await invite(engine, api, outbox, 5)
    zone = ZoneInfo("Africa/Nairobi")  # UTC+3 all year
    quiet = functools.partial(quiet_until, quiet=QuietHours(start=time(21), end=time(8)), zone=zone)
    evening = datetime(2025, 3, 1, 22, 30, tzinfo=zone)
    with time_machine.travel(evening, tick=True) as traveller:
        stop = asyncio.Event()
        run = asyncio.create_task(make_dispatcher(quiet=quiet).run(stop))
        try:
            await asyncio.sleep(0.4)
            assert api.sends == []
            assert (await outbox.job_counts(INVITE))["queued"] == 5
            traveller.move_to(datetime(2025, 3, 2, 7, 59, 59, tzinfo=zone))
            await asyncio.sleep(0.3)
            assert api.sends == []
            traveller.move_to(datetime(2025, 3, 2, 8, 0, tzinfo=zone))
            await eventually(lambda: len(api.sends) == 5)
        finally:
            stop.set()
            await run
    assert received(api) == Counter({(FIRST + n, INVITE): 1 for n in range(5)})


async def test_several_dispatchers_share_one_outbox(
    engine: AsyncEngine,
    database_url: str,
    api: FakeBotApi,
    outbox: SqlOutbox,
    make_dispatcher: DispatcherFactory,
) -> None:
    await invite(engine, api, outbox, 150)
    # each dispatcher as in a process of its own: its own engine, outbox and rate limiter
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        dispatchers = [make_dispatcher(box=SqlOutbox(e), rate=60) for e in engines]
        await drain(dispatchers, outbox, [INVITE])
    finally:
        for other in engines:
            await other.dispose()

    assert received(api) == Counter({(FIRST + n, INVITE): 1 for n in range(150)})
    workers = Counter(r.claimed_by for r in await outbox_rows(engine))
    assert set(workers) == {d.worker for d in dispatchers}
    assert min(workers.values()) >= 30


async def test_a_killed_dispatcher_loses_nothing_and_repeats_at_most_its_window(
    engine: AsyncEngine,
    database_url: str,
    api: FakeBotApi,
    outbox: SqlOutbox,
    make_dispatcher: DispatcherFactory,
) -> None:
    count, window = 80, 8
    await invite(engine, api, outbox, count)
    api.latency(0.05)  # sends take a while, so the kill finds some under way
    victim = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tests.scheduler.victim", database_url, api.base_url),
        *("80", str(window), "0.5"),
        cwd=ROOT,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await eventually(lambda: len(api.sends) >= 30 or victim.returncode is not None, 30)
        assert victim.returncode is None, "the dispatcher process stopped by itself"
    finally:
        victim.kill()  # kill -9: what it had claimed stays claimed, unsettled
        _, errors = await victim.communicate()
    assert b"Traceback" not in errors, errors.decode()
    left = await outbox.job_counts(INVITE)
    assert 0 < left["sending"] <= window

    await drain([make_dispatcher(rate=80, lease_seconds=0.5)], outbox, [INVITE])
    deliveries = received(api)
    assert set(deliveries) == {(FIRST + n, INVITE) for n in range(count)}
    duplicates = sum(deliveries.values()) - count
    assert duplicates <= left["sending"]
    assert (await outbox.job_counts(INVITE))["sent"] == count


async def test_stopping_puts_messages_waiting_for_their_turn_back(
    engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, make_dispatcher: DispatcherFactory
) -> None:
    await invite(engine, api, outbox, 12)
    stop = asyncio.Event()
    run = asyncio.create_task(make_dispatcher(rate=4, concurrency=12).run(stop))
    await asyncio.sleep(0.5)
    stop.set()
    async with asyncio.timeout(2):
        await run
    rows = await outbox_rows(engine)
    sent = [r for r in rows if r.status == "sent"]
    waiting = [r for r in rows if r.status == "queued"]
    assert 1 <= len(sent) <= 4
    assert len(sent) + len(waiting) == 12
    assert {r.attempts for r in waiting} == {0}
    assert len(api.sends) == len(sent)


async def test_run_until_empty_and_drain_once(
    engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, make_dispatcher: DispatcherFactory
) -> None:
    await invite(engine, api, outbox, 10)
    dispatcher = make_dispatcher(concurrency=4)
    assert await dispatcher.drain_once() == 4
    assert len(api.sends) == 4
    assert await dispatcher.run_until_empty() == 6
    assert await dispatcher.run_until_empty() == 0
    assert await dispatcher.drain_once() == 0
    assert received(api) == Counter({(FIRST + n, INVITE): 1 for n in range(10)})


async def test_a_channel_without_sender_or_content_fails(
    engine: AsyncEngine, api: FakeBotApi, outbox: SqlOutbox, make_dispatcher: DispatcherFactory
) -> None:
    await invite(engine, api, outbox, 2)
    async with engine.begin() as connection:
        await connection.exec_driver_sql(
            f"UPDATE chat_addresses SET channel = 'sms' WHERE participant_id = '{FIRST}'"
        )

    async def render(message: OutboxMessage) -> Reply:
        raise UnknownContent(message)

    assert await make_dispatcher(render=render).run_until_empty() == 2
    errors = sorted(str(r.last_error) for r in await outbox_rows(engine))
    assert errors[0].startswith("cannot render: UnknownContent(")
    assert errors[1] == "no sender for sms"
    assert {r.status for r in await outbox_rows(engine)} == {"failed"}
    assert api.sends == []


def test_default_concurrency_follows_the_rate() -> None:
    assert DispatcherSettings().slots == 13
    assert DispatcherSettings(rate=2).slots == 4
    assert DispatcherSettings(rate=100, expected_latency=0.2).slots == 20
    assert DispatcherSettings(concurrency=7).slots == 7
