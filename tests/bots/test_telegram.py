"""End to end on Telegram: the real framework stack, real HTTP, the fake Bot API server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.aggregates import choice_counts, question_totals
from storage.database import create_engine
from storage.models import Answer, ChatAddress, Participant
from tests.bots.conftest import FRAMEWORKS, RunningBot, make_settings
from tests.fakes.bot_api import Citizen, FakeBotApi


async def onboard(citizen: Citizen, region: str = "Kessal Highlands") -> None:
    await citizen.send("/start")
    assert "Do you agree to take part?" in await citizen.wait_for_reply()
    await citizen.press("I agree")
    assert "Which language" in await citizen.wait_for_reply()
    await citizen.press("English")
    assert "Which region do you live in now?" in await citizen.wait_for_reply()
    await citizen.press(region)
    assert "age group" in await citizen.wait_for_reply()
    await citizen.press("Prefer not to say")
    assert "gender" in await citizen.wait_for_reply()
    await citizen.press("Woman")
    assert "Choose a poll" in await citizen.wait_for_reply()


async def pick_security_first(citizen: Citizen, timeout: float = 5.0) -> str:  # noqa: ASYNC109
    """Open the agenda poll and answer its first question with Security alone; the reply."""
    await citizen.press("Agenda for the peace talks")
    await citizen.wait_for_reply(timeout)
    await citizen.press("☐ Security")
    await citizen.wait_for_output(timeout)
    await citizen.press("Done ✔")
    return await citizen.wait_for_reply(timeout)


async def answer_agenda(citizen: Citizen) -> None:
    await citizen.press("Agenda for the peace talks")
    assert "Question 1 of 7" in await citizen.wait_for_reply()
    await citizen.press("☐ Land and property")
    assert "☑ Land and property" in (await citizen.wait_for_output()).message.button_labels
    await citizen.press("☐ Jobs and the economy")
    await citizen.wait_for_output()
    await citizen.press("Done ✔")
    assert "Question 2 of 7" in await citizen.wait_for_reply()
    await citizen.press("Land and property")
    assert "Question 3 of 7" in await citizen.wait_for_reply()
    await citizen.press("4")
    assert "Question 4 of 7" in await citizen.wait_for_reply()
    await citizen.press("The armed parties and civil society")
    # "displaced" and "home region" are skipped: return of displaced people was not chosen
    assert "Question 7 of 7" in await citizen.wait_for_reply()
    await citizen.send("Les routes doivent rouvrir avant la saison des pluies.")
    assert "are saved" in await citizen.wait_for_reply()


async def stored_answers(database_url: str) -> list[tuple[str, str | None, str | None]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Answer.question_id, Answer.choice, Answer.text_language).order_by(Answer.id)
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_a_citizen_completes_the_agenda_poll_and_results_show_it(
    api: FakeBotApi, framework: str, database_url: str, tmp_path: Path
) -> None:
    running = RunningBot(api, make_settings(api, database_url, tmp_path, bot_framework=framework))
    await running.start()
    try:
        amina = api.citizen(1001, "Amina", language_code="en")
        await onboard(amina)
        await answer_agenda(amina)
        await api.wait_idle()
    finally:
        await running.stop()

    assert await stored_answers(database_url) == [
        ("priority_issues", "land_property", None),
        ("priority_issues", "jobs_economy", None),
        ("top_issue", "land_property", None),
        ("confidence", "4", None),
        ("who_at_table", "with_civil_society", None),
        ("message_to_mediators", None, "fr"),
    ]
    engine = create_engine(database_url)
    try:
        counts = await choice_counts(engine, "agenda", by="region")
        totals = await question_totals(engine, "agenda", by=None)
        async with engine.connect() as connection:
            addresses = (await connection.execute(select(ChatAddress.address))).scalars().all()
            ids = (await connection.execute(select(Participant.id))).scalars().all()
    finally:
        await engine.dispose()
    assert ("top_issue", "kessal_highlands", "land_property", 1) in counts
    assert {t.question_id: t.respondents for t in totals}["message_to_mediators"] == 1
    assert addresses == ["1001"]  # the chat address lives only in its own table
    assert ids and all("1001" not in i for i in ids)  # participants are pseudonyms
    assert not api.refusals
    for message in api.sent_messages:
        for button in message.buttons:
            assert len((button.callback_data or "").encode()) <= 64


async def test_every_callback_query_is_answered(bot: RunningBot, api: FakeBotApi) -> None:
    citizen = api.citizen(1002, "Omar", language_code="ar")
    await citizen.send("/start")
    assert "هل توافق على المشاركة؟" in await citizen.wait_for_reply()
    await citizen.press("English")  # read the notice in another language: nothing stored
    assert "Do you agree" in await citizen.wait_for_reply()
    await citizen.press("No, thanks")
    assert "stored nothing" in await citizen.wait_for_reply()
    await api.wait_idle()
    assert len(citizen.answers()) == 2


async def test_stale_and_forged_presses_get_expired_and_the_question_again(
    bot: RunningBot, api: FakeBotApi
) -> None:
    citizen = api.citizen(1003, "Lea")
    await onboard(citizen)
    menu = citizen.last_keyboard_message
    assert menu is not None
    await citizen.press("Agenda for the peace talks")
    await citizen.wait_for_reply()
    await citizen.press_data(menu.message_id, "1:o:agenda")  # the menu's old button
    text = await citizen.wait_for_reply()
    assert text.startswith("This button has expired.")
    assert "Question 1 of 7" in text
    await citizen.press_data(menu.message_id, "💣" * 20)
    assert (await citizen.wait_for_reply()).startswith("This button has expired.")
    await api.wait_idle()
    assert len(citizen.answers()) == 8  # 5 onboarding presses, the poll, both forgeries
    assert not api.refusals


async def test_a_redelivered_update_is_processed_once(
    bot: RunningBot, api: FakeBotApi, sqlite_url: str
) -> None:
    citizen = api.citizen(1004, "Kofi")
    await onboard(citizen)
    await pick_security_first(citizen)
    pressed = await citizen.press("Security and protection of civilians")
    await citizen.wait_for_reply()
    await api.wait_idle()
    sent_before = len(api.sent_messages)
    api.redeliver(pressed["update_id"])
    await api.wait_idle()
    assert len(api.sent_messages) == sent_before
    assert [q for q, _, _ in await stored_answers(sqlite_url)] == ["priority_issues", "top_issue"]


async def test_stickers_get_a_polite_reply(bot: RunningBot, api: FakeBotApi) -> None:
    citizen = api.citizen(1005, "Sara")
    await onboard(citizen)
    await citizen.send_sticker()
    text = await citizen.wait_for_reply()
    assert text.startswith("Sorry, I can only read text messages and button presses.")
    assert "Choose a poll" in text


async def test_the_bot_runs_on_a_server_without_set_my_commands(
    api: FakeBotApi,
    framework: str,
    sqlite_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api.unsupported_methods.add("setMyCommands")
    running = RunningBot(api, make_settings(api, sqlite_url, tmp_path, bot_framework=framework))
    await running.start()
    try:
        citizen = api.citizen(1006, "Ana")
        await citizen.send("hello")
        assert "Do you agree" in await citizen.wait_for_reply()
    finally:
        await running.stop()
    assert "could not set the command menu" in caplog.text


async def test_commands_are_registered_per_language(bot: RunningBot, api: FakeBotApi) -> None:
    languages = {call.get("language_code") for call in api.calls_to("setMyCommands")}
    assert languages == {None, "en", "fr", "ar"}


async def test_a_restarted_bot_resumes_at_the_right_question(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path
) -> None:
    running = RunningBot(api, make_settings(api, sqlite_url, tmp_path, bot_framework=framework))
    await running.start()
    citizen = api.citizen(1007, "Yusuf")
    await onboard(citizen)
    assert "Question 2 of 7" in await pick_security_first(citizen)
    await api.wait_idle()
    await running.stop()

    await running.start()
    try:
        await citizen.send("/start")
        text = await citizen.wait_for_reply()
        assert text.startswith("Welcome back!")
        assert "Question 2 of 7" in text
        await citizen.press("Justice and accountability")  # on the message sent before restart
        assert "Question 3 of 7" in await citizen.wait_for_reply()
    finally:
        await running.stop()


async def test_webhook_mode_checks_the_secret(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path, unused_tcp_port: int
) -> None:
    settings = make_settings(
        api,
        sqlite_url,
        tmp_path,
        bot_framework=framework,
        webhook_url=f"http://127.0.0.1:{unused_tcp_port}/telegram",
        webhook_secret="s3cret-value",
        webhook_port=unused_tcp_port,
    )
    running = RunningBot(api, settings)
    await running.start()
    try:
        assert api.webhook_secret == "s3cret-value"
        citizen = api.citizen(1008, "Femi")
        await citizen.send("/start")
        assert "Do you agree" in await citizen.wait_for_reply()
        forged = {"update_id": 999_999, "message": citizen_message(1008, "/start")}
        refused = {401}
        assert await api.deliver_raw(forged, secret="wrong") in refused
        assert await api.deliver_raw(forged, secret=None) in refused
        await asyncio.sleep(0.1)
        assert len(citizen.messages) == 1
    finally:
        await running.stop()


async def _raw_post(port: int, headers: dict[str, bytes], body: bytes = b"") -> int:
    """POST by hand: the status line of the answer, which may come before the body is sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [b"POST /telegram HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
        lines += [name.encode() + b": " + value for name, value in headers.items()]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), timeout=10)
        return int(status.split()[1])
    finally:
        writer.close()


