"""Initiatives end to end on Telegram (both frameworks, the fake Bot API, the real outbox and
scheduler), with the clock pinned: sign-up, waiting list, cancellation and promotion, the
reminder the day before, the question after the end and its totals for the organizer."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from bots.app import open_database
from config.deployment import demo_folder
from conversations.identity import pseudonym
from conversations.values import ParticipantKey
from storage.community import CommunityStore
from tests.bots.conftest import SECRET, RunningBot, make_settings
from tests.bots.test_telegram import onboard
from tests.bots.test_waves_e2e import wait_for
from tests.fakes.bot_api import FakeBotApi

# the demo's Kessal dialogue: 2026-12-05 09:00-13:00 in N'Djamena (UTC+1); capacity set to 1
SIGN_UP_DAY = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
DAY_BEFORE = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
AFTER_THE_END = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
TITLE = "Community dialogue on the return of displaced families"


@pytest.fixture
def one_place(tmp_path: Path) -> Path:
    """The demo deployment with a single place on the Kessal dialogue."""
    folder = tmp_path / "deployment"
    shutil.copytree(demo_folder(), folder)
    path = folder / "deployment.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    capacity: 12\n", "    capacity: 1\n"), encoding="utf-8")
    return folder


async def test_sign_up_waitlist_promotion_reminder_and_feedback(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path, one_place: Path
) -> None:
    settings = make_settings(
        api, sqlite_url, tmp_path, bot_framework=framework, deployment=one_place
    )
    bot = RunningBot(api, settings)
    with time_machine.travel(SIGN_UP_DAY, tick=True) as clock:
        await bot.start()
        amina, omar, admin = (
            api.citizen(4001, "Amina"),
            api.citizen(4002, "Omar"),
            api.citizen(4003, "Admin"),
        )
        for citizen in (amina, omar, admin):
            await onboard(citizen)

        await amina.send("/initiatives")
        listing = await amina.wait_for_reply()
        assert listing.startswith("Initiatives you can join (page 1 of 2):")
        assert TITLE in listing.split("\n")[2]  # her region first
        await amina.press(TITLE)
        assert "1 of 1 places left" in await amina.wait_for_reply()
        await amina.press("Sign up")
        assert f"You are signed up for “{TITLE}” (2026-12-05 09:00)" in (
            await amina.wait_for_reply()
        )

        await omar.send("/initiatives")
        await omar.wait_for_reply()
        await omar.press(TITLE)
        assert "full – waiting list open" in await omar.wait_for_reply()
        await omar.press("Join the waiting list")
        assert "you are on the waiting list" in await omar.wait_for_reply()

        # a staff command from someone without the role reads like any unknown command
        await omar.send("/nosuchcommand")
        unknown = await omar.wait_for_reply()
        await omar.send("/organize")
        assert await omar.wait_for_reply() == unknown

        await amina.send("/my_signups")
        await amina.wait_for_reply()
        await amina.press(TITLE)
        await amina.wait_for_reply()
        await amina.press("Cancel my sign-up")
        assert "is cancelled" in await amina.wait_for_reply()
        promoted = await wait_for(omar, "Good news")
        assert f"a place freed up on “{TITLE}” (2026-12-05 09:00). It is yours" in promoted
        await api.wait_idle()
        await bot.stop()

        clock.move_to(DAY_BEFORE)
        await bot.start()
        reminder = await wait_for(omar, "is tomorrow")
        assert f"“{TITLE}” is tomorrow, 2026-12-05 09:00, at Kessal community hall" in reminder
        await api.wait_idle()
        assert not [m for m in amina.messages if "is tomorrow" in m.text]
        await bot.stop()

        clock.move_to(AFTER_THE_END)
        await bot.start()
        assert "has ended. Did it take place?" in await wait_for(omar, "Did it take place")
        await omar.press("Yes")
        assert "How was it?" in await omar.wait_for_reply()
        await omar.press("4")
        assert "the organizers see these answers only as totals" in await omar.wait_for_reply()
        await omar.send("/mydata")  # what he said is held, so it is shown to him
        assert f"Your feedback on {TITLE}: it took place, rated 4 of 5" in (
            await omar.wait_for_reply()
        )

        async with open_database(settings) as database:
            who = pseudonym(SECRET.encode(), ParticipantKey("telegram", "4003"))
            await CommunityStore(database).add_staff(who, "admin", AFTER_THE_END)
        await admin.send("/organize")
        overview = await admin.wait_for_reply()
        assert f"• {TITLE} [done] – 1/1, 0 waiting" in overview
        await admin.press(TITLE)
        # one answer is a group of one, under k = 5: every cell is hidden, zeros included
        assert "Feedback: took place *, did not *; ratings 1–5: * / * / * / * / *" in (
            await admin.wait_for_reply()
        )
        await api.wait_idle()
        await asyncio.sleep(0)
        await bot.stop()


async def test_an_invited_organizer_creates_an_initiative_and_messages_its_volunteers(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(api, sqlite_url, tmp_path, bot_framework=framework)
    bot = RunningBot(api, settings)
    with time_machine.travel(SIGN_UP_DAY, tick=True):
        await bot.start()
        async with open_database(settings) as database:
            code, _ = await CommunityStore(database).invite("organizer", SIGN_UP_DAY)
        organizer, volunteer = api.citizen(5001, "Nadia"), api.citizen(5002, "Yusuf")
        await onboard(organizer)
        await onboard(volunteer)

        await organizer.send("/new_initiative")
        unknown = await organizer.wait_for_reply()
        assert "I don't know that command" in unknown
        await organizer.send(f"/staff {code}")
        assert "You now have the organizer role." in await organizer.wait_for_reply()

        await organizer.send("/new_initiative")
        assert "Its title in English?" in await organizer.wait_for_reply()
        answers = [
            "Football match between the two quarters",
            "Match de football entre les deux quartiers",
            "مباراة كرة قدم بين الحيين",
            "Young people of both quarters play, parents cheer.",
            "Les jeunes des deux quartiers jouent, les parents encouragent.",
            "يلعب شباب الحيين ويشجع الأهل.",
        ]
        for answer in answers:
            await organizer.send(answer)
            await organizer.wait_for_reply()
        await organizer.press("Something else")
        await organizer.wait_for_reply()
        await organizer.press("Kessal Highlands")
        await organizer.wait_for_reply()
        for answer in ("Kessal stadium", "2026-12-13 15:00", "2026-12-13 17:00", "22"):
            await organizer.send(answer)
            await organizer.wait_for_reply()
        await organizer.press("Skip")
        assert "Publish this initiative?" in await organizer.wait_for_reply()
        await organizer.press("Publish")
        assert "is published" in await organizer.wait_for_reply()

        await volunteer.send("/initiatives")
        assert "Football match between the two quarters" in await volunteer.wait_for_reply()
        await volunteer.press("Football match between the two quarters")
        await volunteer.wait_for_reply()
        await volunteer.press("Sign up")
        assert "You are signed up" in await volunteer.wait_for_reply()

        await organizer.send("/organize")
        assert "– 1/22, 0 waiting" in await organizer.wait_for_reply()
        await organizer.press("Football match between the two quarters")
        await organizer.wait_for_reply()
        await organizer.press("Message the sign-ups")
        assert "(1 people); you will not see who they are" in await organizer.wait_for_reply()
        await organizer.send("Bring water, it will be hot.")
        assert "Send this to 1 people?" in await organizer.wait_for_reply()
        await organizer.press("Send")
        assert "Queued for 1 people." in await organizer.wait_for_reply()
        # the volunteer learns whose message it is and about which initiative
        assert await wait_for(volunteer, "Bring water") == (
            "From the organizer of “Football match between the two quarters”, to the people "
            "signed up:\n\nBring water, it will be hot."
        )
        await api.wait_idle()
        assert "5002" not in "\n".join(organizer.texts)
        await bot.stop()
