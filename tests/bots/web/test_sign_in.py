"""Signing in to the workspace with a one-time link, sessions, CSRF, roles, and bad input:
expired, reused and forged links and cookies, posts without a token, oversized forms, HTML."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bots.web.sessions import SESSION_COOKIE
from storage.community import CommunityStore
from storage.web import LINK_VALIDITY, WebStore
from tests.bots.web.conftest import Running, csrf_of, form_fields

MEDIATOR = "a" * 64
ORGANIZER = "b" * 64
ADMIN = "c" * 64


async def test_a_link_signs_in_once_and_is_audited(running: Running) -> None:
    link = await running.link(MEDIATOR)
    page = await running.client.get(link)
    html = await page.text()
    assert page.status == 200
    assert 'action="/sign-in"' in html  # opening the link signs nobody in: a preview is harmless
    assert (
        running.client.session.cookie_jar.filter_cookies(running.client.make_url("/")).get(
            SESSION_COOKIE
        )
        is None
    )
    home = await running.client.post("/sign-in", data=form_fields(html))
    assert home.status == 200
    assert "/polls/agenda" in await home.text()
    cookie = home.history[0].cookies[SESSION_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # the same link again, even with a fresh form, is refused
    again = await running.client.get(link)
    refused = await running.client.post("/sign-in", data=form_fields(await again.text()))
    assert refused.status == 403
    assert "used already" in await refused.text()
    log = [(line.action, line.actor) for line in await CommunityStore(running.engine).audit_log(9)]
    assert ("web_link", "cli") in log
    assert ("web_sign_in", MEDIATOR) in log


async def test_an_expired_link_is_refused(running: Running) -> None:
    link = await running.link(MEDIATOR)
    page = await running.client.get(link)
    running.clock.advance(LINK_VALIDITY + timedelta(seconds=1))
    response = await running.client.post("/sign-in", data=form_fields(await page.text()))
    assert response.status == 403


async def test_a_forged_link_is_refused(running: Running) -> None:
    await running.link(MEDIATOR)
    page = await running.client.get(f"/sign-in/{secrets.token_urlsafe(16)}")
    response = await running.client.post("/sign-in", data=form_fields(await page.text()))
    assert response.status == 403


async def test_no_link_for_someone_without_a_role(running: Running) -> None:
    assert await WebStore(running.engine).issue_link("d" * 64, "cli", running.clock.now()) is None


async def test_too_many_wrong_links_stop_even_a_right_one(running: Running) -> None:
    page = await running.client.get(f"/sign-in/{'x' * 22}")
    fields = form_fields(await page.text())
    for _ in range(10):
        assert (await running.client.post("/sign-in", data=fields)).status == 403
    good = await running.client.get(await running.link(MEDIATOR))
    response = await running.client.post("/sign-in", data=form_fields(await good.text()))
    assert response.status == 429
    running.clock.advance(timedelta(minutes=10))  # the window has passed
    fresh = await running.client.get(await running.link(MEDIATOR))
    response = await running.client.post("/sign-in", data=form_fields(await fresh.text()))
    assert response.status == 200


async def test_sign_in_needs_the_pages_own_token(running: Running) -> None:
    link = await running.link(MEDIATOR)
    token = link.rsplit("/", 1)[1]
    # a post from elsewhere: no pre-session cookie, a made-up token
    response = await running.client.post("/sign-in", data={"token": token, "csrf": "made-up"})
    assert response.status == 403
    assert "sent from outside this page" in await response.text()
    # the link was not used up by the refused post
    page = await running.client.get(link)
    assert (
        await running.client.post("/sign-in", data=form_fields(await page.text()))
    ).status == 200


async def test_forms_without_the_session_token_are_refused(running: Running) -> None:
    csrf = await running.sign_in(MEDIATOR)
    assert (await running.client.post("/sign-out", data={})).status == 403
    wrong = csrf[:-1] + ("y" if csrf.endswith("x") else "x")
    assert (await running.client.post("/sign-out", data={"csrf": wrong})).status == 403
    assert (await running.client.get("/polls/agenda")).status == 200  # still signed in
    out = await running.client.post("/sign-out", data={"csrf": csrf})
    assert out.status == 200
    assert (await running.client.get("/polls/agenda")).status == 401


async def test_oversized_forms_are_refused(running: Running) -> None:
    csrf = await running.sign_in(MEDIATOR)
    response = await running.client.post("/sign-out", data={"csrf": csrf, "x": "y" * 20_000})
    assert response.status == 413
    assert (await running.client.get("/polls/agenda")).status == 200


async def test_forged_and_expired_cookies_sign_nobody_in(running: Running) -> None:
    await running.sign_in(MEDIATOR)
    url = running.client.make_url("/")
    jar = running.client.session.cookie_jar
    value = jar.filter_cookies(url)[SESSION_COOKIE].value
    payload, _, signature = value.rpartition(".")
    for forged in (payload + "." + signature[::-1], "e30." + signature, "garbage", "x" * 5000):
        jar.update_cookies({SESSION_COOKIE: forged}, url)
        assert (await running.client.get("/polls/agenda")).status == 401
    jar.update_cookies({SESSION_COOKIE: value}, url)
    assert (await running.client.get("/polls/agenda")).status == 200
    running.clock.advance(timedelta(hours=8, seconds=1))
    assert (await running.client.get("/polls/agenda")).status == 401


async def test_roles_as_in_chat(running: Running) -> None:
    await running.sign_in(ORGANIZER, "organizer")
    forbidden = await running.client.get("/polls/agenda")
    assert forbidden.status == 403
    assert "does not give access" in await forbidden.text()
    assert (await running.client.get("/audit")).status == 403
    running.client.session.cookie_jar.clear()
    await running.sign_in(MEDIATOR, "mediator")
    assert (await running.client.get("/polls/agenda")).status == 200
    assert (await running.client.get("/audit")).status == 403
    running.client.session.cookie_jar.clear()
    await running.sign_in(ADMIN, "admin")
    assert (await running.client.get("/audit")).status == 200
    # a withdrawn role ends the session's use at once
    await CommunityStore(running.engine).remove_staff(ADMIN, None, running.clock.now())
    assert (await running.client.get("/audit")).status == 401


async def test_html_in_every_field_is_escaped(running: Running) -> None:
    evil = '<script>1</script>"><img src=x>'  # fits every column
    await WebStore(running.engine).record(evil, evil, evil, running.clock.now())
    await running.sign_in(ADMIN, "admin")
    page = await (await running.client.get("/audit")).text()
    assert "<script>" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;" in page
    # in the link, the query, the language cookie and the way back after choosing a language
    shown = await running.client.get("/sign-in/%3Cscript%3E")
    assert "<script>" not in await shown.text()
    results = await running.client.get("/polls/agenda", params={"by": evil})
    assert results.status == 404
    running.client.session.cookie_jar.update_cookies(
        {"pp_lang": evil}, running.client.make_url("/")
    )
    home = await (await running.client.get("/", params={"q": evil})).text()
    assert '<html lang="en" dir="ltr">' in home
    assert "<script>" not in home
    back = await running.client.get(
        "/language/ar", params={"next": "//evil.example/"}, allow_redirects=False
    )
    assert back.headers["Location"] == "/"


async def test_arabic_pages_are_right_to_left(running: Running) -> None:
    await running.sign_in(MEDIATOR)
    response = await running.client.get("/language/ar", params={"next": "/polls/agenda"})
    html = await response.text()
    assert '<html lang="ar" dir="rtl">' in html
    assert "الجميع" in html  # the column of everybody, in Arabic
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_every_page_needs_a_session(running: Running) -> None:
    for path in ("/polls/agenda", "/polls/agenda/report", "/polls/agenda/export/json", "/audit"):
        response = await running.client.get(path)
        assert response.status == 401, path
        assert "/web" in await response.text()
    assert csrf_of('<input type="hidden" name="csrf" value="x">') == "x"