async def test_webhook_refuses_on_the_headers_alone_and_bounds_the_body(
    api: FakeBotApi, framework: str, sqlite_url: str, tmp_path: Path, unused_tcp_port: int
) -> None:
    settings = make_settings(
        api,
        sqlite_url,
        tmp_path,
        bot_framework=framework,
        webhook_url=f"http://127.0.0.1:{unused_tcp_port}/telegram",
        webhook_secret="s3cret-value",
        webhook_port=unused_tcp_port,
    )
    running = RunningBot(api, settings)
    await running.start()
    try:
        port, good = unused_tcp_port, b"s3cret-value"
        huge = {"Content-Type": b"application/json", "Content-Length": b"94371840"}
        # 90 MB announced, not one byte sent: refused at once on the wrong secret
        assert await _raw_post(port, {**huge, "X-Telegram-Bot-Api-Secret-Token": b"x"}) == 401
        assert await _raw_post(port, huge) == 401
        # with the right secret, still refused before the body is read
        assert await _raw_post(port, {**huge, "X-Telegram-Bot-Api-Secret-Token": good}) == 413
        chunked = {"Transfer-Encoding": b"chunked", "X-Telegram-Bot-Api-Secret-Token": good}
        block = b"x" * 65536
        body = (b"%x\r\n" % len(block) + block + b"\r\n") * 20 + b"0\r\n\r\n"
        assert await _raw_post(port, chunked, body) == 413
        # a credential that is not ASCII is a wrong credential, not a server error
        for odd in ("sécret-välue".encode(), "секрет".encode(), b"\xff\xfe"):
            assert await _raw_post(port, {"X-Telegram-Bot-Api-Secret-Token": odd}) == 401
        citizen = api.citizen(1009, "Ada")
        await citizen.send("/start")
        assert "Do you agree" in await citizen.wait_for_reply()  # the real one still works
    finally:
        await running.stop()


