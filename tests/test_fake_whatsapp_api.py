"""The fake Cloud API, driven over HTTP by plain JSON requests (not by the adapter under test),
and its signed webhook calls checked by a bare receiver that verifies them independently."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.whatsapp_api import VERSION, FakeCloudApi

TO = "+23566000001"


@pytest.fixture
async def fake() -> AsyncIterator[FakeCloudApi]:
    async with FakeCloudApi(templates={"hello": {"en"}}) as api:
        api.last_inbound[TO.lstrip("+")] = 0.0  # wrote "just now" for the fake's clock
        api.window = 1e18
        yield api


async def post(
    fake: FakeCloudApi, body: dict[str, Any], token: str | None = None, path: str = "messages"
) -> tuple[int, dict[str, Any]]:
    url = f"{fake.base_url}/{VERSION}/{fake.phone_number_id}/{path}"
    headers = {"Authorization": f"Bearer {token or fake.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as response,
    ):
        return response.status, await response.json()


def message(kind: str, content: dict[str, Any], to: str = TO) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": to, "type": kind, kind: content}


def buttons(*titles: str) -> dict[str, Any]:
    return {
        "type": "button",
        "body": {"text": "Choose"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": f"b{i}", "title": t}}
                for i, t in enumerate(titles)
            ]
        },
    }


def rows(*titles: str, description: str = "") -> dict[str, Any]:
    rows_ = [{"id": f"r{i}", "title": t} for i, t in enumerate(titles)]
    if description:
        rows_[0]["description"] = description
    return {
        "type": "list",
        "body": {"text": "Choose"},
        "action": {"button": "☰", "sections": [{"rows": rows_}]},
    }


async def test_accepts_messages_and_records_them(fake: FakeCloudApi) -> None:
    status, body = await post(fake, message("text", {"body": "Hello"}))
    assert status == 200
    wamid = body["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    status, _ = await post(fake, message("interactive", buttons("Yes", "No")))
    assert status == 200
    status, _ = await post(fake, message("interactive", rows(*"abcdefghij")))
    assert status == 200
    status, _ = await post(fake, message("image", {"link": "https://x/y.png", "caption": "c"}))
    assert status == 200
    assert [s.type for s in fake.received(TO)] == ["text", "interactive", "interactive", "image"]
    assert fake.received(TO)[0].id == wamid
    assert fake.received(TO)[1].choices == [("b0", "Yes"), ("b1", "No")]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (message("text", {"body": ""}), "text body length"),
        (message("text", {"body": "x" * 4097}), "text body length"),
        (message("interactive", buttons("a", "b", "c", "d")), "1 to 3 buttons"),
        (message("interactive", buttons("x" * 21)), "button titles"),
        (message("interactive", buttons("same", "same")), "button titles"),
        (message("interactive", rows(*"abcdefghijk")), "1 to 10 rows"),
        (message("interactive", rows("x" * 25)), "row title"),
        (message("interactive", rows("x", description="d" * 73)), "row title or description"),
        (message("template", {"name": "nope", "language": {"code": "en"}}), "does not exist"),
        (message("template", {"name": "hello", "language": {"code": "fr"}}), "does not exist"),
    ],
)
async def test_refuses_what_the_cloud_api_refuses(
    fake: FakeCloudApi, content: dict[str, Any], problem: str
) -> None:
    status, body = await post(fake, content)
    assert status == 400
    assert body["error"]["code"] == 131009
    assert problem in body["error"]["message"]
    assert fake.sent == []


async def test_authentication_window_unreachable_and_injected_errors(fake: FakeCloudApi) -> None:
    status, body = await post(fake, message("text", {"body": "x"}), token="wrong")
    assert (status, body["error"]["code"]) == (401, 190)
    stranger = "+23566000002"  # never wrote: only a template may reach them
    status, body = await post(fake, message("text", {"body": "x"}, to=stranger))
    assert body["error"]["code"] == 131047 and fake.outside_window == 1
    template = {"name": "hello", "language": {"code": "en"}}
    status, _ = await post(fake, message("template", template, to=stranger))
    assert status == 200
    fake.unreachable.add(stranger.lstrip("+"))
    _, body = await post(fake, message("template", template, to=stranger))
    assert body["error"]["code"] == 131026
    fake.fail_next = [131000]
    status, body = await post(fake, message("text", {"body": "x"}))
    assert (status, body["error"]["code"]) == (500, 131000)
    status, body = await post(fake, message("text", {"body": "x"}))
    assert status == 200


async def test_rate_and_pair_rate_limits(fake: FakeCloudApi) -> None:
    fake.rate = 3
    others = [f"+2356600010{i}" for i in range(5)]
    for number in others:
        fake.last_inbound[number.lstrip("+")] = 0.0
    codes = [
        (await post(fake, message("text", {"body": "x"}, to=n)))[1].get("error", {}).get("code")
        for n in others
    ]
    assert codes == [None, None, None, 130429, 130429]
    assert fake.rate_limited == 2
    fake.rate = None
    fake.pair_interval = 60.0
    _, body = await post(fake, message("text", {"body": "x"}, to=others[0]))
    assert body["error"]["code"] == 131056


async def test_media_upload(fake: FakeCloudApi) -> None:
    url = f"{fake.base_url}/{VERSION}/{fake.phone_number_id}/media"
    form = aiohttp.FormData()
    form.add_field("messaging_product", "whatsapp")
    form.add_field("file", b"\x89PNG", filename="a.png", content_type="image/png")
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=form, headers={"Authorization": f"Bearer {fake.token}"}) as response,
    ):
        assert response.status == 200
        assert (await response.json())["id"].startswith("media")


async def test_webhook_deliveries_are_signed_as_meta_signs_them(fake: FakeCloudApi) -> None:
    seen: list[tuple[bool, dict[str, Any]]] = []

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        expected = "sha256=" + hmac.new(fake.app_secret.encode(), raw, hashlib.sha256).hexdigest()
        seen.append((request.headers["X-Hub-Signature-256"] == expected, json.loads(raw)))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        fake.webhook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        assert await fake.text(TO, "Hello", wamid="wamid.A") == []
        assert await fake.tap(TO, "1:c:en", "I agree") == []
        assert await fake.status("wamid.B", "delivered", TO) == 200
        assert await fake.post({"object": "x"}, secret="other") == 200
    finally:
        await runner.cleanup()
    assert [ok for ok, _ in seen] == [True, True, True, False]
    value = seen[0][1]["entry"][0]["changes"][0]["value"]
    assert value["metadata"]["phone_number_id"] == fake.phone_number_id
    assert value["messages"][0] == {
        "from": TO.lstrip("+"),
        "id": "wamid.A",
        "timestamp": value["messages"][0]["timestamp"],
        "type": "text",
        "text": {"body": "Hello"},
    }
    tap = seen[1][1]["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"]
    assert tap == {"type": "button_reply", "button_reply": {"id": "1:c:en", "title": "I agree"}}
    status = seen[2][1]["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert (status["id"], status["status"]) == ("wamid.B", "delivered")
