"""The staff workspace in the browser: HTTP requests in, the same services as the CLI out.

An adapter like the Telegram and SMS ones: it reads sessions and forms, checks roles, calls
`storage` and `insights` exactly as the CLI does (results through `bots.app.results_of`, the
report through `insights.report.render`, exports through `insights.export.build`, so every
figure shown went through the same suppression), and renders server-side HTML with Jinja2
(autoescaped). No JavaScript.

Who may see what, as in chat (README, *Staff roles*): results, reports and exports for admins
and mediators; the audit log for admins. Someone signed in without the role gets a 403 page;
someone not signed in gets the sign-in page (401).
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.web.sessions import (
    PRE_SESSION_AGE,
    PRE_SESSION_COOKIE,
    SESSION_AGE,
    SESSION_COOKIE,
    Session,
    Sessions,
    SignInLimiter,
    same_token,
)
from conversations.community import STAFF_COMMANDS
from conversations.definitions import Consultation, Deployment, Poll
from conversations.i18n import LANGUAGE_NAMES, translate
from conversations.ports import Clock, Translator
from conversations.snapshot import Role
from insights import InsightsError
from insights.results import WAVE, PollResults
from storage.consultations import StatementRow
from storage.web import LINK_VALIDITY, WebStore

MAX_FORM_BYTES = 16 * 1024
"""Larger request bodies are refused (413) before a handler reads them."""

RIGHT_TO_LEFT = frozenset({"ar", "fa", "ps", "ur", "he", "ku"})

RESULTS_ROLES: frozenset[Role] = frozenset({"admin", "mediator"})
MODERATION_ROLES: frozenset[Role] = frozenset({"admin", "mediator"})
MAX_TRANSLATION = 1000
"""Characters of one translation at most (a statement is far shorter)."""
AUDIT_ROLES: frozenset[Role] = frozenset({"admin"})

LANGUAGE_COOKIE = "pp_lang"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a sign-in link must never leave in a Referer
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Workspace:
    """Everything the workspace needs, built by the composition root (`bots.app`)."""

    deployment: Deployment
    database: AsyncEngine
    secret: bytes
    clock: Clock
    secure_cookies: bool = True
    """Cookies only over HTTPS (false only for a workspace served on localhost)."""
    limiter: SignInLimiter = field(default_factory=SignInLimiter)
    translator: Translator | None = None
    """Machine suggestions for moderators' translations; none is bundled."""


@dataclass(frozen=True)
class Visitor:
    """Who is asking: their session (None: not signed in), roles now, and language."""

    session: Session | None
    roles: frozenset[Role]
    language: str