def citizen_message(user_id: int, text: str) -> dict[str, object]:
    user = {"id": user_id, "is_bot": False, "first_name": "X"}
    return {
        "message_id": 1,
        "date": 0,
        "chat": {"id": user_id, "type": "private", "first_name": "X"},
        "from": user,
        "text": text,
    }


async def test_answers_are_committed_before_the_reply(
    bot: RunningBot, api: FakeBotApi, sqlite_url: str
) -> None:
    """When a confirmation arrives, the answer it confirms is already in the database."""
    counts: list[int] = []

    async def count_answers(method: str, params: dict[str, object]) -> None:
        if method == "sendMessage":
            engine = create_engine(sqlite_url)
            try:
                async with engine.connect() as connection:
                    total = await connection.scalar(select(func.count()).select_from(Answer))
            finally:
                await engine.dispose()
            counts.append(int(total or 0))

    citizen = api.citizen(1009, "Ines")
    await onboard(citizen)
    api.request_hooks.append(count_answers)
    await pick_security_first(citizen)
    await citizen.press("Security and protection of civilians")
    await citizen.wait_for_reply()
    assert counts == [0, 1, 2]


async def test_a_storage_failure_gets_an_apology_and_stores_nothing(
    bot: RunningBot, api: FakeBotApi, sqlite_url: str
) -> None:
    citizen = api.citizen(1010, "Zainab", language_code="fr")
    await citizen.send("/start")
    await citizen.wait_for_reply()
    engine = create_engine(sqlite_url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("ALTER TABLE participants RENAME TO broken")
    finally:
        await engine.dispose()
    await citizen.press("J'accepte")
    text = await citizen.wait_for_reply()
    assert text.startswith("Désolé, un problème est survenu de notre côté")
    await api.wait_idle()
    assert len(citizen.answers()) == 1


async def test_messages_in_groups_are_left_alone(
    bot: RunningBot, api: FakeBotApi, sqlite_url: str
) -> None:
    """The bot talks in private chats only: a group message gets no answer and stores nothing;
    the same person writing privately afterwards is served."""
    in_group = {
        **citizen_message(1011, "/start"),
        "chat": {"id": -100_1011, "type": "supergroup", "title": "Town hall"},
    }
    api.enqueue({"message": in_group})
    await api.wait_idle()
    assert api.calls_to("sendMessage") == []  # not even tried
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(Participant)) == 0
    finally:
        await engine.dispose()
    citizen = api.citizen(1011, "Amina")
    await citizen.send("/start")
    assert "Do you agree to take part?" in await citizen.wait_for_reply()
