"""Waves end to end on Telegram, with the clock pinned: invitations, answers tagged with the
wave, one reminder to those who did not finish, nothing after the wave closes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import time_machine
from sqlalchemy import select

from bots.app import job_counts, poll_results
from storage.database import create_engine
from storage.models import Answer
from tests.bots.conftest import RunningBot, make_settings
from tests.bots.test_telegram import onboard
from tests.fakes.bot_api import Citizen, FakeBotApi

# The demo's implementation poll: a wave every 14 days from 2026-11-02 09:00 (UTC+1), 10 days
# open, one reminder after 72 hours.
BEFORE_WAVE_2 = datetime(2026, 11, 14, 10, 0, tzinfo=UTC)
WAVE_2_OPEN = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
REMINDER_DUE = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
WAVE_2_CLOSED = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
QUIET_NIGHT = datetime(2026, 11, 16, 22, 0, tzinfo=UTC)  # 23:00 in N'Djamena


async def wait_for(citizen: Citizen, fragment: str) -> str:
    for _ in range(10):
        text = await citizen.wait_for_reply(timeout=10)
        if fragment in text:
            return text
    raise AssertionError(f"no message with {fragment!r}")


async def answer_implementation(citizen: Citizen) -> None:
    await citizen.press("3")
    await citizen.wait_for_reply()
    await citizen.press("No")
    await citizen.wait_for_reply()
    await citizen.press("About the same")
    await citizen.wait_for_reply()
    await citizen.send("12")
    await citizen.wait_for_reply()
    await citizen.press("Skip")
    assert "are saved" in await citizen.wait_for_reply()


async def test_a_wave_invites_reminds_and_closes(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(api, sqlite_url, tmp_path, bot_framework=framework)
    bot = RunningBot(api, settings)
    with time_machine.travel(BEFORE_WAVE_2, tick=True) as clock:
        await bot.start()
        amina, omar = api.citizen(3001, "Amina"), api.citizen(3002, "Omar")
        await onboard(amina)
        await onboard(omar)
        assert "Is the ceasefire making a difference?" not in " ".join(amina.last_buttons)
        await bot.stop()

        clock.move_to(WAVE_2_OPEN)
        await bot.start()  # the scheduler opens the due wave at start
        for citizen in (amina, omar):
            text = await wait_for(citizen, "A new round of")
            assert (
                "“Is the ceasefire making a difference? (round 2)” is open until 2026-11-26" in text
            )
        await amina.press("Take part")
        assert "Question 1 of 5" in await amina.wait_for_reply()
        await answer_implementation(amina)
        await api.wait_idle()
        await bot.stop()

        clock.move_to(REMINDER_DUE)
        await bot.start()
        assert "A reminder" in await wait_for(omar, "A reminder")
        await api.wait_idle()
        assert not [m for m in amina.messages if "A reminder" in m.text]
        await bot.stop()

        clock.move_to(WAVE_2_CLOSED)
        await bot.start()
        await omar.press("Take part")  # the reminder's button, after the wave closed
        assert "This round of the poll has closed." in await omar.wait_for_reply()
        await api.wait_idle()
        await bot.stop()

    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as connection:
            waves = (await connection.execute(select(Answer.wave).distinct())).scalars().all()
    finally:
        await engine.dispose()
    assert waves == [2]
    results = await poll_results(settings, "implementation", "wave", wave=2)
    assert [g.label for g in results.groups] == ["Wave 2", "All waves"]


async def test_nothing_goes_out_in_quiet_hours(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(api, sqlite_url, tmp_path, bot_framework=framework)
    bot = RunningBot(api, settings)
    with time_machine.travel(BEFORE_WAVE_2, tick=True) as clock:
        await bot.start()
        citizen = api.citizen(3003, "Fatima")
        await onboard(citizen)
        await bot.stop()
        clock.move_to(QUIET_NIGHT)
        await bot.start()
        await asyncio.sleep(2)  # a dispatcher that ignored the night would have sent by now
        counts = await job_counts(settings, "wave:implementation:2:invite")
        sent_at_night = [m for m in citizen.messages if "A new round of" in m.text]
        await bot.stop()
        assert counts.get("queued") == 1
        assert sent_at_night == []
        clock.move_to(datetime(2026, 11, 17, 8, 0, tzinfo=UTC))  # 09:00 local
        await bot.start()
        await wait_for(citizen, "A new round of")
        await bot.stop()


async def test_mydata_shows_every_wave_answered(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path
) -> None:
    """/mydata lists the answers of every wave of a repeating poll (it showed the current
    wave alone: the conversation keeps one wave, the database all of them)."""
    settings = make_settings(api, sqlite_url, tmp_path, bot_framework=framework)
    bot = RunningBot(api, settings)
    with time_machine.travel(WAVE_2_OPEN, tick=True) as clock:
        await bot.start()
        amina = api.citizen(3101, "Amina")
        await onboard(amina)
        await amina.press("Is the ceasefire making a difference?")
        assert "Question 1 of 5" in await amina.wait_for_reply()
        await answer_implementation(amina)
        await api.wait_idle()
        await bot.stop()

        clock.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # the third wave is open
        await bot.start()
        await wait_for(amina, "A new round of")
        await amina.press("Take part")
        assert "Question 1 of 5" in await amina.wait_for_reply()
        await answer_implementation(amina)
        await amina.send("/mydata")
        mine = await wait_for(amina, "round 3")
        await bot.stop()
    assert "Is the ceasefire making a difference? (round 2):" in mine
    assert "Is the ceasefire making a difference? (round 3):" in mine
    assert mine.count("→ 12") == 2, mine