def build(workspace: Workspace) -> web.Application:
    """The aiohttp application serving the workspace."""
    app = web.Application(
        client_max_size=MAX_FORM_BYTES, middlewares=[_headers, _errors, _visitor, _csrf]
    )
    app[WORKSPACE] = workspace
    app[STORE] = WebStore(workspace.database)
    app[SESSIONS] = Sessions(workspace.secret)
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.PackageLoader("bots.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    app.router.add_get("/", home)
    app.router.add_get("/sign-in/{token}", sign_in_page)
    app.router.add_post("/sign-in", sign_in)
    app.router.add_post("/sign-out", sign_out)
    app.router.add_get("/language/{code}", choose_language)
    app.router.add_get("/static/web.css", stylesheet)
    app.router.add_get("/polls/{poll}", poll_page)
    app.router.add_get("/polls/{poll}/report", poll_report)
    app.router.add_get("/polls/{poll}/export/{kind}", poll_export)
    app.router.add_get("/audit", audit_page)
    app.router.add_get("/consultations", consultations_page)
    app.router.add_get("/consultations/{consultation}", consultation_page)
    app.router.add_get("/consultations/{consultation}/statements/{statement}", statement_page)
    app.router.add_post("/consultations/{consultation}/statements/{statement}", statement_action)
    from bots.web import organizing, public  # their pages use this module's helpers

    organizing.add_routes(app)
    public.add_routes(app)
    return app


WORKSPACE = web.AppKey("workspace", Workspace)
STORE = web.AppKey("store", WebStore)
SESSIONS = web.AppKey("sessions", Sessions)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
VISITOR = web.RequestKey("visitor", Visitor)


# --- middlewares ----------------------------------------------------------------------------


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(SECURITY_HEADERS)
        raise
    for name, value in SECURITY_HEADERS.items():  # a public page may be cached
        response.headers.setdefault(name, value)
    return response


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refusals as pages in the visitor's language (never a stack trace)."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return _page(request, "error.html", {"message": "web_bad_request"}, status=413)
    except web.HTTPNotFound:
        return _page(request, "error.html", {"message": "web_not_found"}, status=404)


@web.middleware
async def _visitor(request: web.Request, handler: Handler) -> web.StreamResponse:
    workspace = request.app[WORKSPACE]
    now = workspace.clock.now()
    session = request.app[SESSIONS].read(request.cookies.get(SESSION_COOKIE), now)
    roles: frozenset[Role] = frozenset()
    if session is not None:
        roles = await request.app[STORE].roles(session.participant)
        if not roles:  # every role withdrawn: the session is worth nothing
            session = None
    language = request.cookies.get(LANGUAGE_COOKIE, "")
    if language not in workspace.deployment.languages:
        language = workspace.deployment.default_language
    request[VISITOR] = Visitor(session, roles, language)
    return await handler(request)


@web.middleware
async def _csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every POST carries the CSRF token of its session (or pre-session, to sign in)."""
    if request.method != "POST":
        return await handler(request)
    form = await request.post()  # 413 past MAX_FORM_BYTES; kept for the handler
    visitor = request[VISITOR]
    if request.path == "/sign-in":
        now = request.app[WORKSPACE].clock.now()
        expected = request.app[SESSIONS].read_pre(request.cookies.get(PRE_SESSION_COOKIE), now)
    else:
        expected = visitor.session.csrf if visitor.session is not None else None
    if expected is None or not same_token(expected, form.get("csrf")):
        return _page(request, "error.html", {"message": "web_bad_request"}, status=403)
    return await handler(request)


# --- pages ----------------------------------------------------------------------------------


def _page(
    request: web.Request,
    template: str,
    values: Mapping[str, Any],
    *,
    status: int = 200,
) -> web.Response:
    workspace = request.app[WORKSPACE]
    visitor = request.get(VISITOR) or Visitor(
        None, frozenset(), workspace.deployment.default_language
    )
    language = visitor.language

    def t(key: str, **fields: Any) -> str:
        return translate(key, language, **fields)

    html = (
        request.app[TEMPLATES]
        .get_template(template)
        .render(
            t=t,
            language=language,
            direction="rtl" if language in RIGHT_TO_LEFT else "ltr",
            languages=[(c, LANGUAGE_NAMES.get(c, c)) for c in workspace.deployment.languages],
            organization=workspace.deployment.text(workspace.deployment.organization, language),
            visitor=visitor,
            can_see_results=bool(visitor.roles & RESULTS_ROLES),
            can_see_audit=bool(visitor.roles & AUDIT_ROLES),
            can_moderate=bool(visitor.roles & MODERATION_ROLES),
            can_organize=bool(visitor.roles & STAFF_COMMANDS["organize"]),
            can_broadcast=bool(visitor.roles & STAFF_COMMANDS["broadcast"]),
            here=quote(request.path_qs, safe=""),
            roles_text=", ".join(t(f"web_role_{role}") for role in sorted(visitor.roles)),
            **values,
        )
    )
    return web.Response(text=html, content_type="text/html", status=status, charset="utf-8")


def _require(request: web.Request, roles: frozenset[Role]) -> Visitor:
    """The visitor, if signed in with one of ``roles``; else the sign-in or forbidden page."""
    visitor = request[VISITOR]
    if visitor.session is None:
        raise _RefusedError(_sign_in_help(request, status=401))
    if not visitor.roles & roles:
        raise _RefusedError(_page(request, "error.html", {"message": "web_forbidden"}, status=403))
    return visitor


class _RefusedError(Exception):
    def __init__(self, response: web.Response) -> None:
        super().__init__("refused")
        self.response = response


def _refusable(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except _RefusedError as refused:
            return refused.response

    return wrapped


def _sign_in_help(request: web.Request, *, status: int = 200) -> web.Response:
    minutes = int(LINK_VALIDITY.total_seconds() // 60)
    return _page(request, "sign_in_help.html", {"minutes": minutes}, status=status)


async def home(request: web.Request) -> web.StreamResponse:
    visitor = request[VISITOR]
    if visitor.session is None:
        return _sign_in_help(request)
    deployment = request.app[WORKSPACE].deployment
    polls = [
        (poll.id, deployment.text(poll.title, visitor.language), len(poll.questions))
        for poll in deployment.polls
    ]
    return _page(request, "home.html", {"polls": polls})


async def stylesheet(_: web.Request) -> web.StreamResponse:
    css = (Path(__file__).parent / "static" / "web.css").read_text(encoding="utf-8")
    return web.Response(text=css, content_type="text/css", charset="utf-8")


async def choose_language(request: web.Request) -> web.StreamResponse:
    """Remember the chosen language (a preference, so a GET) and go back."""
    code = request.match_info["code"]
    if code not in request.app[WORKSPACE].deployment.languages:
        raise web.HTTPNotFound
    back = request.query.get("next", "/")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/"  # only paths of this site: no open redirect
    response = _see_other(back)
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.app[WORKSPACE].secure_cookies,
    )
    return response


# --- signing in and out ---------------------------------------------------------------------


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    """The link opens a page with a button: the link is redeemed by the POST, so a chat app
    fetching the link for a preview does not use it up."""
    workspace = request.app[WORKSPACE]
    token = request.match_info["token"]
    if len(token) > 64:
        raise web.HTTPNotFound
    csrf, cookie = request.app[SESSIONS].new_pre(workspace.clock.now())
    response = _page(request, "sign_in.html", {"token": token, "csrf": csrf})
    response.set_cookie(
        PRE_SESSION_COOKIE,
        cookie,
        max_age=int(PRE_SESSION_AGE.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=workspace.secure_cookies,
        path="/sign-in",
    )
    return response


async def sign_in(request: web.Request) -> web.StreamResponse:
    workspace = request.app[WORKSPACE]
    now = workspace.clock.now()
    address = request.remote or "unknown"
    if workspace.limiter.blocked(address, now):
        return _page(request, "error.html", {"message": "web_too_many"}, status=429)
    token = (await request.post()).get("token")
    participant = None
    if isinstance(token, str) and 0 < len(token) <= 64:
        participant = await request.app[STORE].redeem_link(token, now)
    if participant is None:
        workspace.limiter.failed(address, now)
        return _page(request, "error.html", {"message": "web_link_refused"}, status=403)
    _, cookie = request.app[SESSIONS].new(participant, now)
    response = _see_other("/")
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_AGE.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=workspace.secure_cookies,
    )
    response.del_cookie(PRE_SESSION_COOKIE, path="/sign-in")
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    visitor = request[VISITOR]
    if visitor.session is not None:
        workspace = request.app[WORKSPACE]
        await request.app[STORE].record(
            visitor.session.participant, "web_sign_out", "", workspace.clock.now()
        )
    response = _see_other("/")
    response.del_cookie(SESSION_COOKIE)
    return response


# --- results --------------------------------------------------------------------------------


def _poll(request: web.Request) -> Poll:
    poll = request.app[WORKSPACE].deployment.poll(request.match_info["poll"])
    if poll is None:
        raise web.HTTPNotFound
    return poll


def _wave(request: web.Request) -> int | None:
    value = request.query.get("wave", "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 4 or int(value) < 1:
        raise web.HTTPNotFound
    return int(value)


@_refusable
async def poll_page(request: web.Request) -> web.StreamResponse:
    """A poll's results, unweighted, by a profile field or by wave: the CLI's `results`."""
    from bots.app import check_breakdown, results_of

    visitor = _require(request, RESULTS_ROLES)
    workspace = request.app[WORKSPACE]
    deployment = workspace.deployment
    poll = _poll(request)
    by = request.query.get("by") or None
    wave = _wave(request)
    try:
        check_breakdown(deployment, poll, by)
    except InsightsError:
        raise web.HTTPNotFound from None
    results = await results_of(
        workspace.database, deployment, poll, by=by, wave=wave, language=visitor.language
    )
    fields = [(q.id, deployment.text(q.prompt, visitor.language)) for q in deployment.profile]
    if poll.schedule:
        fields.append((WAVE, translate("web_by_wave", visitor.language)))
    return _page(
        request,
        "poll.html",
        {
            "poll": poll,
            "title": deployment.text(poll.title, visitor.language),
            "results": results,
            "rows": _rows(results),
            "fields": fields,
            "by": by,
            "wave": wave,
            "k": deployment.suppression_k,
            "exports": ("csv", "hxl", "xlsx", "json"),
        },
    )


def _rows(results: PollResults) -> list[dict[str, Any]]:
    """Each question as rows of printable cells ("–" where hidden)."""
    out = []
    for question in results.questions:
        rows = []
        for option in question.rows:
            rows.append((option.label, [_cell(c.count, c.percent) for c in option.cells]))
        numbers = [
            (
                "–" if cell.mean is None else f"{cell.mean:.1f}",
                "–" if cell.minimum is None else f"{cell.minimum:g} – {cell.maximum:g}",
            )
            for cell in question.numbers
        ]
        out.append(
            {
                "prompt": question.prompt,
                "n": ["–" if c.count is None else str(c.count) for c in question.n],
                "rows": rows,
                "numbers": numbers,
            }
        )
    return out


def _cell(count: int | None, percent: float | None) -> str:
    if count is None:
        return "–"
    return f"{count} ({percent:.0f} %)" if percent is not None else str(count)


async def _loaded(workspace: Workspace, poll: Poll) -> tuple[Any, list[Any]]:
    from bots.insights_cli import load_rows
    from storage import crosstabs

    rows = await load_rows(workspace.database, workspace.deployment, poll.id)
    fields = tuple(q.id for q in workspace.deployment.profile)
    reach = {f: await crosstabs.reach(workspace.database, poll.id, f) for f in fields}
    return rows, list(reach.items())


@_refusable
async def poll_report(request: web.Request) -> web.StreamResponse:
    """The full report (weighted estimates, intervals, trends, inclusion): `peacepulse report`."""
    from insights.analysis import response_rates
    from insights.report import ReportInput, render

    visitor = _require(request, RESULTS_ROLES)
    workspace = request.app[WORKSPACE]
    poll = _poll(request)
    wave = _wave(request)
    rows, reach = await _loaded(workspace, poll)
    if wave is not None and wave not in rows.waves():
        raise web.HTTPNotFound
    language = visitor.language
    tables = [response_rates(workspace.deployment, f, r, language) for f, r in reach]
    document = await asyncio.to_thread(
        render,
        ReportInput(
            workspace.deployment, poll, rows, wave, language, workspace.clock.now(), tables
        ),
    )
    return web.Response(text=document, content_type="text/html", charset="utf-8")


@_refusable
async def poll_export(request: web.Request) -> web.StreamResponse:
    """Every export of `peacepulse export` (never respondent rows), as a download."""
    from insights import export as exports
    from insights.analysis import response_rates

    visitor = _require(request, RESULTS_ROLES)
    workspace = request.app[WORKSPACE]
    poll = _poll(request)
    kind = request.match_info["kind"]
    if kind not in ("csv", "hxl", "xlsx", "json"):
        raise web.HTTPNotFound
    rows, reach = await _loaded(workspace, poll)
    language = visitor.language
    tables = [response_rates(workspace.deployment, f, r, language) for f, r in reach]
    document = await asyncio.to_thread(
        exports.build, workspace.deployment, poll, rows, language, reach=tables
    )
    assert visitor.session is not None
    await request.app[STORE].record(
        visitor.session.participant, "web_export", f"{poll.id}:{kind}", workspace.clock.now()
    )
    if kind == "json":
        body = exports.to_json(document, hxl=False).encode("utf-8")
        return _download(body, f"{poll.id}.json", "application/json")
    with tempfile.TemporaryDirectory() as folder:
        if kind == "xlsx":
            target = Path(folder) / f"{poll.id}.xlsx"
            await asyncio.to_thread(exports.write_xlsx, document, target, hxl=False)
            return _download(
                target.read_bytes(),
                target.name,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        written = exports.write_csv(document, Path(folder) / poll.id, hxl=kind == "hxl")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, f"{poll.id}/{path.name}")
    suffix = "-hxl" if kind == "hxl" else ""
    return _download(buffer.getvalue(), f"{poll.id}{suffix}-csv.zip", "application/zip")


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _download(body: bytes, name: str, content_type: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- audit ----------------------------------------------------------------------------------

AUDIT_PAGE = 100


@_refusable
async def audit_page(request: web.Request) -> web.StreamResponse:
    _require(request, AUDIT_ROLES)
    before_text = request.query.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 12 else None
    lines = await request.app[STORE].audit_page(before, AUDIT_PAGE)
    older = lines[-1][0] if len(lines) == AUDIT_PAGE else None
    return _page(request, "audit.html", {"lines": [line for _, line in lines], "older": older})


# --- moderation and translation of consultation statements ----------------------------------


def _consultation(request: web.Request) -> Consultation:
    wanted = request.match_info["consultation"]
    found = next(
        (c for c in request.app[WORKSPACE].deployment.consultations if c.id == wanted), None
    )
    if found is None:
        raise web.HTTPNotFound
    return found


async def _statement(request: web.Request, consultation: Consultation) -> StatementRow:
    from storage import consultations as store

    text = request.match_info["statement"]
    if not text.isdigit() or len(text) > 12:
        raise web.HTTPNotFound
    row = await store.statement(request.app[WORKSPACE].database, int(text))
    if row is None or row.id not in {
        r.id for r in await store.statements(request.app[WORKSPACE].database, consultation.id)
    }:
        raise web.HTTPNotFound
    return row


@_refusable
async def consultations_page(request: web.Request) -> web.StreamResponse:
    from storage import consultations as store

    visitor = _require(request, MODERATION_ROLES)
    workspace = request.app[WORKSPACE]
    listed = []
    for consultation in workspace.deployment.consultations:
        waiting = await store.statements(workspace.database, consultation.id, WAITING)
        title = workspace.deployment.text(consultation.title, visitor.language)
        listed.append((consultation.id, title, len(waiting)))
    return _page(request, "consultations.html", {"consultations": listed})


WAITING = ("pending", "blocked")


@_refusable
async def consultation_page(request: web.Request) -> web.StreamResponse:
    """The queue: statements waiting (pending first), then the published ones to translate."""
    from storage import consultations as store

    visitor = _require(request, MODERATION_ROLES)
    workspace = request.app[WORKSPACE]
    consultation = _consultation(request)
    rows = await store.statements(workspace.database, consultation.id, (*WAITING, "approved"))
    order = {"pending": 0, "blocked": 1, "approved": 2}
    rows.sort(key=lambda r: (order[r.status], r.id))
    languages = workspace.deployment.languages
    listed = [
        (
            row,
            _original(row),
            [code for code in languages if code not in row.texts],
        )
        for row in rows
    ]
    title = workspace.deployment.text(consultation.title, visitor.language)
    return _page(
        request,
        "consultation.html",
        {"consultation": consultation, "title": title, "statements": listed},
    )


def _original(row: StatementRow) -> str:
    if row.language in row.texts:
        return row.texts[row.language]
    return next(iter(row.texts.values()), "")


@_refusable
async def statement_page(request: web.Request) -> web.StreamResponse:
    visitor = _require(request, MODERATION_ROLES)
    workspace = request.app[WORKSPACE]
    consultation = _consultation(request)
    row = await _statement(request, consultation)
    original = _original(row)
    source = row.language if row.language in row.texts else next(iter(row.texts), None)
    fields = []
    for code in workspace.deployment.languages:
        if code == source:
            continue
        value = row.texts.get(code, "")
        suggested = False
        if not value and workspace.translator is not None:
            value = await workspace.translator.suggest(original, source, code) or ""
            suggested = bool(value)
        fields.append((code, LANGUAGE_NAMES.get(code, code), value, suggested))
    title = workspace.deployment.text(consultation.title, visitor.language)
    return _page(
        request,
        "statement.html",
        {
            "consultation": consultation,
            "title": title,
            "statement": row,
            "original": original,
            "source": source,
            "source_name": LANGUAGE_NAMES.get(source or "", source or ""),
            "fields": fields,
            "max_translation": MAX_TRANSLATION,
        },
    )


@_refusable
async def statement_action(request: web.Request) -> web.StreamResponse:
    """Save the translations; then approve, reject or just keep (``action``)."""
    from storage import consultations as store

    visitor = _require(request, MODERATION_ROLES)
    assert visitor.session is not None
    workspace = request.app[WORKSPACE]
    consultation = _consultation(request)
    row = await _statement(request, consultation)
    form = await request.post()
    action = form.get("action")
    if action not in ("approve", "reject", "save"):
        return _page(request, "error.html", {"message": "web_bad_request"}, status=400)
    translations: dict[str, str] = {}
    for code in workspace.deployment.languages:
        value = form.get(f"text_{code}")
        if isinstance(value, str):
            if len(value) > MAX_TRANSLATION:
                return _page(request, "error.html", {"message": "web_bad_request"}, status=400)
            translations[code] = value
    now = workspace.clock.now()
    subject = f"{consultation.id}:{row.id}"
    who = visitor.session.participant
    if translations and translations != {k: row.texts.get(k, "") for k in translations}:
        await store.translate(workspace.database, row.id, translations)
        await request.app[STORE].record(who, "statement_translate", subject, now)
    if action in ("approve", "reject"):
        status = "approved" if action == "approve" else "rejected"
        await store.moderate(workspace.database, row.id, status, now)
        await request.app[STORE].record(who, f"statement_{status}", subject, now)
    waiting = await store.statements(workspace.database, consultation.id, WAITING)
    following = next((r for r in waiting if r.id != row.id), None)
    base = f"/consultations/{consultation.id}"
    return _see_other(f"{base}/statements/{following.id}" if following else base)
