"""What every Telegram adapter needs, written once: updates → engine events, replies → calls.

An adapter (aiogram, python-telegram-bot) implements `TelegramClient` with its own framework
and maps its framework's exceptions to `BotApiError` subclasses; everything else — splitting
long texts, building keyboards, checking callback data, choosing edit or send, retrying after
429, logging refusals, the command menus — lives here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bots.telegram.updates import Attempts
from conversations.i18n import translate
from conversations.service import ConversationService
from conversations.values import Inbound, ParticipantKey, Press, Reply, Text, Unsupported

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_RETRIES = 3

Keyboard = tuple[tuple[tuple[str, str], ...], ...]
"""Rows of (label, callback_data)."""

COMMAND_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "start": {"en": "Start or continue", "fr": "Commencer ou reprendre", "ar": "البدء أو المتابعة"},
    "polls": {
        "en": "Polls you can answer",
        "fr": "Sondages disponibles",
        "ar": "الاستطلاعات المتاحة",
    },
    "consult": {
        "en": "Take part in a consultation",
        "fr": "Participer à une consultation",
        "ar": "المشاركة في مشاورة",
    },
    "initiatives": {
        "en": "Local actions to volunteer for",
        "fr": "Actions locales où s'engager",
        "ar": "مبادرات محلية للتطوع",
    },
    "my_signups": {"en": "Your sign-ups", "fr": "Vos inscriptions", "ar": "تسجيلاتك"},
    "subscribe": {
        "en": "News you receive",
        "fr": "Informations reçues",
        "ar": "الأخبار التي تصلك",
    },
    "language": {"en": "Change language", "fr": "Changer de langue", "ar": "تغيير اللغة"},
    "mydata": {"en": "See your data", "fr": "Voir vos données", "ar": "عرض بياناتك"},
    "forget": {"en": "Erase your data", "fr": "Effacer vos données", "ar": "محو بياناتك"},
    "stop": {"en": "Pause messages", "fr": "Suspendre les messages", "ar": "إيقاف الرسائل مؤقتاً"},
    "help": {"en": "Help", "fr": "Aide", "ar": "مساعدة"},
}


class BotApiError(Exception):
    """Root of Bot API failures as the adapters report them."""

    def __init__(self, method: str, description: str) -> None:
        super().__init__(f"{method}: {description}")
        self.method = method
        self.description = description


class NotModified(BotApiError):
    """An edit that would change nothing (Telegram refuses it; harmless)."""


class RetryLater(BotApiError):
    """429: flood control; wait ``retry_after`` seconds."""

    def __init__(self, method: str, description: str, retry_after: float) -> None:
        super().__init__(method, description)
        self.retry_after = retry_after


class Unreachable(BotApiError):
    """403: the person blocked the bot or deleted their account."""


class Refused(BotApiError):
    """400 and other refusals: the request itself was wrong."""


class NetworkFailure(BotApiError):
    """Timeouts, connection errors and 5xx answers: worth another try.

    ``outage``: the server could not be reached or said it is down (connection refused or
    reset, a timeout, 502/503/504), rather than that it failed this one call (500); the outbox
    then pauses the channel instead of counting an attempt (`conversations.ports.SendResult`).
    """

    def __init__(self, method: str, description: str, *, outage: bool = True) -> None:
        super().__init__(method, description)
        self.outage = outage


Alongside = Callable[[], Coroutine[object, object, None]]
"""Work that runs beside the bot for as long as it serves (the scheduler and the outbox
dispatcher, which sends with a client of its own: `bots.telegram.botapi`)."""


class TelegramClient(Protocol):
    """The few Bot API calls the conversation needs, implemented by each framework adapter."""

    async def send_message(self, chat_id: int, text: str, keyboard: Keyboard | None) -> None: ...

    async def send_photo(
        self, chat_id: int, photo: str, caption: str | None, keyboard: Keyboard | None
    ) -> None:
        """Send a picture: ``photo`` is a URL, a Telegram file id or a local file's path
        (uploaded; see `local_photo`); ``caption`` at most `MAX_CAPTION` characters."""

    async def edit_message(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None: ...

    async def answer_callback(self, callback_id: str) -> None: ...

    async def set_commands(
        self, commands: Sequence[tuple[str, str]], language: str | None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Incoming:
    """The parts of a Telegram update the conversation uses, whatever framework parsed it."""

    update_id: int
    user_id: int
    chat_id: int
    language_code: str | None
    text: str | None = None
    callback_id: str | None = None
    callback_data: str | None = None
    message_id: int | None = None
    content: str = "text"

    def to_inbound(self) -> Inbound:
        if self.callback_id is not None:
            event: Text | Press | Unsupported = Press(self.callback_data or "")
        elif self.text is not None:
            event = Text(self.text)
        else:
            event = Unsupported(self.content)
        return Inbound(
            key=ParticipantKey(CHANNEL, str(self.user_id)),
            event=event,
            address=str(self.chat_id),
            update_id=self.update_id,
            locale=self.language_code,
        )


def local_photo(photo: str) -> Path | None:
    """The local file to upload for ``photo``, or None for a URL or a Telegram file id."""
    if photo.startswith(("http://", "https://")):
        return None
    path = Path(photo)
    return path if path.is_file() else None


def command_menu(language: str | None) -> list[tuple[str, str]]:
    """The command menu as (command, description) in ``language``; None is the default menu."""
    return [
        (name, texts.get(language or "en") or texts["en"])
        for name, texts in COMMAND_DESCRIPTIONS.items()
    ]


async def register_commands(client: TelegramClient, languages: Sequence[str]) -> None:
    """Register the default command menu and one per language.

    A server without setMyCommands (some local Bot API servers, test doubles) is tolerated:
    the bot works without a menu.
    """
    for language in (None, *languages):
        try:
            await client.set_commands(command_menu(language), language)
        except BotApiError as error:
            log.warning("could not set the command menu: %s; going on without it", error)
            return


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a text into messages of at most ``limit`` characters, at line or word breaks."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest.strip() or not chunks:
        chunks.append(rest)
    return [c for c in chunks if c.strip()] or ["…"]


def inline_markup(keyboard: Keyboard) -> dict[str, Any]:
    """A keyboard as the Bot API's ``InlineKeyboardMarkup`` object, ready for JSON."""
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in keyboard
        ]
    }


