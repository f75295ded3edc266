"""A consultation end to end on Telegram (both frameworks): answer in free text, write a
statement that is screened and waits for a mediator, vote on statements one at a time in
priority order, stop and come back; what is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import time_machine
from sqlalchemy import select

from bots.app import job_counts
from storage import consultations
from storage.database import create_engine
from storage.models import ConsultationAnswer, Statement, StatementVote
from tests.bots.conftest import RunningBot, make_settings
from tests.bots.test_telegram import onboard
from tests.fakes.bot_api import Citizen, FakeBotApi

MIDDAY = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 12:00 in N'Djamena: not quiet hours
SEED_WOMEN = "Women from the affected communities must hold at least a third of the seats."
SEED_INTERNATIONAL = "The committee should include international observers, not only the parties."


async def test_answer_statement_vote_stop_and_resume(bot: RunningBot, api: FakeBotApi) -> None:
    with time_machine.travel(MIDDAY, tick=True):  # the demo consultation is open
        amina = api.citizen(4101, "Amina")
        await onboard(amina)
        assert "💬 Who should monitor the ceasefire?" in amina.last_buttons

        await amina.send("/consult")
        intro = await amina.wait_for_reply()
        assert "Ceasefire monitoring committee" in intro
        assert "Who should sit on the ceasefire monitoring committee, and why?" in intro
        await amina.send(
            "Des femmes de chaque village et des observateurs de l'Union africaine, car les "
            "parties ne se font pas confiance."
        )
        assert "your answer is saved" in (text := await amina.wait_for_reply())
        assert "write a short statement" in text

        await amina.send("Call me on +235 66 12 34 56: the committee must visit every village.")
        text = await amina.wait_for_reply()
        assert "once a mediator has reviewed it" in text
        assert "We removed personal details" in text

        await amina.press("Vote on statements")
        first = await amina.wait_for_reply()
        assert "Do you agree with this statement?" in first
        assert SEED_WOMEN in first  # four unseen seeds: the oldest first
        await amina.press("Agree")
        second = await amina.wait_for_reply()
        assert SEED_INTERNATIONAL in second
        await amina.press("Stop for now")
        assert "come back any time with /consult" in await amina.wait_for_reply()

        await amina.send("/consult")
        assert SEED_INTERNATIONAL in await amina.wait_for_reply()  # back where she stopped
        await amina.send("2")  # typed: the second button, Disagree
        assert "Do you agree" in await amina.wait_for_reply()

        database = create_engine(bot.settings.effective_database_url)
        try:
            async with database.connect() as connection:
                answer = (await connection.execute(select(ConsultationAnswer))).one()
                statement = (
                    await connection.execute(select(Statement).where(Statement.author.is_not(None)))
                ).one()
                votes = (await connection.execute(select(StatementVote.vote))).scalars().all()
            assert answer.language == "fr" and answer.language_probability is not None
            assert answer.respondent != "4101" and len(answer.respondent) == 64
            assert statement.status == "pending"
            assert "+235" not in statement.texts["en"] and "[…]" in statement.texts["en"]
            assert sorted(votes) == [-1, 1]

            # Pending statements reach nobody; once approved, a new statement is seen first.
            omar = api.citizen(4102, "Omar")
            await onboard(omar)
            await omar.press("💬 Who should monitor the ceasefire?")
            await omar.wait_for_reply()
            await omar.send("Elders and chiefs from each region.")
            await omar.wait_for_reply()
            await omar.press("Vote on statements")
            assert SEED_WOMEN in await omar.wait_for_reply()
            await consultations.moderate(database, statement.id, "approved", datetime.now(UTC))
            shown = []
            while "Do you agree" in (text := await _vote(omar, "Pass / unsure")):
                shown.append(text)
            assert "You have seen every statement for now" in text
            # Priority (Pol.is): agreed-with first, then the unseen ones (the approved newcomer
            # among them), and the one a voter disagreed with last.
            order = [
                next(i for i, t in enumerate(shown) if part in t)
                for part in (
                    "Religious and traditional",
                    "published within a week",
                    "must visit every village",
                    SEED_INTERNATIONAL,
                )
            ]
            assert order == [0, 1, 2, 3]
        finally:
            await database.dispose()


async def _vote(citizen: Citizen, label: str) -> str:
    await citizen.press(label)
    return await citizen.wait_for_reply()


async def test_a_followup_reaches_each_participant_once_and_opens_a_round(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(api, sqlite_url, tmp_path, bot_framework=framework)
    bot = RunningBot(api, settings)
    with time_machine.travel(MIDDAY, tick=True):
        await bot.start()
        try:
            amina, omar, fatima = (
                api.citizen(4201, "Amina"),
                api.citizen(4202, "Omar"),
                api.citizen(4203, "Fatima"),
            )
            for citizen in (amina, omar, fatima):
                await onboard(citizen)
            await amina.send("/consult")
            await amina.wait_for_reply()
            await amina.send("Elders and women from each village.")
            await amina.wait_for_reply()
            await omar.send("/consult")
            await omar.wait_for_reply()
            await omar.press("Vote on statements")  # votes without answering
            await omar.wait_for_reply()
            await omar.press("Agree")
            await omar.wait_for_reply()

            database = create_engine(sqlite_url)
            try:
                job, queued, round_number = await consultations.queue_followup(
                    database,
                    "monitoring",
                    {"en": "We heard you: most want women on the committee.", "fr": "…", "ar": "…"},
                    {"en": "How often should it report?", "fr": "…", "ar": "…"},
                    datetime.now(UTC),
                )
                assert (queued, round_number) == (2, 1)
                for citizen in (amina, omar):
                    await _wait_for(citizen, "We heard you")
                    assert citizen.last_buttons == ["Answer the new question"]
                await api.wait_idle()
                assert not [m for m in fatima.messages if "We heard you" in m.text]
                for citizen in (amina, omar):
                    assert len([m for m in citizen.messages if "We heard you" in m.text]) == 1

                await amina.press("Answer the new question")
                assert "How often should it report?" in await amina.wait_for_reply()
                await amina.send("Every week, on the radio.")
                assert "your answer is saved" in await amina.wait_for_reply()
                async with database.connect() as connection:
                    rounds = (
                        await connection.execute(
                            select(ConsultationAnswer.round, ConsultationAnswer.text).order_by(
                                ConsultationAnswer.round
                            )
                        )
                    ).all()
                    counts = await job_counts(settings, job)
            finally:
                await database.dispose()
        finally:
            await bot.stop()
    assert [tuple(r) for r in rounds] == [
        (0, "Elders and women from each village."),
        (1, "Every week, on the radio."),
    ]
    assert counts.get("sent") == 2 and sum(counts.values()) == 2


async def _wait_for(citizen: Citizen, fragment: str) -> str:
    for _ in range(10):
        text = await citizen.wait_for_reply(timeout=10)
        if fragment in text:
            return text
    raise AssertionError(f"no message with {fragment!r}")


async def test_typing_the_consultations_number_in_the_menu_opens_it(
    bot: RunningBot, api: FakeBotApi
) -> None:
    """The menu's options can be typed by number, as on every prompt: the consultation's
    number (Western or Arabic digits) opens it (it ended in an apology: the view was not
    loaded for typed text)."""
    for chat, digits in ((4301, "0123456789"), (4302, "٠١٢٣٤٥٦٧٨٩")):
        citizen = api.citizen(chat, "Amina")
        await onboard(citizen)
        number = citizen.last_buttons.index("💬 Who should monitor the ceasefire?") + 1
        await citizen.send(digits[number])
        intro = await citizen.wait_for_reply()
        assert "Ceasefire monitoring committee" in intro, intro
        assert "Who should sit on the ceasefire monitoring committee, and why?" in intro
