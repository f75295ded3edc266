"""`TelegramSender` through the outbox's Bot API client and the real aiogram and
python-telegram-bot clients, against the fake Bot API server: one attempt per message, every
Bot API failure mapped to an outcome."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import telegram
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bots.telegram.aiogram_bot import AiogramClient
from bots.telegram.botapi import BotApiClient
from bots.telegram.common import MAX_CAPTION, TelegramClient
from bots.telegram.ptb_bot import PtbClient
from bots.telegram.sender import TelegramSender
from conversations.ports import Outcome, SendResult
from conversations.values import Button, Reply
from tests.bots.conftest import FRAMEWORKS, TOKEN
from tests.fakes.bot_api import FakeBotApi, UploadedFile

CHAT = 5001


@pytest.fixture(params=["botapi", *FRAMEWORKS])
async def client(
    request: pytest.FixtureRequest, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TelegramClient]:
    api.known_chat(CHAT)
    if request.param == "botapi":
        async with BotApiClient(TOKEN, api.base_url, timeout=0.5) as bulk:
            yield bulk
        return
    if request.param == "aiogram":
        session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url), timeout=0.5)
        bot = Bot(TOKEN, session=session)
        try:
            yield AiogramClient(bot)
        finally:
            await bot.session.close()
        return
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns about int retry_after otherwise
    request_ = telegram.request.HTTPXRequest(read_timeout=0.5)
    async with telegram.Bot(TOKEN, base_url=api.ptb_base_url, request=request_) as ptb:
        yield PtbClient(ptb)


@pytest.fixture
def sender(client: TelegramClient) -> TelegramSender:
    return TelegramSender(client)


REPLY = Reply("Round 2 is open", ((Button("Take part", "-:w:ceasefire:2"),),))


async def test_a_message_is_sent_once_with_its_buttons(
    api: FakeBotApi, sender: TelegramSender
) -> None:
    assert await sender.send(str(CHAT), REPLY) == SendResult(Outcome.SENT)
    (message,) = api.messages(CHAT)
    assert (message.text, message.button_labels) == ("Round 2 is open", ["Take part"])
    assert len(api.sends) == 1


async def test_a_long_text_goes_in_parts_paced_after_the_first(
    api: FakeBotApi, client: TelegramClient
) -> None:
    paced: list[str] = []

    async def pace(chat: str) -> None:
        paced.append(chat)

    sender = TelegramSender(client, pace=pace)
    text = ("word " * 1000).strip()
    assert (await sender.send(str(CHAT), Reply(text, REPLY.buttons))).outcome is Outcome.SENT
    parts = api.messages(CHAT)
    assert len(parts) == 2
    assert [m.button_labels for m in parts] == [[], ["Take part"]]
    assert paced == [str(CHAT)]


async def test_a_photo_by_url_with_its_caption(api: FakeBotApi, sender: TelegramSender) -> None:
    reply = Reply("Talks resume", REPLY.buttons, photo="https://example.org/talks.jpg")
    assert (await sender.send(str(CHAT), reply)).outcome is Outcome.SENT
    (message,) = api.messages(CHAT)
    assert message.photo == "https://example.org/talks.jpg"
    assert (message.text, message.button_labels) == ("Talks resume", ["Take part"])
    assert [name for name, _ in api.calls if name.startswith("send")] == ["sendPhoto"]


async def test_a_local_photo_is_uploaded(
    api: FakeBotApi, sender: TelegramSender, tmp_path: Path
) -> None:
    picture = tmp_path / "map.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\nnot really a picture")
    assert (await sender.send(str(CHAT), Reply("Map", photo=str(picture)))).outcome is Outcome.SENT
    (message,) = api.messages(CHAT)
    assert isinstance(message.photo, UploadedFile)
    assert message.photo.data == picture.read_bytes()
    assert message.text == "Map"


async def test_a_text_too_long_for_a_caption_follows_the_photo(
    api: FakeBotApi, sender: TelegramSender
) -> None:
    text = "x" * (MAX_CAPTION + 1)
    reply = Reply(text, REPLY.buttons, photo="https://example.org/talks.jpg")
    assert (await sender.send(str(CHAT), reply)).outcome is Outcome.SENT
    photo, words = api.messages(CHAT)
    assert (photo.photo, photo.text, photo.button_labels) == (
        "https://example.org/talks.jpg",
        "",
        [],
    )
    assert (words.text, words.button_labels) == (text, ["Take part"])


async def test_flood_control_is_a_retry_after(api: FakeBotApi, sender: TelegramSender) -> None:
    api.rate_limit(1)
    assert (await sender.send(str(CHAT), REPLY)).outcome is Outcome.SENT
    result = await sender.send(str(CHAT), REPLY)
    assert result.outcome is Outcome.RETRY
    assert result.retry_after == 1
    assert "sendMessage" in result.detail
    assert len(api.sends) == 1


async def test_server_errors_and_timeouts_are_retries(
    api: FakeBotApi, sender: TelegramSender
) -> None:
    api.fail_next("sendMessage", 502)
    result = await sender.send(str(CHAT), REPLY)
    assert (result.outcome, result.retry_after, result.outage) == (Outcome.RETRY, None, True)
    api.latency(1)  # longer than the client waits
    result = await sender.send(str(CHAT), REPLY)
    assert (result.outcome, result.retry_after, result.outage) == (Outcome.RETRY, None, True)
    api.latency(0)
    assert (await sender.send(str(CHAT), REPLY)).outcome is Outcome.SENT


async def test_an_unreachable_server_is_an_outage(api: FakeBotApi, sender: TelegramSender) -> None:
    await api.refuse_connections()
    result = await sender.send(str(CHAT), REPLY)
    assert (result.outcome, result.outage) == (Outcome.RETRY, True)
    await api.accept_connections()
    assert (await sender.send(str(CHAT), REPLY)).outcome is Outcome.SENT
    assert len(api.sends) == 1


async def test_an_internal_error_of_one_call_is_no_outage(api: FakeBotApi) -> None:
    # the outbox's own client tells a 500 from a gateway's 502/503/504
    api.known_chat(CHAT)
    api.fail_next("sendMessage", 500)
    async with BotApiClient(TOKEN, api.base_url, timeout=0.5) as bulk:
        result = await TelegramSender(bulk).send(str(CHAT), REPLY)
    assert (result.outcome, result.outage) == (Outcome.RETRY, False)


async def test_a_blocked_bot_is_unreachable(api: FakeBotApi, sender: TelegramSender) -> None:
    api.block(CHAT)
    result = await sender.send(str(CHAT), REPLY)
    assert result.outcome is Outcome.UNREACHABLE
    assert "blocked" in result.detail


async def test_refusals_fail(api: FakeBotApi, sender: TelegramSender) -> None:
    result = await sender.send("777", REPLY)  # a chat the bot may not write to
    assert result.outcome is Outcome.FAILED
    assert "chat not found" in result.detail.lower()
    assert (await sender.send("not-a-chat", REPLY)).outcome is Outcome.FAILED
    too_long = Reply("Hi", ((Button("x", "d" * 65),),))
    assert (await sender.send(str(CHAT), too_long)).outcome is Outcome.FAILED
    assert (await sender.send(str(CHAT), Reply("  "))).outcome is Outcome.FAILED
    assert api.sends == []