def keyboard(reply: Reply) -> Keyboard | None:
    """The reply's buttons as rows of (label, data); data over 64 bytes is a programming error."""
    if not reply.buttons:
        return None
    for button in reply.flat_buttons:
        if len(button.data.encode()) > MAX_CALLBACK_DATA:
            raise ValueError(f"callback data over {MAX_CALLBACK_DATA} bytes: {button.data!r}")
    return tuple(tuple((b.label, b.data) for b in row) for row in reply.buttons)


async def call_api(
    method: str, call: Callable[[], Awaitable[None]], *, retries: int = MAX_RETRIES
) -> bool:
    """Run one Bot API call, honouring 429 ``retry_after``; False if it finally failed.

    Refusals are logged with the method and never raised, so one bad message cannot put the
    bot into a crash loop.
    """
    for attempt in range(retries + 1):
        try:
            await call()
        except RetryLater as error:
            if attempt == retries:
                log.warning("%s: still rate limited after %d retries", method, retries)
                return False
            await asyncio.sleep(error.retry_after)
        except NetworkFailure as error:
            if attempt == retries:
                log.warning("%s failed after %d retries: %s", method, retries, error.description)
                return False
            await asyncio.sleep(min(2**attempt, 30))
        except Unreachable as error:
            log.info("%s: participant unreachable (%s)", method, error.description)
            return False
        except BotApiError as error:
            log.warning("%s refused: %s", method, error.description)
            return False
        else:
            return True
    return False


async def answer_press(client: TelegramClient, callback_id: str) -> None:
    """Answer a callback query so the button stops spinning; a refusal is only logged."""
    await call_api("answerCallbackQuery", lambda: client.answer_callback(callback_id))


async def deliver(
    client: TelegramClient,
    chat_id: int,
    replies: Sequence[Reply],
    pressed_message_id: int | None = None,
) -> None:
    """Send the engine's replies: long texts split, keyboards on the last part."""
    for reply in replies:
        markup = keyboard(reply)
        if reply.replace and pressed_message_id is not None and len(reply.text) <= MAX_TEXT:
            try:
                await client.edit_message(chat_id, pressed_message_id, reply.text, markup)
            except NotModified:
                pass
            except BotApiError:
                await _send(client, chat_id, reply.text, markup)
            continue
        await _send(client, chat_id, reply.text, markup)


async def _send(client: TelegramClient, chat_id: int, text: str, markup: Keyboard | None) -> None:
    chunks = split_text(text)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1

        async def send(chunk: str = chunk, last: bool = last) -> None:
            await client.send_message(chat_id, chunk, markup if last else None)

        await call_api("sendMessage", send)


async def handle_update(
    service: ConversationService,
    client: TelegramClient,
    incoming: Incoming,
    attempts: Attempts | None = None,
) -> None:
    """One Telegram update end to end: engine and store first, then the Bot API calls.

    The update is confirmed to Telegram once this returns (`bots.telegram.updates`), so its
    replies are kept in the store until they were sent: a copy that comes again after a crash
    gets them. When processing failed nothing was stored; the failure is reported to
    ``attempts`` so that the update is tried again, and on its last try (or without
    ``attempts``) the person is told so and asked to try again instead. The callback query is
    answered once the update is done with, so the person's button never spins forever.
    """
    inbound = incoming.to_inbound()
    last_try = attempts is None or attempts.last_try(incoming.update_id)
    try:
        replies = await service.handle(inbound, until_replied=True)
    except Exception as error:
        if attempts is not None and not last_try:
            log.warning("could not process update %s (%r); trying again", incoming.update_id, error)
            attempts.failed(incoming.update_id)
            return
        # Nothing was committed; say so rather than leave the person waiting in silence.
        log.exception("could not process update %s", incoming.update_id)
        language = (incoming.language_code or "en").split("-")[0]
        replies = (Reply(translate("internal_error", language)),)
    try:
        if incoming.callback_id is not None:
            await answer_press(client, incoming.callback_id)
        await deliver(client, incoming.chat_id, replies, incoming.message_id)
    finally:
        service.replied(inbound)


@contextlib.asynccontextmanager
async def running_alongside(work: Alongside | None, stop: asyncio.Event) -> AsyncIterator[None]:
    """Run ``work`` while the bot serves; it is expected to return once ``stop`` is set, and is
    cancelled if the bot stops for another reason."""
    task: asyncio.Task[None] | None = None
    if work is not None:
        task = asyncio.create_task(work())
    try:
        yield
    finally:
        if task is not None:
            if not stop.is_set():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
