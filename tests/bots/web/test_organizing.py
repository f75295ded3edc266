"""Initiatives and broadcasts in the workspace, over real HTTP on each database: the rules of
chat's staff commands (who may do what), the records chat would make, audit lines, CSRF,
escaping, and the texts of every language."""

from __future__ import annotations

import re

from sqlalchemy import insert, select

from storage.community import CommunityStore
from storage.models import (
    Broadcast,
    ChatAddress,
    OutboxRow,
    Participant,
    SignUpRow,
    Subscription,
)
from tests.bots.web.conftest import Running

ADMIN = "d" * 64
ORGANIZER = "o" * 64
OTHER_ORGANIZER = "p" * 64
MEDIATOR = "m" * 64
EVIL = '<script>alert("x")</script>'

FORM = {
    "title.en": "Market day clean-up " + EVIL,
    "title.fr": "Nettoyage du marché",
    "title.ar": "تنظيف السوق",
    "description.en": "We clean the market square together, both communities.",
    "description.fr": "Nous nettoyons la place du marché ensemble.",
    "description.ar": "ننظف ساحة السوق معاً، المجتمعان كلاهما.",
    "type": "joint_cleanup",
    "region": "kessal_highlands",
    "place": "Market square",
    "starts": "2026-12-20T09:00",
    "ends": "2026-12-20T12:00",
    "capacity": "2",
    "provision": "",
    "group": "-",
}


async def _people(running: Running, prefix: str, count: int, topic: str | None = None) -> list[str]:
    """Reachable participants (consented, with a chat address), maybe subscribed to ``topic``."""
    now = running.clock.now()
    ids = [f"{prefix}{n:03d}".ljust(64, "x") for n in range(count)]
    async with running.engine.begin() as connection:
        for who in ids:
            await connection.execute(
                insert(Participant).values(
                    id=who, state={}, consented_at=now, created_at=now, updated_at=now
                )
            )
            await connection.execute(
                insert(ChatAddress).values(participant_id=who, channel="telegram", address=who[:9])
            )
            if topic is not None:
                await connection.execute(
                    insert(Subscription).values(participant_id=who, topic=topic)
                )
    return ids


async def _sign_up(running: Running, initiative: str, people: list[str], status: str) -> None:
    async with running.engine.begin() as connection:
        for who in people:
            await connection.execute(
                insert(SignUpRow).values(
                    initiative_id=initiative,
                    participant_id=who,
                    status=status,
                    created_at=running.clock.now(),
                )
            )


async def _stored_id(running: Running) -> str:
    stored = await CommunityStore(running.engine).stored_initiatives()
    assert len(stored) == 1
    return stored[0].id


async def _actions(running: Running) -> list[str]:
    return [line.action for line in await CommunityStore(running.engine).audit_log(50)]


async def test_an_organizer_creates_edits_and_cancels_an_initiative(running: Running) -> None:
    csrf = await running.sign_in(ORGANIZER, "organizer")
    form = await (await running.client.get("/initiatives/new")).text()
    assert 'name="title.ar"' in form and 'name="description.fr"' in form
    created = await running.client.post(
        "/initiatives/new", data={**FORM, "csrf": csrf, "action": "publish"}, allow_redirects=False
    )
    assert created.status == 303 and created.headers["Location"] == "/initiatives"
    initiative = await _stored_id(running)
    volunteers = await _people(running, "v", 3)
    await _sign_up(running, initiative, volunteers[:2], "placed")
    await _sign_up(running, initiative, volunteers[2:], "waitlisted")

    listing = await (await running.client.get("/initiatives")).text()
    assert EVIL not in listing and "&lt;script&gt;" in listing
    assert "2 / 2" in listing and "staff only" in listing
    assert f"/initiatives/{initiative}/edit" in listing
    edit_form = await (await running.client.get(f"/initiatives/{initiative}/edit")).text()
    assert 'value="2026-12-20T09:00"' in edit_form and "Market square" in edit_form
    edited = await running.client.post(
        f"/initiatives/{initiative}/edit",
        data={**FORM, "capacity": "3", "csrf": csrf},
        allow_redirects=False,
    )
    assert edited.status == 303
    # the larger capacity filled from the waiting list, as an edit in chat does
    listing = await (await running.client.get("/initiatives")).text()
    assert "3 / 3" in listing

    asked = await (await running.client.get(f"/initiatives/{initiative}/cancel")).text()
    assert "The 3 people signed up will be told" in asked
    refused = await running.client.post(f"/initiatives/{initiative}/cancel", data={})
    assert refused.status == 403  # no CSRF token
    cancelled = await running.client.post(
        f"/initiatives/{initiative}/cancel", data={"csrf": csrf}, allow_redirects=False
    )
    assert cancelled.status == 303
    stored = await CommunityStore(running.engine).stored_initiatives()
    assert stored[0].status == "cancelled" and stored[0].capacity == 3
    async with running.engine.connect() as connection:
        told = await connection.scalar(
            select(OutboxRow.id).where(OutboxRow.job == f"initiative:{initiative}:cancelled")
        )
    assert told is not None
    actions = await _actions(running)
    assert {"save_initiative", "edit_initiative", "cancel_initiative"} <= set(actions)


