"""A fake WhatsApp Business Cloud API over real HTTP, and Meta's side of the webhook.

The server stands in for ``graph.facebook.com`` (the client is pointed at it by
``PEACEPULSE_WHATSAPP_API_URL``): ``POST /{version}/{phone-number-id}/messages`` and
``/media`` with ``Authorization: Bearer <token>``. It checks what the real API checks and
answers with the real API's error objects:

* text, image, interactive (reply buttons: at most 3, titles 1-20 characters, unique; lists: at
  most 10 rows, titles 1-24, descriptions up to 72, body up to 1024) and template messages
  (the template must exist in ``templates`` in that language, with its number of parameters);
* the 24-hour window: a free-form message to a number that has not written within 24 hours
  is refused with 131047 (the real API accepts it and reports the failure in a status
  callback; refusing at once is the stricter test) and counted in ``outside_window``;
* throughput: more than ``rate`` messages in any second → 130429; two messages to one person
  less than ``pair_interval`` apart → 131056 (both counted in ``rate_limited``);
* ``unreachable`` numbers → 131026; ``fail_next`` error codes are answered to the next
  requests, one each.

As the client of PeacePulse's webhook it posts Meta's JSON (messages, taps, template button
presses, statuses) signed with ``X-Hub-Signature-256`` under the app secret, computed here
independently of the adapter.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

VERSION = "v21.0"


@dataclass(frozen=True, slots=True)
class Sent:
    to: str
    message: dict[str, Any]
    id: str
    at: float

    @property
    def type(self) -> str:
        return str(self.message["type"])

    @property
    def text(self) -> str:
        """What the person reads: a text's body, an interactive's body, a caption, a template's
        name and parameters."""
        kind = self.type
        if kind == "text":
            return str(self.message["text"]["body"])
        if kind == "interactive":
            return str(self.message["interactive"]["body"]["text"])
        if kind == "image":
            return str(self.message["image"].get("caption", ""))
        template = self.message["template"]
        params = [
            p["text"]
            for c in template.get("components", [])
            if c["type"] == "body"
            for p in c["parameters"]
        ]
        return f"[template {template['name']}] " + " | ".join(params)

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(id, title) of the buttons or list rows of an interactive message."""
        if self.type != "interactive":
            return []
        interactive = self.message["interactive"]
        if interactive["type"] == "button":
            return [
                (b["reply"]["id"], b["reply"]["title"]) for b in interactive["action"]["buttons"]
            ]
        return [
            (row["id"], row["title"])
            for section in interactive["action"]["sections"]
            for row in section["rows"]
        ]


def error(code: int, message: str, status: int = 400) -> web.Response:
    body = {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": message},
            "fbtrace_id": secrets.token_hex(8),
        }
    }
    return web.json_response(body, status=status)


