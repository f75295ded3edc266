"""The `TelegramClient` of each framework against the fake Bot API server, over real HTTP:
what goes on the wire for texts, keyboards and edits, and how refusals come back.

The aiogram client sends its own lean methods (`_SendText`, `_EditText`) instead of aiogram's
`SendMessage` and `EditMessageText`; the first test checks that the server receives exactly
what aiogram's own methods would have sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram
from aiogram import Bot

from bots.telegram.aiogram_bot import AiogramClient, _markup, build_bot
from bots.telegram.common import Keyboard, NotModified, Refused, TelegramClient, Unreachable
from bots.telegram.ptb_bot import PtbClient
from bots.telegram.runtime import TelegramRuntime
from tests.bots.conftest import FRAMEWORKS, TOKEN
from tests.fakes.bot_api import FakeBotApi

CHAT = 5002
KEYBOARD: Keyboard = (
    (("نعم، أوافق", "3:c:yes"), ("لا، شكراً", "3:c:no")),
    (("Land and property ☐", "3:t:land"),),
)
TEXT = "هل توافق على المشاركة؟\nDo you agree to take part?"


@pytest.fixture
async def aiogram_bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    bot = build_bot(TelegramRuntime(TOKEN, api.base_url))  # as `peacepulse run` builds it
    try:
        yield bot
    finally:
        await bot.session.close()


@pytest.fixture(params=FRAMEWORKS)
async def client(
    request: pytest.FixtureRequest, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TelegramClient]:
    api.known_chat(CHAT)
    if request.param == "aiogram":
        bot = build_bot(TelegramRuntime(TOKEN, api.base_url))
        try:
            yield AiogramClient(bot)
        finally:
            await bot.session.close()
        return
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns about int retry_after otherwise
    async with telegram.Bot(TOKEN, base_url=api.ptb_base_url) as ptb:
        yield PtbClient(ptb)


async def test_aiogram_sends_what_its_own_methods_would_send(
    api: FakeBotApi, aiogram_bot: Bot
) -> None:
    api.known_chat(CHAT)
    client = AiogramClient(aiogram_bot)
    await client.send_message(CHAT, TEXT, KEYBOARD)
    await aiogram_bot.send_message(CHAT, TEXT, reply_markup=_markup(KEYBOARD))
    await client.send_message(CHAT, "No buttons", None)
    await aiogram_bot.send_message(CHAT, "No buttons")
    ours, theirs, ours_bare, theirs_bare = api.calls_to("sendMessage")
    assert ours == theirs
    assert ours_bare == theirs_bare
    assert "reply_markup" not in ours_bare
    first = api.messages(CHAT)[0]
    await client.edit_message(CHAT, first.message_id, "Edited", KEYBOARD)
    await aiogram_bot.edit_message_text(
        "Edited again", chat_id=CHAT, message_id=first.message_id, reply_markup=_markup(KEYBOARD)
    )
    ours_edit, theirs_edit = api.calls_to("editMessageText")
    assert {**ours_edit, "text": "Edited again"} == theirs_edit
    assert not api.refusals


async def test_a_keyboard_arrives_with_its_labels_and_data(
    api: FakeBotApi, client: TelegramClient
) -> None:
    await client.send_message(CHAT, TEXT, KEYBOARD)
    (message,) = api.messages(CHAT)
    assert message.text == TEXT
    rows = [[(b.text, b.callback_data) for b in row] for row in message.inline_keyboard]
    assert rows == [[pair for pair in row] for row in KEYBOARD]


async def test_an_edit_replaces_text_and_keyboard_and_without_one_removes_it(
    api: FakeBotApi, client: TelegramClient
) -> None:
    await client.send_message(CHAT, "Pick some", KEYBOARD)
    (message,) = api.messages(CHAT)
    toggled: Keyboard = ((("Land and property ☑", "3:t:land"),),)
    await client.edit_message(CHAT, message.message_id, "Picked one", toggled)
    (edited,) = api.messages(CHAT)
    assert (edited.text, edited.button_labels) == ("Picked one", ["Land and property ☑"])
    await client.edit_message(CHAT, message.message_id, "Thanks", None)
    (final,) = api.messages(CHAT)
    assert (final.text, final.button_labels) == ("Thanks", [])


async def test_edit_refusals_come_back_as_the_shared_errors(
    api: FakeBotApi, client: TelegramClient
) -> None:
    await client.send_message(CHAT, "Same", KEYBOARD)
    (message,) = api.messages(CHAT)
    with pytest.raises(NotModified):
        await client.edit_message(CHAT, message.message_id, "Same", KEYBOARD)
    with pytest.raises(Refused):
        await client.edit_message(CHAT, message.message_id + 100, "Gone", None)
    api.block(CHAT)
    with pytest.raises(Unreachable):
        await client.send_message(CHAT, "Anyone there?", KEYBOARD)
