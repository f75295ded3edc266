"""A fake Telegram Bot API server speaking the real wire protocol over real HTTP.

Real bot clients (aiogram's ``AiohttpSession``, python-telegram-bot's ``HTTPXRequest``) are pointed
at it and talk HTTP to it exactly as they would to ``api.telegram.org``:

* aiogram: ``AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))``; aiogram builds
  ``{base}/bot{token}/{method}`` and POSTs ``application/x-www-form-urlencoded`` (multipart when
  files are attached); every non-string value is JSON-encoded, falsy values are *omitted*
  (so ``text=""`` arrives as a missing ``text``).
* python-telegram-bot: ``Bot(token, base_url=f"{api.base_url}/bot")``; PTB appends the token to
  ``base_url`` (unless it contains ``{token}``) and POSTs form data to ``{base_url}/{method}``
  where every value is a string (dicts/lists JSON-encoded, ``True`` -> ``"true"``).

Both parse ``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": ..., "description":
...}`` and use the HTTP status code to pick the exception class (400 -> BadRequest, 401/404 ->
Unauthorized/NotFound resp. PTB ``InvalidToken``, 409 -> Conflict, ...), and
``parameters.retry_after`` for flood control (see :class:`ApiError`).

Scripted users are :class:`Citizen` objects created with :meth:`FakeBotApi.citizen`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import itertools
import json
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import TracebackType
from typing import Any, Final, NamedTuple, Self

import aiohttp
from aiohttp import web

JSON = dict[str, Any]
MethodHandler = Callable[[JSON], Awaitable[Any]]
RequestHook = Callable[[str, JSON], Awaitable[None]]

# --------------------------------------------------------------------------------------------
# Telegram's own error texts (as returned in "description").
# --------------------------------------------------------------------------------------------
UNAUTHORIZED: Final = "Unauthorized"
NOT_FOUND: Final = "Not Found"
TEXT_EMPTY: Final = "Bad Request: message text is empty"
TEXT_TOO_LONG: Final = "Bad Request: message is too long"
BUTTON_DATA_INVALID: Final = "Bad Request: BUTTON_DATA_INVALID"
TEXT_BUTTONS_UNALLOWED: Final = (
    "Bad Request: can't parse inline keyboard button: "
    "Text buttons are unallowed in the inline keyboard"
)
REPLY_MARKUP_INVALID: Final = "Bad Request: can't parse reply keyboard markup JSON object"
CHAT_ID_EMPTY: Final = "Bad Request: chat_id is empty"
CHAT_NOT_FOUND: Final = "Bad Request: chat not found"
BOT_BLOCKED: Final = "Forbidden: bot was blocked by the user"
CAPTION_TOO_LONG: Final = "Bad Request: message caption is too long"
PHOTO_INVALID: Final = "Bad Request: wrong remote file identifier specified"
SERVER_ERRORS: Final = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
MESSAGE_TO_EDIT_NOT_FOUND: Final = "Bad Request: message to edit not found"
MESSAGE_CANT_BE_EDITED: Final = "Bad Request: message can't be edited"
MESSAGE_TO_DELETE_NOT_FOUND: Final = "Bad Request: message to delete not found"
MESSAGE_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
CONFLICT_WEBHOOK_ACTIVE: Final = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CONFLICT_OTHER_GET_UPDATES: Final = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_SET_WEBHOOK: Final = "Conflict: terminated by setWebhook request"
WEBHOOK_HTTPS_REQUIRED: Final = (
    "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
)
BOT_COMMAND_INVALID: Final = "Bad Request: BOT_COMMAND_INVALID"
COMMAND_DESCRIPTION_INVALID: Final = "Bad Request: command description is empty"

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
SEND_METHODS: Final = frozenset({"sendMessage", "sendPhoto"})
"""The methods that deliver a message to a chat: rate limited and recorded in ``sends``."""
MAX_CALLBACK_DATA_BYTES: Final = 64


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Update types not delivered unless explicitly listed in allowed_updates (Bot API docs).
_OPT_IN_UPDATE_TYPES: Final = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)

# Parameters whose value is a JSON-serialized object/array when sent as form data.
_JSON_PARAMS: Final = _names(
    """
    reply_markup allowed_updates commands scope entities caption_entities link_preview_options
    reply_parameters media results options permissions reaction
    """
)
_INT_PARAMS: Final = _names(
    """
    message_id offset limit timeout max_connections cache_time message_thread_id
    reply_to_message_id user_id from_chat_id
    """
)
_BOOL_PARAMS: Final = _names(
    """
    drop_pending_updates show_alert disable_notification protect_content
    disable_web_page_preview allow_sending_without_reply allow_paid_broadcast
    """
)
_INLINE_BUTTON_ACTIONS: Final = _names(
    """
    callback_data url web_app login_url switch_inline_query switch_inline_query_current_chat
    switch_inline_query_chosen_chat copy_text callback_game pay
    """
)


class ApiError(Exception):
    """An error answer of the Bot API: raised inside method handlers and request hooks.

    ``ApiError(429, "Too Many Requests: retry after 5", {"retry_after": 5})`` is how flood
    control looks on the wire (both aiogram and PTB read ``parameters.retry_after``).
    """

    def __init__(self, error_code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class FakeApiTimeout(AssertionError):
    """Raised by the waiting helpers when the expected bot behaviour did not happen in time."""


class ApiCall(NamedTuple):
    """One request the bot made: ``method`` (canonical Bot API spelling) and decoded params."""

    method: str
    params: JSON


@dataclass(frozen=True)
class Refusal:
    """A request the fake refused, with the error it answered (``at``: ``time.monotonic()``)."""

    method: str
    params: JSON
    error_code: int
    description: str
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass(frozen=True)
class InlineButton:
    """One inline keyboard button of a bot message."""

    text: str
    callback_data: str | None
    url: str | None
    row: int
    column: int
    raw: JSON


@dataclass
class BotMessage:
    """A message the bot sent, with edits applied."""

    chat_id: int
    message_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    reply_markup: JSON | None
    date: int
    params: JSON
    edit_date: int | None = None
    history: list[str] = field(default_factory=list)
    deleted: bool = False
    photo: str | UploadedFile | None = None
    """What sendPhoto was given: a URL (or file id), or the uploaded file."""

    @property
    def inline_keyboard(self) -> list[list[InlineButton]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [
                InlineButton(
                    text=str(button.get("text", "")),
                    callback_data=button.get("callback_data"),
                    url=button.get("url"),
                    row=r,
                    column=c,
                    raw=button,
                )
                for c, button in enumerate(row)
            ]
            for r, row in enumerate(rows)
        ]

    @property
    def buttons(self) -> list[InlineButton]:
        return [button for row in self.inline_keyboard for button in row]

    @property
    def button_labels(self) -> list[str]:
        return [button.text for button in self.buttons]

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Labels of a (non-inline) reply keyboard attached to the message, if any."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in rows]

    def to_api(self, bot_user: JSON, chat: JSON) -> JSON:
        message: JSON = {
            "message_id": self.message_id,
            "from": bot_user,
            "chat": chat,
            "date": self.date,
        }
        if self.photo is None:
            message["text"] = self.text
        else:
            message["photo"] = [
                {
                    "file_id": f"AgACAgIAAxkBAAIBbotphoto{self.chat_id}_{self.message_id}",
                    "file_unique_id": f"AQADbotphoto{self.chat_id}_{self.message_id}",
                    "width": 800,
                    "height": 600,
                }
            ]
            if self.text:
                message["caption"] = self.text
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = self.reply_markup
        return message


@dataclass(frozen=True)
class BotOutput:
    """Something the bot showed in a chat: a new message ("sent") or an edit ("edited")."""

    seq: int
    kind: str
    chat_id: int
    message: BotMessage
    text: str


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the webhook URL; ``status`` is None on connection errors."""

    update_id: int | None
    url: str
    secret: str | None
    status: int | None
    error: str | None
    raw: bool


