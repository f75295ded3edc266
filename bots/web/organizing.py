"""Initiatives and broadcasts in the workspace: the staff tools of chat (/organize,
/new_initiative, /broadcast), as pages.

An adapter: who may do what is decided by the same functions as in chat
(`conversations.community`: `may`, `managed`, `may_edit`, `may_cancel`, `audiences`…) over the
same snapshot (`storage.community.CommunityStore.staff_view`); a form is checked by the rules of
the chat dialogue (`conversations.creation.from_form`); what is done is the record chat would
make (`InitiativeSaved`, `InitiativeCancelled`, `StaffBroadcast`), applied and audited by the
same store code (`CommunityStore.apply`). A refusal is the forbidden page (403).

Sign-up counts are staff-only operational counts: exact, as in /organize, and never on a
public page (public figures go through `insights.disclosure`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiohttp import web

from bots.web.server import (
    WORKSPACE,
    Visitor,
    _page,
    _refusable,
    _RefusedError,
    _require,
    _see_other,
)
from conversations import community as rules
from conversations.community import MAX_MESSAGE, STAFF_COMMANDS
from conversations.creation import TYPES, Problem, from_form
from conversations.definitions import Initiative
from conversations.i18n import LANGUAGE_NAMES, translate
from conversations.snapshot import Snapshot
from conversations.values import InitiativeCancelled, InitiativeSaved
from storage.community import CommunityStore
from storage.outbox import SqlOutbox, broadcast_job

ORGANIZE_ROLES = STAFF_COMMANDS["organize"]
CREATE_ROLES = STAFF_COMMANDS["new_initiative"]
BROADCAST_ROLES = STAFF_COMMANDS["broadcast"]
RECENT_BROADCASTS = 20
"""Broadcasts listed on the page."""
SEARCHED_BROADCASTS = 1000
"""How far back a progress page is found (an older one is a 404)."""


def add_routes(app: web.Application) -> None:
    app.router.add_get("/initiatives", initiatives_page)
    app.router.add_get("/initiatives/new", initiative_form)
    app.router.add_post("/initiatives/new", initiative_save)
    app.router.add_get("/initiatives/{initiative}/edit", initiative_form)
    app.router.add_post("/initiatives/{initiative}/edit", initiative_save)
    app.router.add_post("/initiatives/{initiative}/publish", initiative_publish)
    app.router.add_get("/initiatives/{initiative}/cancel", initiative_cancel_page)
    app.router.add_post("/initiatives/{initiative}/cancel", initiative_cancel)
    app.router.add_get("/broadcasts", broadcasts_page)
    app.router.add_post("/broadcasts", broadcast_post)
    app.router.add_get("/broadcasts/{broadcast}", broadcast_progress)


@dataclass(frozen=True)
class _Staff:
    visitor: Visitor
    participant: str
    snapshot: Snapshot
    groups: tuple[str, ...]


async def _staff(request: web.Request, command: str) -> _Staff:
    """The visitor, with what chat would know of them, if chat lets them use ``command``."""
    visitor = _require(request, STAFF_COMMANDS[command])
    assert visitor.session is not None
    workspace = request.app[WORKSPACE]
    store = CommunityStore(workspace.database)
    snapshot, groups = await store.staff_view(visitor.session.participant, workspace.clock.now())
    if not rules.may(snapshot, command):  # a role withdrawn between the two reads
        raise _forbidden(request)
    return _Staff(visitor, visitor.session.participant, snapshot, groups)


def _forbidden(request: web.Request) -> _RefusedError:
    return _RefusedError(_page(request, "error.html", {"message": "web_forbidden"}, status=403))


def _t(staff: _Staff, key: str, **values: object) -> str:
    return translate(key, staff.visitor.language, **values)


# --- initiatives ----------------------------------------------------------------------------


@_refusable
async def initiatives_page(request: web.Request) -> web.StreamResponse:
    """The initiatives this person manages, with exact sign-up counts (staff only)."""
    staff = await _staff(request, "organize")
    workspace = request.app[WORKSPACE]
    deployment = workspace.deployment
    zone = ZoneInfo(deployment.timezone)
    now = workspace.clock.now()
    language = staff.visitor.language
    listed = []
    for initiative in rules.managed(deployment, staff.snapshot):
        seats = staff.snapshot.seats_of(initiative.id)
        region = deployment.region(initiative.region)
        listed.append(
            {
                "id": initiative.id,
                "title": deployment.text(initiative.title, language),
                "starts": f"{initiative.starts_at(zone):%Y-%m-%d %H:%M}",
                "region": deployment.text(region.name, language) if region else initiative.region,
                "status": _t(staff, f"status_{rules.shown_status(initiative, now, zone)}"),
                "placed": seats.placed,
                "capacity": initiative.capacity,
                "waiting": seats.waitlisted,
                "edit": rules.may_edit(staff.snapshot, initiative),
                "publish": rules.may_publish(staff.snapshot, initiative),
                "cancel": _cancellable(request, staff, initiative),
            }
        )
    return _page(
        request,
        "initiatives.html",
        {"initiatives": listed, "may_create": rules.may(staff.snapshot, "new_initiative")},
    )


def _cancellable(request: web.Request, staff: _Staff, initiative: Initiative) -> bool:
    deployment = request.app[WORKSPACE].deployment
    return (
        rules.may_cancel(deployment, staff.snapshot, initiative.id)
        and initiative.status == "published"
    )


def _stored(staff: _Staff, request: web.Request) -> Initiative:
    """The initiative of the path, among those made by staff (else 404)."""
    wanted = request.match_info["initiative"]
    found = next((i for i in staff.snapshot.initiatives if i.id == wanted), None)
    if found is None:
        raise web.HTTPNotFound
    return found


@_refusable
async def initiative_form(request: web.Request) -> web.StreamResponse:
    """A new initiative, or the edit of one (each answer prefilled)."""
    editing = "initiative" in request.match_info
    staff = await _staff(request, "organize" if editing else "new_initiative")
    values: dict[str, str] = {"group": "-", "type": TYPES[0]}
    if editing:
        initiative = _stored(staff, request)
        if not rules.may_edit(staff.snapshot, initiative):
            raise _forbidden(request)
        values = _values_of(request, initiative)
    return _form(request, staff, values, {}, status=200)


def _values_of(request: web.Request, initiative: Initiative) -> dict[str, str]:
    deployment = request.app[WORKSPACE].deployment
    values = {
        "type": initiative.type,
        "region": initiative.region,
        "place": deployment.text(initiative.place, deployment.default_language),
        "starts": f"{initiative.starts:%Y-%m-%dT%H:%M}",
        "ends": f"{initiative.ends:%Y-%m-%dT%H:%M}",
        "capacity": str(initiative.capacity),
        "provision": initiative.provision or "",
        "group": initiative.group or "-",
    }
    for code in deployment.languages:
        values[f"title.{code}"] = initiative.title.get(code, "")
        values[f"description.{code}"] = initiative.description.get(code, "")
    return values


def _form(
    request: web.Request,
    staff: _Staff,
    values: Mapping[str, str],
    problems: Mapping[str, Problem],
    *,
    status: int,
) -> web.Response:
    deployment = request.app[WORKSPACE].deployment
    language = staff.visitor.language
    said = {
        name: translate(problem.key, language, **problem.values)
        for name, problem in problems.items()
    }
    texts = [
        (code, LANGUAGE_NAMES.get(code, code)) for code in deployment.languages
    ]  # a title and a description in each
    return _page(
        request,
        "initiative_form.html",
        {
            "editing": request.match_info.get("initiative"),
            "values": values,
            "problems": said,
            "texts": texts,
            "types": [(t, _t(staff, f"type_{t}")) for t in TYPES],
            "regions": [(r.id, deployment.text(r.name, language)) for r in deployment.regions],
            "groups": [("-", _t(staff, "everyone"))]
            + [(g, _t(staff, "members_of", group=g)) for g in staff.groups],
        },
        status=status,
    )


@_refusable
async def initiative_save(request: web.Request) -> web.StreamResponse:
    """Create (publish or keep as a draft) or edit, as the chat dialogue's last step does."""
    editing_id = request.match_info.get("initiative")
    staff = await _staff(request, "organize" if editing_id else "new_initiative")
    workspace = request.app[WORKSPACE]
    editing = None
    if editing_id is not None:
        editing = _stored(staff, request)
        if not rules.may_edit(staff.snapshot, editing):
            raise _forbidden(request)
    form = await request.post()
    values = {name: value for name, value in form.items() if isinstance(value, str)}
    now = workspace.clock.now()
    initiative, problems = from_form(workspace.deployment, now, values, staff.groups, editing)
    if initiative is None:
        problems = problems or {"title": Problem("use_buttons")}
        return _form(request, staff, values, problems, status=400)
    draft = editing is None and values.get("action") == "draft"
    data = initiative.model_dump(mode="json") | {"status": "draft" if draft else "published"}
    record = InitiativeSaved(initiative.id, data, edited=editing is not None)
    await CommunityStore(workspace.database).apply(staff.participant, record, now)
    return _see_other("/initiatives")