async def test_a_form_is_checked_by_the_rules_of_the_chat_dialogue(running: Running) -> None:
    csrf = await running.sign_in(ORGANIZER, "organizer")
    bad = {
        **FORM,
        "title.fr": "x",
        "starts": "2020-01-01T09:00",
        "capacity": "0",
        "region": "atlantis",
        "place": EVIL,
    }
    answer = await running.client.post("/initiatives/new", data={**bad, "csrf": csrf})
    assert answer.status == 400
    html = await answer.text()
    for said in (
        "Please write between 3 and 120 characters.",
        "That moment has passed",
        "a whole number from 1 to 100000",
    ):
        assert said in html
    assert html.count('aria-invalid="true"') == 4  # title.fr, starts, capacity and region
    assert 'id="problem-title-fr"' in html
    assert EVIL not in html and "&lt;script&gt;" in html  # what was typed comes back, escaped
    assert await CommunityStore(running.engine).stored_initiatives() == []
    # a draft: stored, not published; its organizer publishes it from the list
    saved = await running.client.post(
        "/initiatives/new", data={**FORM, "csrf": csrf, "action": "draft"}, allow_redirects=False
    )
    assert saved.status == 303
    initiative = await _stored_id(running)
    assert (await CommunityStore(running.engine).stored_initiatives())[0].status == "draft"
    await running.client.post(f"/initiatives/{initiative}/publish", data={"csrf": csrf})
    assert (await CommunityStore(running.engine).stored_initiatives())[0].status == "published"


async def test_roles_as_in_chat(running: Running) -> None:
    """Organizers manage their own initiatives; an admin sees every one but edits only their
    own; a mediator has neither page (chat's /organize and /broadcast are not theirs)."""
    csrf = await running.sign_in(OTHER_ORGANIZER, "organizer")
    await running.client.post("/initiatives/new", data={**FORM, "csrf": csrf, "action": "publish"})
    initiative = await _stored_id(running)

    running.client.session.cookie_jar.clear()
    csrf = await running.sign_in(ORGANIZER, "organizer")
    listing = await (await running.client.get("/initiatives")).text()
    assert initiative not in listing and "no initiatives yet" in listing
    assert (await running.client.get(f"/initiatives/{initiative}/edit")).status == 403
    forged = await running.client.post(
        f"/initiatives/{initiative}/cancel", data={"csrf": csrf}, allow_redirects=False
    )
    assert forged.status == 403

    running.client.session.cookie_jar.clear()
    csrf = await running.sign_in(ADMIN, "admin")
    listing = await (await running.client.get("/initiatives")).text()
    assert f"/initiatives/{initiative}/cancel" in listing  # the deployment's cannot be
    assert f"/initiatives/{initiative}/edit" not in listing
    assert "/initiatives/kessal_dialogue/cancel" not in listing  # in the list, not cancellable
    assert "/initiatives/kessal_dialogue/edit" not in listing
    assert (await running.client.get(f"/initiatives/{initiative}/edit")).status == 403

    running.client.session.cookie_jar.clear()
    await running.sign_in(MEDIATOR, "mediator")
    for path in ("/initiatives", "/initiatives/new", "/broadcasts"):
        page = await running.client.get(path)
        assert page.status == 403, path
        assert "does not give access" in await page.text()
    home = await (await running.client.get("/")).text()
    assert 'href="/initiatives"' not in home and 'href="/broadcasts"' not in home
    assert "cancel_initiative" not in await _actions(running)


