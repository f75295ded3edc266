"""The fake Bot API driven by the real aiogram and python-telegram-bot clients over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiohttp import web
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from tests.fakes.bot_api import (
    BUTTON_DATA_INVALID,
    CHAT_NOT_FOUND,
    CONFLICT_OTHER_GET_UPDATES,
    CONFLICT_WEBHOOK_ACTIVE,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TO_EDIT_NOT_FOUND,
    QUERY_INVALID,
    TEXT_EMPTY,
    TEXT_TOO_LONG,
    FakeApiTimeout,
    FakeBotApi,
)

TOKEN = "123456:TEST"


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data)]
            for label, data in labels_and_data
        ]
    )


def aiogram_bot(api: FakeBotApi, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    client = aiogram_bot(api)
    yield client
    await client.session.close()


# ------------------------------------------------------------------------------ aiogram Bot
async def test_aiogram_get_me_and_send_message(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == 123456
    assert me.username == "peacepulse_test_bot"

    amina = api.citizen(user_id=1001, first_name="Amina", language_code="fr")
    await amina.send("/start")
    sent = await bot.send_message(
        amina.chat_id,
        "Bonjour <b>Amina</b> &amp; bienvenue",
        parse_mode="HTML",
        reply_markup=keyboard(("Oui", "vote:yes"), ("Non", "vote:no")),
    )
    assert sent.text == "Bonjour Amina & bienvenue"
    assert sent.chat.id == 1001
    assert sent.reply_markup is not None
    assert amina.last_text == "Bonjour Amina & bienvenue"
    assert amina.last_buttons == ["Oui", "Non"]
    assert await amina.wait_for_reply() == "Bonjour Amina & bienvenue"

    method, params = api.calls[-1]
    assert method == "sendMessage"
    assert params["chat_id"] == 1001  # form value decoded to int
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "vote:yes"

    edited = await bot.edit_message_text(
        "Merci !", chat_id=amina.chat_id, message_id=sent.message_id
    )
    assert isinstance(edited, Message)
    assert edited.text == "Merci !"
    assert edited.edit_date is not None
    # Like Telegram, an edit without reply_markup drops the inline keyboard.
    assert amina.last_buttons == []
    assert amina.messages[0].history == ["Bonjour Amina & bienvenue"]
    assert await amina.wait_for_reply() == "Merci !"


async def test_aiogram_gets_telegram_refusals(api: FakeBotApi, bot: Bot) -> None:
    amina = api.citizen(1001, "Amina")

    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(1001, "hello")  # Amina never wrote to the bot yet
    assert refused.value.message == CHAT_NOT_FOUND

    await amina.send("hi")
    cases: list[tuple[str, Any]] = [
        (TEXT_EMPTY, bot.send_message(1001, "")),
        (TEXT_EMPTY, bot.send_message(1001, "   \n ")),
        (TEXT_TOO_LONG, bot.send_message(1001, "x" * 4097)),
        # 33 "é" are 33 characters but 66 UTF-8 bytes.
        (BUTTON_DATA_INVALID, bot.send_message(1001, "q", reply_markup=keyboard(("A", "é" * 33)))),
        (MESSAGE_TO_EDIT_NOT_FOUND, bot.edit_message_text("new", chat_id=1001, message_id=999)),
        (QUERY_INVALID, bot.answer_callback_query("no-such-query")),
    ]
    for description, call in cases:
        with pytest.raises(TelegramBadRequest) as refused:
            await call
        assert refused.value.message == description

    assert await bot.send_message(1001, "x" * 4096)
    assert await bot.send_message(1001, "q", reply_markup=keyboard(("A", "é" * 32)))

    sent = await bot.send_message(1001, "Vote", reply_markup=keyboard(("Yes", "y")))
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.edit_message_text(
            "Vote", chat_id=1001, message_id=sent.message_id, reply_markup=keyboard(("Yes", "y"))
        )
    assert refused.value.message == MESSAGE_NOT_MODIFIED
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.edit_message_reply_markup(
            chat_id=1001, message_id=sent.message_id, reply_markup=keyboard(("Yes", "y"))
        )
    assert refused.value.message == MESSAGE_NOT_MODIFIED
    # Same text but another keyboard is a modification.
    await bot.edit_message_text(
        "Vote", chat_id=1001, message_id=sent.message_id, reply_markup=keyboard(("No", "n"))
    )

    update = await amina.press("No")
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="Noted")
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.answer_callback_query(query_id)
    assert refused.value.message == QUERY_INVALID
    assert api.callback_answers[query_id]["text"] == "Noted"

    with pytest.raises(TelegramBadRequest, match="is reserved and must be escaped"):
        await bot.send_message(1001, "Thanks for voting.", parse_mode="MarkdownV2")
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "br"'):
        await bot.send_message(1001, "a<br>b", parse_mode="HTML")
    assert (await bot.send_message(1001, "*Thanks* for voting\\.", parse_mode="MarkdownV2")).text
    assert amina.last_text == "Thanks for voting."

    amina.blocked = True
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(1001, "still there?")

    assert [r.description for r in api.refusals].count(MESSAGE_NOT_MODIFIED) == 2


async def test_aiogram_unauthorized_unknown_and_unsupported_methods(api: FakeBotApi) -> None:
    stranger = aiogram_bot(api, token="999:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await stranger.get_me()
    finally:
        await stranger.session.close()

    client = aiogram_bot(api)
    try:
        commands = [BotCommand(command="start", description="Start")]
        assert await client.set_my_commands(commands)
        assert [c.command for c in await client.get_my_commands()] == ["start"]
        api.unsupported_methods.add("setMyCommands")
        with pytest.raises(TelegramNotFound, match="Not Found"):
            await client.set_my_commands(commands)
        assert await client.delete_my_commands()
        assert await client.close()
        assert await client.log_out()
        assert api.closed
        assert api.logged_out
    finally:
        await client.session.close()

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api.base_url}/bot{TOKEN}/sendTelepathy") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.get(f"{api.base_url}/somewhere/else") as response:
            assert response.status == 404


# ------------------------------------------------------------------------------ getUpdates
async def test_get_updates_long_polling_offsets_and_redelivery(api: FakeBotApi, bot: Bot) -> None:
    amina = api.citizen(1001, "Amina")
    assert await bot.get_updates(timeout=0) == []

    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    sent = await amina.send("/vote now")
    updates = await poll
    assert time.monotonic() - started < 2  # returned early, not after 5 s
    assert [u.update_id for u in updates] == [sent["update_id"]]
    message = updates[0].message
    assert message is not None
    assert message.text == "/vote now"
    assert message.entities is not None
    assert message.entities[0].type == "bot_command"
    assert message.entities[0].length == len("/vote")
    assert message.from_user is not None
    assert message.from_user.first_name == "Amina"

    # Not confirmed yet: delivered again; confirmed by a higher offset: gone.
    assert [u.update_id for u in await bot.get_updates()] == [sent["update_id"]]
    assert await bot.get_updates(offset=sent["update_id"] + 1) == []

    second = await amina.send_sticker()
    third = await amina.send_photo(caption="my street")
    assert third["update_id"] > second["update_id"] > sent["update_id"]
    updates = await bot.get_updates(offset=sent["update_id"] + 1, limit=1)
    assert [u.update_id for u in updates] == [second["update_id"]]
    assert updates[0].message is not None
    assert updates[0].message.sticker is not None
    updates = await bot.get_updates(offset=second["update_id"] + 1)
    assert updates[0].message is not None
    assert updates[0].message.photo
    assert updates[0].message.caption == "my street"

    api.redeliver(second["update_id"])
    updates = await bot.get_updates(offset=third["update_id"] + 1, allowed_updates=[])
    assert [u.update_id for u in updates] == [second["update_id"]]
    assert await bot.get_updates(offset=second["update_id"] + 1) == []

    # allowed_updates filters update types.
    await bot.get_updates(allowed_updates=["callback_query"])
    await amina.send("filtered out")
    assert await bot.get_updates() == []
    await api.wait_idle()


async def test_concurrent_get_updates_conflict(api: FakeBotApi) -> None:
    url = f"{api.base_url}/bot{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as http:

        async def poll(wait_s: int) -> tuple[int, dict[str, Any]]:
            async with http.post(url, data={"timeout": str(wait_s)}) as response:
                return response.status, await response.json()

        first = asyncio.create_task(poll(5))
        await asyncio.sleep(0.1)
        assert await poll(0) == (200, {"ok": True, "result": []})
        status, body = await first
        assert status == 409
        assert body["description"] == CONFLICT_OTHER_GET_UPDATES


async def test_params_from_query_json_and_multipart(api: FakeBotApi) -> None:
    api.citizen(1001, "Amina")
    await api.citizens[1001].send("hi")
    base = f"{api.base_url}/bot{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/sendMessage", params={"chat_id": "1001", "text": "q"}) as r:
            assert (await r.json())["result"]["text"] == "q"
        async with http.post(
            f"{base}/sendMessage", json={"chat_id": 1001, "text": "j", "reply_markup": markup}
        ) as r:
            assert (await r.json())["result"]["reply_markup"] == markup
        form = aiohttp.FormData()
        form.add_field("chat_id", "1001")
        form.add_field("text", "m")
        form.add_field(
            "reply_markup", '{"inline_keyboard": [[{"text": "Go", "callback_data": "g"}]]}'
        )
        form.add_field("document", b"payload", filename="a.txt")  # forces multipart
        async with http.post(f"{base}/sendMessage", data=form) as r:
            assert r.status == 200
        async with http.post(
            f"{base}/sendMessage", data={"chat_id": "1001", "text": "x", "reply_markup": "{"}
        ) as r:
            assert r.status == 400
            assert (await r.json())["description"].startswith("Bad Request: can't parse")
        async with http.post(f"{base}/SENDMESSAGE", data={"chat_id": "1001", "text": "ci"}) as r:
            assert r.status == 200  # method names are case-insensitive
    params = api.calls_to("sendMessage")[2]
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "g"
    assert params["document"].data == b"payload"
    assert api.citizens[1001].texts == ["q", "j", "m", "ci"]


# ------------------------------------------------------------------------------ aiogram Dispatcher
async def test_aiogram_dispatcher_polling_bot(api: FakeBotApi) -> None:
    dp = Dispatcher()
    seen: list[int] = []

    @dp.message(Command("start"))
    async def start(message: Message) -> None:
        await message.answer(
            "Do you feel safe in your neighbourhood?",
            reply_markup=keyboard(("Yes ✅", "vote:yes"), ("No ❌", "vote:no")),
        )

    @dp.message(F.text)
    async def echo(message: Message, event_update: Update) -> None:
        seen.append(event_update.update_id)
        await message.answer(f"echo: {message.text}")

    @dp.message()
    async def other(message: Message) -> None:
        await message.answer("I only understand text")

    @dp.callback_query(F.data.startswith("vote:"))
    async def vote(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.answer("Thanks!")
        await query.message.edit_text(f"You voted {query.data}")

    bot = aiogram_bot(api)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    try:
        amina = api.citizen(1001, "Amina", language_code="fr")
        await amina.send("hello")
        assert await amina.wait_for_reply() == "echo: hello"

        await amina.send("/start")
        assert await amina.wait_for_reply() == "Do you feel safe in your neighbourhood?"
        assert amina.last_buttons == ["Yes ✅", "No ❌"]
        with pytest.raises(AssertionError, match=r"available labels.*Yes ✅"):
            await amina.press("Maybe")
        await amina.press("Yes")  # unique substring match
        assert await amina.wait_for_reply() == "You voted vote:yes"
        await api.wait_idle()
        assert [answer["text"] for answer in amina.answers()] == ["Thanks!"]

        await amina.send_sticker()
        assert await amina.wait_for_reply() == "I only understand text"

        dup = await amina.send("twice")
        assert await amina.wait_for_reply() == "echo: twice"
        api.redeliver(dup["update_id"])
        assert await amina.wait_for_reply() == "echo: twice"
        assert seen.count(dup["update_id"]) == 2
        await api.wait_idle()
    finally:
        await dp.stop_polling()
        await polling
    assert bot.session._session is None or bot.session._session.closed  # noqa: SLF001
    assert "getMe" in [method for method, _ in api.calls]


async def test_wait_helpers_time_out_clearly(api: FakeBotApi, bot: Bot) -> None:
    amina = api.citizen(1001, "Amina")
    await amina.send("hi")
    with pytest.raises(FakeApiTimeout, match="updates not fetched"):
        await api.wait_idle(timeout=0.2)
    with pytest.raises(FakeApiTimeout, match="Amina .*got no new bot message"):
        await amina.wait_for_reply(timeout=0.1)
    [update] = await bot.get_updates()
    await bot.send_message(1001, "poll", reply_markup=keyboard(("Vote", "v")))
    forged = await amina.press_data(update.update_id + 1, "forged")
    assert forged["callback_query"]["data"] == "forged"
    await bot.get_updates(offset=update.update_id + 1)
    with pytest.raises(FakeApiTimeout, match="callback queries not answered"):
        await api.wait_idle(timeout=0.2)
    await bot.answer_callback_query(forged["callback_query"]["id"])
    await api.wait_idle()


# ------------------------------------------------------------------------------ python-telegram-bot
async def test_ptb_bot_round_trip(api: FakeBotApi) -> None:
    amina = api.citizen(1001, "Amina")
    async with telegram.Bot(TOKEN, base_url=api.ptb_base_url) as ptb:  # initialize() -> getMe
        assert ptb.base_url == f"{api.base_url}/bot{TOKEN}"
        assert ptb.username == "peacepulse_test_bot"
        await amina.send("/start")
        markup = telegram.InlineKeyboardMarkup(
            [[telegram.InlineKeyboardButton("Join", callback_data="join")]]
        )
        sent = await ptb.send_message(1001, "Welcome", reply_markup=markup)
        assert sent.text == "Welcome"
        assert amina.last_buttons == ["Join"]
        assert api.calls[-1].params["chat_id"] == 1001

        with pytest.raises(telegram.error.BadRequest) as refused:
            await ptb.send_message(1001, "x" * 5000)
        assert refused.value.message == "Message is too long"  # PTB strips "Bad Request: "
        with pytest.raises(telegram.error.BadRequest, match="Chat not found"):
            await ptb.send_message(4242, "hello")

        api.unsupported_methods.add("setMyCommands")
        # Telegram answers 404 for unknown methods, which PTB maps to InvalidToken.
        with pytest.raises(telegram.error.InvalidToken):
            await ptb.set_my_commands([("start", "Start")])


async def test_ptb_application_polling(api: FakeBotApi) -> None:
    async def echo(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"ptb: {update.effective_message.text}")

    application = ApplicationBuilder().token(TOKEN).base_url(api.ptb_base_url).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=5)
        try:
            yusuf = api.citizen(1002, "Yusuf", language_code="ar")
            await yusuf.send("salaam")
            assert await yusuf.wait_for_reply() == "ptb: salaam"
            await api.wait_idle()
        finally:
            await application.updater.stop()
            await application.stop()
    assert "deleteWebhook" in [method for method, _ in api.calls]


async def test_updates_in_hand_until_confirmed_and_how_often_handed_out(
    api: FakeBotApi, bot: Bot
) -> None:
    amina = api.citizen(1001, "Amina")
    first = (await amina.send("one"))["update_id"]
    second = (await amina.send("two"))["update_id"]
    assert api.in_hand == []
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert api.in_hand == [first, second]
    # not confirmed: handed out again, until an offset past it confirms it
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert api.in_hand == [second]
    assert await bot.get_updates(offset=second + 1) == []
    assert api.in_hand == []
    assert api.handed_out == {first: 1, second: 2}


# ------------------------------------------------------------------------------ webhook
async def test_webhook_delivery_with_secret(api: FakeBotApi, bot: Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []

    async def receive(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        if secret != "s3cret":
            return web.Response(status=401)
        received.append((await request.json(), secret))
        return web.Response()

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await bot.set_webhook(hook_url, secret_token="s3cret")
        info = await bot.get_webhook_info()
        assert info.url == hook_url

        with pytest.raises(TelegramConflictError) as refused:
            await bot.get_updates()
        assert refused.value.message == CONFLICT_WEBHOOK_ACTIVE

        amina = api.citizen(1001, "Amina")
        update = await amina.send("via webhook")
        await api.wait_idle()
        assert received == [(update, "s3cret")]
        assert api.webhook_deliveries[-1].status == 200
        assert (await bot.get_webhook_info()).pending_update_count == 0

        assert await api.deliver_raw({"message": update["message"]}, secret="wrong") == 401
        assert await api.deliver_raw(update, secret=None) == 401
        assert api.webhook_deliveries[-1].status == 401
        assert len(received) == 1

        assert await bot.delete_webhook()
        await amina.send("via polling")
        [polled] = await bot.get_updates()
        assert polled.message is not None
        assert polled.message.text == "via polling"
    finally:
        await runner.cleanup()


async def test_a_failed_webhook_delivery_is_retried_when_asked(api: FakeBotApi, bot: Bot) -> None:
    statuses = [500, 500, 200]

    async def receive(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=statuses.pop(0))

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    api.retry_webhook = True
    api.webhook_retry_delay = 0.01
    try:
        assert await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
        update = await api.citizen(1001, "Amina").send("again and again")
        await api.wait_idle()
        assert [d.status for d in api.webhook_deliveries] == [500, 500, 200]
        assert api.handed_out == {update["update_id"]: 3}
        assert api.pending_updates == []
    finally:
        await runner.cleanup()