@_refusable
async def initiative_publish(request: web.Request) -> web.StreamResponse:
    staff = await _staff(request, "organize")
    workspace = request.app[WORKSPACE]
    initiative = _stored(staff, request)
    if not rules.may_publish(staff.snapshot, initiative):
        raise _forbidden(request)
    data = initiative.model_dump(mode="json") | {"status": "published"}
    now = workspace.clock.now()
    await CommunityStore(workspace.database).apply(
        staff.participant, InitiativeSaved(initiative.id, data), now
    )
    return _see_other("/initiatives")


@_refusable
async def initiative_cancel_page(request: web.Request) -> web.StreamResponse:
    """Cancelling asks first, naming how many people will be told."""
    staff = await _staff(request, "organize")
    initiative = _stored(staff, request)
    if not _cancellable(request, staff, initiative):
        raise _forbidden(request)
    seats = staff.snapshot.seats_of(initiative.id)
    deployment = request.app[WORKSPACE].deployment
    title = deployment.text(initiative.title, staff.visitor.language)
    question = _t(
        staff,
        "confirm_cancel_initiative",
        title=title,
        count=seats.placed + seats.waitlisted,
    )
    return _page(
        request,
        "initiative_cancel.html",
        {"initiative": initiative, "title": title, "question": question},
    )


