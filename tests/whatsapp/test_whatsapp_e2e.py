"""Citizens on WhatsApp, end to end: `peacepulse run` with the Cloud API, a fake over real HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp

from bots.app import job_counts, queue_broadcast
from config.settings import Settings
from tests.fakes.whatsapp_api import FakeCloudApi
from tests.sms.conftest import rows
from tests.whatsapp.conftest import running, whatsapp_settings

AMINA = "+23566000001"
KARIM = "+254712000002"


async def test_a_citizen_answers_a_poll_by_taps_and_typing(
    cloud: FakeCloudApi, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = whatsapp_settings(cloud, tmp_path, deployment_folder)
    async with running(settings, cloud):
        (notice,) = await cloud.text(AMINA, "Hello")
        assert "Meridia Dialogue Support Unit" in notice.text
        assert [title for _, title in notice.choices][:2] == ["I agree", "No, thanks"]
        agree = notice.choices[0][0]
        (language,) = await cloud.tap(AMINA, agree, "I agree")
        assert language.message["interactive"]["type"] == "button"  # 3 languages: buttons
        assert [t for _, t in language.choices] == ["English", "Français", "العربية"]
        (region,) = await cloud.tap(AMINA, language.choices[0][0])
        assert region.message["interactive"]["type"] == "list"  # 8 regions: a list
        await cloud.text(AMINA, "2")  # typed numbers work as by SMS
        await cloud.text(AMINA, "prefer not to say")
        (menu,) = await cloud.text(AMINA, "1")
        (question,) = await cloud.tap(AMINA, menu.choices[0][0])
        # a multiple choice is answered in one message: numbered text, as by SMS
        assert question.type == "text"
        assert "Reply with up to 3 numbers, e.g. 1 3" in question.text
        assert "3) Land and property" in question.text
        (top,) = await cloud.text(AMINA, "1 3,6")
        assert "most important" in top.text and top.message["interactive"]["type"] == "list"
        (scale,) = await cloud.text(AMINA, "land and propety")  # a typo forgiven
        assert [t for _, t in scale.choices] == ["1", "2", "3", "4", "5"]
        await cloud.tap(AMINA, scale.choices[3][0])
        await cloud.text(AMINA, "3")
        await cloud.text(AMINA, "Yes")
        await cloud.text(AMINA, "skip")
        done = await cloud.text(AMINA, "Please open the road to the market.")
        assert "Thank you" in done[0].text

    answers = await rows(
        settings,
        "SELECT question_id, choice, number, text FROM answers WHERE poll_id = 'agenda' "
        "ORDER BY id",
    )
    assert answers == [
        ("priority_issues", "security", None, None),
        ("priority_issues", "land_property", None, None),
        ("priority_issues", "return_displaced", None, None),
        ("top_issue", "land_property", None, None),
        ("confidence", "4", None, None),
        ("who_at_table", "with_civil_society_women_youth", None, None),
        ("displaced", "yes", None, None),
        ("home_region", None, None, None),
        ("message_to_mediators", None, None, "Please open the road to the market."),
    ]
    # The number is kept only where messages are sent to; answers carry a pseudonym.
    (participant,) = await rows(settings, "SELECT id FROM participants")
    assert AMINA.lstrip("+") not in participant[0]
    assert await rows(settings, "SELECT channel, address FROM chat_addresses") == [
        ("whatsapp", AMINA)
    ]


async def test_webhook_refuses_what_meta_did_not_sign_and_processes_a_message_once(
    cloud: FakeCloudApi, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = whatsapp_settings(cloud, tmp_path, deployment_folder)
    async with running(settings, cloud), aiohttp.ClientSession() as session:
        # the verification handshake
        query = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": ""}
        async with session.get(cloud.webhook_url, params=query) as response:
            assert response.status == 403
        query["hub.verify_token"] = cloud.verify_token
        async with session.get(cloud.webhook_url, params=query) as response:
            assert response.status == 200
            assert await response.text() == "1158201444"
        body = cloud.message_body(AMINA, {"type": "text", "text": {"body": "Hello"}})
        # signed with another secret, unsigned, or the body changed after signing: 403
        assert await cloud.post(body, secret="not-the-app-secret") == 403
        async with session.post(cloud.webhook_url, data=json.dumps(body)) as response:
            assert response.status == 403
        raw = json.dumps(body).encode()
        headers = {"X-Hub-Signature-256": "sha256=" + "0" * 64}
        async with session.post(cloud.webhook_url, data=raw, headers=headers) as response:
            assert response.status == 403
        # a credential that is not ASCII is a wrong one, not a server error
        for odd in ("sha256=" + "é" * 64, "sha256=ـ"):
            headers = {"X-Hub-Signature-256": odd}
            async with session.post(cloud.webhook_url, data=raw, headers=headers) as response:
                assert response.status == 403
        query["hub.verify_token"] = "jéton"
        async with session.get(cloud.webhook_url, params=query) as response:
            assert response.status == 403
        assert cloud.sent == []
        assert await rows(settings, "SELECT id FROM participants") == []
        # more than 1 MiB: refused unread
        big = b"{" + b" " * (1024 * 1024) + b"}"
        assert await cloud.post(big) == 413
        # redelivered: processed once
        first = await cloud.text(AMINA, "Hello", wamid="wamid.SAME")
        again = await cloud.text(AMINA, "Hello", wamid="wamid.SAME")
        assert len(first) == 1 and again == []
        assert len(await rows(settings, "SELECT update_id FROM processed_updates")) == 1


async def consent(cloud: FakeCloudApi, number: str) -> None:
    (notice,) = await cloud.text(number, "Hello")
    (language,) = await cloud.tap(number, notice.choices[0][0])
    await cloud.tap(number, language.choices[0][0])


async def settled(
    settings: Settings, job: str, count: int, seconds: float = 15.0
) -> dict[str, int]:
    """The job's counts once ``count`` of its messages are settled (sent or not)."""
    deadline = time.monotonic() + seconds
    while True:
        counts = await job_counts(settings, job)
        if counts["sent"] + counts["failed"] + counts["unreachable"] >= count:
            return counts
        assert time.monotonic() < deadline, f"not settled: {counts}"
        await asyncio.sleep(0.05)


