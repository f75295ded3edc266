"""Bot API failures, handled alike on every framework: 429, 403, 400, 5xx.

The fake server fails requests through its request hooks; the bot runs as `peacepulse run`
builds it (the `bot` fixture, once per framework).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest
from aiohttp import web

from tests.bots.conftest import RunningBot
from tests.fakes.bot_api import JSON, ApiError, FakeBotApi


class FailOnce:
    """A request hook: the first call to ``method`` fails with ``error``; notes every call."""

    def __init__(self, method: str, error: Exception) -> None:
        self.method = method
        self.error = error
        self.calls: list[float] = []

    async def __call__(self, method: str, params: JSON) -> None:
        if method != self.method:
            return
        self.calls.append(time.monotonic())
        if len(self.calls) == 1:
            raise self.error


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_flood_control_is_waited_out_and_the_reply_sent_once(
    bot: RunningBot, api: FakeBotApi
) -> None:
    flood = FailOnce(
        "sendMessage", ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
    )
    api.request_hooks.append(flood)
    citizen = api.citizen(3001, "Amina")
    await citizen.send("/start")
    assert "Do you agree" in await citizen.wait_for_reply()
    await api.wait_idle()
    assert len(flood.calls) == 2
    assert flood.calls[1] - flood.calls[0] >= 1.0
    assert len(citizen.messages) == 1


async def test_a_person_who_blocked_the_bot_is_logged_unreachable_and_others_are_served(
    bot: RunningBot, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bots")
    blocker = api.citizen(3002, "Omar")
    await blocker.send("/start")
    blocker.blocked = True  # nothing awaited since the send: the bot has not answered yet
    await eventually(lambda: any(r.error_code == 403 for r in api.refusals))

    other = api.citizen(3003, "Lea")
    await other.send("/start")
    assert "Do you agree" in await other.wait_for_reply()
    await api.wait_idle()
    assert "sendMessage: participant unreachable" in caplog.text
    to_blocker = [c for c in api.calls_to("sendMessage") if c["chat_id"] == blocker.chat_id]
    assert len(to_blocker) == 1  # a 403 is not retried
    assert blocker.messages == []


async def test_a_refused_message_is_logged_with_its_method_and_the_bot_goes_on(
    bot: RunningBot, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    refusal = FailOnce("sendMessage", ApiError(400, "Bad Request: chat not found"))
    api.request_hooks.append(refusal)
    citizen = api.citizen(3004, "Kofi")
    await citizen.send("/start")
    await eventually(lambda: bool(api.refusals))
    await citizen.send("/start")
    assert "Do you agree" in await citizen.wait_for_reply()
    await api.wait_idle()
    assert len(refusal.calls) == 2  # the refused message was not retried
    assert len(citizen.messages) == 1
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert refused, caplog.text
    assert refused[0].getMessage().startswith("sendMessage refused: ")
    assert "chat not found" in refused[0].getMessage().lower()


def bad_gateway() -> Exception:
    """What a reverse proxy answers when the Bot API server behind it is down."""
    return web.HTTPBadGateway(
        text="<html><h1>502 Bad Gateway</h1></html>", content_type="text/html"
    )


@pytest.mark.parametrize(
    "error",
    [lambda: ApiError(500, "Internal Server Error"), bad_gateway],
    ids=["500", "502-html"],
)
async def test_a_server_error_is_retried_and_the_bot_survives(
    bot: RunningBot, api: FakeBotApi, error: Callable[[], Exception]
) -> None:
    failure = FailOnce("sendMessage", error())
    api.request_hooks.append(failure)
    citizen = api.citizen(3005, "Sara")
    await citizen.send("/start")
    assert "Do you agree" in await citizen.wait_for_reply()
    assert len(failure.calls) == 2
    await citizen.press("I agree")
    assert "Which language" in await citizen.wait_for_reply()
    await api.wait_idle()
    assert len(citizen.messages) == 2