@_refusable
async def initiative_cancel(request: web.Request) -> web.StreamResponse:
    staff = await _staff(request, "organize")
    workspace = request.app[WORKSPACE]
    initiative = _stored(staff, request)
    if not _cancellable(request, staff, initiative):
        raise _forbidden(request)
    now = workspace.clock.now()
    await CommunityStore(workspace.database).apply(
        staff.participant, InitiativeCancelled(initiative.id), now
    )
    return _see_other("/initiatives")


# --- broadcasts -----------------------------------------------------------------------------


def _audiences(request: web.Request, staff: _Staff) -> list[tuple[str, str, int]]:
    deployment = request.app[WORKSPACE].deployment
    return [
        (
            key,
            rules.audience_name(deployment, key, staff.visitor.language),
            rules.audience_count(staff.snapshot, key),
        )
        for key in rules.audiences(deployment, staff.groups)
    ]


async def _sent_by(
    request: web.Request, staff: _Staff, limit: int = RECENT_BROADCASTS
) -> list[tuple[int, str, str]]:
    """(number, audience, when) of this person's broadcasts (an admin's: everyone's), newest
    first, as the audit log names them."""
    from storage.web import WebStore

    lines = await WebStore(request.app[WORKSPACE].database).audit_lines(
        "broadcast", None if "admin" in staff.snapshot.roles else staff.participant, limit
    )
    found = []
    for line in lines:
        audience, _, number = line.subject.rpartition(" ")
        if number.isdigit():
            found.append((int(number), audience, f"{line.at:%Y-%m-%d %H:%M}"))
    return found


