"""The scenarios run on Telegram and by SMS, on WhatsApp: STOP/START/HELP, /mydata and
/forget, topics, a consultation with statement voting, initiatives and sign-ups, and
WhatsApp beside Telegram and SMS in one `peacepulse run`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import time_machine

from bots.app import queue_broadcast
from tests.fakes.sms_gateway import FakeTwilio
from tests.fakes.whatsapp_api import FakeCloudApi, Sent
from tests.sms.conftest import rows, sms_settings
from tests.whatsapp.conftest import running, whatsapp_settings
from tests.whatsapp.test_whatsapp_e2e import settled

AMINA = "+23566000001"
OTHER = "+23566000003"


def said(messages: list[Sent]) -> str:
    return "\n".join(m.text for m in messages)


def choice(message: Sent, title: str) -> str:
    """The id of the button or row titled ``title`` (its beginning, for shortened titles)."""
    return next(i for i, t in message.choices if t.rstrip("…") and title.startswith(t.rstrip("…")))


async def onboard(cloud: FakeCloudApi, number: str) -> Sent:
    """Consent, English, every profile question skipped; the poll menu."""
    (notice,) = await cloud.text(number, "hi")
    (language,) = await cloud.tap(number, choice(notice, "I agree"))
    await cloud.tap(number, choice(language, "English"))
    await cloud.text(number, "skip")
    await cloud.text(number, "skip")
    (menu,) = await cloud.text(number, "skip")
    return menu


async def test_stop_mid_poll_then_start_and_help(
    cloud: FakeCloudApi, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = whatsapp_settings(cloud, tmp_path, deployment_folder)
    async with running(settings, cloud):
        for number in (AMINA, OTHER):
            menu = await onboard(cloud, number)
            opened = await cloud.tap(number, choice(menu, "Agenda for the peace talks"))
            assert "Which issues matter most to you?" in said(opened)

        stopped = await cloud.text(AMINA, "STOP")
        assert len(stopped) == 1 and "no more messages" in stopped[0].text
        assert await cloud.text(AMINA, "1 2") == []  # nothing at all until START
        assert await cloud.text(AMINA, "help") != []  # HELP is always answered

        job, queued = await queue_broadcast(settings, None, {"en": "Talks resume Monday."}, None)
        assert queued == 1  # only the participant who did not stop
        await settled(settings, job, 1)
        assert "Talks resume Monday." in said(cloud.received(OTHER))
        assert "Talks resume Monday." not in said(cloud.received(AMINA))

        resumed = said(await cloud.text(AMINA, "start"))
        assert "Welcome back" in resumed
        assert "Which issues matter most to you?" in resumed
    assert await rows(settings, "SELECT count(*) FROM answers") == [(0,)]


async def test_mydata_topics_and_forget(
    cloud: FakeCloudApi, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = whatsapp_settings(cloud, tmp_path, deployment_folder)
    async with running(settings, cloud):
        await onboard(cloud, AMINA)
        topics = await cloud.text(AMINA, "subscribe")
        # topics are chosen several at once: numbered text, as by SMS
        assert topics[0].type == "text" and "1) " in topics[0].text
        saved = said(await cloud.text(AMINA, "subscribe 1"))
        assert "saved" in saved.casefold()
        mine = said(await cloud.text(AMINA, "/mydata"))
        assert "English" in mine
        confirm = await cloud.text(AMINA, "forget")
        assert confirm and "FORGET YES" in said(confirm).upper()
        gone = said(await cloud.text(AMINA, "forget yes"))
        assert gone
    assert await rows(settings, "SELECT count(*) FROM chat_addresses") == [(0,)]
    assert await rows(settings, "SELECT count(*) FROM subscriptions") == [(0,)]


async def test_answer_and_vote_in_a_consultation(
    cloud: FakeCloudApi, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = whatsapp_settings(cloud, tmp_path, deployment_folder)
    with time_machine.travel(datetime(2026, 11, 23, 11, 0, tzinfo=UTC), tick=True):
        cloud.window = 1e18  # the fake's clock is not travelled; everyone wrote lately
        async with running(settings, cloud):
            menu = await onboard(cloud, AMINA)
            intro = said(await cloud.tap(AMINA, choice(menu, "Who should monitor the ceasefire?")))
            assert "Who should sit on the ceasefire monitoring committee, and why?" in intro
            answer = "Women and respected elders from every village, because people trust them."
            saved = await cloud.text(AMINA, answer)
            assert "your answer is saved" in said(saved)
            (first,) = await cloud.tap(AMINA, choice(saved[-1], "Vote on statements"))
            assert "Women from the affected communities" in first.text
            assert [t for _, t in first.choices][:2] == ["Agree", "Disagree"]
            second = await cloud.tap(AMINA, choice(first, "Agree"))
            assert "international observers" in said(second)
            await cloud.text(AMINA, "disagree")  # typed words work too
    votes = await rows(settings, "SELECT statement_id, vote FROM statement_votes ORDER BY 1")
    assert votes == [(1, 1), (2, -1)]


async def test_sign_up_from_the_list_and_cancel(
    cloud: FakeCloudApi, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = whatsapp_settings(cloud, tmp_path, deployment_folder)
    async with running(settings, cloud):
        await onboard(cloud, AMINA)
        (listed,) = await cloud.text(AMINA, "/initiatives")
        assert any(t.startswith("Joint clean-up") for _, t in listed.choices)
        (details,) = await cloud.tap(AMINA, choice(listed, "Joint clean-up of the Noor valley"))
        assert details.text.startswith("Joint clean-up of the Noor valley market")
        signed = await cloud.tap(AMINA, choice(details, "Sign up"))
        # typographic marks stay (they cost nothing here, unlike by SMS)
        assert "You are signed up for “Joint clean-up of the Noor valley market”" in said(signed)
        assert await rows(settings, "SELECT initiative_id, status FROM sign_ups") == [
            ("noor_cleanup", "placed")
        ]
        (mine,) = await cloud.text(AMINA, "my_signups")
        (page,) = await cloud.tap(AMINA, choice(mine, "Joint clean-up of the Noor valley"))
        cancel = next(i for i, t in page.choices if "Cancel" in t)
        assert "cancelled" in said(await cloud.tap(AMINA, cancel)).casefold()
    assert await rows(settings, "SELECT initiative_id FROM sign_ups") == []


async def test_whatsapp_beside_telegram_and_sms(
    cloud: FakeCloudApi, twilio: FakeTwilio, tmp_path: Path, deployment_folder: Path
) -> None:
    from tests.fakes.bot_api import FakeBotApi

    token = "123456:TEST-token-for-the-fake-server"
    async with FakeBotApi(token=token) as api:
        sms = sms_settings(twilio, tmp_path, deployment_folder).model_dump()
        settings = whatsapp_settings(
            cloud,
            tmp_path,
            deployment_folder,
            telegram_token=token,
            telegram_api_url=api.base_url,
            **{k: v for k, v in sms.items() if k.startswith("sms_")},
        )
        async with running(settings, cloud):
            citizen = api.citizen()
            await citizen.send("/start")
            assert "Do you agree to take part?" in await citizen.wait_for_reply()
            assert "1) I agree" in "\n".join(await twilio.text(AMINA, "hello"))
            (notice,) = await cloud.text(AMINA, "hello")
            assert "I agree" in [t for _, t in notice.choices]
    channels = await rows(settings, "SELECT channel, count(*) FROM processed_updates GROUP BY 1")
    assert sorted(channels) == [("sms", 1), ("telegram", 1), ("whatsapp", 1)]


KARIM = "+23566000002"
BEFORE_WAVE_2 = datetime(2026, 11, 14, 10, 0, tzinfo=UTC)
JUST_BEFORE_WAVE_2 = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # opens 08:00 UTC
WAVE_2_OPEN = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)


async def invitation(cloud: FakeCloudApi, number: str) -> Sent:
    for _ in range(500):
        found = [s for s in cloud.received(number) if "round 2" in s.text]
        if found:
            return found[0]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no invitation to {number}")


async def test_a_wave_invites_inside_the_window_freely_and_outside_by_template(
    cloud: FakeCloudApi, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = whatsapp_settings(cloud, tmp_path, deployment_folder)
    with time_machine.travel(BEFORE_WAVE_2, tick=True) as clock:
        async with running(settings, cloud):
            await onboard(cloud, AMINA)
            await onboard(cloud, KARIM)
        clock.move_to(JUST_BEFORE_WAVE_2)
        async with running(settings, cloud):
            await cloud.text(AMINA, "polls")  # Amina wrote 3 hours before the wave opens
        cloud.last_inbound[KARIM.lstrip("+")] = -1e12  # Karim, two days before: outside
        clock.move_to(WAVE_2_OPEN)
        async with running(settings, cloud):  # the scheduler opens the due wave at start
            free = await invitation(cloud, AMINA)
            assert free.type == "interactive"
            assert [t for _, t in free.choices] == ["Take part"]
            template = await invitation(cloud, KARIM)
            assert template.type == "template"
            assert template.message["template"]["name"] == "peacepulse_invitation"
            (button,) = [
                c for c in template.message["template"]["components"] if c["type"] == "button"
            ]
            payload = button["parameters"][0]["payload"]
            # Karim presses the template's quick reply: the round opens as inside the window
            before = len(cloud.sent)
            status = await cloud.deliver(
                KARIM, {"type": "button", "button": {"text": "Take part", "payload": payload}}
            )
            assert status == 200
            assert "Question 1 of 5" in said(cloud.received(KARIM)[-1:])
            assert len(cloud.sent) > before
    assert cloud.outside_window == 0