async def test_a_broadcast_in_each_language_counted_confirmed_and_followed(
    running: Running,
) -> None:
    await _people(running, "s", 4, topic="process")
    csrf = await running.sign_in(ADMIN, "admin")
    page = await (await running.client.get("/broadcasts")).text()
    assert "News on the peace talks" in page and "(4 people now)" in page
    assert 'name="text_ar"' in page and 'dir="auto"' in page
    texts = {"text_en": "Talks resume " + EVIL, "text_ar": "تُستأنف المحادثات", "text_fr": ""}
    review = await running.client.post(
        "/broadcasts", data={"csrf": csrf, "audience": "process", "action": "review", **texts}
    )
    html = await review.text()
    assert review.status == 200 and "Send to 4 people" in html
    assert EVIL not in html and "&lt;script&gt;" in html
    async with running.engine.connect() as connection:
        assert await connection.scalar(select(Broadcast.id)) is None  # nothing sent yet
    sent = await running.client.post(
        "/broadcasts",
        data={"csrf": csrf, "audience": "process", "action": "send", **texts},
        allow_redirects=False,
    )
    assert sent.status == 303
    progress_path = sent.headers["Location"]
    number = int(progress_path.rsplit("/", 1)[1])
    async with running.engine.connect() as connection:
        stored = await connection.scalar(select(Broadcast.texts).where(Broadcast.id == number))
        queued = await connection.scalar(
            select(OutboxRow.id).where(OutboxRow.job == f"broadcast:{number}")
        )
    assert stored == {"en": "Talks resume " + EVIL, "ar": "تُستأنف المحادثات"}
    assert queued is not None
    progress = await (await running.client.get(progress_path)).text()
    assert re.search(r'<progress max="4" value="0"', progress)
    assert f'href="/broadcasts/{number}">Refresh' in progress
    assert "broadcast" in await _actions(running)


async def test_broadcast_refusals(running: Running) -> None:
    await _people(running, "s", 2, topic="process")
    csrf = await running.sign_in(ORGANIZER, "organizer")
    # no text in the main language; nobody to reach; an audience chat would not offer
    missing = await running.client.post(
        "/broadcasts",
        data={"csrf": csrf, "audience": "process", "action": "send", "text_fr": "Bonjour"},
    )
    assert missing.status == 400 and "main language" in await missing.text()
    nobody = await running.client.post(
        "/broadcasts",
        data={"csrf": csrf, "audience": "@signups", "action": "send", "text_en": "Hello"},
    )
    assert nobody.status == 400 and "Nobody would receive it" in await nobody.text()
    closed = await running.client.post(
        "/broadcasts",
        data={"csrf": csrf, "audience": "#elders", "action": "send", "text_en": "Hello"},
    )
    assert closed.status == 403
    too_long = await running.client.post(
        "/broadcasts",
        data={"csrf": csrf, "audience": "process", "action": "send", "text_en": "a" * 2001},
    )
    assert too_long.status == 400
    no_csrf = await running.client.post(
        "/broadcasts", data={"audience": "process", "action": "send", "text_en": "Hi"}
    )
    assert no_csrf.status == 403
    async with running.engine.connect() as connection:
        assert await connection.scalar(select(Broadcast.id)) is None
    # someone else's broadcast has no progress page for an organizer
    running.client.session.cookie_jar.clear()
    admin_csrf = await running.sign_in(ADMIN, "admin")
    sent = await running.client.post(
        "/broadcasts",
        data={"csrf": admin_csrf, "audience": "process", "action": "send", "text_en": "Hi"},
        allow_redirects=False,
    )
    running.client.session.cookie_jar.clear()
    await running.sign_in(ORGANIZER, None)
    assert (await running.client.get(sent.headers["Location"])).status == 404


async def test_pages_in_arabic_read_right_to_left(running: Running) -> None:
    await running.sign_in(ADMIN, "admin")
    await running.client.get("/language/ar", allow_redirects=False)
    for path in ("/initiatives", "/initiatives/new", "/broadcasts"):
        html = await (await running.client.get(path)).text()
        assert '<html lang="ar" dir="rtl">' in html, path
    assert "مبادرة جديدة" in await (await running.client.get("/initiatives")).text()