async def test_broadcasts_go_free_form_inside_the_window_and_as_templates_outside(
    cloud: FakeCloudApi, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = whatsapp_settings(cloud, tmp_path, deployment_folder)
    async with running(settings, cloud):
        await consent(cloud, AMINA)
        await consent(cloud, KARIM)
    # Karim last wrote two days ago (by the database and by WhatsApp)
    two_days_ago = "2026-01-01T00:00:00+00:00"
    engine_rows = await rows(settings, "SELECT id, state FROM participants")
    from sqlalchemy import text as sql
    from sqlalchemy.ext.asyncio import create_async_engine

    database = create_async_engine(settings.effective_database_url)
    async with database.begin() as connection:
        for participant_id, state in engine_rows:
            data = json.loads(state) if isinstance(state, str) else state
            address = (
                await connection.execute(
                    sql("SELECT address FROM chat_addresses WHERE participant_id = :p"),
                    {"p": participant_id},
                )
            ).scalar()
            if address == KARIM:
                data["last_active"] = two_days_ago
                await connection.execute(
                    sql("UPDATE participants SET state = :s WHERE id = :p"),
                    {"s": json.dumps(data), "p": participant_id},
                )
    await database.dispose()
    cloud.last_inbound[KARIM.lstrip("+")] = -1e12
    before = len(cloud.sent)
    job, queued = await queue_broadcast(settings, None, {"en": "The talks resume\nMonday."}, None)
    assert queued == 2
    async with running(settings, cloud):
        counts = await settled(settings, job, 2)
    assert counts["sent"] == 2
    # (a wave of the demo may open meanwhile: its invitations go out too, and are left aside)
    sent = {
        s.to: s
        for s in cloud.sent[before:]
        if "The talks resume" in s.text and "invitation" not in s.text
    }
    invitations = [s for s in cloud.sent[before:] if s not in sent.values()]
    assert all(s.type == "template" for s in invitations if s.to == KARIM)
    assert sent[AMINA].type == "text" and sent[AMINA].text == "The talks resume\nMonday."
    assert sent[KARIM].type == "template"
    template = sent[KARIM].message["template"]
    assert template["name"] == "peacepulse_message"
    assert template["language"] == {"code": "en"}
    params = [p["text"] for p in template["components"][0]["parameters"]]
    assert params == ["Meridia Dialogue Support Unit", "The talks resume Monday."]
    assert cloud.outside_window == 0

    # status callbacks are recorded on the outbox rows; a failed one for an unreachable person
    async with running(settings, cloud):
        assert await cloud.status(sent[AMINA].id, "delivered", AMINA) == 200
        assert await cloud.status(sent[AMINA].id, "read", AMINA) == 200
        assert await cloud.status(sent[AMINA].id, "delivered", AMINA) == 200  # late: kept read
        assert await cloud.status(sent[KARIM].id, "failed", KARIM, code=131026) == 200
    outcome = await rows(
        settings,
        "SELECT a.address, o.status, o.delivery FROM outbox o JOIN chat_addresses a "
        f"ON a.participant_id = o.participant_id WHERE o.job = '{job}' ORDER BY a.address",
    )
    assert sorted(outcome) == sorted([(AMINA, "sent", "read"), (KARIM, "unreachable", "failed")])


async def test_pictures_reactions_and_groups(
    cloud: FakeCloudApi, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = whatsapp_settings(cloud, tmp_path, deployment_folder)
    async with running(settings, cloud):
        await consent(cloud, AMINA)
        before = len(cloud.sent)
        picture = {"type": "image", "image": {"id": "1234", "mime_type": "image/jpeg"}}
        assert await cloud.deliver(AMINA, picture) == 200
        (answer,) = cloud.sent[before:]
        assert answer.to == AMINA and answer.text  # says what it can read, then asks again
        before = len(cloud.sent)
        reaction = {"type": "reaction", "reaction": {"message_id": answer.id, "emoji": "👍"}}
        assert await cloud.deliver(AMINA, reaction) == 200
        group = {"type": "text", "text": {"body": "hello"}, "group_id": "120363000000000000"}
        assert await cloud.deliver(KARIM, group) == 200  # only one-to-one chats are served
        assert cloud.sent[before:] == []
    assert await rows(settings, "SELECT count(*) FROM chat_addresses") == [(1,)]
