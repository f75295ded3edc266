"""Updates are confirmed to Telegram only once handled, in polling and webhook mode.

See `bots.telegram.updates`. The kill -9 under load is in `test_kill_under_load`; here each
path alone: a crash between the commit and the reply, a transaction that fails, a webhook
answered only once the reply was sent.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, text

from bots.telegram import webhook
from bots.telegram.updates import MAX_ATTEMPTS, Attempts
from config.settings import Settings
from storage.database import create_engine
from storage.models import Participant, ProcessedUpdate
from tests.bots.conftest import SECRET, TOKEN, RunningBot, make_settings
from tests.bots.test_run_process import BotProcess, clean_env
from tests.fakes.bot_api import ApiError, FakeBotApi

SORRY = "Sorry, something went wrong on our side"


async def sql(database_url: str, statement: str) -> list[tuple[object, ...]]:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def count(database_url: str, entity: type[object]) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(entity)) or 0)
    finally:
        await engine.dispose()


def failing_from(update_id: int) -> str:
    """SQLite: every update from ``update_id`` on fails in its transaction."""
    return (
        "CREATE TRIGGER fail_updates BEFORE INSERT ON processed_updates "
        f"WHEN NEW.update_id >= {update_id} BEGIN SELECT RAISE(ABORT, 'injected'); END"
    )


async def test_a_reply_lost_in_a_crash_after_the_commit_is_sent_after_the_restart(
    tmp_path: Path, framework: str, sqlite_url: str
) -> None:
    async with FakeBotApi(token=TOKEN) as api:
        env = clean_env(
            PEACEPULSE_TELEGRAM_TOKEN=TOKEN,
            PEACEPULSE_TELEGRAM_API_URL=api.base_url,
            PEACEPULSE_SECRET_KEY=SECRET,
            PEACEPULSE_DATA_DIR=str(tmp_path),
            PEACEPULSE_DATABASE_URL=sqlite_url,
            PEACEPULSE_BOT_FRAMEWORK=framework,
        )
        bot = BotProcess(env, tmp_path / "bot.log")
        await bot.start(api)
        citizen = api.citizen(4001, "Rahma")
        await citizen.send("/start")
        assert "Do you agree" in await citizen.wait_for_reply(timeout=30)

        async def die_before_the_reply(method: str, params: dict[str, object]) -> None:
            if method == "sendMessage" and "Which language" in str(params.get("text")):
                api.request_hooks.remove(die_before_the_reply)
                assert bot.process is not None
                os.kill(bot.process.pid, signal.SIGKILL)  # the consent is committed by now
                raise ApiError(502, "Bad Gateway")

        api.request_hooks.append(die_before_the_reply)
        pressed = await citizen.press("I agree")
        assert bot.process is not None
        await bot.process.wait()
        assert len(citizen.texts) == 1  # the consent question only
        owed = "SELECT update_id FROM processed_updates WHERE reply_owed IS NOT NULL"
        assert await sql(sqlite_url, owed) == [(pressed["update_id"],)]

        await bot.start(api)
        # the press comes again: already processed, and owed its reply, which it now gets
        assert "Which language" in await citizen.wait_for_reply(timeout=30)
        assert api.handed_out[pressed["update_id"]] >= 2
        await citizen.press("English")
        assert "Which region" in await citizen.wait_for_reply(timeout=30)
        assert await bot.terminate() == 0
    assert await count(sqlite_url, Participant) == 1


async def test_a_failing_transaction_is_tried_again_then_the_person_told(
    api: FakeBotApi, bot: RunningBot, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    citizen = api.citizen(4002, "Idriss")
    await citizen.send("/start")
    assert "Do you agree" in await citizen.wait_for_reply()
    processed = await count(sqlite_url, ProcessedUpdate)
    await sql(sqlite_url, failing_from(max(api.updates) + 1))
    update = await citizen.send("/help")
    # tried again, then told, once, and confirmed
    assert SORRY in await citizen.wait_for_reply(timeout=30)
    failed = f"could not process update {update['update_id']}"
    tries = [r for r in caplog.records if r.getMessage().partition(" (")[0] == failed]
    assert [r.getMessage().endswith("trying again") for r in tries] == [True, True, False]
    await sql(sqlite_url, "DROP TRIGGER fail_updates")
    await citizen.press("I agree")
    assert "Which language" in await citizen.wait_for_reply(timeout=30)
    await api.wait_idle()
    assert sum(SORRY in t for t in citizen.texts) == 1
    assert api.in_hand == []
    assert await count(sqlite_url, ProcessedUpdate) == processed + 1


def webhook_settings(
    api: FakeBotApi, sqlite_url: str, tmp_path: Path, framework: str, port: int
) -> Settings:
    return make_settings(
        api,
        sqlite_url,
        tmp_path,
        bot_framework=framework,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_secret="s3cret-value",
        webhook_port=port,
    )


async def test_the_webhook_answers_once_the_reply_was_sent_and_500_on_failure(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path, unused_tcp_port: int
) -> None:
    api.retry_webhook = True
    api.webhook_retry_delay = 0.1
    running = RunningBot(
        api, webhook_settings(api, sqlite_url, tmp_path, framework, unused_tcp_port)
    )
    answered_before_reply: list[int] = []

    async def replying(method: str, params: dict[str, object]) -> None:
        if method == "sendMessage":
            answered_before_reply.extend(d.update_id or 0 for d in api.webhook_deliveries)

    await running.start()
    try:
        citizen = api.citizen(4003, "Amani")
        api.request_hooks.append(replying)
        first = await citizen.send("/start")
        assert "Do you agree" in await citizen.wait_for_reply()
        await api.wait_idle()
        assert answered_before_reply == []  # no answer to the POST before the reply was sent
        assert [(d.update_id, d.status) for d in api.webhook_deliveries] == [
            (first["update_id"], 200)
        ]

        await sql(sqlite_url, failing_from(max(api.updates) + 1))
        api.request_hooks.remove(replying)
        failing = await citizen.send("/help")
        assert SORRY in await citizen.wait_for_reply(timeout=30)
        await api.wait_idle()
        statuses = [d.status for d in api.webhook_deliveries if d.update_id == failing["update_id"]]
        assert statuses == [500] * (MAX_ATTEMPTS - 1) + [200]  # Telegram sent it again
        assert sum(SORRY in t for t in citizen.texts) == 1
    finally:
        await running.stop()


async def test_the_receiver_answers_500_while_an_update_is_to_be_tried_again() -> None:
    attempts = Attempts()
    outcomes = iter(["fail", "raise", "fail", "ok", "raise", "raise", "raise"])

    async def deliver(update: dict[str, object]) -> None:
        outcome = next(outcomes)
        update_id = int(str(update["update_id"]))
        if outcome == "fail":  # what a handler does when the transaction failed
            attempts.failed(update_id)
        elif outcome == "raise":  # the framework itself failed
            raise RuntimeError("dispatch failed")

    app = webhook.application()
    app.router.add_post("/hook", webhook.receiver("secret", deliver, attempts))
    async with TestClient(TestServer(app)) as client:

        async def post(body: object) -> int:
            headers = {webhook.SECRET_HEADER: "secret"}
            async with client.post("/hook", json=body, headers=headers) as response:
                return response.status

        assert [await post({"update_id": 7}) for _ in range(3)] == [500, 500, 200]  # given up
        assert await post({"update_id": 8}) == 200
        assert [await post({"update_id": 9}) for _ in range(3)] == [500, 500, 200]
        assert await post({"no": "id"}) == 400
        assert await post([1]) == 400
