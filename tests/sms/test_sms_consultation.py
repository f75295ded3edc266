"""A consultation by SMS: options typed by number or by their words, no emoji (GSM-7)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from tests.fakes.sms_gateway import FakeAfricasTalking, FakeGateway, FakeTwilio
from tests.sms.conftest import rows, running, sms_settings

FATIMA = "+23566000009"


async def test_answer_and_vote_by_sms(
    twilio: FakeTwilio, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = sms_settings(twilio, tmp_path, deployment_folder)
    with time_machine.travel(datetime(2026, 11, 23, 11, 0, tzinfo=UTC), tick=True):
        async with running(settings):
            await twilio.text(FATIMA, "Hello")
            await twilio.text(FATIMA, "1")
            await twilio.text(FATIMA, "english")
            await twilio.text(FATIMA, "prefer not to say")
            await twilio.text(FATIMA, "prefer not to say")
            menu = "\n".join(await twilio.text(FATIMA, "prefer not to say"))
            assert "3) Who should monitor the ceasefire?" in menu
            assert "💬" not in menu
            intro = "\n".join(await twilio.text(FATIMA, "consult"))
            assert "Who should sit on the ceasefire monitoring committee, and why?" in intro
            saved = "\n".join(
                await twilio.text(
                    FATIMA,
                    "Women and respected elders from every village, because people trust them.",
                )
            )
            assert "your answer is saved" in saved
            first = "\n".join(await twilio.text(FATIMA, "vote on statements"))
            assert "Women from the affected communities" in first
            assert "1) Agree" in first and "2) Disagree" in first
            second = "\n".join(await twilio.text(FATIMA, "1"))
            assert "international observers" in second
            await twilio.text(FATIMA, "disagree")
    assert all("💬" not in m for m in twilio.received(FATIMA))
    votes = await rows(settings, "SELECT statement_id, vote FROM statement_votes ORDER BY 1")
    assert votes == [(1, 1), (2, -1)]
    (answer,) = await rows(settings, "SELECT text, language FROM consultation_answers")
    assert answer == (
        "Women and respected elders from every village, because people trust them.",
        "en",
    )


async def _menu(gateway: FakeGateway, phone: str) -> str:
    await gateway.text(phone, "Hello")
    await gateway.text(phone, "1")
    await gateway.text(phone, "english")
    await gateway.text(phone, "prefer not to say")
    await gateway.text(phone, "prefer not to say")
    return "\n".join(await gateway.text(phone, "prefer not to say"))


@pytest.fixture(params=["twilio", "africastalking"])
async def gateway(request: pytest.FixtureRequest) -> AsyncIterator[FakeGateway]:
    fake: FakeGateway = FakeTwilio() if request.param == "twilio" else FakeAfricasTalking()
    async with fake:
        yield fake


@pytest.mark.parametrize("digits", ["0123456789", "٠١٢٣٤٥٦٧٨٩"])
async def test_typing_the_consultations_number_opens_it(
    gateway: FakeGateway, digits: str, tmp_path: Path, deployment_folder: Path
) -> None:
    """By SMS, typing an option's number is the way to choose: the consultation's number in
    the menu opens it (it was answered with an apology)."""
    settings = sms_settings(gateway, tmp_path, deployment_folder)
    async with running(settings):
        menu = await _menu(gateway, FATIMA)
        (line,) = [
            x for x in menu.splitlines() if x.endswith(") Who should monitor the ceasefire?")
        ]
        intro = "\n".join(await gateway.text(FATIMA, digits[int(line.split(")")[0])]))
    assert "Who should sit on the ceasefire monitoring committee, and why?" in intro
    assert "Sorry" not in intro


async def test_voting_by_short_words_and_numbers_in_any_language(
    gateway: FakeGateway, tmp_path: Path, deployment_folder: Path
) -> None:
    """After the answer, "vote", "1" or "disagree" start voting (they were stored as
    statements waiting for moderation); votes are typed as words of any of the deployment's
    languages or numbers; no SMS says "use the buttons"."""
    settings = sms_settings(gateway, tmp_path, deployment_folder)
    async with running(settings):
        await _menu(gateway, FATIMA)
        await gateway.text(FATIMA, "consult")
        await gateway.text(FATIMA, "Elders and women from every village.")
        voting = "\n".join(await gateway.text(FATIMA, "vote"))
        assert "Do you agree with this statement?" in voting and "1) Agree" in voting
        await gateway.text(FATIMA, "stop for now")
        await gateway.text(FATIMA, "consult")  # answered: straight back to voting
        for typed in ("d'accord", "2", "موافق"):
            reply = "\n".join(await gateway.text(FATIMA, typed))
            assert "Do you agree with this statement?" in reply, (typed, reply)
        unclear = "\n".join(await gateway.text(FATIMA, "perhaps one day"))
        assert "reply with the number or the word" in unclear
        done = "\n".join(await gateway.text(FATIMA, "pass"))  # the fourth and last seed
        assert "You have seen every statement" in done
        stored = "\n".join(await gateway.text(FATIMA, "Observers must visit every village."))
        assert "once a mediator has reviewed it" in stored
        for typed in ("vote", "1", "disagree", "voter", "تصويت"):
            reply = "\n".join(await gateway.text(FATIMA, typed))
            assert "You have seen every statement" in reply, (typed, reply)
    received = "\n".join(gateway.received(FATIMA))
    assert "button" not in received.casefold()
    statements = await rows(settings, "SELECT texts FROM statements WHERE author IS NOT NULL")
    assert len(statements) == 1  # only the statement, no typed command
    votes = await rows(settings, "SELECT vote FROM statement_votes ORDER BY statement_id")
    assert sorted(votes) == [(-1,), (0,), (1,), (1,)]
