"""Volunteers by SMS: the list of initiatives, its details and a sign-up, all by typing.

A list or details is not the question the person was asked (that stays the poll menu, say),
so the numbers of its options are kept with the conversation: the next "2" chooses from what
the person last read (`Engine.interpret`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from bots.sms.segments import encoding
from storage.community import CommunityStore
from tests.fakes.sms_gateway import FakeTwilio
from tests.sms.conftest import rows, running, sms_settings

NADIA = "+23566000003"


async def test_sign_up_and_cancel_from_the_list_by_number_and_by_words(
    twilio: FakeTwilio, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = sms_settings(twilio, tmp_path, deployment_folder)

    async def text(words: str) -> str:
        return "\n".join(await twilio.text(NADIA, words))

    async with running(settings):
        await text("Hello")
        await text("1")  # I agree
        await text("english")
        await text("skip")  # region: "You can skip any of them"
        await text("Skip")  # age group
        menu = await text("SKIP")  # gender
        assert "1) Agenda for the peace talks" in menu

        listed = await text("initiatives")
        assert "1) Community dialogue on the return of displaced families" in listed
        assert "·" not in listed and "places left" in listed
        assert "4) Next >" in listed
        # the list's marks (dots, arrows, pins) go plain: an English list stays in GSM-7
        assert all(encoding(m) == "GSM-7" for m in twilio.received(NADIA)[-5:])
        assert "2) Joint clean-up of the Noor valley market" in listed
        details = await text("2")  # the second initiative, not the second poll
        assert details.startswith("Joint clean-up of the Noor valley market")
        assert "1) Sign up\n" in details
        signed = await text("sign up")
        assert 'You are signed up for "Joint clean-up of the Noor valley market"' in signed
        assert await rows(settings, "SELECT initiative_id, status FROM sign_ups") == [
            ("noor_cleanup", "placed")
        ]

        # The sign-up's reply ends with the poll menu again: "1" is the first poll now.
        assert "Which issues matter most to you?" in await text("1")
        await text("polls")

        mine = await text("my_signups")
        assert "1) Joint clean-up of the Noor valley market" in mine
        details = await text("1")
        cancel = next(line for line in details.splitlines() if "Cancel" in line)
        number = cancel.split(")", 1)[0]
        assert "cancelled" in (await text(number)).casefold()
        assert await rows(settings, "SELECT initiative_id FROM sign_ups") == []


async def test_codes_and_commands_typed_without_slash_and_no_text_asks_for_one(
    twilio: FakeTwilio, tmp_path: Path, deployment_folder: Path
) -> None:
    """``JOIN CODE``, ``STAFF CODE`` and ``my signups`` work as typed on a basic phone, and
    nothing sent by SMS tells the person to type a slash (the help, usages, confirmations)."""
    settings = sms_settings(twilio, tmp_path, deployment_folder)

    async def text(words: str) -> str:
        return "\n".join(await twilio.text(NADIA, words))

    async with running(settings):
        await text("Hello")
        await text("1")  # I agree
        await text("english")
        for _ in range(3):
            await text("skip")
        engine = create_async_engine(settings.effective_database_url)
        try:
            store = CommunityStore(engine)
            now = datetime.now(UTC)
            group_code = await store.create_group("civil", "Civil society forum", False, now)
            staff_code, _ = await store.invite("organizer", now)
        finally:
            await engine.dispose()

        assert "member of the group" in await text(f"JOIN {group_code.lower()}")
        assert "organizer role" in await text(f"staff {staff_code}")
        helped = await text("HELP")
        assert "MY SIGNUPS" in helped and "JOIN CODE" in helped and "NEW INITIATIVE" in helped
        assert "You have not signed up for any initiative" in await text("my signups")
        assert "e.g. JOIN AB12-CD34" in await text("join")
        # a free answer that starts with "join" is not a command
        assert "I don't know that command" not in await text("join the talks")
        await text("initiatives")
        await text("2")  # details of the second initiative
        assert "You are signed up" in await text("sign up")

    slashes = [m for m in twilio.received(NADIA) if re.search(r"(?<![\w/])/[a-z]", m)]
    assert slashes == []
