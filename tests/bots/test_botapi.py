"""`BotApiClient`, the outbox's lean Bot API client, against the fake Bot API server over real
HTTP: every call the conversation uses, and every answer mapped to the shared error family."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bots.telegram.botapi import BotApiClient
from bots.telegram.common import (
    NetworkFailure,
    NotModified,
    Refused,
    RetryLater,
    Unreachable,
    command_menu,
    register_commands,
)
from tests.bots.conftest import TOKEN
from tests.fakes.bot_api import FakeBotApi, UploadedFile

CHAT = 5001
KEYBOARD = ((("Yes", "-:a:1"), ("No", "-:a:2")), (("Later", "-:later"),))


@pytest.fixture
async def client(api: FakeBotApi) -> AsyncIterator[BotApiClient]:
    api.known_chat(CHAT)
    async with BotApiClient(TOKEN, api.base_url + "/", timeout=0.5) as bulk:
        yield bulk


async def test_a_message_with_buttons_and_text_beyond_ascii(
    api: FakeBotApi, client: BotApiClient
) -> None:
    await client.send_message(CHAT, "Accord signé — اتفاق", KEYBOARD)
    await client.send_message(CHAT, "Plain", None)
    first, second = api.messages(CHAT)
    assert first.text == "Accord signé — اتفاق"
    assert [[b.callback_data for b in row] for row in first.inline_keyboard] == [
        ["-:a:1", "-:a:2"],
        ["-:later"],
    ]
    assert (second.text, second.button_labels) == ("Plain", [])


async def test_a_photo_by_url(api: FakeBotApi, client: BotApiClient) -> None:
    await client.send_photo(CHAT, "https://example.org/talks.jpg", "Talks resume", KEYBOARD)
    await client.send_photo(CHAT, "https://example.org/bare.jpg", None, None)
    captioned, bare = api.messages(CHAT)
    assert (captioned.photo, captioned.text) == ("https://example.org/talks.jpg", "Talks resume")
    assert captioned.button_labels == ["Yes", "No", "Later"]
    assert (bare.photo, bare.text, bare.button_labels) == ("https://example.org/bare.jpg", "", [])


async def test_a_local_photo_is_uploaded_with_caption_and_buttons(
    api: FakeBotApi, client: BotApiClient, tmp_path: Path
) -> None:
    picture = tmp_path / "map of the region.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
    await client.send_photo(CHAT, str(picture), "Carte", KEYBOARD)
    (message,) = api.messages(CHAT)
    assert isinstance(message.photo, UploadedFile)
    assert message.photo.data == picture.read_bytes()
    assert message.photo.filename == "map of the region.png"
    assert (message.text, message.button_labels) == ("Carte", ["Yes", "No", "Later"])


async def test_edits_and_an_edit_that_changes_nothing(
    api: FakeBotApi, client: BotApiClient
) -> None:
    await client.send_message(CHAT, "Before", KEYBOARD)
    (message,) = api.messages(CHAT)
    await client.edit_message(CHAT, message.message_id, "After", None)
    assert api.messages(CHAT)[0].text == "After"
    with pytest.raises(NotModified):
        await client.edit_message(CHAT, message.message_id, "After", None)


async def test_commands_and_callback_answers(api: FakeBotApi, client: BotApiClient) -> None:
    await register_commands(client, ("fr",))
    assert [c["command"] for c in api.commands[('{"type": "default"}', "")]] == [
        name for name, _ in command_menu(None)
    ]
    assert "subscribe" in [name for name, _ in command_menu(None)]  # in the menu, as in /help
    assert (
        api.commands[('{"type": "default"}', "fr")][0]["description"] == (command_menu("fr")[0][1])
    )
    citizen = api.citizen()
    await citizen.send("/start")
    await client.send_message(citizen.chat_id, "Choose", KEYBOARD)
    update = await citizen.press("Yes")
    query_id = update["callback_query"]["id"]
    await client.answer_callback(query_id)
    assert query_id in api.callback_answers
    with pytest.raises(Refused):  # answered already: the fake no longer knows it
        await client.answer_callback(query_id)


async def test_flood_control_is_retry_later_with_its_wait(
    api: FakeBotApi, client: BotApiClient
) -> None:
    api.rate_limit(1)
    await client.send_message(CHAT, "one", None)
    with pytest.raises(RetryLater) as refused:
        await client.send_message(CHAT, "two", None)
    assert refused.value.retry_after == 1
    assert refused.value.method == "sendMessage"


async def test_a_blocked_chat_is_unreachable(api: FakeBotApi, client: BotApiClient) -> None:
    api.block(CHAT)
    with pytest.raises(Unreachable, match="blocked"):
        await client.send_message(CHAT, "hello", None)
    with pytest.raises(Unreachable):
        await client.send_photo(CHAT, "https://example.org/p.jpg", None, None)


async def test_refusals(api: FakeBotApi, client: BotApiClient) -> None:
    with pytest.raises(Refused, match="chat not found"):
        await client.send_message(777, "hello", None)
    with pytest.raises(Refused):
        await client.send_photo(CHAT, " ", None, None)  # neither a URL nor a file
    async with BotApiClient("123:wrong-token", api.base_url) as stranger:
        with pytest.raises(Refused):  # 401
            await stranger.send_message(CHAT, "hello", None)
    assert api.sends == []


async def test_server_errors_and_timeouts_are_network_failures(
    api: FakeBotApi, client: BotApiClient
) -> None:
    api.fail_next("sendMessage", 502)
    with pytest.raises(NetworkFailure):
        await client.send_message(CHAT, "hello", None)
    api.fail_next("sendPhoto", 500)
    with pytest.raises(NetworkFailure):
        await client.send_photo(CHAT, "https://example.org/p.jpg", None, None)
    api.latency(1)  # longer than the client waits
    with pytest.raises(NetworkFailure, match="timed out"):
        await client.send_message(CHAT, "hello", None)
    api.latency(0)
    await client.send_message(CHAT, "at last", None)
    assert [m.text for m in api.messages(CHAT)][-1] == "at last"


async def test_no_server_is_a_network_failure_that_does_not_show_the_token() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with BotApiClient(TOKEN, f"http://127.0.0.1:{port}") as client:
        with pytest.raises(NetworkFailure) as failed:
            await client.send_message(CHAT, "hello", None)
    assert TOKEN not in str(failed.value)


async def test_an_answer_that_is_not_the_bot_api_is_a_network_failure() -> None:
    async def proxy_error(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>Bad Gateway</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", proxy_error)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        async with BotApiClient(TOKEN, f"http://127.0.0.1:{port}") as client:
            with pytest.raises(NetworkFailure, match="not a Bot API answer"):
                await client.send_message(CHAT, "hello", None)
    finally:
        await runner.cleanup()
