"""The WhatsApp sender and renderer against the fake Cloud API: fit rules, the window, the
tier and the error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bots.whatsapp.cloudapi import CloudApi
from bots.whatsapp.messages import messages
from bots.whatsapp.sender import WhatsAppSender
from bots.whatsapp.window import TemplateCall, WindowedReply
from conversations.ports import Outcome
from conversations.values import Button, Reply
from tests.fakes.whatsapp_api import FakeCloudApi

AMINA = "+23566000001"
KARIM = "+23566000002"
HELLO = TemplateCall("hello", "en", ("Meridia", "Talks resume"), ("-:w:agenda:2",))


def reply(*labels: str, **extra: object) -> Reply:
    return Reply(
        "Choose", tuple((Button(label, f"d{i}"),) for i, label in enumerate(labels)), **extra
    )  # type: ignore[arg-type]


def test_choices_as_buttons_lists_or_numbered_text() -> None:
    (three,) = messages(reply("Yes", "No", "Don't know"))
    assert three["interactive"]["type"] == "button"
    (four,) = messages(reply("a", "b", "c", "d"))
    assert four["interactive"]["type"] == "list"
    (long_title,) = messages(reply("A label longer than twenty", "No"))
    assert long_title["interactive"]["type"] == "list"
    row = long_title["interactive"]["action"]["sections"][0]["rows"][0]
    assert len(row["title"]) <= 24 and row["description"] == "A label longer than twenty"
    (eleven,) = messages(reply(*"abcdefghijk"))
    assert eleven["type"] == "text" and "11) k" in eleven["text"]["body"]
    (too_long,) = messages(reply("x" * 73, "y"))
    assert too_long["type"] == "text" and "1) " + "x" * 73 in too_long["text"]["body"]
    (several,) = messages(reply("a", "b", several=True))
    assert several["type"] == "text" and "2) b" in several["text"]["body"]
    parts = messages(Reply("word " * 2000))
    assert len(parts) == 3 and all(len(p["text"]["body"]) <= 4096 for p in parts)
    photo, choice = messages(Reply("x" * 2000, ((Button("Yes", "y"),),), photo="https://x/p.png"))
    assert photo["type"] == "image" and choice["type"] == "text"  # body too long to be one


@pytest.fixture
async def cloud() -> AsyncIterator[FakeCloudApi]:
    async with FakeCloudApi(templates={"hello": {"en"}}) as fake:
        fake.last_inbound[AMINA.lstrip("+")] = 0.0
        fake.window = 1e18  # Amina wrote "just now"; Karim never did
        yield fake


@pytest.fixture
async def api(cloud: FakeCloudApi) -> AsyncIterator[CloudApi]:
    client = CloudApi(cloud.base_url, cloud.phone_number_id, cloud.token)
    yield client
    await client.close()


def windowed(is_open: bool, template: TemplateCall | None = HELLO) -> WindowedReply:
    return WindowedReply("Talks resume", window_open=is_open, template=template)


async def test_free_form_inside_the_window_template_outside_never_free_form(
    cloud: FakeCloudApi, api: CloudApi
) -> None:
    sender = WhatsAppSender(api, pacing=0)
    inside = await sender.send(AMINA, windowed(True))
    assert inside.outcome is Outcome.SENT and inside.message_id
    outside = await sender.send(KARIM, windowed(False))
    assert outside.outcome is Outcome.SENT
    none = await sender.send(KARIM, windowed(False, template=None))
    assert none.outcome is Outcome.FAILED and "no template" in none.detail
    assert [s.type for s in cloud.sent] == ["text", "template"]
    template = cloud.sent[1].message["template"]
    assert template["components"][1] == {
        "type": "button",
        "sub_type": "quick_reply",
        "index": "0",
        "parameters": [{"type": "payload", "payload": "-:w:agenda:2"}],
    }
    assert cloud.outside_window == 0


async def test_re_engagement_switches_to_the_template(cloud: FakeCloudApi, api: CloudApi) -> None:
    sender = WhatsAppSender(api, pacing=0)
    # the service thought Karim wrote lately; WhatsApp says the window is closed
    result = await sender.send(KARIM, windowed(True))
    assert result.outcome is Outcome.SENT
    assert [s.type for s in cloud.sent] == ["template"]
    assert cloud.outside_window == 1  # refused, not delivered


async def test_the_daily_limit_of_conversations_holds_templates_back(
    cloud: FakeCloudApi, api: CloudApi
) -> None:
    now = [0.0]
    sender = WhatsAppSender(api, pacing=0, daily_limit=2, clock=lambda: now[0])
    people = [f"+2356600100{i}" for i in range(3)]
    assert (await sender.send(people[0], windowed(False))).outcome is Outcome.SENT
    assert (await sender.send(people[1], windowed(False))).outcome is Outcome.SENT
    held = await sender.send(people[2], windowed(False))
    assert held.outcome is Outcome.RETRY and held.retry_after is not None
    assert "daily limit" in held.detail
    # someone already in a conversation can be sent another template
    assert (await sender.send(people[0], windowed(False))).outcome is Outcome.SENT
    now[0] = 24 * 3600.0 + 1  # the first conversations are a day old
    assert (await sender.send(people[2], windowed(False))).outcome is Outcome.SENT
    assert len([s for s in cloud.sent if s.type == "template"]) == 4


@pytest.mark.parametrize(
    ("code", "outcome", "waits"),
    [
        (130429, Outcome.RETRY, True),
        (131048, Outcome.RETRY, True),
        (131056, Outcome.RETRY, False),
        (131026, Outcome.UNREACHABLE, False),
        (131050, Outcome.UNREACHABLE, False),
        (131000, Outcome.RETRY, False),
        (132001, Outcome.RETRY, False),
    ],
)
async def test_errors_are_mapped(
    cloud: FakeCloudApi, api: CloudApi, code: int, outcome: Outcome, waits: bool
) -> None:
    cloud.fail_next = [code]
    result = await WhatsAppSender(api, pacing=0).send(AMINA, Reply("Hello"))
    assert result.outcome is outcome
    assert (result.retry_after is not None) is waits
    assert str(code) in result.detail


async def test_a_local_photo_is_uploaded_then_sent_by_id(
    cloud: FakeCloudApi, api: CloudApi, tmp_path: object
) -> None:
    from pathlib import Path

    photo = Path(str(tmp_path)) / "map.png"
    photo.write_bytes(b"\x89PNG\r\n")
    result = await WhatsAppSender(api, pacing=0).send(AMINA, Reply("The map", photo=str(photo)))
    assert result.outcome is Outcome.SENT
    (sent,) = cloud.sent
    assert sent.message["image"]["id"].startswith("media")
    assert sent.message["image"]["caption"] == "The map"
    missing = await WhatsAppSender(api, pacing=0).send(AMINA, Reply("x", photo="/nowhere.png"))
    assert missing.outcome is Outcome.FAILED
