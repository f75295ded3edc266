"""Moderating and translating statements in the workspace: a statement written in French,
approved and translated by a mediator, is what a participant who reads Arabic votes on."""

from __future__ import annotations

import re

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.web.server import Workspace, build
from conversations.ports import Translator
from storage import consultations as store
from storage.community import CommunityStore
from storage.models import Statement
from tests.bots.web.conftest import SECRET, Running, csrf_of

MEDIATOR = "a" * 64
READER = "r" * 64
EVIL = '<script>alert("x")</script>'


async def _written(running: Running, text: str, status: str = "pending") -> int:
    async with running.engine.begin() as connection:
        result = await connection.execute(
            insert(Statement).values(
                consultation_id="monitoring",
                author="w" * 64,
                texts={"fr": text},
                language="fr",
                status=status,
                created_at=running.clock.now(),
            )
        )
        return int(result.inserted_primary_key[0])


async def test_a_translated_statement_reaches_a_voter_in_their_language(running: Running) -> None:
    first = await _written(running, "Les routes doivent rouvrir. " + EVIL)
    second = await _written(running, "Il faut des écoles.")
    csrf = await running.sign_in(MEDIATOR)
    listing = await (await running.client.get("/consultations")).text()
    assert "2 statements waiting for moderation" in listing
    queue = await (await running.client.get("/consultations/monitoring")).text()
    assert EVIL not in queue and "&lt;script&gt;" in queue
    page = await running.client.get(f"/consultations/monitoring/statements/{first}")
    html = await page.text()
    assert 'name="text_en"' in html and 'name="text_ar"' in html and 'name="text_fr"' not in html
    assert 'accesskey="a"' in html
    done = await running.client.post(
        f"/consultations/monitoring/statements/{first}",
        data={
            "csrf": csrf,
            "action": "approve",
            "text_en": "The roads must reopen.",
            "text_ar": "يجب إعادة فتح الطرق.",
            "text_fr": "forged: the author's own words are never replaced",
        },
        allow_redirects=False,
    )
    assert done.status == 303
    assert done.headers["Location"] == f"/consultations/monitoring/statements/{second}"
    row = await store.statement(running.engine, first)
    assert row is not None and row.status == "approved"
    assert list(row.texts) == ["fr", "en", "ar"]
    assert row.texts["fr"].startswith("Les routes")
    # what a voter reading Arabic is shown: the view the engine gets, in their language
    async with async_sessionmaker(running.engine, class_=AsyncSession)() as session:
        view = await store.view(session, READER, "monitoring")
    shown = next(s for s in view.unvoted if s.id == first)
    assert shown.text("ar", "en") == "يجب إعادة فتح الطرق."
    assert shown.text("fr", "en").startswith("Les routes")
    actions = [line.action for line in await CommunityStore(running.engine).audit_log(10)]
    assert "statement_translate" in actions and "statement_approved" in actions
    # a correction, and removing a translation with an empty text
    await running.client.post(
        f"/consultations/monitoring/statements/{first}",
        data={"csrf": csrf, "action": "save", "text_en": "Roads must reopen.", "text_ar": ""},
    )
    row = await store.statement(running.engine, first)
    assert row is not None and row.texts == {"fr": row.texts["fr"], "en": "Roads must reopen."}
    assert row.status == "approved"


async def test_moderation_refuses_bad_input(running: Running) -> None:
    first = await _written(running, "Texte")
    path = f"/consultations/monitoring/statements/{first}"
    await running.sign_in("o" * 64, "organizer")
    assert (await running.client.get("/consultations")).status == 403
    running.client.session.cookie_jar.clear()
    csrf = await running.sign_in(MEDIATOR)
    no_token = await running.client.post(path, data={"action": "approve"})
    assert no_token.status == 403
    unknown = await running.client.post(path, data={"csrf": csrf, "action": "publish-all"})
    assert unknown.status == 400
    long = await running.client.post(
        path, data={"csrf": csrf, "action": "save", "text_en": "x" * 1001}
    )
    assert long.status == 400
    assert (await running.client.get("/consultations/monitoring/statements/999")).status == 404
    assert (await running.client.get("/consultations/nope")).status == 404
    row = await store.statement(running.engine, first)
    assert row is not None and row.status == "pending" and row.texts == {"fr": "Texte"}
    assert csrf_of(await (await running.client.get(path)).text()) == csrf


class EchoTranslator(Translator):
    """A fake machine translator: marks the text with the target language."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None, str]] = []

    async def suggest(self, text: str, source: str | None, target: str) -> str | None:
        self.asked.append((text, source, target))
        return None if target == "ar" else f"[{target}] {text}"


async def test_machine_suggestions_fill_the_empty_translations(running: Running) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    first = await _written(running, "Bonjour <b>")
    translator = EchoTranslator()
    app = build(
        Workspace(
            deployment=running.deployment,
            database=running.engine,
            secret=SECRET,
            clock=running.clock,
            secure_cookies=False,
            translator=translator,
        )
    )
    async with TestClient(TestServer(app)) as client:
        other = Running(client, running.clock, running.engine, running.deployment)
        await other.sign_in(MEDIATOR)
        html = await (await client.get(f"/consultations/monitoring/statements/{first}")).text()
    assert translator.asked == [("Bonjour <b>", "fr", "en"), ("Bonjour <b>", "fr", "ar")]
    english = re.search(r'<textarea id="text_en"[^>]*>(.*?)</textarea>', html, flags=re.S)
    assert english is not None and english.group(1) == "[en] Bonjour &lt;b&gt;"
    assert "machine suggestion" in html