def sign(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class FakeCloudApi:
    phone_number_id: str = "106540352242922"
    display_number: str = "+23560000009"
    token: str = field(default_factory=lambda: "EAA" + secrets.token_hex(20))
    app_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    verify_token: str = field(default_factory=lambda: secrets.token_hex(8))
    templates: dict[str, set[str]] = field(default_factory=dict)
    """Approved templates: name → language codes."""
    rate: float | None = None
    pair_interval: float = 0.0
    window: float = 24 * 3600.0
    unreachable: set[str] = field(default_factory=set)
    fail_next: list[int] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    outside_window: int = 0
    rate_limited: int = 0
    last_inbound: dict[str, float] = field(default_factory=dict)
    """When each number (without +) last wrote, by this fake's clock (time.monotonic)."""
    webhook_url: str = ""
    base_url: str = ""
    _recent: deque[float] = field(default_factory=deque)
    _last_to: dict[str, float] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _client: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        app = web.Application()
        base = f"/{VERSION}/{self.phone_number_id}"
        app.router.add_post(base + "/messages", self._messages)
        app.router.add_post(base + "/media", self._media)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._client = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ the API

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    async def _media(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return error(190, "Invalid OAuth access token", 401)
        form = await request.post()
        if form.get("messaging_product") != "whatsapp" or "file" not in form:
            return error(100, "Invalid parameter")
        return web.json_response({"id": f"media{next(self._ids)}"})

    async def _messages(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return error(190, "Invalid OAuth access token", 401)
        try:
            body = await request.json()
        except ValueError:
            return error(100, "Invalid parameter")
        if self.fail_next:
            code = self.fail_next.pop(0)
            return error(code, f"injected error {code}", 500 if code == 131000 else 400)
        to = str(body.get("to", "")).lstrip("+")
        if body.get("messaging_product") != "whatsapp" or not to.isdigit():
            return error(100, "Invalid parameter")
        problem = self._invalid(body)
        if problem:
            return error(131009, f"Parameter value is not valid: {problem}")
        now = time.monotonic()
        if self.rate is not None:
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.rate:
                self.rate_limited += 1
                return error(130429, "Rate limit hit")
        if self.pair_interval and now - self._last_to.get(to, -1e9) < self.pair_interval:
            self.rate_limited += 1
            return error(131056, "(Business Account, Consumer Account) pair rate limit hit")
        if to in self.unreachable:
            return error(131026, "Message undeliverable")
        if body["type"] != "template" and now - self.last_inbound.get(to, -1e18) > self.window:
            self.outside_window += 1
            return error(131047, "Re-engagement message")
        self._recent.append(now)
        self._last_to[to] = now
        wamid = f"wamid.HBgM{next(self._ids):020d}"
        message = {k: v for k, v in body.items() if k not in ("messaging_product", "to")}
        message.pop("recipient_type", None)
        self.sent.append(Sent("+" + to, message, wamid, now))
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": to}],
                "messages": [{"id": wamid}],
            }
        )

    def _invalid(self, body: dict[str, Any]) -> str | None:
        kind = body.get("type")
        if kind == "text":
            text = body.get("text", {}).get("body", "")
            return None if 0 < len(text) <= 4096 else "text body length"
        if kind == "image":
            image = body.get("image", {})
            if not (image.get("link") or image.get("id")):
                return "image needs a link or an id"
            return None if len(image.get("caption", "")) <= 1024 else "caption length"
        if kind == "interactive":
            return _invalid_interactive(body.get("interactive", {}))
        if kind == "template":
            template = body.get("template", {})
            name, language = template.get("name"), template.get("language", {}).get("code")
            if language not in self.templates.get(str(name), set()):
                return f"template {name} does not exist in {language}"
            return None
        return f"unknown type {kind}"

    # ------------------------------------------------------------------ Meta's webhook calls

    def received(self, number: str) -> list[Sent]:
        return [s for s in self.sent if s.to == number]

    def envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": self.display_number.lstrip("+"),
                "phone_number_id": self.phone_number_id,
            },
            **value,
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}
            ],
        }

    def message_body(
        self, number: str, message: dict[str, Any], wamid: str | None = None
    ) -> dict[str, Any]:
        wa_id = number.lstrip("+")
        full = {
            "from": wa_id,
            "id": wamid or f"wamid.IN{secrets.token_hex(12)}",
            "timestamp": str(int(time.time())),
            **message,
        }
        return self.envelope(
            {"contacts": [{"profile": {"name": "Someone"}, "wa_id": wa_id}], "messages": [full]}
        )

    async def post(self, body: dict[str, Any] | bytes, *, secret: str | None = None) -> int:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(secret or self.app_secret, raw),
        }
        assert self._client is not None
        async with self._client.post(
            self.webhook_url, data=io.BytesIO(raw), headers=headers
        ) as response:
            await response.read()
            return response.status

    async def deliver(self, number: str, message: dict[str, Any], wamid: str | None = None) -> int:
        self.last_inbound[number.lstrip("+")] = time.monotonic()
        return await self.post(self.message_body(number, message, wamid))

    async def text(self, number: str, body: str, wamid: str | None = None) -> list[Sent]:
        """The person writes ``body``; what PeacePulse sent back to them."""
        before = len(self.sent)
        status = await self.deliver(number, {"type": "text", "text": {"body": body}}, wamid)
        assert status == 200, status
        return [s for s in self.sent[before:] if s.to == number]

    async def tap(self, number: str, reply_id: str, title: str = "") -> list[Sent]:
        """The person taps a reply button (or a list row: same effect, ``list_reply``)."""
        before = len(self.sent)
        message = {
            "type": "interactive",
            "interactive": {
                "type": "button_reply",
                "button_reply": {"id": reply_id, "title": title},
            },
        }
        status = await self.deliver(number, message)
        assert status == 200, status
        return [s for s in self.sent[before:] if s.to == number]

    async def status(self, wamid: str, status: str, number: str, code: int | None = None) -> int:
        report: dict[str, Any] = {
            "id": wamid,
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": number.lstrip("+"),
        }
        if code is not None:
            report["errors"] = [{"code": code, "title": "failed"}]
        return await self.post(self.envelope({"statuses": [report]}))


def _invalid_interactive(interactive: dict[str, Any]) -> str | None:
    body = interactive.get("body", {}).get("text", "")
    if not 0 < len(body) <= 1024:
        return "interactive body length"
    action = interactive.get("action", {})
    if interactive.get("type") == "button":
        buttons = action.get("buttons", [])
        titles = [b["reply"]["title"] for b in buttons]
        if not 1 <= len(buttons) <= 3:
            return "1 to 3 buttons"
        if any(not 0 < len(t) <= 20 for t in titles) or len(set(titles)) != len(titles):
            return "button titles"
        return None
    if interactive.get("type") == "list":
        if not 0 < len(action.get("button", "")) <= 20:
            return "list button"
        rows = [row for section in action.get("sections", []) for row in section["rows"]]
        if not 1 <= len(rows) <= 10:
            return "1 to 10 rows"
        for row in rows:
            if not 0 < len(row["title"]) <= 24 or len(row.get("description", "")) > 72:
                return "row title or description"
            if not 0 < len(row["id"]) <= 200:
                return "row id"
        return None
    return "interactive type"
