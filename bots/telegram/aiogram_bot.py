"""Telegram through aiogram 3: translate updates to `Incoming`, calls to aiogram methods."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ChatType
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageText,
    GetMe,
    GetUpdates,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    SetWebhook,
)
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiohttp import web
from pydantic import BaseModel, ConfigDict

from bots.telegram import updates
from bots.telegram import webhook as webhook_server
from bots.telegram.common import (
    Alongside,
    Incoming,
    Keyboard,
    NetworkFailure,
    NotModified,
    Refused,
    RetryLater,
    Unreachable,
    answer_press,
    handle_update,
    inline_markup,
    local_photo,
    register_commands,
    running_alongside,
)
from bots.telegram.runtime import TelegramRuntime, Webhook
from bots.telegram.updates import Attempts, Fetched
from conversations.service import ConversationService

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 20.0


def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if keyboard is None:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
            for row in keyboard
        ]
    )


class _Sent(BaseModel):
    """What the adapter reads of a sent or edited message: nothing but its id."""

    model_config = ConfigDict(extra="ignore")

    message_id: int


class _SendText(TelegramMethod[_Sent]):
    """``sendMessage`` as the conversation sends it: a chat, a text and an inline keyboard
    already in its wire form (`_keyboard_json`).

    On the wire the same request as aiogram's `SendMessage` built from `_markup` (form fields
    ``chat_id``, ``text``, ``reply_markup``), without building the keyboard as pydantic models
    first and without parsing Telegram's answer into a `Message` the conversation never reads:
    about a tenth of a millisecond less per reply, measured in benchmarks/inbound.py. It does
    not apply the bot's default properties (parse mode, link previews); PeacePulse sets none.
    """

    __returning__ = _Sent
    __api_method__ = "sendMessage"

    chat_id: int
    text: str
    reply_markup: str | None = None


class _EditText(TelegramMethod[_Sent | bool]):
    """``editMessageText`` in the same way as `_SendText` (no keyboard: Telegram removes it)."""

    __returning__ = _Sent | bool
    __api_method__ = "editMessageText"

    chat_id: int
    message_id: int
    text: str
    reply_markup: str | None = None


def _keyboard_json(bot: Bot, keyboard: Keyboard | None) -> str | None:
    """The inline keyboard as the JSON text aiogram would send for `_markup` (same dumper)."""
    if keyboard is None:
        return None
    dumped: str = bot.session.json_dumps(inline_markup(keyboard))
    return dumped


async def _guard(method: str, call: Awaitable[object]) -> None:
    """Run an aiogram call, mapping its exceptions to the shared `BotApiError` family."""
    try:
        await call
    except TelegramRetryAfter as error:
        raise RetryLater(method, error.message, error.retry_after) from error
    except TelegramForbiddenError as error:
        raise Unreachable(method, error.message) from error
    except TelegramBadRequest as error:
        if "message is not modified" in error.message:
            raise NotModified(method, error.message) from error
        raise Refused(method, error.message) from error
    except (TelegramNetworkError, TelegramServerError) as error:
        raise NetworkFailure(method, error.message) from error
    except ClientDecodeError as error:  # e.g. a proxy's HTML error page instead of JSON
        raise NetworkFailure(method, error.message) from error
    except TelegramAPIError as error:
        raise Refused(method, error.message) from error
    except TimeoutError as error:
        raise NetworkFailure(method, "timed out") from error


class AiogramClient:
    """`TelegramClient` over an aiogram `Bot`."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_message(self, chat_id: int, text: str, keyboard: Keyboard | None) -> None:
        bot = self._bot
        method = _SendText(chat_id=chat_id, text=text, reply_markup=_keyboard_json(bot, keyboard))
        sent = bot(method)
        await _guard("sendMessage", sent)

    async def send_photo(
        self, chat_id: int, photo: str, caption: str | None, keyboard: Keyboard | None
    ) -> None:
        path = local_photo(photo)
        await _guard(
            "sendPhoto",
            self._bot.send_photo(
                chat_id,
                FSInputFile(path) if path is not None else photo,
                caption=caption,
                reply_markup=_markup(keyboard),
            ),
        )

    async def edit_message(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None:
        bot = self._bot
        method = _EditText(
            chat_id=chat_id,
            message_id=message_id,
            text=text,
            reply_markup=_keyboard_json(bot, keyboard),
        )
        edited = bot(method)
        await _guard("editMessageText", edited)

    async def answer_callback(self, callback_id: str) -> None:
        await _guard("answerCallbackQuery", self._bot.answer_callback_query(callback_id))

    async def set_commands(self, commands: Sequence[tuple[str, str]], language: str | None) -> None:
        await _guard(
            "setMyCommands",
            self._bot.set_my_commands(
                [BotCommand(command=name, description=text) for name, text in commands],
                language_code=language,
            ),
        )


class _Session(AiohttpSession):
    """aiogram's session, keeping alive the response classes of the methods the bot calls.

    aiogram builds ``Response[T]`` for every Bot API answer; pydantic caches those generic
    classes only weakly, so each garbage collection drops them and the next answer rebuilds
    one (about 4 ms each: measured as 15 % of the time under load in benchmarks/inbound.py).
    """

    def __init__(self, api: TelegramAPIServer) -> None:
        # 20 s rather than aiogram's 60, as the outbox's client (`bots.telegram.botapi`): a
        # reply that takes longer is better given up and logged than left hanging.
        super().__init__(api=api, timeout=REQUEST_TIMEOUT)
        methods: tuple[type[TelegramMethod[Any]], ...] = (
            GetMe,
            GetUpdates,
            SendMessage,
            SendPhoto,
            EditMessageText,
            AnswerCallbackQuery,
            SetMyCommands,
            DeleteWebhook,
            SetWebhook,
            _SendText,
            _EditText,
        )
        self._kept = tuple(Response[m.__returning__] for m in methods)  # type: ignore[name-defined]


def build_bot(runtime: TelegramRuntime) -> Bot:
    session = _Session(TelegramAPIServer.from_base(runtime.api_url))
    return Bot(runtime.token, session=session)


async def _private(message: Message) -> bool:
    """Filter: a message in a private chat (groups and channels are not the bot's business).

    A coroutine on purpose: aiogram runs a plain function filter, such as a magic filter
    ``F.chat.type == ...``, in a worker thread (`asyncio.to_thread`) for every message; that
    thread hop cost more CPU than the rest of the dispatch (benchmarks/README.md).
    """
    return message.chat.type == ChatType.PRIVATE


def build_dispatcher(service: ConversationService, attempts: Attempts | None = None) -> Dispatcher:
    """A dispatcher whose handlers only translate; the service is handed in, not global.
    ``attempts`` learns of updates to try again (`bots.telegram.updates`)."""
    router = Router(name="peacepulse")
    router.message.filter(_private)

    @router.message()
    async def on_message(message: Message, bot: Bot, event_update: Update) -> None:
        if message.from_user is None:
            return
        incoming = Incoming(
            update_id=event_update.update_id,
            user_id=message.from_user.id,
            chat_id=message.chat.id,
            language_code=message.from_user.language_code,
            text=message.text,
            content=str(message.content_type),
        )
        await handle_update(service, AiogramClient(bot), incoming, attempts)

    @router.callback_query()
    async def on_callback(query: CallbackQuery, bot: Bot, event_update: Update) -> None:
        message = query.message
        if message is not None and message.chat.type != ChatType.PRIVATE:
            await answer_press(AiogramClient(bot), query.id)
            return
        incoming = Incoming(
            update_id=event_update.update_id,
            user_id=query.from_user.id,
            chat_id=message.chat.id if message is not None else query.from_user.id,
            language_code=query.from_user.language_code,
            callback_id=query.id,
            callback_data=query.data,
            message_id=message.message_id if message is not None else None,
        )
        await handle_update(service, AiogramClient(bot), incoming, attempts)

    # No FSM: the conversation keeps its own state in the store (aiogram's FSM middleware
    # would only read an empty memory storage for every update).
    dispatcher = Dispatcher(disable_fsm=True)
    dispatcher.include_router(router)
    return dispatcher


async def serve(
    runtime: TelegramRuntime,
    service: ConversationService,
    languages: tuple[str, ...],
    stop: asyncio.Event,
    alongside: Alongside | None = None,
) -> None:
    """Run the bot until ``stop`` is set: long polling, or a webhook server when configured;
    ``alongside`` runs beside it (the outbox dispatcher). Updates are confirmed to Telegram
    only once handled (`bots.telegram.updates`)."""
    bot = build_bot(runtime)
    attempts = Attempts()
    dispatcher = build_dispatcher(service, attempts)
    try:
        me = await bot.get_me()
        log.info("connected to Telegram as @%s", me.username)
        client = AiogramClient(bot)
        await register_commands(client, languages)
        async with running_alongside(alongside, stop):
            if runtime.webhook is None:
                await _poll(bot, dispatcher, attempts, stop)
            else:
                await _webhook(bot, dispatcher, attempts, runtime.webhook, stop)
    finally:
        await bot.session.close()


def _sender(update: Update) -> int | None:
    if update.message is not None and update.message.from_user is not None:
        return update.message.from_user.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return None


async def _poll(bot: Bot, dispatcher: Dispatcher, attempts: Attempts, stop: asyncio.Event) -> None:
    """Our own polling loop rather than ``Dispatcher.start_polling``, which confirms updates
    as soon as it has fetched them."""
    await bot.delete_webhook(drop_pending_updates=False)
    allowed = dispatcher.resolve_used_update_types()

    async def fetch(offset: int | None, wait: int, limit: int) -> list[Fetched]:
        method = GetUpdates(offset=offset, timeout=wait, limit=limit, allowed_updates=allowed)
        # the request waits up to ``wait`` seconds for updates, on top of the usual timeout
        fetched = await bot(method, request_timeout=int(REQUEST_TIMEOUT) + wait)
        return [
            Fetched(u.update_id, _sender(u), functools.partial(dispatcher.feed_update, bot, u))
            for u in fetched
        ]

    await updates.poll(fetch, attempts, stop)


async def _webhook(
    bot: Bot, dispatcher: Dispatcher, attempts: Attempts, webhook: Webhook, stop: asyncio.Event
) -> None:
    """Receive updates on the shared receiver (`bots.telegram.webhook`) rather than aiogram's
    ``SimpleRequestHandler``, which answers 200 before the update is handled."""

    async def deliver(data: dict[str, object]) -> None:
        await dispatcher.feed_update(bot, Update.model_validate(data, context={"bot": bot}))

    app = webhook_server.application()
    app.router.add_post(webhook.path, webhook_server.receiver(webhook.secret, deliver, attempts))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, webhook.listen, webhook.port)
    await site.start()
    try:
        await bot.set_webhook(
            webhook.url,
            secret_token=webhook.secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
        log.info("webhook listening on %s:%d%s", webhook.listen, webhook.port, webhook.path)
        await stop.wait()
    finally:
        await runner.cleanup()