@_refusable
async def broadcasts_page(request: web.Request) -> web.StreamResponse:
    staff = await _staff(request, "broadcast")
    return await _broadcast_form(request, staff, {}, None, status=200)


async def _broadcast_form(
    request: web.Request,
    staff: _Staff,
    values: Mapping[str, str],
    problem: str | None,
    *,
    status: int,
) -> web.Response:
    deployment = request.app[WORKSPACE].deployment
    return _page(
        request,
        "broadcasts.html",
        {
            "audiences": _audiences(request, staff),
            "values": values,
            "problem": problem,
            "texts": [(c, LANGUAGE_NAMES.get(c, c)) for c in deployment.languages],
            "default_language": deployment.default_language,
            "max_message": MAX_MESSAGE,
            "sent": await _sent_by(request, staff),
        },
        status=status,
    )


@_refusable
async def broadcast_post(request: web.Request) -> web.StreamResponse:
    """``action=review`` shows the recipient count and the texts; ``action=send`` queues."""
    staff = await _staff(request, "broadcast")
    workspace = request.app[WORKSPACE]
    deployment = workspace.deployment
    form = await request.post()
    values = {name: value for name, value in form.items() if isinstance(value, str)}
    key = values.get("audience", "")
    if key not in rules.audiences(deployment, staff.groups):
        raise _forbidden(request)
    if values.get("action") == "edit":  # back from the review, the texts as they were
        return await _broadcast_form(request, staff, values, None, status=200)
    texts = {
        code: values[f"text_{code}"].strip()
        for code in deployment.languages
        if values.get(f"text_{code}", "").strip()
    }
    language = staff.visitor.language
    default = deployment.default_language
    if default not in texts:
        note = translate("web_broadcast_needs_default", language, name=LANGUAGE_NAMES[default])
        return await _broadcast_form(request, staff, values, note, status=400)
    longest = max(len(text) for text in texts.values())
    if longest > MAX_MESSAGE:
        note = translate("message_too_long", language, max=MAX_MESSAGE, length=longest)
        return await _broadcast_form(request, staff, values, note, status=400)
    count = rules.audience_count(staff.snapshot, key)
    if count == 0:
        note = translate("nobody_to_send", language)
        return await _broadcast_form(request, staff, values, note, status=400)
    if values.get("action") != "send":
        return _page(
            request,
            "broadcast_confirm.html",
            {
                "audience": key,
                "audience_name": rules.audience_name(deployment, key, language),
                "count": count,
                "texts": [(c, LANGUAGE_NAMES.get(c, c), texts[c]) for c in texts],
            },
        )
    record = rules.broadcast_record(key, texts, default)
    now = workspace.clock.now()
    number = await CommunityStore(workspace.database).apply(staff.participant, record, now)
    return _see_other(f"/broadcasts/{number}")


@_refusable
async def broadcast_progress(request: web.Request) -> web.StreamResponse:
    """How far a broadcast has gone (the dispatcher of `peacepulse run` sends it)."""
    staff = await _staff(request, "broadcast")
    text = request.match_info["broadcast"]
    if not text.isdigit() or len(text) > 12:
        raise web.HTTPNotFound
    number = int(text)
    sent = await _sent_by(request, staff, limit=SEARCHED_BROADCASTS)
    mine = {n: (audience, at) for n, audience, at in sent}
    if number not in mine:
        raise web.HTTPNotFound  # not theirs, or long ago: nothing to say which
    counts = await SqlOutbox(request.app[WORKSPACE].database).job_counts(broadcast_job(number))
    total = sum(counts.values())
    done = total - counts["queued"] - counts["sending"]
    audience, at = mine[number]
    deployment = request.app[WORKSPACE].deployment
    return _page(
        request,
        "broadcast_progress.html",
        {
            "number": number,
            "audience_name": rules.audience_name(deployment, audience, staff.visitor.language),
            "at": at,
            "counts": counts,
            "total": total,
            "done": done,
            "finished": done == total,
        },
    )
