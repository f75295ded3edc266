"""`peacepulse run` killed with SIGKILL under load, restarted: nothing a person sent is lost.

Many people go through the demo's onboarding and agenda poll at once, each sending their next
message when the answer to the last one came, as people do. Mid-way, while the bot holds
updates it fetched and has not confirmed, the process is killed and started again. Every
update must then be answered (before the kill, or after it: redelivered by Telegram and
answered, or answered with the replies it was owed), and every answer given must be in the
database once. On each framework, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from conversations.identity import pseudonym
from conversations.values import ParticipantKey
from storage.database import create_engine
from storage.models import Answer
from tests.bots.conftest import SECRET, TOKEN
from tests.bots.test_run_process import BotProcess, clean_env
from tests.fakes.bot_api import BotOutput, Citizen, FakeBotApi

PEOPLE = 30
WAIT = 120.0
"""Seconds a person waits for an answer: long enough for a restart on a busy machine."""

Check = Callable[[BotOutput], bool]


def says(text: str) -> Check:
    return lambda output: text in output.text


def shows(label: str) -> Check:
    return lambda output: label in output.message.button_labels


@dataclass(frozen=True)
class Step:
    press: str | None  # a button's label, or None to send ``text``
    text: str
    answered: Check


STEPS = (
    Step(None, "/start", says("Do you agree to take part?")),
    Step("I agree", "", says("Which language")),
    Step("English", "", says("Which region do you live in now?")),
    Step("Kessal Highlands", "", says("age group")),
    Step("Prefer not to say", "", says("gender")),
    Step("Woman", "", says("Choose a poll")),
    Step("Agenda for the peace talks", "", says("Question 1 of 7")),
    Step("☐ Land and property", "", shows("☑ Land and property")),
    Step("Done ✔", "", says("Question 2 of 7")),
    Step("Land and property", "", says("Question 3 of 7")),
    Step("4", "", says("Question 4 of 7")),
    Step("The armed parties and civil society", "", says("Question 7 of 7")),
    Step(None, "Les routes doivent rouvrir avant la saison des pluies.", says("are saved")),
)

EXPECTED_ANSWERS = [
    ("message_to_mediators", None),
    ("priority_issues", "land_property"),
    ("top_issue", "land_property"),
    ("confidence", "4"),
    ("who_at_table", "with_civil_society"),
]


class Load:
    """The people and what became of each update they sent."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.people = [api.citizen(3000 + i, f"Person {i}") for i in range(PEOPLE)]
        self.answered: dict[int, int] = {}  # update id → the output that answered it
        self.sent: list[int] = []

    async def person(self, citizen: Citizen) -> None:
        for step in STEPS:
            since = max((o.seq for o in self.api.outputs(citizen.chat_id)), default=0)
            if step.press is not None:
                update = await citizen.press(step.press)
            else:
                update = await citizen.send(step.text)
            update_id = int(update["update_id"])
            self.sent.append(update_id)

            def answer(since: int = since, step: Step = step) -> BotOutput | None:
                fresh = (o for o in self.api.outputs(citizen.chat_id) if o.seq > since)
                return next((o for o in fresh if step.answered(o)), None)

            if not await self.api.wait_until(lambda: answer() is not None, WAIT):
                raise AssertionError(
                    f"{citizen.first_name}: update {update_id} ({step.press or step.text!r}) "
                    f"got no answer in {WAIT:.0f} s; chat: {citizen.texts[-3:]}"
                )
            output = answer()
            assert output is not None
            self.answered[update_id] = output.seq


async def answers_by_person(database_url: str) -> dict[str, list[tuple[str, str | None]]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Answer.respondent, Answer.question_id, Answer.choice).order_by(
                    Answer.respondent, Answer.question_id, Answer.choice
                )
            )
            found: dict[str, list[tuple[str, str | None]]] = {}
            for participant, question, choice in rows:
                found.setdefault(participant, []).append((question, choice))
            return found
    finally:
        await engine.dispose()


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_kill_under_load_loses_no_update_and_no_answer(
    tmp_path: Path, framework: str, database_url: str
) -> None:
    async with FakeBotApi(token=TOKEN) as api:
        env = clean_env(
            PEACEPULSE_TELEGRAM_TOKEN=TOKEN,
            PEACEPULSE_TELEGRAM_API_URL=api.base_url,
            PEACEPULSE_SECRET_KEY=SECRET,
            PEACEPULSE_DATA_DIR=str(tmp_path),
            PEACEPULSE_DATABASE_URL=database_url,
            PEACEPULSE_BOT_FRAMEWORK=framework,
        )
        bot = BotProcess(env, tmp_path / "bot.log")
        await bot.start(api)
        load = Load(api)
        people = asyncio.gather(*(load.person(c) for c in load.people))
        try:
            # mid-way, at a moment the bot holds updates it has not confirmed
            third = PEOPLE * len(STEPS) // 3
            mid_way = await api.wait_until(
                lambda: len(load.answered) >= third and bool(api.in_hand), WAIT
            )
            assert mid_way, f"the load did not get a third of the way: {len(load.answered)}"
            await bot.kill()
            in_hand = set(api.in_hand)
            await bot.start(api)
            await asyncio.wait_for(people, WAIT * 2)
        finally:
            people.cancel()
        assert await bot.terminate() == 0

        assert in_hand
        assert sorted(load.answered) == sorted(load.sent)  # every update answered
        assert len(load.sent) == PEOPLE * len(STEPS)
        redelivered = {u for u, times in api.handed_out.items() if times > 1}
        assert in_hand <= redelivered  # what the killed process held came again
        # a redelivered update may be answered twice; nothing else is
        outputs = sum(len(api.outputs(c.chat_id)) for c in load.people)
        assert outputs <= len(load.sent) + len(redelivered)

    stored = await answers_by_person(database_url)
    expected = sorted(EXPECTED_ANSWERS)
    for citizen in load.people:
        participant = pseudonym(SECRET.encode(), ParticipantKey("telegram", str(citizen.user_id)))
        assert stored.get(participant) == expected, citizen.first_name
    assert len(stored) == PEOPLE
