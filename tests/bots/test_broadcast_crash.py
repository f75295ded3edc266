"""A broadcast survives `kill -9`: `peacepulse run` is killed mid-broadcast and restarted; every
recipient gets the message, and no more copies go out twice than the dispatcher had in flight.

Participants consent and subscribe through the real `ConversationService` in this process, on
the SQLite file the subprocess uses; the broadcast is queued with `peacepulse broadcast`.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, select, update

from bots.app import open_app
from config.deployment import demo_folder
from config.settings import Settings
from conversations.values import Inbound, ParticipantKey, Press, Reply, Text
from scheduler.dispatcher import DispatcherSettings
from storage.database import create_engine
from storage.models import OutboxRow
from storage.outbox import SqlOutbox
from tests.bots.conftest import SECRET, TOKEN
from tests.bots.test_run_process import CLI, BotProcess, clean_env
from tests.fakes.bot_api import FakeBotApi

RECIPIENTS = 300
SEND_RATE = 100
TOPIC = "process"
FIRST_CHAT = 700_000
TEXT = "The parties signed the ceasefire annex today."
DELIVERY_TIMEOUT = 60.0


def deployment_folder(folder: Path) -> Path:
    """The demo deployment, never quiet (or real night in N'Djamena would hold every send back)
    and without wave schedules (an open wave would queue invitations beside the broadcast)."""
    shutil.copytree(demo_folder(), folder)
    header = folder / "deployment.yaml"
    data = yaml.safe_load(header.read_text(encoding="utf-8"))
    data["quiet_hours"] = {"start": "00:00", "end": "00:00"}
    header.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for poll_file in (folder / "polls").glob("*.yaml"):
        poll = yaml.safe_load(poll_file.read_text(encoding="utf-8"))
        if poll.pop("schedule", None) is not None:
            poll_file.write_text(yaml.safe_dump(poll, allow_unicode=True), encoding="utf-8")
    return folder


async def subscribe_participants(settings: Settings, chats: list[int]) -> None:
    """Each chat consents (the notice's "I agree") and subscribes to TOPIC with /subscribe."""
    async with open_app(settings, SECRET.encode()) as app:

        async def handle(chat: int, event: Text | Press) -> tuple[Reply, ...]:
            inbound = Inbound(ParticipantKey("telegram", str(chat)), event, str(chat))
            return await app.service.handle(inbound)

        async def one(chat: int) -> None:
            (notice,) = await handle(chat, Text("/start"))
            agree = notice.buttons[0][0]
            assert agree.data.startswith("-:c:"), notice.buttons
            await handle(chat, Press(agree.data))
            (topics,) = await handle(chat, Text("/subscribe"))
            toggle = next(b for row in topics.buttons for b in row if b.data.endswith(TOPIC))
            await handle(chat, Press(toggle.data))

        await asyncio.gather(*(one(chat) for chat in chats))


async def queue_broadcast(env: dict[str, str], text_file: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "broadcast",
        "--topic",
        TOPIC,
        "--text-file",
        str(text_file),
        "--yes",
        "--no-wait",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    said = output.decode()
    assert process.returncode == 0, said
    assert f"{RECIPIENTS} messages queued as broadcast:" in said, said
    return said.split(" queued as ", 1)[1].split()[0]


async def wait_for(
    condition: Callable[[], bool],
    timeout: float,  # noqa: ASYNC109 - a bound on the wait, by design
    failure: Callable[[], str],
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(failure())
        await asyncio.sleep(0.01)


async def in_flight_after_a_lease(database_url: str, lease_seconds: float) -> int:
    """Claims left unsettled by the killed process, aged by one lease: the restart then comes
    as if a lease later (the lease is 60 s, a long wait for a test) and takes them over."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            sending = OutboxRow.status == "sending"
            count = (
                await connection.execute(select(func.count()).select_from(OutboxRow).where(sending))
            ).scalar_one()
            aged = datetime.now(UTC) - timedelta(seconds=lease_seconds + 1)
            await connection.execute(update(OutboxRow).where(sending).values(claimed_at=aged))
        return int(count)
    finally:
        await engine.dispose()


async def test_a_broadcast_killed_midway_reaches_everyone_once_but_for_the_window(
    tmp_path: Path, framework: str
) -> None:
    chats = list(range(FIRST_CHAT, FIRST_CHAT + RECIPIENTS))
    folder = deployment_folder(tmp_path / "deployment")
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'peacepulse.db'}"
    settings = Settings(_env_file=None, data_dir=tmp_path, deployment=folder, secret_key=SECRET)
    await subscribe_participants(settings, chats)
    text_file = tmp_path / "news.txt"
    text_file.write_text(TEXT, encoding="utf-8")
    window = DispatcherSettings(rate=SEND_RATE)

    async with FakeBotApi(token=TOKEN) as api:
        api.known_chats(chats)
        env = clean_env(
            PEACEPULSE_TELEGRAM_TOKEN=TOKEN,
            PEACEPULSE_TELEGRAM_API_URL=api.base_url,
            PEACEPULSE_SECRET_KEY=SECRET,
            PEACEPULSE_DATA_DIR=str(tmp_path),
            PEACEPULSE_DEPLOYMENT=str(folder),
            PEACEPULSE_SEND_RATE=str(SEND_RATE),
            PEACEPULSE_BOT_FRAMEWORK=framework,
        )
        job = await queue_broadcast(env, text_file)
        bot = BotProcess(env, tmp_path / "bot.log")

        def log() -> str:
            return bot.log.read_text(encoding="utf-8", errors="replace")[-3000:]

        def copies() -> Counter[int]:
            return Counter(chat for chat in chats for m in api.messages(chat) if m.text == TEXT)

        await bot.start(api)
        await wait_for(
            lambda: len(api.sends) >= RECIPIENTS // 3,
            DELIVERY_TIMEOUT,
            lambda: f"only {len(api.sends)} sends before the kill; the bot's log:\n{log()}",
        )
        await bot.kill()
        before_kill = len(api.sends)
        assert before_kill < RECIPIENTS, "the broadcast was over before the kill"
        in_flight = await in_flight_after_a_lease(database_url, window.lease_seconds)
        assert 0 < in_flight <= window.slots

        await bot.start(api)
        await wait_for(
            lambda: len(copies()) == RECIPIENTS,
            DELIVERY_TIMEOUT,
            lambda: (
                f"after the restart only {len(copies())} of {RECIPIENTS} chats got the "
                f"broadcast ({before_kill} sends before the kill, {len(api.sends)} in all); "
                f"refusals: {api.refusals[-3:]}; the bot's log:\n{log()}"
            ),
        )
        assert await bot.terminate() == 0

    received = copies()
    assert set(received) == set(chats)
    duplicates = sum(received.values()) - RECIPIENTS
    # a copy goes out twice only if its send reached the server and the kill came before it
    # was settled: such rows were in flight, and the in-flight window bounds those
    assert duplicates <= in_flight <= window.slots, (duplicates, in_flight, window.slots)
    assert len(api.sends) == sum(received.values())  # nothing but the broadcast was sent

    engine = create_engine(database_url)
    try:
        counts = await SqlOutbox(engine).job_counts(job)
    finally:
        await engine.dispose()
    assert counts["sent"] == RECIPIENTS, counts
    assert sum(counts.values()) == RECIPIENTS, counts
    assert "Traceback" not in bot.log.read_text(encoding="utf-8"), log()
    print(  # shown with -s: how the run went
        f"{framework}: {before_kill} sends before the kill, {in_flight} in flight, "
        f"{duplicates} duplicates (window {window.slots})",
        file=sys.stderr,
    )
