"""Initiatives, sign-ups, staff tools and closed groups: the part of the conversation that
reads the database through a `Snapshot`. Pure, like the rest of the engine, which calls in here.

Buttons. Lists and details carry no sequence number (``-:<action>:<arg>``), like a wave
invitation: they stay usable whatever was asked since, and every press is checked again against
the snapshot of that moment (the initiative still open, the person still staff). Actions:
``il`` list page (``<page>:<region or *>``), ``ir`` choose a region, ``iv`` details, ``is`` sign
up, ``ik`` sign up sharing a contact, ``ix`` cancel a sign-up, ``if``/``ig`` feedback
(took place / rating); staff: ``oi`` an initiative's tools, ``om`` message its sign-ups, ``oc``
cancel it, ``ob`` choose a broadcast audience. Writing a message or a contact is the
``compose`` stage, whose Send/Cancel buttons do carry the sequence (``y``, ``q``).

Staff commands check the role in the snapshot; a refusal is the unknown-command reply itself,
so nobody can probe which commands exist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from conversations.creation import Creation
from conversations.definitions import Deployment, Initiative
from conversations.i18n import translate
from conversations.snapshot import EMPTY, Role, Snapshot
from conversations.values import (
    Button,
    CancelSignUp,
    ConversationState,
    Decision,
    Event,
    FeedbackGiven,
    InitiativeCancelled,
    InitiativeSaved,
    MessageSignUps,
    Press,
    Record,
    RedeemCode,
    Reply,
    SignUp,
    StaffBroadcast,
    Text,
    Transition,
    WebLinkRequested,
)
from insights.suppression import suppress

PAGE_SIZE = 3
MAX_CONTACT = 100
MAX_MESSAGE = 2000
SIGNUPS_AUDIENCE = "@signups"

VOLUNTEER_COMMANDS = ("initiatives", "my_signups", "join", "staff")
STAFF_COMMANDS: Mapping[str, frozenset[Role]] = {
    "organize": frozenset({"admin", "organizer"}),
    "new_initiative": frozenset({"admin", "organizer"}),
    "broadcast": frozenset({"admin", "organizer"}),
    "feedback": frozenset({"admin", "organizer", "mediator"}),
    "web": frozenset({"admin", "organizer", "mediator"}),
}
"""Each staff command and the roles that may use it."""

COMMANDS = (*VOLUNTEER_COMMANDS, *STAFF_COMMANDS)
_SNAPSHOT_COMMANDS = frozenset({*COMMANDS, "mydata", "help"})

Again = Callable[[ConversationState, str, Iterable[Record]], Transition]
"""The engine's "this note, then the current prompt again" (`engine._Turn._again`)."""


