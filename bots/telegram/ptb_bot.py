"""Telegram through python-telegram-bot 22: translate updates to `Incoming`, calls to PTB methods.

Only the Application's dispatching is used: no ConversationHandler, no persistence, no job
queue, and not its Updater, which confirms updates as soon as it has fetched them (updates are
fetched by `bots.telegram.updates` instead). The conversation lives in the store and the
engine.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import functools
import logging
import os
from collections.abc import Awaitable, Sequence

from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.helpers import effective_message_type

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
    local_photo,
    register_commands,
    running_alongside,
)
from bots.telegram.runtime import TelegramRuntime, Webhook
from bots.telegram.updates import Attempts, Fetched
from conversations.service import ConversationService

log = logging.getLogger(__name__)

PtbApplication = Application[
    ExtBot[None],
    ContextTypes.DEFAULT_TYPE,
    dict[object, object],
    dict[object, object],
    dict[object, object],
    None,
]

ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
"""What the handlers use: the same update types aiogram asks for."""


def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if keyboard is None:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in keyboard
        ]
    )


def _seconds(retry_after: int | float | dtm.timedelta) -> float:
    # PTB 22 gives a timedelta once opted in (PTB_TIMEDELTA), an int or float before that
    if isinstance(retry_after, dtm.timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


async def _guard(method: str, call: Awaitable[object]) -> None:
    """Run a PTB call, mapping its exceptions to the shared `BotApiError` family."""
    try:
        await call
    except RetryAfter as error:
        raise RetryLater(method, error.message, _seconds(error.retry_after)) from error
    except Forbidden as error:
        raise Unreachable(method, error.message) from error
    except BadRequest as error:  # a subclass of NetworkError in PTB, hence first
        if "message is not modified" in error.message.lower():
            raise NotModified(method, error.message) from error
        raise Refused(method, error.message) from error
    except NetworkError as error:  # TimedOut, connection errors, 5xx answers
        raise NetworkFailure(method, error.message) from error
    except TelegramError as error:  # InvalidToken (401 and 404), Conflict, ...
        raise Refused(method, error.message) from error


class PtbClient:
    """`TelegramClient` over a python-telegram-bot `Bot`."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_message(self, chat_id: int, text: str, keyboard: Keyboard | None) -> None:
        await _guard(
            "sendMessage", self._bot.send_message(chat_id, text, reply_markup=_markup(keyboard))
        )

    async def send_photo(
        self, chat_id: int, photo: str, caption: str | None, keyboard: Keyboard | None
    ) -> None:
        # PTB uploads the file behind a Path; a string goes as a URL or file id
        path = local_photo(photo)
        await _guard(
            "sendPhoto",
            self._bot.send_photo(
                chat_id,
                path if path is not None else photo,
                caption=caption,
                reply_markup=_markup(keyboard),
            ),
        )

    async def edit_message(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None:
        await _guard(
            "editMessageText",
            self._bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=_markup(keyboard)
            ),
        )

    async def answer_callback(self, callback_id: str) -> None:
        await _guard("answerCallbackQuery", self._bot.answer_callback_query(callback_id))

    async def set_commands(self, commands: Sequence[tuple[str, str]], language: str | None) -> None:
        await _guard(
            "setMyCommands",
            self._bot.set_my_commands(
                [BotCommand(name, text) for name, text in commands], language_code=language
            ),
        )


def _from_message(update_id: int, message: Message) -> Incoming | None:
    if message.from_user is None:
        return None
    return Incoming(
        update_id=update_id,
        user_id=message.from_user.id,
        chat_id=message.chat.id,
        language_code=message.from_user.language_code,
        text=message.text,
        content=effective_message_type(message) or "unknown",
    )


def _from_press(update_id: int, query: CallbackQuery) -> Incoming:
    message = query.message
    return Incoming(
        update_id=update_id,
        user_id=query.from_user.id,
        chat_id=message.chat.id if message is not None else query.from_user.id,
        language_code=query.from_user.language_code,
        callback_id=query.id,
        callback_data=query.data,
        message_id=message.message_id if message is not None else None,
    )


def build_application(
    runtime: TelegramRuntime, service: ConversationService, attempts: Attempts | None = None
) -> PtbApplication:
    """An Application whose handlers only translate; the service is handed in, not global.
    ``attempts`` learns of updates to try again (`bots.telegram.updates`)."""
    # Opt in to PTB 22's timedelta durations: the int form warns on every RetryAfter it builds.
    os.environ["PTB_TIMEDELTA"] = "true"
    application = (
        ApplicationBuilder()
        .token(runtime.token)
        .base_url(f"{runtime.api_url}/bot")
        .base_file_url(f"{runtime.api_url}/file/bot")
        .job_queue(None)
        .updater(None)
        .build()
    )

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is None:
            return
        incoming = _from_message(update.update_id, update.message)
        if incoming is not None:
            await handle_update(service, PtbClient(context.bot), incoming, attempts)

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        client = PtbClient(context.bot)
        if query.message is not None and query.message.chat.type != ChatType.PRIVATE:
            await answer_press(client, query.id)
            return
        await handle_update(service, client, _from_press(update.update_id, query), attempts)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("update %s failed", update_id, exc_info=context.error)

    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE, on_message)
    )
    application.add_handler(CallbackQueryHandler(on_press))
    application.add_error_handler(on_error)
    return application


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
    attempts = Attempts()
    application = build_application(runtime, service, attempts)
    async with application:  # initialize (getMe) … shutdown (closes the HTTP clients)
        log.info("connected to Telegram as @%s", application.bot.username)
        client = PtbClient(application.bot)
        await register_commands(client, languages)
        await application.start()
        try:
            async with running_alongside(alongside, stop):
                if runtime.webhook is None:
                    await _poll(application, attempts, stop)
                else:
                    await _webhook(application, attempts, runtime.webhook, stop)
        finally:
            await application.stop()


async def _poll(application: PtbApplication, attempts: Attempts, stop: asyncio.Event) -> None:
    bot = application.bot
    await bot.delete_webhook(drop_pending_updates=False)

    async def fetch(offset: int | None, wait: int, limit: int) -> list[Fetched]:
        fetched = await bot.get_updates(
            offset=offset,
            timeout=dtm.timedelta(seconds=wait),  # added to the read timeout by PTB
            limit=limit,
            allowed_updates=ALLOWED_UPDATES,
        )
        return [
            Fetched(
                u.update_id,
                u.effective_user.id if u.effective_user is not None else None,
                functools.partial(application.process_update, u),
            )
            for u in fetched
        ]

    await updates.poll(fetch, attempts, stop)


async def _webhook(
    application: PtbApplication, attempts: Attempts, webhook: Webhook, stop: asyncio.Event
) -> None:
    """Receive updates on our own aiohttp server (`bots.telegram.webhook`) rather than PTB's
    tornado one, which reads a body of any size before it checks the secret, and answers 200
    before the update is handled."""

    async def deliver(data: dict[str, object]) -> None:
        await application.process_update(Update.de_json(data, application.bot))

    app = webhook_server.application()
    app.router.add_post(webhook.path, webhook_server.receiver(webhook.secret, deliver, attempts))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, webhook.listen, webhook.port)
    await site.start()
    try:
        await application.bot.set_webhook(
            webhook.url,
            secret_token=webhook.secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        log.info("webhook listening on %s:%d%s", webhook.listen, webhook.port, webhook.path)
        await stop.wait()
    finally:
        await runner.cleanup()
