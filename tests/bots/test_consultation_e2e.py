"""A consultation end to end on Telegram (both frameworks): answer in free text, write a
statement that is screened and waits for a mediator, vote on statements one at a time in
priority order, stop and come back; what is stored."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage import consultations
from storage.database import create_engine
from storage.models import ConsultationAnswer, Statement, StatementVote
from tests.bots.conftest import RunningBot
from tests.bots.test_telegram import onboard
from tests.fakes.bot_api import Citizen, FakeBotApi

SEED_WOMEN = "Women from the affected communities must hold at least a third of the seats."
SEED_INTERNATIONAL = "The committee should include international observers, not only the parties."


async def test_answer_statement_vote_stop_and_resume(bot: RunningBot, api: FakeBotApi) -> None:
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