class AcceptedSend(NamedTuple):
    """A sendMessage/sendPhoto the fake accepted: when (``time.monotonic()``) and to which chat."""

    at: float
    chat_id: int
    method: str


@dataclass
class _QueuedUpdate:
    update: JSON
    redelivery: bool = False
    fetched: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])

    @property
    def kind(self) -> str:
        return next(key for key in self.update if key != "update_id")


@dataclass
class _Chat:
    chat_id: int
    chat: JSON
    known: bool = False
    blocked: bool = False
    next_message_id: int = 1
    bot_messages: dict[int, BotMessage] = field(default_factory=dict)
    user_message_ids: set[int] = field(default_factory=set)
    outputs: list[BotOutput] = field(default_factory=list)

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


class _Ok(NamedTuple):
    """A successful result carrying Telegram's optional "description" (e.g. setWebhook)."""

    result: Any
    description: str


_UNSET: Final = object()


# --------------------------------------------------------------------------------------------
# Formatting (parse_mode) -> plain text, refusing what Telegram cannot parse.
# --------------------------------------------------------------------------------------------
def _entity_error(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


_HTML_TAGS: Final = _names(
    """
    b strong i em u ins s strike del span tg-spoiler a code pre blockquote tg-emoji
    """
)


class _TelegramHtml(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.parts: list[str] = []
        self.stack: list[str] = []
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)

    def _offset(self) -> int:
        line, column = self.getpos()
        return _byte_offset(self.source, self._line_starts[line - 1] + column)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise _entity_error(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise _entity_error(f"Unexpected end tag at byte offset {self._offset()}")
        expected = self.stack.pop()
        if expected != tag:
            raise _entity_error(
                f'Unmatched end tag at byte offset {self._offset()}, expected "</{expected}>", '
                f'found "</{tag}>"'
            )

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_to_text(source: str) -> str:
    parser = _TelegramHtml(source)
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{parser.stack[0]}"')
    return "".join(parser.parts)


_MDV2_ENTITY_NAMES: Final = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
}


def _skip_link_target(source: str, start: int) -> int:
    """``start`` points at "(" after "]"; returns the index after the closing ")"."""
    index = start + 1
    while index < len(source) and source[index] != ")":
        index += 2 if source[index] == "\\" else 1
    return index + 1


def _markdown_v2_to_text(source: str) -> str:  # noqa: PLR0915 - a small state machine
    out: list[str] = []
    open_entities: list[tuple[str, int]] = []
    index = 0
    length = len(source)
    in_code = False
    in_pre = False
    while index < length:
        char = source[index]
        if char == "\\" and index + 1 < length:
            out.append(source[index + 1])
            index += 2
            continue
        if source.startswith("```", index):
            in_pre = not in_pre
            index += 3
            if in_pre:
                newline = source.find("\n", index)
                language = source[index:newline] if newline != -1 else ""
                if newline != -1 and language and " " not in language:
                    index = newline + 1
            continue
        if in_pre:
            out.append(char)
            index += 1
            continue
        if char == "`":
            in_code = not in_code
            index += 1
            continue
        if in_code:
            out.append(char)
            index += 1
            continue
        marker = source[index : index + 2] if source[index : index + 2] in ("__", "||") else char
        if marker in _MDV2_ENTITY_NAMES:
            open_markers = [m for m, _ in open_entities]
            if marker in open_markers:
                position = len(open_markers) - 1 - open_markers[::-1].index(marker)
                del open_entities[position]
            else:
                open_entities.append((marker, _byte_offset(source, index)))
            index += len(marker)
            continue
        if char == "[" or (char == "!" and source.startswith("![", index)):
            index += 1 if char == "[" else 2
            continue
        if char == "]" and source.startswith("(", index + 1):
            index = _skip_link_target(source, index + 1)
            continue
        if char == ">" and (index == 0 or source[index - 1] == "\n"):
            index += 1
            continue
        if char in "[]()>#+-={}.!|":
            raise _entity_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(char)
        index += 1
    if open_entities:
        marker, offset = open_entities[0]
        raise _entity_error(
            f"Can't find end of {_MDV2_ENTITY_NAMES[marker]} entity at byte offset {offset}"
        )
    return "".join(out)


def _markdown_to_text(source: str) -> str:
    out: list[str] = []
    open_marker: tuple[str, int] | None = None
    index = 0
    length = len(source)
    while index < length:
        char = source[index]
        if char == "\\" and index + 1 < length and source[index + 1] in "_*`[":
            out.append(source[index + 1])
            index += 2
            continue
        marker = "```" if source.startswith("```", index) else char
        if marker in ("*", "_", "`", "```"):
            if open_marker is None:
                open_marker = (marker, _byte_offset(source, index))
            elif open_marker[0] == marker:
                open_marker = None
            else:
                out.append(marker)
            index += len(marker)
            continue
        if open_marker is None and char == "[":
            index += 1
            continue
        if open_marker is None and char == "]" and source.startswith("(", index + 1):
            index = _skip_link_target(source, index + 1)
            continue
        out.append(char)
        index += 1
    if open_marker is not None:
        raise _entity_error(
            f"Can't find end of the entity starting at byte offset {open_marker[1]}"
        )
    return "".join(out)


def render_text(raw: str, parse_mode: str | None) -> str:
    """The plain message text Telegram stores for ``raw`` sent with ``parse_mode``."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        text = _html_to_text(raw)
    elif mode == "markdownv2":
        text = _markdown_v2_to_text(raw)
    elif mode == "markdown":
        text = _markdown_to_text(raw)
    else:
        text = raw
    return text.strip()


# --------------------------------------------------------------------------------------------
# Parameter decoding.
# --------------------------------------------------------------------------------------------
def _decode_param(key: str, value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return value
    if key in _JSON_PARAMS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            if key == "reply_markup":
                raise ApiError(400, REPLY_MARKUP_INVALID) from None
            raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
    if key == "chat_id" and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    if key in _INT_PARAMS and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: invalid {key} specified") from None
    if key in _BOOL_PARAMS and isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return value


def _validate_reply_markup(markup: Any) -> JSON | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, REPLY_MARKUP_INVALID)
    if "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, REPLY_MARKUP_INVALID)
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(400, REPLY_MARKUP_INVALID)
            if not _INLINE_BUTTON_ACTIONS.intersection(button):
                raise ApiError(400, TEXT_BUTTONS_UNALLOWED)
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str):
                    raise ApiError(400, BUTTON_DATA_INVALID)
                size = len(data.encode("utf-8"))
                if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, BUTTON_DATA_INVALID)
    return markup


def _normalized_markup(markup: JSON | None) -> JSON | None:
    """Markup as compared for "message is not modified": an empty inline keyboard is none."""
    if not markup or markup.get("inline_keyboard") == []:
        return None
    return markup


def _now() -> int:
    return int(time.time())


# --------------------------------------------------------------------------------------------
# The server.
# --------------------------------------------------------------------------------------------
class FakeBotApi:
    """Fake Telegram Bot API over real HTTP on 127.0.0.1 (see module docstring).

    Inspection attributes: ``calls`` (every request as ``ApiCall(method, params)``),
    ``refusals`` (requests answered with an error), ``updates`` (every update ever enqueued,
    by update_id), ``callback_answers`` (query id -> answerCallbackQuery params),
    ``webhook_deliveries``, ``commands`` ((scope-json, language_code) -> commands).

    Knobs: ``unsupported_methods`` (answered 404 "Not Found" like unknown methods),
    ``request_hooks`` (async ``hook(method, params)`` run before every method; raise
    :class:`ApiError` to fail the call or sleep to add latency), ``require_https_webhook``.

    Bulk sending: :meth:`known_chat` / :meth:`known_chats` let the bot write to chats that
    have no scripted citizen; :meth:`rate_limit` answers 429 with ``retry_after`` when sends
    would exceed a global rate; :meth:`fail_next` (5xx), :meth:`block` (403) and
    :meth:`latency` inject faults; :meth:`refuse_connections` takes the server away (an outage)
    until :meth:`accept_connections`. ``sends`` records every accepted sendMessage/sendPhoto, so
    :meth:`max_sends_in_window` and :meth:`min_chat_interval` measure what the bot did.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        bot_username: str = "peacepulse_test_bot",
        bot_first_name: str = "PeacePulse Test Bot",
        first_update_id: int = 1,
        require_https_webhook: bool = False,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.token = token
        bot_id_text = token.partition(":")[0]
        self.bot_id = int(bot_id_text) if bot_id_text.isdigit() else 123456
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.require_https_webhook = require_https_webhook
        self.webhook_timeout = webhook_timeout

        self.calls: list[ApiCall] = []
        self.refusals: list[Refusal] = []
        self.updates: dict[int, JSON] = {}
        self.callback_answers: dict[str, JSON] = {}
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.unsupported_methods: set[str] = set()
        self.request_hooks: list[RequestHook] = []
        self.citizens: dict[int, Citizen] = {}
        self.sends: list[AcceptedSend] = []
        self.send_limit: int | None = None
        self.answer_delay = 0.0
        # how many times each update was handed to the bot (getUpdates or webhook POST)
        self.handed_out: collections.Counter[int] = collections.Counter()
        # Telegram posts an update again after a failed delivery (non-2xx, no connection)
        self.retry_webhook = False
        self.webhook_retry_delay = 0.2
        self._failures: dict[str, list[int]] = {}
        self._bare_chats: set[int] = set()
        self.closed = False
        self.logged_out = False

        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40
        self.allowed_updates: list[str] | None = None
        self.last_webhook_error: tuple[int, str] | None = None

        self._methods: dict[str, MethodHandler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "close": self._close,
            "logOut": self._log_out,
        }
        self._update_ids = itertools.count(first_update_id)
        self._query_ids = itertools.count(1)
        self._output_seq = itertools.count(1)
        self._last_seq = 0
        self._queue: list[_QueuedUpdate] = []
        self._chats: dict[int, _Chat] = {}
        self._pending_queries: set[str] = set()
        self._inflight = 0
        self._poll_generation = 0
        self._closing = False
        self._changed = asyncio.Event()

        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._port: int | None = None
        self._site: web.TCPSite | None = None
        self.refusing = False
        self.dropped = 0
        """Requests whose connection was reset while refusing connections."""

    # ---------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Bind to 127.0.0.1 on a free port and start serving."""
        # handler_cancellation: a long poll whose client went away is cancelled instead of
        # later "fetching" updates into a dead connection.
        self._runner = web.AppRunner(
            self.app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._site = site
        self._port = int(self._runner.addresses[0][1])
        self._http = aiohttp.ClientSession()
        self._webhook_task = asyncio.create_task(self._webhook_worker())

    async def stop(self) -> None:
        """Release waiting long polls, stop webhook delivery and the HTTP server."""
        self._closing = True
        self._bump()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (aiogram: ``TelegramAPIServer.from_base(base_url)``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ptb_base_url(self) -> str:
        """Value for python-telegram-bot's ``Bot(base_url=...)`` (PTB appends the token)."""
        return f"{self.base_url}/bot"

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ---------------------------------------------------------------- scripted users
    def citizen(
        self,
        user_id: int = 1001,
        first_name: str = "Citizen",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> Citizen:
        """The scripted user ``user_id`` (created on first call; private chat id == user id)."""
        if user_id in self.citizens:
            return self.citizens[user_id]
        citizen = Citizen(
            self,
            user_id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.citizens[user_id] = citizen
        chat: JSON = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            chat["last_name"] = last_name
        if username:
            chat["username"] = username
        self._chats[user_id] = _Chat(chat_id=user_id, chat=chat)
        return citizen

    def known_chat(self, chat_id: int) -> None:
        """Let the bot write to private chat ``chat_id`` as if that user had started it."""
        self._bare_chats.add(chat_id)

    def known_chats(self, chat_ids: Iterable[int]) -> None:
        """`known_chat` for many chats at once; costs a set entry per chat until written to."""
        self._bare_chats.update(chat_ids)

    # ---------------------------------------------------------------- faults and limits
    def rate_limit(self, per_second: int | None) -> None:
        """Accept at most ``per_second`` sends (sendMessage, sendPhoto) in any sliding second;
        any more is answered 429 "Too Many Requests: retry after N" with ``retry_after`` N
        (whole seconds, at least 1, like Telegram). None lifts the limit."""
        self.send_limit = per_second

    def fail_next(self, method: str, status: int = 502, count: int = 1) -> None:
        """Answer the next ``count`` calls of ``method`` with HTTP ``status`` (5xx), before
        they do anything."""
        self._failures.setdefault(method, []).extend([status] * count)

    async def refuse_connections(self) -> None:
        """The server goes away (an outage): new connections are refused, and a request on a
        connection kept open from before is cut off unanswered, until `accept_connections`."""
        self.refusing = True
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def accept_connections(self) -> None:
        """The server is back on the same port after `refuse_connections`."""
        self.refusing = False
        if self._site is None and self._runner is not None:
            self._site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            await self._site.start()

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """The user of ``chat_id`` blocked the bot: sends answer 403 "bot was blocked"."""
        self._ensure_chat(chat_id).blocked = blocked

    def latency(self, seconds: float) -> None:
        """Answer every request (but getUpdates) ``seconds`` late, after processing it."""
        self.answer_delay = seconds

    def max_sends_in_window(self, window: float = 1.0) -> int:
        """The most accepted sends within any ``window`` seconds (a half-open interval)."""
        times = sorted(send.at for send in self.sends)
        most = 0
        start = 0
        for end, at in enumerate(times):
            while at - times[start] >= window:
                start += 1
            most = max(most, end - start + 1)
        return most

    def min_chat_interval(self) -> float | None:
        """The shortest time between two accepted sends to the same chat (None: no repeats)."""
        last: dict[int, float] = {}
        shortest: float | None = None
        for send in sorted(self.sends):
            if send.chat_id in last:
                gap = send.at - last[send.chat_id]
                shortest = gap if shortest is None else min(shortest, gap)
            last[send.chat_id] = send.at
        return shortest

    def _ensure_chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = _Chat(
                chat_id=chat_id,
                chat={"id": chat_id, "type": "private", "first_name": f"User {chat_id}"},
                known=True,
            )
            self._chats[chat_id] = chat
            self._bare_chats.discard(chat_id)
        return chat

    def _check_rate(self, method: str) -> None:
        if self.send_limit is None or method not in SEND_METHODS:
            return
        now = time.monotonic()
        recent = [send.at for send in self.sends[-self.send_limit :] if now - send.at < 1.0]
        if len(recent) >= self.send_limit:
            retry_after = max(1, math.ceil(recent[0] + 1.0 - now))
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )

    # ---------------------------------------------------------------- updates
    def enqueue(self, payload: JSON) -> JSON:
        """Enqueue an update (``payload`` without update_id, e.g. ``{"message": {...}}``)."""
        update = {"update_id": next(self._update_ids), **payload}
        self.updates[update["update_id"]] = update
        self._queue.append(_QueuedUpdate(update))
        self._bump()
        return update

    def redeliver(self, update_id: int) -> JSON:
        """Deliver an already delivered update again, with the SAME update_id (dedup tests)."""
        if update_id not in self.updates:
            raise KeyError(f"update {update_id} was never enqueued; known: {sorted(self.updates)}")
        update = copy.deepcopy(self.updates[update_id])
        self._queue.append(_QueuedUpdate(update, redelivery=True))
        self._bump()
        return update

    @property
    def in_hand(self) -> list[int]:
        """Updates the bot fetched (getUpdates) and has not confirmed yet."""
        return [entry.update_id for entry in self._queue if entry.fetched]

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed (polling) resp. not yet POSTed (webhook)."""
        return [entry.update for entry in self._queue]

    def _allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _OPT_IN_UPDATE_TYPES

    def _deliverable(self) -> list[_QueuedUpdate]:
        """Pending updates of allowed types; updates of other types are dropped like Telegram."""
        self._queue = [entry for entry in self._queue if self._allowed(entry.kind)]
        return self._queue

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._queue = self._queue[offset:]
            return
        self._queue = [
            entry
            for entry in self._queue
            if entry.update_id >= offset or (entry.redelivery and not entry.fetched)
        ]

    # ---------------------------------------------------------------- bot output
    def _chat(self, chat_id: Any) -> _Chat:
        if chat_id is None or chat_id == "":
            raise ApiError(400, CHAT_ID_EMPTY)
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None and chat_id in self._bare_chats:
            chat = self._ensure_chat(chat_id)
        if chat is None or not chat.known:
            raise ApiError(400, CHAT_NOT_FOUND)
        return chat

    def messages(self, chat_id: int) -> list[BotMessage]:
        """The bot's (not deleted) messages in ``chat_id``, oldest first, edits applied."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.bot_messages.values() if not m.deleted]

    def outputs(self, chat_id: int) -> list[BotOutput]:
        """Every send/edit the bot made in ``chat_id``, in order."""
        chat = self._chats.get(chat_id)
        return list(chat.outputs) if chat else []

    @property
    def sent_messages(self) -> list[BotMessage]:
        """All bot messages in all chats, in sending order."""
        sent = [o for chat in self._chats.values() for o in chat.outputs if o.kind == "sent"]
        return [output.message for output in sorted(sent, key=lambda o: o.seq)]

    def calls_to(self, method: str) -> list[JSON]:
        """Params of every call of ``method``."""
        return [params for name, params in self.calls if name == method]

    def _record_output(self, chat: _Chat, kind: str, message: BotMessage) -> None:
        self._last_seq = next(self._output_seq)
        chat.outputs.append(
            BotOutput(
                seq=self._last_seq,
                kind=kind,
                chat_id=chat.chat_id,
                message=message,
                text=message.text,
            )
        )

    def _last_output_seq(self) -> int:
        return self._last_seq

    # ---------------------------------------------------------------- waiting
    def _bump(self) -> None:
        """Wake everything waiting for a state change."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], limit: float) -> bool:
        """Wait until ``predicate()`` holds after some change (an update enqueued or fetched,
        a message sent...), at most ``limit`` seconds; whether it held."""
        return await self._wait_until(predicate, limit)

    async def _wait_until(self, predicate: Callable[[], bool], limit: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._changed
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await event.wait()
        return True

    def _busy_reasons(self, *, require_answers: bool) -> list[str]:
        reasons: list[str] = []
        unfetched = [entry.update_id for entry in self._queue if not entry.fetched]
        if unfetched:
            reasons.append(f"updates not fetched by the bot: {unfetched}")
        if require_answers and self._pending_queries:
            reasons.append(f"callback queries not answered: {sorted(self._pending_queries)}")
        if self._inflight:
            reasons.append(f"{self._inflight} API request(s) in flight")
        return reasons

    async def wait_idle(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - a bound on the wait, by design
        *,
        settle: float = 0.05,
        require_answers: bool = True,
    ) -> None:
        """Wait until every enqueued update was fetched (getUpdates or webhook POST), every
        callback query answered and no bot request (other than getUpdates) is in flight, and
        that stayed so for ``settle`` seconds. Raises :class:`FakeApiTimeout` otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet_since: float | None = None
        while True:
            now = loop.time()
            reasons = self._busy_reasons(require_answers=require_answers)
            if reasons:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= settle:
                return
            if now >= deadline:
                detail = "; ".join(reasons) or "state kept changing"
                recent = [name for name, _ in self.calls[-10:]]
                raise FakeApiTimeout(
                    f"bot not idle after {timeout}s: {detail}; last API calls: {recent}"
                )
            await asyncio.sleep(0.01)

    # ---------------------------------------------------------------- HTTP layer
    @staticmethod
    def _reply(body: JSON, status: int = 200) -> web.Response:
        return web.json_response(body, status=status)

    async def _not_found(self, request: web.Request) -> web.Response:
        return self._reply(ApiError(404, NOT_FOUND).payload(), 404)

    async def _read_params(self, request: web.Request) -> JSON:
        raw: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from None
                if isinstance(body, dict):
                    raw.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        raw[key] = UploadedFile(
                            filename=value.filename,
                            content_type=value.content_type,
                            data=value.file.read(),
                        )
                    else:
                        raw[key] = value if isinstance(value, str) else bytes(value).decode()
        return {key: _decode_param(key, value) for key, value in raw.items()}

    def _canonical_method(self, method: str) -> str | None:
        lowered = method.lower()  # Bot API method names are case-insensitive
        return next((name for name in self._methods if name.lower() == lowered), None)

    async def _handle(self, request: web.Request) -> web.Response:
        if self.refusing and request.transport is not None:
            self.dropped += 1
            request.transport.abort()  # the client sees its connection reset
            raise web.HTTPServiceUnavailable
        if request.match_info["token"] != self.token:
            return self._reply(ApiError(401, UNAUTHORIZED).payload(), 401)
        requested = request.match_info["method"]
        method = self._canonical_method(requested) or requested
        try:
            params = await self._read_params(request)
        except ApiError as error:
            self.calls.append(ApiCall(method, {}))
            self.refusals.append(Refusal(method, {}, error.error_code, error.description))
            return self._reply(error.payload(), error.error_code)
        self.calls.append(ApiCall(method, params))
        counted = method != "getUpdates"
        if counted:
            self._inflight += 1
        try:
            result = await self._dispatch(method, params)
        except ApiError as error:
            self.refusals.append(Refusal(method, params, error.error_code, error.description))
            return self._reply(error.payload(), error.error_code)
        finally:
            if counted:
                self._inflight -= 1
            self._bump()
        if isinstance(result, _Ok):
            return self._reply(
                {"ok": True, "result": result.result, "description": result.description}
            )
        return self._reply({"ok": True, "result": result})

    async def _dispatch(self, method: str, params: JSON) -> Any:
        # Extension point for latency / rate limiting / fault injection: request hooks.
        for hook in list(self.request_hooks):
            await hook(method, params)
        handler = self._methods.get(method)
        unsupported = {name.lower() for name in self.unsupported_methods}
        if handler is None or method.lower() in unsupported:
            raise ApiError(404, NOT_FOUND)
        failures = self._failures.get(method)
        if failures:
            status = failures.pop(0)
            raise ApiError(status, SERVER_ERRORS.get(status, "Internal Server Error"))
        # from the rate check to recording the send nothing awaits: no other request
        # can slip in between
        self._check_rate(method)
        result = await handler(params)
        if method in SEND_METHODS:
            self.sends.append(AcceptedSend(time.monotonic(), int(params["chat_id"]), method))
        if self.answer_delay and method != "getUpdates":
            await asyncio.sleep(self.answer_delay)
        return result

    # ---------------------------------------------------------------- methods
    async def _get_me(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(409, CONFLICT_WEBHOOK_ACTIVE)
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self.allowed_updates = [str(kind) for kind in allowed] if allowed else None
        offset = params.get("offset")
        if isinstance(offset, int) and offset != 0:
            self._confirm(offset)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(int(params.get("timeout") or 0), 0)
        self._poll_generation += 1
        generation = self._poll_generation

        def ready() -> bool:
            return (
                self._closing
                or bool(self.webhook_url)
                or generation != self._poll_generation
                or bool(self._deliverable())
            )

        if timeout:
            await self._wait_until(ready, timeout)
        if generation != self._poll_generation:
            raise ApiError(409, CONFLICT_OTHER_GET_UPDATES)
        if self.webhook_url:
            raise ApiError(409, CONFLICT_SET_WEBHOOK)
        batch = self._deliverable()[:limit]
        for entry in batch:
            entry.fetched = True
            self.handed_out[entry.update_id] += 1
        return [copy.deepcopy(entry.update) for entry in batch]

    def _message_text(self, params: JSON) -> tuple[str, str]:
        raw = params.get("text")
        raw_text = raw if isinstance(raw, str) else ""
        text = render_text(raw_text, params.get("parse_mode"))
        if not text:
            raise ApiError(400, TEXT_EMPTY)
        if len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, TEXT_TOO_LONG)
        return raw_text, text

    def _writable_chat(self, params: JSON) -> _Chat:
        chat = self._chat(params.get("chat_id"))
        if chat.blocked:
            raise ApiError(403, BOT_BLOCKED)
        return chat

    async def _send_message(self, params: JSON) -> JSON:
        chat = self._writable_chat(params)
        raw_text, text = self._message_text(params)
        markup = _validate_reply_markup(params.get("reply_markup"))
        message = BotMessage(
            chat_id=chat.chat_id,
            message_id=chat.new_message_id(),
            text=text,
            raw_text=raw_text,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            date=_now(),
            params=params,
        )
        chat.bot_messages[message.message_id] = message
        self._record_output(chat, "sent", message)
        return message.to_api(self.bot_user, chat.chat)

    async def _send_photo(self, params: JSON) -> JSON:
        chat = self._writable_chat(params)
        photo = params.get("photo")
        if isinstance(photo, str) and photo.startswith("attach://"):
            photo = params.get(photo.removeprefix("attach://"))
        if not (isinstance(photo, UploadedFile) or (isinstance(photo, str) and photo.strip())):
            raise ApiError(400, PHOTO_INVALID)
        raw = params.get("caption")
        raw_caption = raw if isinstance(raw, str) else ""
        caption = render_text(raw_caption, params.get("parse_mode"))
        if len(caption) > MAX_CAPTION_LENGTH:
            raise ApiError(400, CAPTION_TOO_LONG)
        markup = _validate_reply_markup(params.get("reply_markup"))
        message = BotMessage(
            chat_id=chat.chat_id,
            message_id=chat.new_message_id(),
            text=caption,
            raw_text=raw_caption,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            date=_now(),
            params=params,
            photo=photo,
        )
        chat.bot_messages[message.message_id] = message
        self._record_output(chat, "sent", message)
        return message.to_api(self.bot_user, chat.chat)

    def _editable_message(self, params: JSON) -> tuple[_Chat, BotMessage]:
        if "chat_id" not in params and "inline_message_id" in params:
            raise ApiError(400, MESSAGE_TO_EDIT_NOT_FOUND)  # inline messages are not modelled
        chat = self._writable_chat(params)
        message_id = params.get("message_id")
        message = chat.bot_messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted:
            if message_id in chat.user_message_ids:
                raise ApiError(400, MESSAGE_CANT_BE_EDITED)
            raise ApiError(400, MESSAGE_TO_EDIT_NOT_FOUND)
        return chat, message

    def _apply_edit(
        self, chat: _Chat, message: BotMessage, text: str, raw_text: str, markup: JSON | None
    ) -> JSON:
        if text == message.text and _normalized_markup(markup) == _normalized_markup(
            message.reply_markup
        ):
            raise ApiError(400, MESSAGE_NOT_MODIFIED)
        message.history.append(message.text)
        message.text = text
        message.raw_text = raw_text
        message.reply_markup = markup
        message.edit_date = _now()
        self._record_output(chat, "edited", message)
        return message.to_api(self.bot_user, chat.chat)

    async def _edit_message_text(self, params: JSON) -> JSON:
        chat, message = self._editable_message(params)
        raw_text, text = self._message_text(params)
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = _validate_reply_markup(params.get("reply_markup"))
        message.parse_mode = params.get("parse_mode")
        return self._apply_edit(chat, message, text, raw_text, markup)

    async def _edit_message_reply_markup(self, params: JSON) -> JSON:
        chat, message = self._editable_message(params)
        markup = _validate_reply_markup(params.get("reply_markup"))
        return self._apply_edit(chat, message, message.text, message.raw_text, markup)

    async def _delete_message(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id"))
        message_id = params.get("message_id")
        message = chat.bot_messages.get(message_id) if isinstance(message_id, int) else None
        if message is not None and not message.deleted:
            message.deleted = True
            return True
        if message_id in chat.user_message_ids:
            chat.user_message_ids.discard(message_id)
            return True
        raise ApiError(400, MESSAGE_TO_DELETE_NOT_FOUND)

    async def _send_chat_action(self, params: JSON) -> bool:
        self._writable_chat(params)
        return True

    async def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._pending_queries:
            raise ApiError(400, QUERY_INVALID)
        self._pending_queries.discard(query_id)
        self.callback_answers[query_id] = params
        return True

    async def _set_webhook(self, params: JSON) -> _Ok:
        url = str(params.get("url") or "")
        if not url:
            return await self._delete_webhook(params)
        if self.require_https_webhook and not url.startswith("https://"):
            raise ApiError(400, WEBHOOK_HTTPS_REQUIRED)
        if params.get("drop_pending_updates"):
            self._queue.clear()
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self.allowed_updates = [str(kind) for kind in allowed] if allowed else None
        already = url == self.webhook_url
        self.webhook_url = url
        self.webhook_secret = params.get("secret_token") or None
        self.webhook_max_connections = int(params.get("max_connections") or 40)
        return _Ok(True, "Webhook is already set" if already else "Webhook was set")

    async def _delete_webhook(self, params: JSON) -> _Ok:
        if params.get("drop_pending_updates"):
            self._queue.clear()
        was_set = bool(self.webhook_url)
        self.webhook_url = ""
        self.webhook_secret = None
        return _Ok(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    async def _get_webhook_info(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            info["ip_address"] = "127.0.0.1"
            if self.allowed_updates:
                info["allowed_updates"] = self.allowed_updates
        if self.last_webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self.last_webhook_error
        return info

    @staticmethod
    def _commands_key(params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not (
                isinstance(name, str)
                and 1 <= len(name) <= 32
                and all(c.islower() or c.isdigit() or c == "_" for c in name)
            ):
                raise ApiError(400, BOT_COMMAND_INVALID)
            description = command.get("description", "")
            if not isinstance(description, str) or not description.strip():
                raise ApiError(400, COMMAND_DESCRIPTION_INVALID)
        self.commands[self._commands_key(params)] = commands
        return True

    async def _get_my_commands(self, params: JSON) -> list[JSON]:
        return self.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: JSON) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _close(self, params: JSON) -> bool:
        self.closed = True
        return True

    async def _log_out(self, params: JSON) -> bool:
        self.logged_out = True
        return True

    # ---------------------------------------------------------------- webhook delivery
    async def _webhook_worker(self) -> None:
        while not self._closing:
            await self._wait_until(
                lambda: self._closing or bool(self.webhook_url and self._deliverable()), 3600
            )
            if self._closing:
                return
            if not (self.webhook_url and self._deliverable()):
                continue
            entry = self._deliverable()[0]
            self.handed_out[entry.update_id] += 1
            status = await self._post_update(
                entry.update, self.webhook_url, self.webhook_secret, raw=False
            )
            if self.retry_webhook and (status is None or status >= 300):
                await asyncio.sleep(self.webhook_retry_delay)  # then the same update again
                continue
            # Without retry_webhook, one attempt per update.
            entry.fetched = True
            if entry in self._queue:
                self._queue.remove(entry)
            self._bump()

    async def _post_update(
        self, update: JSON, url: str, secret: str | None, *, raw: bool
    ) -> int | None:
        assert self._http is not None, "FakeBotApi is not started"
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        update_id = update.get("update_id")
        status: int | None = None
        error: str | None = None
        try:
            async with self._http.post(
                url,
                json=update,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                status = response.status
                await response.read()
                if status >= 300:
                    error = f"Wrong response from the webhook: {status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {type(exc).__name__}: {exc}"
        if error is not None:
            self.last_webhook_error = (_now(), error)
        self.webhook_deliveries.append(
            WebhookDelivery(
                update_id=update_id if isinstance(update_id, int) else None,
                url=url,
                secret=secret,
                status=status,
                error=error,
                raw=raw,
            )
        )
        self._bump()
        return status

    async def deliver_raw(
        self, update: JSON, *, secret: str | None | object = _UNSET, url: str | None = None
    ) -> int | None:
        """POST ``update`` to the webhook right now (bypassing the queue) and return the HTTP
        status. ``secret`` defaults to the configured secret token; pass a wrong one (or None
        for no header) to test the receiver's check. ``url`` defaults to the set webhook."""
        target = url or self.webhook_url
        if not target:
            raise RuntimeError("no webhook URL set and none given")
        header = self.webhook_secret if secret is _UNSET else secret
        assert header is None or isinstance(header, str)
        body = update if "update_id" in update else {"update_id": next(self._update_ids), **update}
        return await self._post_update(body, target, header, raw=True)


# --------------------------------------------------------------------------------------------
# Scripted users.
# --------------------------------------------------------------------------------------------
class Citizen:
    """A scripted Telegram user chatting privately with the bot (chat id == user id)."""

    def __init__(
        self,
        api: FakeBotApi,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> None:
        self.api = api
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self._cursor = 0

    # ---------------------------------------------------------------- identity
    @property
    def chat_id(self) -> int:
        return self.user_id

    @property
    def user(self) -> JSON:
        user: JSON = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def _chat(self) -> _Chat:
        return self.api._chats[self.user_id]  # noqa: SLF001 - tight coupling by design

    @property
    def blocked(self) -> bool:
        """When True the bot gets 403 "Forbidden: bot was blocked by the user"."""
        return self._chat.blocked

    @blocked.setter
    def blocked(self, value: bool) -> None:
        self._chat.blocked = value

    # ---------------------------------------------------------------- actions
    def _begin_action(self) -> _Chat:
        chat = self._chat
        chat.known = True
        chat.blocked = False
        self._cursor = self.api._last_output_seq()  # noqa: SLF001
        return chat

    def _user_message(self, chat: _Chat, content: JSON) -> JSON:
        message_id = chat.new_message_id()
        chat.user_message_ids.add(message_id)
        return {
            "message_id": message_id,
            "from": self.user,
            "chat": dict(chat.chat),
            "date": _now(),
            **content,
        }

    async def send(self, text: str) -> JSON:
        """Send a text message; "/cmd args" carries a bot_command entity. Returns the update."""
        chat = self._begin_action()
        content: JSON = {"text": text}
        command = text.split(maxsplit=1)[0] if text.strip() else ""
        if command.startswith("/") and len(command) > 1:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.api.enqueue({"message": self._user_message(chat, content)})

    async def send_sticker(self, emoji: str = "👍") -> JSON:
        chat = self._begin_action()
        sticker = {
            "file_id": f"CAACAgIAAxkBAAIBsticker{chat.next_message_id}",
            "file_unique_id": f"AgADsticker{chat.next_message_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self.api.enqueue({"message": self._user_message(chat, {"sticker": sticker})})

    async def send_photo(self, caption: str | None = None) -> JSON:
        chat = self._begin_action()
        sizes = [
            {
                "file_id": f"AgACAgIAAxkBAAIBphoto{chat.next_message_id}_{width}",
                "file_unique_id": f"AQADphoto{chat.next_message_id}_{width}",
                "width": width,
                "height": width * 3 // 4,
                "file_size": width * 100,
            }
            for width in (90, 320, 800)
        ]
        content: JSON = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self.api.enqueue({"message": self._user_message(chat, content)})

    def _find_button(self, label: str) -> tuple[BotMessage, InlineButton]:
        newest_first = list(reversed(self.messages))
        for message in newest_first:
            for button in message.buttons:
                if button.text == label:
                    return message, button
        for message in newest_first:
            matches = [button for button in message.buttons if label in button.text]
            if len(matches) == 1:
                return message, matches[0]
            if matches:
                raise AssertionError(
                    f"{self.first_name}: label {label!r} is ambiguous in message "
                    f"{message.message_id}: {[b.text for b in matches]}"
                )
        available = {m.message_id: m.button_labels for m in self.messages if m.buttons}
        raise AssertionError(
            f"{self.first_name}: no inline button labelled {label!r} in chat {self.chat_id}; "
            f"available labels by message_id: {available or 'none (no inline keyboards)'}"
        )

    async def press(self, label: str) -> JSON:
        """Press the inline button labelled ``label`` (exact match in the latest message that
        has one, else a unique substring match). Returns the callback_query update."""
        message, button = self._find_button(label)
        if button.callback_data is None:
            raise AssertionError(
                f"{self.first_name}: button {label!r} has no callback_data: {button.raw}"
            )
        return await self.press_data(message.message_id, button.callback_data)

    async def press_data(self, message_id: int, data: str) -> JSON:
        """Forge a press with arbitrary ``data`` on bot message ``message_id``."""
        chat = self._begin_action()
        message = chat.bot_messages.get(message_id)
        if message is None:
            raise AssertionError(
                f"{self.first_name}: the bot sent no message {message_id} in chat {self.chat_id}"
            )
        api = self.api
        query_id = f"{api.bot_id}{self.user_id}{next(api._query_ids):06d}"  # noqa: SLF001
        api._pending_queries.add(query_id)  # noqa: SLF001
        query: JSON = {
            "id": query_id,
            "from": self.user,
            "message": message.to_api(api.bot_user, chat.chat),
            "chat_instance": f"-{api.bot_id}{self.user_id}",
            "data": data,
        }
        return api.enqueue({"callback_query": query})

    # ---------------------------------------------------------------- observing
    async def wait_for_output(self, timeout: float = 5.0) -> BotOutput:  # noqa: ASYNC109
        """Wait for the next send/edit by the bot in this chat after the last action (or the
        last output returned by a wait), and return it."""
        chat = self._chat

        def fresh() -> list[BotOutput]:
            return [output for output in chat.outputs if output.seq > self._cursor]

        if not await self.api._wait_until(lambda: bool(fresh()), timeout):  # noqa: SLF001
            recent = [name for name, _ in self.api.calls[-10:]]
            raise FakeApiTimeout(
                f"{self.first_name} (chat {self.chat_id}) got no new bot message or edit within "
                f"{timeout}s; bot messages so far: {self.texts}; refusals: "
                f"{[r.description for r in self.api.refusals[-5:]]}; last API calls: {recent}"
            )
        output = fresh()[0]
        self._cursor = output.seq
        return output

    async def wait_for_reply(self, timeout: float = 5.0) -> str:  # noqa: ASYNC109
        """Text of the next bot message/edit in this chat (see :meth:`wait_for_output`)."""
        return (await self.wait_for_output(timeout)).text

    @property
    def messages(self) -> list[BotMessage]:
        """All bot messages in this chat (oldest first, current text/keyboard)."""
        return self.api.messages(self.chat_id)

    @property
    def texts(self) -> list[str]:
        return [message.text for message in self.messages]

    @property
    def last_message(self) -> BotMessage | None:
        messages = self.messages
        return messages[-1] if messages else None

    @property
    def last_text(self) -> str | None:
        message = self.last_message
        return message.text if message else None

    @property
    def last_keyboard_message(self) -> BotMessage | None:
        return next((m for m in reversed(self.messages) if m.buttons), None)

    @property
    def last_buttons(self) -> list[str]:
        """Labels of the latest bot message that has an inline keyboard."""
        message = self.last_keyboard_message
        return message.button_labels if message else []

    def answers(self) -> list[JSON]:
        """answerCallbackQuery params for this citizen's presses, in answer order."""
        own = {
            update["callback_query"]["id"]
            for update in self.api.updates.values()
            if update.get("callback_query", {}).get("from", {}).get("id") == self.user_id
        }
        return [p for qid, p in self.api.callback_answers.items() if qid in own]