def command_word(text: str) -> str | None:
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2 or not stripped[1:].strip():
        return None
    return stripped[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()


def wants_snapshot(state: ConversationState | None, event: Event) -> bool:
    """Whether answering ``event`` reads the database (see `conversations.snapshot`)."""
    if state is None:
        return False
    if state.stage == "compose":
        return True
    if isinstance(event, Text):
        return command_word(event.text) in _SNAPSHOT_COMMANDS
    if isinstance(event, Press):
        parts = event.data.split(":", 2)
        return len(parts) == 3 and parts[0] == "-" and parts[1][:1] in ("i", "o")
    return False


class Community:
    """Answers the community commands and buttons of one step (``now``) of one deployment."""

    def __init__(
        self,
        deployment: Deployment,
        now: datetime,
        region_field: str | None,
        again: Again,
        *,
        web_url: str | None = None,
    ) -> None:
        self._d = deployment
        self._web_url = web_url
        self._now = now
        self._zone = ZoneInfo(deployment.timezone)
        self._region_field = region_field
        self._again = again
        self._creation = Creation(deployment, now, again, self._leave_compose)

    # --- entry points from the engine -----------------------------------------------------

    def command(
        self, state: ConversationState, command: str, text: str, snapshot: Snapshot | None
    ) -> Transition:
        snap = snapshot or EMPTY
        argument = text.strip().split(maxsplit=1)[1].strip() if len(text.split()) > 1 else ""
        if command in STAFF_COMMANDS:
            if not snap.roles & STAFF_COMMANDS[command]:
                return self._unknown(state)
            if command == "organize":
                return Transition(state, (self._organize(state, snap),))
            if command == "new_initiative":
                return self._creation.start(state)
            if command == "broadcast":
                return Transition(state, (self._broadcast_choice(state, snap),))
            if command == "web":
                return self._web_link(state)
            return Transition(state, (Reply(self._feedback_overview(state, snap)),))
        if command == "initiatives":
            return Transition(state, (self._list(state, snap, 0, None),))
        if command == "my_signups":
            return Transition(state, (self._my_signups(state, snap),))
        if command == "join":
            if not argument:
                return self._again(state, self._t("join_usage", state), ())
            return self._redeem(state, "group", argument)
        # /staff CODE: a wrong or missing code must look like an unknown command
        if not argument:
            return self._unknown(state)
        return self._redeem(state, "staff", argument)

    def press(
        self, state: ConversationState, action: str, arg: str, snapshot: Snapshot | None
    ) -> Transition:
        snap = snapshot or EMPTY
        if action == "il":
            page_text, _, region = arg.partition(":")
            page = int(page_text) if page_text.isdigit() else 0
            chosen = None if region in ("", "*") else region
            if chosen is not None and self._d.region(chosen) is None:
                return self._expired(state)
            return Transition(state, (self._list(state, snap, page, chosen, replace=True),))
        if action == "ir":
            return Transition(state, (self._regions(state),))
        if action.startswith("o"):
            return self._staff_press(state, action, arg, snap)
        initiative_id, _, rest = arg.partition(":")
        initiative = self._find(initiative_id, snap)
        if initiative is None or not self._may_see(state, initiative):
            return self._again(state, self._t("initiative_unknown", state), ())
        if action == "iv":
            return Transition(state, (self._details(state, snap, initiative),))
        if action == "is":
            return self._sign_up(state, snap, initiative, None)
        if action == "ik":
            if (closed := self._closed_for_sign_up(state, snap, initiative)) is not None:
                return closed
            title = self._title(initiative, state)
            return self._compose(
                state, {"kind": "contact", "initiative": initiative.id, "title": title}
            )
        if action == "ix":
            return self._cancel(state, initiative)
        if action in ("if", "ig"):
            return self._feedback(state, snap, initiative, action, rest)
        return self._expired(state)

    def typed(self, state: ConversationState, text: str, snapshot: Snapshot | None) -> Transition:
        """Text typed in the compose stage: a contact to share, or a message to send."""
        snap = snapshot or EMPTY
        draft = state.draft or {}
        kind = draft.get("kind")
        written = text.strip()
        # a channel without buttons (the terminal) types a button's label: Cancel, Skip, Keep
        wanted = " ".join(written.split()).casefold()
        for button in self.prompt(state).flat_buttons:
            if button.label.casefold() == wanted:
                parts = button.data.split(":", 2)
                pressed = self.press_compose(state, parts[1], parts[2], snapshot)
                if pressed is not None:
                    return pressed
        if not written:
            return self._again(state, self._t("message_empty", state), ())
        if kind == "create":
            return self._creation.typed(state, text)
        if kind == "contact":
            if len(written) > MAX_CONTACT:
                return self._again(state, self._t("contact_too_long", state, max=MAX_CONTACT), ())
            initiative = self._find(draft.get("initiative", ""), snap)
            back = self._leave_compose(state)
            if initiative is None or not self._may_see(state, initiative):
                return self._again(back, self._t("initiative_unknown", state), ())
            return self._sign_up(back, snap, initiative, written)
        if kind in ("message", "broadcast") and "text" not in draft:
            if len(written) > MAX_MESSAGE:
                note = self._t("message_too_long", state, max=MAX_MESSAGE, length=len(written))
                return self._again(state, note, ())
            count = self._audience_count(draft, snap)
            confirm = dataclasses.replace(
                state, draft={**draft, "text": written, "count": str(count)}, seq=state.seq + 1
            )
            return Transition(confirm, (self.prompt(confirm),))
        return self._again(state, self._t("use_buttons", state), ())

    def press_compose(
        self, state: ConversationState, action: str, arg: str, snapshot: Snapshot | None
    ) -> Transition | None:
        """Send (``y``) or Cancel (``q``) in the compose stage; the creation dialogue's
        choices."""
        snap = snapshot or EMPTY
        draft = state.draft or {}
        back = self._leave_compose(state)
        if action == "q":
            return self._again(back, self._t("cancelled_compose", state), ())
        if draft.get("kind") == "create":
            if not snap.roles & STAFF_COMMANDS["new_initiative"]:
                return self._unknown(back)
            return self._creation.press(state, action, arg)
        if action != "y":
            return None
        kind = draft.get("kind")
        if kind == "cancel":
            initiative = self._find(draft.get("initiative", ""), snap)
            if initiative is None or not self._may_cancel(initiative.id, snap):
                return self._unknown(back)
            title = self._title(initiative, state)
            note = self._t("initiative_cancelled_done", state, title=title)
            return self._again(back, note, (InitiativeCancelled(initiative.id),))
        text = draft.get("text")
        if kind not in ("message", "broadcast") or not text:
            return None
        count = self._audience_count(draft, snap)
        if count == 0:
            return self._again(back, self._t("nobody_to_send", state), ())
        record: Record
        if kind == "message":
            initiative_id = draft.get("initiative", "")
            if not self._may_manage(initiative_id, snap):
                return self._unknown(back)
            record = MessageSignUps(initiative_id, text, state.language)
        else:
            if not snap.roles & STAFF_COMMANDS["broadcast"]:
                return self._unknown(back)
            topic = draft.get("topic", SIGNUPS_AUDIENCE)
            if topic not in audiences(self._d, state.groups):
                return self._unknown(back)  # left the group since the draft was begun
            record = broadcast_record(topic, {state.language: text}, state.language)
        return self._again(back, self._t("queued", state, count=count), (record,))

    def prompt(self, state: ConversationState) -> Reply:
        """The compose stage's prompt, from what the draft holds."""
        draft = state.draft or {}
        kind = draft.get("kind")
        if kind == "create":
            return self._creation.prompt(state)
        cancel = Button(self._t("cancel", state), self._data(state, "q"))
        if kind == "cancel":
            text = self._t(
                "confirm_cancel_initiative",
                state,
                title=draft.get("title", ""),
                count=draft.get("count", "0"),
            )
            yes = Button(self._t("cancel_initiative", state), self._data(state, "y"))
            return Reply(text, ((yes, cancel),))
        if "text" in draft:
            text = self._t("confirm_send", state, count=draft.get("count", "0"), text=draft["text"])
            send = Button(self._t("send", state), self._data(state, "y"))
            return Reply(text, ((send, cancel),))
        if kind == "contact":
            text = self._t("contact_prompt", state, title=draft.get("title", ""))
        elif kind == "message":
            text = self._t(
                "compose_message",
                state,
                title=draft.get("title", ""),
                count=draft.get("count", "0"),
            )
        else:
            text = self._t(
                "compose_broadcast",
                state,
                audience=draft.get("audience", ""),
                count=draft.get("count", "0"),
            )
        return Reply(text, ((cancel,),), expects_text=True)

    def mydata_lines(self, state: ConversationState, snapshot: Snapshot | None) -> list[str]:
        """The person's sign-ups, for /mydata."""
        if snapshot is None:
            return []
        items = []
        for initiative_id, status in snapshot.mine.items():
            initiative = self._find(initiative_id, snapshot)
            title = self._title(initiative, state) if initiative else initiative_id
            held = [self._t(f"status_{status}", state)]
            if contact := snapshot.contacts.get(initiative_id):
                held.append(self._t("mydata_contact", state, contact=contact))
            items.append(f"{title} ({', '.join(held)})")
        lines = [self._t("mydata_signups", state, items="; ".join(items))] if items else []
        for initiative_id, (took_place, rating) in snapshot.given_feedback.items():
            initiative = self._find(initiative_id, snapshot)
            title = self._title(initiative, state) if initiative else initiative_id
            said = [
                self._t("mydata_took_place" if took_place else "mydata_did_not", state)
                if took_place is not None
                else self._t("skipped", state)
            ]
            if rating is not None:
                said.append(self._t("mydata_rating", state, n=rating))
            lines.append(self._t("mydata_feedback", state, title=title, said=", ".join(said)))
        return lines

    def help_lines(self, state: ConversationState, snapshot: Snapshot | None) -> list[str]:
        lines = [self._t("help_community", state)]
        if snapshot is not None and snapshot.roles:
            lines.append(self._t("help_staff", state))
        return lines

    # --- volunteers -----------------------------------------------------------------------

    def _visible(self, state: ConversationState, snap: Snapshot) -> list[Initiative]:
        every = (*self._d.initiatives, *snap.initiatives)
        return [
            i
            for i in every
            if i.status == "published"
            and self._may_see(state, i)
            and i.ends_at(self._zone) > self._now
        ]

    def _may_see(self, state: ConversationState, initiative: Initiative) -> bool:
        return initiative.group is None or initiative.group in state.groups

    def _list(
        self,
        state: ConversationState,
        snap: Snapshot,
        page: int,
        region: str | None,
        replace: bool = False,
    ) -> Reply:
        home = state.profile.get(self._region_field) if self._region_field else None
        shown = self._visible(state, snap)
        if region is not None:
            shown = [i for i in shown if i.region == region]
        shown.sort(key=lambda i: (i.region != home, i.starts_at(self._zone), i.id))
        choose = Button(self._t("other_region", state), "-:ir:")
        if not shown:
            key, values = (
                ("initiatives_none_region", {"region": self._region_name(region, state)})
                if region
                else ("initiatives_none", {})
            )
            return Reply(self._t(key, state, **values), ((choose,),), replace=replace)
        pages = (len(shown) + PAGE_SIZE - 1) // PAGE_SIZE
        page = min(max(page, 0), pages - 1)
        chunk = shown[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        title = (
            self._t(
                "initiatives_title_region",
                state,
                region=self._region_name(region, state),
                page=page + 1,
                pages=pages,
            )
            if region
            else self._t("initiatives_title", state, page=page + 1, pages=pages)
        )
        lines = [title]
        rows: list[tuple[Button, ...]] = []
        for initiative in chunk:
            lines.append("")
            lines.append(self._summary(state, snap, initiative))
            rows.append((Button(self._title(initiative, state), f"-:iv:{initiative.id}"),))
        where = region or "*"
        nav = []
        if page > 0:
            nav.append(Button(self._t("previous", state), f"-:il:{page - 1}:{where}"))
        if page < pages - 1:
            nav.append(Button(self._t("next", state), f"-:il:{page + 1}:{where}"))
        if nav:
            rows.append(tuple(nav))
        rows.append((choose,))
        return Reply("\n".join(lines), tuple(rows), replace=replace)

    def _regions(self, state: ConversationState) -> Reply:
        buttons = [
            (Button(self._d.text(r.name, state.language), f"-:il:0:{r.id}"),)
            for r in self._d.regions
        ]
        buttons.append((Button(self._t("all_regions", state), "-:il:0:*"),))
        return Reply(self._t("choose_region", state), tuple(buttons), replace=True)

    def _summary(self, state: ConversationState, snap: Snapshot, initiative: Initiative) -> str:
        seats = snap.seats_of(initiative.id)
        left = initiative.capacity - seats.placed
        places = (
            self._t("places_left", state, left=left, capacity=initiative.capacity)
            if left > 0
            else self._t("places_full", state)
        )
        mine = snap.mine.get(initiative.id)
        mark = " ✅" if mine == "placed" else " ⏳" if mine == "waitlisted" else ""
        region = self._region_name(initiative.region, state)
        return (
            f"• {self._title(initiative, state)}{mark}\n"
            f"  {self._when(initiative)} · {region} · {places}"
        )

    def _details(self, state: ConversationState, snap: Snapshot, initiative: Initiative) -> Reply:
        d, lang = self._d, state.language
        seats = snap.seats_of(initiative.id)
        left = initiative.capacity - seats.placed
        lines = [
            self._title(initiative, state),
            "",
            d.text(initiative.description, lang),
            "",
            self._t(
                "where",
                state,
                place=d.text(initiative.place, lang),
                region=self._region_name(initiative.region, state),
            ),
            self._t(
                "when",
                state,
                starts=self._at(initiative.starts_at(self._zone)),
                ends=self._at(initiative.ends_at(self._zone)),
            ),
        ]
        if initiative.provision:
            lines.append(self._t("provision", state, provision=initiative.provision))
        lines.append(
            self._t("places_left", state, left=left, capacity=initiative.capacity)
            if left > 0
            else self._t("places_full", state)
        )
        mine = snap.mine.get(initiative.id)
        rows: list[tuple[Button, ...]] = []
        if mine is not None:
            lines.append("")
            lines.append(self._t(f"you_are_{mine}", state))
            rows.append((Button(self._t("cancel_signup", state), f"-:ix:{initiative.id}"),))
        elif self._open_for_sign_up(initiative):
            lines.append("")
            lines.append(self._t("signup_privacy", state))
            label = "sign_up" if left > 0 else "join_waitlist"
            rows.append((Button(self._t(label, state), f"-:is:{initiative.id}"),))
            rows.append((Button(self._t("sign_up_share", state), f"-:ik:{initiative.id}"),))
        rows.append((Button(self._t("back", state), "-:il:0:*"),))
        return Reply("\n".join(lines), tuple(rows))

    def _open_for_sign_up(self, initiative: Initiative) -> bool:
        return initiative.status == "published" and initiative.starts_at(self._zone) > self._now

    def _closed_for_sign_up(
        self, state: ConversationState, snap: Snapshot, initiative: Initiative
    ) -> Transition | None:
        title = self._title(initiative, state)
        if initiative.id in snap.mine:
            return self._again(state, self._t("already_signed_up", state, title=title), ())
        if not self._open_for_sign_up(initiative):
            return self._again(state, self._t("initiative_closed", state), ())
        return None

    def _sign_up(
        self,
        state: ConversationState,
        snap: Snapshot,
        initiative: Initiative,
        contact: str | None,
    ) -> Transition:
        if (closed := self._closed_for_sign_up(state, snap, initiative)) is not None:
            return closed
        title = self._title(initiative, state)
        starts = self._at(initiative.starts_at(self._zone))

        def then(decision: Decision) -> Transition:
            key = {
                "placed": "signed_up",
                "waitlisted": "waitlisted",
            }.get(decision.result, "already_signed_up")
            return self._again(state, self._t(key, state, title=title, starts=starts), ())

        record = SignUp(initiative.id, initiative.capacity, contact)
        return Transition(state, (), (record,), then=then)

    def _cancel(self, state: ConversationState, initiative: Initiative) -> Transition:
        title = self._title(initiative, state)

        def then(decision: Decision) -> Transition:
            key = "signup_cancelled" if decision.result == "cancelled" else "not_signed_up"
            return self._again(state, self._t(key, state, title=title), ())

        record = CancelSignUp(initiative.id, initiative.capacity)
        return Transition(state, (), (record,), then=then)

    def _my_signups(self, state: ConversationState, snap: Snapshot) -> Reply:
        mine = [(self._find(i, snap), status) for i, status in snap.mine.items()]
        listed = [(i, status) for i, status in mine if i is not None]
        if not listed:
            return Reply(self._t("my_signups_none", state))
        lines = [self._t("my_signups_title", state)]
        rows = []
        for initiative, status in sorted(listed, key=lambda p: p[0].starts_at(self._zone)):
            lines.append(
                f"• {self._title(initiative, state)} – {self._when(initiative)} "
                f"({self._t(f'status_{status}', state)})"
            )
            rows.append((Button(self._title(initiative, state), f"-:iv:{initiative.id}"),))
        return Reply("\n".join(lines), tuple(rows))

    def _feedback(
        self,
        state: ConversationState,
        snap: Snapshot,
        initiative: Initiative,
        action: str,
        value: str,
    ) -> Transition:
        if snap.mine.get(initiative.id) != "placed" or initiative.ends_at(self._zone) > self._now:
            return self._expired(state)
        if action == "if" and value in ("y", "n"):
            record = FeedbackGiven(initiative.id, took_place=value == "y")
            buttons = tuple(Button(str(n), f"-:ig:{initiative.id}:{n}") for n in range(1, 6))
            return Transition(
                state, (Reply(self._t("feedback_rating", state), (buttons,)),), (record,)
            )
        if action == "ig" and value in ("1", "2", "3", "4", "5"):
            record = FeedbackGiven(initiative.id, rating=int(value))
            return self._again(state, self._t("feedback_thanks", state), (record,))
        return self._expired(state)

    def _redeem(
        self, state: ConversationState, kind: Literal["staff", "group"], code: str
    ) -> Transition:
        def then(decision: Decision) -> Transition:
            if kind == "staff":
                if decision.result != "accepted" or decision.value is None:
                    return self._unknown(state)
                role = self._t(f"role_{decision.value}", state)
                return self._again(state, self._t("staff_granted", state, role=role), ())
            if decision.result == "limited":
                return self._again(state, self._t("code_limited", state), ())
            if decision.result != "accepted" or decision.value is None:
                return self._again(state, self._t("code_refused", state), ())
            group_id, _, rest = decision.value.partition(":")
            chatham, _, name = rest.partition(":")
            groups = state.groups if group_id in state.groups else (*state.groups, group_id)
            joined = dataclasses.replace(state, groups=groups)
            note = self._t("joined_group", state, group=name or group_id)
            if chatham == "1":
                note += "\n" + self._t("chatham_house", state)
            return self._again(joined, note, ())

        return Transition(state, (), (RedeemCode(kind, code.strip()[:64]),), then=then)

    def _web_link(self, state: ConversationState) -> Transition:
        """/web: a one-time sign-in link to the workspace, made by the store."""
        if self._web_url is None:
            return self._unknown(state)
        base = self._web_url

        def then(decision: Decision) -> Transition:
            if decision.result != "accepted" or decision.value is None:
                return self._unknown(state)
            link = f"{base}/sign-in/{decision.value}"
            return self._again(state, self._t("web_link_sent", state, link=link), ())

        return Transition(state, (), (WebLinkRequested(),), then=then)

    # --- staff ----------------------------------------------------------------------------

    def _managed(self, snap: Snapshot) -> list[Initiative]:
        return managed(self._d, snap)

    def _may_manage(self, initiative_id: str, snap: Snapshot) -> bool:
        return may_manage(self._d, snap, initiative_id)

    def _may_cancel(self, initiative_id: str, snap: Snapshot) -> bool:
        return may_cancel(self._d, snap, initiative_id)

    def _organize(self, state: ConversationState, snap: Snapshot) -> Reply:
        managed = self._managed(snap)
        if not managed:
            return Reply(self._t("organize_none", state))
        lines = [self._t("organize_title", state)]
        rows = []
        for initiative in managed:
            seats = snap.seats_of(initiative.id)
            lines.append(
                self._t(
                    "organize_line",
                    state,
                    title=self._title(initiative, state),
                    status=self._t(f"status_{self._status(initiative)}", state),
                    placed=seats.placed,
                    capacity=initiative.capacity,
                    waiting=seats.waitlisted,
                )
            )
            rows.append((Button(self._title(initiative, state), f"-:oi:{initiative.id}"),))
        return Reply("\n".join(lines), tuple(rows))

    def _staff_press(
        self, state: ConversationState, action: str, arg: str, snap: Snapshot
    ) -> Transition:
        if action == "ob":
            if not snap.roles & STAFF_COMMANDS["broadcast"]:
                return self._expired(state)
            if arg not in audiences(self._d, state.groups):
                return self._expired(state)
            audience = audience_name(self._d, arg, state.language)
            draft = {"kind": "broadcast", "topic": arg, "audience": audience}
            draft["count"] = str(self._audience_count(draft, snap))
            return self._compose(state, draft)
        initiative = self._find(arg, snap)
        if initiative is None or not self._may_manage(initiative.id, snap):
            return self._expired(state)
        title = self._title(initiative, state)
        seats = snap.seats_of(initiative.id)
        if action == "oi":
            return Transition(state, (self._tools(state, snap, initiative),))
        if action == "om":
            count = str(seats.placed + seats.waitlisted)
            draft = {"kind": "message", "initiative": initiative.id, "title": title, "count": count}
            return self._compose(state, draft)
        if action == "oe" and initiative.id in snap.owned and initiative.status == "published":
            return self._creation.edit(state, initiative)
        if action == "op" and initiative.id in snap.owned and initiative.status == "draft":
            data = initiative.model_dump(mode="json") | {"status": "published"}
            note = self._t("created", state, title=title)
            return self._again(state, note, (InitiativeSaved(initiative.id, data),))
        if action == "oc" and self._may_cancel(initiative.id, snap):
            count = str(seats.placed + seats.waitlisted)
            draft = {"kind": "cancel", "initiative": initiative.id, "title": title, "count": count}
            return self._compose(state, draft)
        return self._expired(state)

    def _tools(self, state: ConversationState, snap: Snapshot, initiative: Initiative) -> Reply:
        seats = snap.seats_of(initiative.id)
        lines = [
            self._title(initiative, state),
            self._t(
                "organize_line",
                state,
                title=self._when(initiative),
                status=self._t(f"status_{self._status(initiative)}", state),
                placed=seats.placed,
                capacity=initiative.capacity,
                waiting=seats.waitlisted,
            ),
            self._feedback_line(state, snap, initiative.id),
        ]
        rows = [(Button(self._t("message_signups", state), f"-:om:{initiative.id}"),)]
        if initiative.id in snap.owned and initiative.status == "draft":
            rows.append((Button(self._t("publish", state), f"-:op:{initiative.id}"),))
        if initiative.id in snap.owned and initiative.status == "published":
            rows.append((Button(self._t("edit_initiative", state), f"-:oe:{initiative.id}"),))
        if self._may_cancel(initiative.id, snap) and initiative.status == "published":
            rows.append((Button(self._t("cancel_initiative", state), f"-:oc:{initiative.id}"),))
        return Reply("\n".join(lines), tuple(rows))

    def _feedback_line(self, state: ConversationState, snap: Snapshot, initiative_id: str) -> str:
        """Feedback counts with every cell under the deployment's k hidden (and complements)."""
        feedback = snap.feedback.get(initiative_id)
        if feedback is None or feedback.took_place + feedback.did_not == 0:
            return self._t("feedback_none", state)
        k = self._d.suppression_k
        took = _shown([feedback.took_place, feedback.did_not], k)
        ratings = _shown(list(feedback.ratings), k)
        return self._t(
            "feedback_summary", state, yes=took[0], no=took[1], ratings=" / ".join(ratings)
        )

    def _feedback_overview(self, state: ConversationState, snap: Snapshot) -> str:
        every = [*self._d.initiatives, *snap.initiatives]
        if "admin" not in snap.roles and "mediator" not in snap.roles:
            every = [i for i in every if i.id in snap.owned]
        lines = [
            f"{self._title(i, state)}: {self._feedback_line(state, snap, i.id)}"
            for i in every
            if i.id in snap.feedback
        ]
        return "\n".join(lines) or self._t("feedback_none", state)

    def _broadcast_choice(self, state: ConversationState, snap: Snapshot) -> Reply:
        rows = [
            (Button(audience_name(self._d, key, state.language), f"-:ob:{key}"),)
            for key in audiences(self._d, state.groups)
        ]
        return Reply(self._t("broadcast_choose", state), tuple(rows))

    def _audience_count(self, draft: Mapping[str, str], snap: Snapshot) -> int:
        if draft.get("kind") == "message":
            seats = snap.seats_of(draft.get("initiative", ""))
            return seats.placed + seats.waitlisted
        return audience_count(snap, draft.get("topic", SIGNUPS_AUDIENCE))

    # --- helpers --------------------------------------------------------------------------

    def _compose(self, state: ConversationState, draft: dict[str, str]) -> Transition:
        return_to = state.return_to if state.stage == "compose" else state.stage
        composing = dataclasses.replace(
            state, stage="compose", draft=draft, return_to=return_to, seq=state.seq + 1
        )
        return Transition(composing, (self.prompt(composing),))

    def _leave_compose(self, state: ConversationState) -> ConversationState:
        back = state.return_to if state.return_to in ("menu", "poll") else "menu"
        return dataclasses.replace(
            state,
            stage="poll" if back == "poll" else "menu",
            draft=None,
            return_to=None,
            seq=state.seq + 1,
        )

    def _status(self, initiative: Initiative) -> str:
        return shown_status(initiative, self._now, self._zone)

    def _find(self, initiative_id: str, snap: Snapshot) -> Initiative | None:
        return self._d.initiative(initiative_id) or next(
            (i for i in snap.initiatives if i.id == initiative_id), None
        )

    def _title(self, initiative: Initiative, state: ConversationState) -> str:
        return self._d.text(initiative.title, state.language)

    def _region_name(self, region_id: str | None, state: ConversationState) -> str:
        region = self._d.region(region_id) if region_id else None
        return self._d.text(region.name, state.language) if region else (region_id or "")

    def _when(self, initiative: Initiative) -> str:
        return self._at(initiative.starts_at(self._zone))

    def _at(self, moment: datetime) -> str:
        return f"{moment.astimezone(self._zone):%Y-%m-%d %H:%M}"

    def _data(self, state: ConversationState, action: str) -> str:
        return f"{state.seq}:{action}:"

    def _unknown(self, state: ConversationState) -> Transition:
        return self._again(state, self._t("unknown_command", state), ())

    def _expired(self, state: ConversationState) -> Transition:
        return self._again(state, self._t("expired", state), ())

    def _t(self, key: str, state: ConversationState, **values: object) -> str:
        return translate(key, state.language, **values)


# --- who may do what with initiatives and broadcasts: chat and the workspace alike ----------


def may(snap: Snapshot, command: str) -> bool:
    """Whether the person may use staff ``command`` (`STAFF_COMMANDS`)."""
    return bool(snap.roles & STAFF_COMMANDS[command])


def managed(deployment: Deployment, snap: Snapshot) -> list[Initiative]:
    """The initiatives this person may manage: their own; an admin, every one."""
    if "admin" in snap.roles:
        return [*deployment.initiatives, *snap.initiatives]
    if "organizer" in snap.roles:
        return [i for i in snap.initiatives if i.id in snap.owned]
    return []


def may_manage(deployment: Deployment, snap: Snapshot, initiative_id: str) -> bool:
    return any(i.id == initiative_id for i in managed(deployment, snap))


def may_cancel(deployment: Deployment, snap: Snapshot, initiative_id: str) -> bool:
    """Only initiatives made by staff can be cancelled by staff (the deployment's own are
    changed in the deployment)."""
    return may_manage(deployment, snap, initiative_id) and any(
        i.id == initiative_id for i in snap.initiatives
    )


def may_edit(snap: Snapshot, initiative: Initiative) -> bool:
    """Its organizer edits a published initiative (an admin too edits only their own)."""
    return initiative.id in snap.owned and initiative.status == "published"


def may_publish(snap: Snapshot, initiative: Initiative) -> bool:
    """Its organizer publishes a draft."""
    return initiative.id in snap.owned and initiative.status == "draft"


def shown_status(initiative: Initiative, now: datetime, zone: tzinfo) -> str:
    """The status as stored, except that a published initiative that has ended is done."""
    if initiative.status == "published" and initiative.ends_at(zone) <= now:
        return "done"
    return initiative.status


def audiences(deployment: Deployment, groups: Sequence[str]) -> list[str]:
    """Whom a staff member in ``groups`` may broadcast to: each topic (a closed group's only
    from its members), the sign-ups of their initiatives (`SIGNUPS_AUDIENCE`), and the members
    of each of their closed groups (``#<group>``)."""
    return [
        *(t.id for t in deployment.topics if t.group is None or t.group in groups),
        SIGNUPS_AUDIENCE,
        *(f"#{group}" for group in groups),
    ]


def audience_name(deployment: Deployment, key: str, language: str) -> str:
    if key.startswith("#"):
        return translate("members_of", language, group=key[1:])
    if key == SIGNUPS_AUDIENCE:
        return translate("broadcast_signups", language)
    topic = deployment.topic(key)
    return deployment.text(topic.name, language) if topic is not None else key


def audience_count(snap: Snapshot, key: str) -> int:
    """Recipients a broadcast to ``key`` would reach now (as loaded in the snapshot)."""
    return snap.audiences.get(key, 0)


def broadcast_record(key: str, texts: Mapping[str, str], language: str) -> StaffBroadcast:
    """The record of a broadcast to audience ``key`` (one of `audiences`), written in
    ``language`` (``texts[language]``) and maybe in others too."""
    group = key[1:] if key.startswith("#") else None
    topic = None if key == SIGNUPS_AUDIENCE or group else key
    others = {code: text for code, text in texts.items() if code != language}
    return StaffBroadcast(topic, texts[language], language, group, others)


InitiativeEvent = Literal["promoted", "remind", "cancelled", "changed", "feedback"]


def initiative_message(
    deployment: Deployment, initiative: Initiative, event: str, language: str
) -> Reply:
    """What the bot sends on its own about an initiative, in ``language``: a promotion from
    the waiting list, the reminder the day before, a cancellation, the question after it."""
    zone = ZoneInfo(deployment.timezone)
    title = deployment.text(initiative.title, language)
    starts = f"{initiative.starts_at(zone).astimezone(zone):%Y-%m-%d %H:%M}"
    place = deployment.text(initiative.place, language)
    if event == "promoted":
        return Reply(translate("promoted", language, title=title, starts=starts))
    if event == "remind":
        text = translate("initiative_reminder", language, title=title, starts=starts, place=place)
        return Reply(text)
    if event == "changed":
        text = translate(
            "initiative_changed_notice", language, title=title, starts=starts, place=place
        )
        return Reply(text)
    if event == "cancelled":
        return Reply(translate("initiative_cancelled_notice", language, title=title, starts=starts))
    if event == "feedback":
        buttons = (
            Button(translate("yes", language), f"-:if:{initiative.id}:y"),
            Button(translate("no", language), f"-:if:{initiative.id}:n"),
        )
        return Reply(translate("feedback_question", language, title=title), (buttons,))
    raise ValueError(f"unknown initiative event {event!r}")


def from_organizer(
    deployment: Deployment, initiative: Initiative, reply: Reply, language: str
) -> Reply:
    """An organizer's message to the sign-ups of an initiative, headed with the initiative's
    title in the recipient's language and who writes: a volunteer may have signed up for
    several, and must know the message is the organizer's, not the deployment's."""
    title = deployment.text(initiative.title, language)
    header = translate("from_organizer", language, title=title)
    return dataclasses.replace(reply, text=f"{header}\n\n{reply.text}")


REMIND_BEFORE = timedelta(days=1)
ASK_WITHIN = timedelta(days=3)


def due_events(
    initiatives: Sequence[Initiative], now: datetime, zone: tzinfo
) -> list[tuple[str, InitiativeEvent]]:
    """(initiative id, event) due at ``now``: ``remind`` within the day before the start,
    ``feedback`` within three days after the end; published initiatives only."""
    due: list[tuple[str, InitiativeEvent]] = []
    for initiative in initiatives:
        if initiative.status != "published":
            continue
        starts, ends = initiative.starts_at(zone), initiative.ends_at(zone)
        if starts - REMIND_BEFORE <= now < starts:
            due.append((initiative.id, "remind"))
        if ends <= now < ends + ASK_WITHIN:
            due.append((initiative.id, "feedback"))
    return due


def _shown(counts: Sequence[int], k: int) -> list[str]:
    """Counts of one column as text, small cells (and their complements) as ``*``."""
    pattern = suppress([[c] for c in counts], [sum(counts)], k, additive=True)
    return ["*" if pattern.hides(row, 0) else str(c) for row, c in enumerate(counts)]
