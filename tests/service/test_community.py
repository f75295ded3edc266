"""Initiatives, sign-ups, staff roles and closed groups through the service and the real store
(SQLite and PostgreSQL): what people see, what is kept, what is queued in the outbox."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from config.deployment import demo_folder, load_deployment
from conversations.definitions import Deployment, Initiative, Topic
from conversations.engine import Engine
from conversations.identity import pseudonym
from conversations.ports import Clock
from conversations.service import ConversationService
from conversations.snapshot import ROLES
from conversations.values import CancelSignUp, Inbound, ParticipantKey, Press, SignUp, Text
from storage.community import MAX_WRONG_CODES, CommunityStore
from storage.models import AuditEntry, OutboxRow, SignUpRow
from storage.unit_of_work import unit_of_work_factory
from tests.conversations.conftest import fake_detect

SECRET = b"service-test-secret-0123456789"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class MovableClock(Clock):
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at


def small_initiative(**changes: Any) -> Initiative:
    """A two-place dialogue in the Kessal Highlands on 2026-12-01."""
    data: dict[str, Any] = {
        "id": "small_dialogue",
        "type": "community_dialogue",
        "region": "kessal_highlands",
        "title": {"en": "Small dialogue", "fr": "Petit dialogue", "ar": "حوار صغير"},
        "description": {"en": "Talk.", "fr": "Parler.", "ar": "حديث."},
        "place": {"en": "Hall", "fr": "Salle", "ar": "قاعة"},
        "starts": "2026-12-01T09:00:00",
        "ends": "2026-12-01T12:00:00",
        "capacity": 2,
    }
    return Initiative.model_validate(data | changes)


def deployment_with(*extra: Initiative) -> Deployment:
    demo = load_deployment(demo_folder())
    return demo.model_copy(update={"initiatives": (*extra, *demo.initiatives)})


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def deployment() -> Deployment:
    return deployment_with(
        small_initiative(),
        small_initiative(id="closed_meeting", group="civil", capacity=5),
    )


@pytest.fixture
async def service(
    engine: AsyncEngine, deployment: Deployment, clock: MovableClock
) -> AsyncIterator[ConversationService]:
    yield ConversationService(
        Engine(deployment, fake_detect), unit_of_work_factory(engine), SECRET, clock
    )


class Person:
    def __init__(self, service: ConversationService, user: str) -> None:
        self.service = service
        self.key = ParticipantKey("test", user)
        self.id = pseudonym(SECRET, self.key)
        self.buttons: dict[str, str] = {}
        self.last_text = ""

    async def send(self, text: str) -> str:
        return await self._handle(Text(text))

    async def press(self, label: str) -> str:
        return await self._handle(Press(self.buttons[label]))

    async def _handle(self, event: Text | Press) -> str:
        replies = await self.service.handle(Inbound(self.key, event, address=self.key.user))
        if replies and replies[-1].buttons:
            self.buttons = {b.label: b.data for b in replies[-1].flat_buttons}
        self.last_text = "\n".join(r.text for r in replies)
        return self.last_text

    async def onboard(self, region: str = "Kessal Highlands") -> None:
        await self.send("/start")
        await self.press("I agree")
        await self.press("English")
        await self.press(region)
        await self.press("Prefer not to say")
        await self.press("Prefer not to say")


async def people(service: ConversationService, *names: str) -> list[Person]:
    persons = [Person(service, name) for name in names]
    for person in persons:
        await person.onboard()
    return persons


async def sign_ups(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(SignUpRow.participant_id, SignUpRow.status).where(
                SignUpRow.initiative_id == "small_dialogue"
            )
        )
        return dict(rows.all())  # type: ignore[arg-type]


async def outbox(engine: AsyncEngine) -> list[tuple[str, str, dict[str, object]]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxRow.job, OutboxRow.participant_id, OutboxRow.payload).order_by(
                OutboxRow.id
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


# --- volunteers ---------------------------------------------------------------------------


async def test_the_list_shows_the_persons_region_first_a_few_per_page(
    service: ConversationService,
) -> None:
    (amina,) = await people(service, "amina")
    listing = await amina.send("/initiatives")
    assert listing.startswith("Initiatives you can join (page 1 of 2):")
    first = " ".join(listing.split("\n")[2:4])
    assert "Small dialogue" in first and "Kessal Highlands" in first
    assert "Closed" not in listing  # the closed group's meeting is not shown
    assert list(amina.buttons) == [
        "Small dialogue",
        "Community dialogue on the return of displaced families",
        "Joint clean-up of the Noor valley market",
        "Next ▶",
        "Another region",
    ]
    second = await amina.press("Next ▶")
    assert "page 2 of 2" in second and "Briefing for community ceasefire observers" in second
    assert "◀ Previous" in amina.buttons
    await amina.press("Another region")
    chosen = await amina.press("Noor Valley")
    assert chosen.startswith("Initiatives in Noor Valley (page 1 of 1):")
    assert "Joint clean-up" in chosen and "Small dialogue" not in chosen


async def test_sign_up_waitlist_cancel_and_promotion(
    service: ConversationService, engine: AsyncEngine
) -> None:
    amina, omar, leila = await people(service, "amina", "omar", "leila")
    for person in (amina, omar, leila):
        await person.send("/initiatives")
        details = await person.press("Small dialogue")
        assert "Signing up shares nothing about you with the organizer" in details
    assert "2 of 2 places left" in details
    assert "You are signed up for “Small dialogue” (2026-12-01 09:00)" in await amina.press(
        "Sign up"
    )
    await omar.press("Sign up")
    await leila.send("/initiatives")
    details = await leila.press("Small dialogue")
    assert "full – waiting list open" in details
    assert "“Small dialogue” is full: you are on the waiting list." in await leila.press(
        "Join the waiting list"
    )
    assert await sign_ups(engine) == {amina.id: "placed", omar.id: "placed", leila.id: "waitlisted"}

    mine = await leila.send("/my_signups")
    assert "Small dialogue – 2026-12-01 09:00 (waiting list)" in mine
    await amina.send("/my_signups")
    await amina.press("Small dialogue")
    assert "Your sign-up for “Small dialogue” is cancelled." in await amina.press(
        "Cancel my sign-up"
    )
    assert await sign_ups(engine) == {omar.id: "placed", leila.id: "placed"}
    queued = await outbox(engine)
    assert [(job.split(":")[2], who, payload) for job, who, payload in queued] == [
        ("promoted", leila.id, {"initiative": "small_dialogue", "event": "promoted"})
    ]
    assert "(signed up)" in await leila.send("/my_signups")
    assert "Sign-ups: Small dialogue (signed up)" in await leila.send("/mydata")


async def test_a_shared_contact_is_kept_for_that_initiative_only(
    service: ConversationService, engine: AsyncEngine
) -> None:
    (amina,) = await people(service, "amina")
    await amina.send("/initiatives")
    await amina.press("Small dialogue")
    prompt = await amina.press("Sign up and share a contact")
    assert "Type the contact you want to share with the organizer of “Small dialogue”" in prompt
    assert "signed up" in await amina.send("+235 66 00 00 00")
    export = await CommunityStore(engine).export_sign_ups("small_dialogue", chatham_house=False)
    header, row = export.strip().splitlines()
    assert header == "volunteer,status,signed_up_at,shared_contact"
    assert row.endswith(",placed,2026-11-22T12:00:00Z,'+235 66 00 00 00")  # never a formula
    assert amina.id not in export  # the stored pseudonym never leaves
    mine = await amina.send("/mydata")  # what is held includes the contact shared
    assert "Small dialogue (signed up, contact shared with the organizer: +235 66 00 00 00)" in mine


async def test_a_contact_that_a_spreadsheet_would_run_is_exported_as_text(
    service: ConversationService, engine: AsyncEngine
) -> None:
    (amina,) = await people(service, "amina")
    await amina.send("/initiatives")
    await amina.press("Small dialogue")
    await amina.press("Sign up and share a contact")
    await amina.send('=HYPERLINK("https://evil.example/?x","call me")')
    export = await CommunityStore(engine).export_sign_ups("small_dialogue", chatham_house=False)
    (row,) = list(csv.reader(io.StringIO(export)))[1:]
    assert row[3] == '\'=HYPERLINK("https://evil.example/?x","call me")'


async def test_signing_up_twice_or_after_the_start_is_refused(
    service: ConversationService, clock: MovableClock
) -> None:
    (amina,) = await people(service, "amina")
    await amina.send("/initiatives")
    await amina.press("Small dialogue")
    stale = dict(amina.buttons)
    await amina.press("Sign up")
    amina.buttons = stale
    assert "You are already signed up for “Small dialogue”." in await amina.press("Sign up")
    clock.at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    (omar,) = await people(service, "omar")
    amina.service = service
    omar.buttons = stale
    assert "Sign-ups for this initiative are closed." in await omar.press("Sign up")


@pytest.mark.parametrize("rounds", [3])
async def test_two_volunteers_taking_the_last_place_at_once(
    engine: AsyncEngine, database_url: str, rounds: int
) -> None:
    """Real concurrent transactions: each reads "one place left", then both ask for it. On
    PostgreSQL both reads happen before either write (a barrier); SQLite admits one writer at
    a time, so there the second transaction starts after the first."""
    from tests.storage.helpers import add_person

    factory = unit_of_work_factory(engine)
    postgres = database_url.startswith("postgresql")
    for n in range(rounds):
        initiative = f"race_{n}"
        first, second, third = f"r{n}a", f"r{n}b", f"r{n}c"
        for person in (first, second, third):
            await add_person(engine, person)
        async with factory() as uow:
            await uow.decide(first, SignUp(initiative, 2), NOW)
            await uow.commit()
        barrier = asyncio.Barrier(2) if postgres else None

        async def take(person: str, initiative: str = initiative, barrier: Any = barrier) -> str:
            async with factory() as uow:
                snapshot = await uow.load_snapshot(person, NOW)
                if barrier is not None:
                    assert snapshot.seats_of(initiative).placed == 1  # one place left, as read
                    await barrier.wait()
                decision = await uow.decide(person, SignUp(initiative, 2), NOW)
                await uow.commit()
                return decision.result

        results = await asyncio.gather(take(second), take(third))
        assert sorted(results) == ["placed", "waitlisted"]
        async with engine.connect() as connection:
            statuses = (
                await connection.scalars(
                    select(SignUpRow.status).where(SignUpRow.initiative_id == initiative)
                )
            ).all()
        assert sorted(statuses) == ["placed", "placed", "waitlisted"]


# --- staff roles --------------------------------------------------------------------------

STAFF_COMMANDS = ["/organize", "/new_initiative", "/broadcast", "/feedback"]
ALLOWED = {
    "/organize": {"admin", "organizer"},
    "/new_initiative": {"admin", "organizer"},
    "/broadcast": {"admin", "organizer"},
    "/feedback": {"admin", "organizer", "mediator"},
}


@pytest.mark.parametrize("command", STAFF_COMMANDS)
@pytest.mark.parametrize("role", [*ROLES, None])
async def test_every_staff_command_against_every_role(
    service: ConversationService, engine: AsyncEngine, command: str, role: str | None
) -> None:
    """A refused staff command answers exactly like an unknown command, byte for byte."""
    (person,) = await people(service, "someone")
    if role is not None:
        assert await CommunityStore(engine).add_staff(person.id, role, NOW)
    unknown = await person.service.handle(Inbound(person.key, Text("/nosuchthing"), "someone"))
    answer = await person.service.handle(Inbound(person.key, Text(command), "someone"))
    if role in ALLOWED[command]:
        assert answer != unknown
        assert "I don't know that command" not in answer[0].text
    else:
        assert answer == unknown


async def test_an_invite_code_grants_its_role_once(
    service: ConversationService, engine: AsyncEngine
) -> None:
    store = CommunityStore(engine)
    code, expires = await store.invite("organizer", NOW)
    assert expires == NOW + timedelta(days=7)
    amina, omar = await people(service, "amina", "omar")
    unknown = await omar.send("/nosuchthing")
    assert await omar.send("/staff WRONG-CODE-0000-0000") == unknown
    assert await omar.send("/staff") == unknown
    assert "You now have the organizer role." in await amina.send(f"/staff {code.lower()}")
    assert await omar.send(f"/staff {code}") == unknown  # used
    members = await store.staff()
    assert [(m.participant, m.role) for m in members] == [(amina.id, "organizer")]
    assert "Staff:" in await amina.send("/help")
    assert "Staff:" not in await omar.send("/help")
    actions = [line.action for line in await store.audit_log(10)]
    assert actions == ["staff_invite", "staff_invite_used"]


# --- closed groups ------------------------------------------------------------------------


async def test_joining_a_closed_group_shows_its_initiatives(
    service: ConversationService, engine: AsyncEngine
) -> None:
    store = CommunityStore(engine)
    code = await store.create_group("civil", "Civil society forum", True, NOW)
    amina, omar = await people(service, "amina", "omar")
    assert "Send /join followed by the access code" in await amina.send("/join")
    joined = await amina.send(f"/join {code}")
    assert "you are now a member of the group “Civil society forum”" in joined
    assert "Chatham House rule" in joined
    assert "Small dialogue" in await amina.send("/initiatives")
    listing = await amina.send("/initiatives")
    assert listing.count("Small dialogue") == 2  # the open one and the group's
    assert (await omar.send("/initiatives")).count("Small dialogue") == 1
    omar.buttons = {"peek": "-:iv:closed_meeting"}
    assert "This initiative is no longer available." in await omar.press("peek")

    rotated = await store.rotate_code("civil", NOW)
    assert "This code is not valid" in await omar.send(f"/join {code}")
    assert "member of the group" in await omar.send(f"/join {rotated}")
    await store.revoke_code("civil", NOW)
    (leila,) = await people(service, "leila")
    assert "This code is not valid" in await leila.send(f"/join {rotated}")
    groups = await store.groups()
    assert [(g.id, g.members, g.has_code, g.chatham_house) for g in groups] == [
        ("civil", 2, False, True)
    ]


async def test_brute_forcing_an_access_code_is_stopped(
    service: ConversationService, engine: AsyncEngine, clock: MovableClock
) -> None:
    code = await CommunityStore(engine).create_group("civil", "Civil society forum", False, NOW)
    (mallory,) = await people(service, "mallory")
    for n in range(MAX_WRONG_CODES):
        assert "This code is not valid" in await mallory.send(f"/join GUESS-{n:04d}-0000-0000")
    # the right code is not even checked now
    assert "Too many wrong codes" in await mallory.send(f"/join {code}")
    assert "Too many wrong codes" in await mallory.send(f"/join {code}")
    clock.at = NOW + timedelta(hours=1, minutes=1)
    assert "member of the group" in await mallory.send(f"/join {code}")


async def test_forget_keeps_the_wrong_code_limit_and_unnames_the_audit_log(
    service: ConversationService, engine: AsyncEngine, clock: MovableClock
) -> None:
    store = CommunityStore(engine)
    code = await store.create_group("civil", "Civil society forum", False, NOW)
    mallory, admin = await people(service, "mallory", "admin")
    await store.add_staff(admin.id, "organizer", NOW)
    await mallory.send("/subscribe")
    await mallory.press("☐ News on the peace talks")
    await admin.send("/broadcast")
    await admin.press("News on the peace talks")
    await admin.send("Talks on Monday.")
    await admin.press("Send")
    for n in range(MAX_WRONG_CODES):
        await mallory.send(f"/join GUESS-{n:04d}-0000-0000")
    for person in (mallory, admin):
        await person.send("/forget")
        await person.press("Yes, erase")
    await mallory.onboard()
    assert "Too many wrong codes" in await mallory.send(f"/join {code}")  # not reset
    clock.at = NOW + timedelta(hours=1, minutes=1)
    assert "member of the group" in await mallory.send(f"/join {code}")
    async with engine.connect() as connection:
        entries = (await connection.execute(select(AuditEntry.actor, AuditEntry.subject))).all()
    assert entries and not any(admin.id in f"{a} {s}" for a, s in entries)
    erased = {a for a, _ in entries if a.startswith("erased-")}
    assert len(erased) == 1  # one new name for all of the admin's entries
    assert {s for _, s in entries if s.startswith("organizer:")} == {f"organizer:{erased.pop()}"}


# --- organizers ---------------------------------------------------------------------------


async def test_an_organizer_messages_and_cancels_their_initiative(
    service: ConversationService, engine: AsyncEngine, deployment: Deployment
) -> None:
    organizer, amina, omar = await people(service, "org", "amina", "omar")
    store = CommunityStore(engine)
    await store.add_staff(organizer.id, "organizer", NOW)
    assert "You have no initiatives yet." in await organizer.send("/organize")
    await _save_initiative(engine, organizer.id, "walk_north", deployment)
    for person in (amina, omar):
        person.buttons = {"go": "-:is:walk_north"}
        await person.press("go")

    overview = await organizer.send("/organize")
    assert "• Walk north [published] – 2/2, 0 waiting" in overview
    tools = await organizer.press("Walk north")
    assert "There is no feedback yet." in tools
    prompt = await organizer.press("Message the sign-ups")
    assert "(2 people); you will not see who they are" in prompt
    confirm = await organizer.send("Meet at the bridge at 8.")
    assert confirm.startswith("Send this to 2 people?")
    assert "Queued for 2 people." in await organizer.press("Send")

    await organizer.send("/organize")
    await organizer.press("Walk north")
    assert "The 2 people signed up will be told" in await organizer.press("Cancel the initiative")
    assert "is cancelled" in await organizer.press("Cancel the initiative")
    queued = await outbox(engine)
    assert sorted((job.split(":")[2], who) for job, who, _ in queued) == sorted(
        [
            ("message", amina.id),
            ("message", omar.id),
            ("cancelled", amina.id),
            ("cancelled", omar.id),
        ]
    )
    assert organizer.id not in {who for _, who, _ in queued}
    assert "[cancelled]" in await organizer.send("/organize")
    assert "Walk north" not in await amina.send("/initiatives")
    async with engine.connect() as connection:
        actions = (await connection.scalars(select(AuditEntry.action))).all()
    assert actions == ["staff_add", "save_initiative", "message_signups", "cancel_initiative"]

    # another organizer cannot touch it, and is answered as if the button were stale
    (other,) = await people(service, "other")
    await store.add_staff(other.id, "organizer", NOW)
    other.buttons = {"steal": "-:om:walk_north"}
    assert "This button has expired" in await other.press("steal")


async def test_a_broadcast_from_chat_shows_the_recipient_count_first(
    service: ConversationService, engine: AsyncEngine
) -> None:
    organizer, amina = await people(service, "org", "amina")
    await amina.send("/subscribe")
    await amina.press("☐ News on the peace talks")
    await CommunityStore(engine).add_staff(organizer.id, "organizer", NOW)
    await organizer.send("/broadcast")
    assert "(1 people now)" in await organizer.press("News on the peace talks")
    assert (await organizer.send("The talks resume on Monday.")).startswith(
        "Send this to 1 people?"
    )
    await organizer.press("Send")
    queued = await outbox(engine)
    assert [(job.split(":")[0], who) for job, who, _ in queued] == [("broadcast", amina.id)]


async def _save_initiative(
    engine: AsyncEngine, organizer: str, initiative_id: str, deployment: Deployment
) -> None:
    from conversations.values import InitiativeSaved

    data = small_initiative(id=initiative_id, title={"en": "Walk north", "fr": "M", "ar": "م"})
    factory = unit_of_work_factory(engine)
    async with factory() as uow:
        await uow.record_community(
            organizer, InitiativeSaved(initiative_id, data.model_dump(mode="json")), NOW
        )
        await uow.commit()


async def test_an_organizer_creates_an_initiative_step_by_step(
    service: ConversationService, engine: AsyncEngine
) -> None:
    organizer, amina = await people(service, "org", "amina")
    store = CommunityStore(engine)
    await store.add_staff(organizer.id, "organizer", NOW)
    code = await store.create_group("civil", "Civil forum", False, NOW)
    await organizer.send(f"/join {code}")

    assert "step 1 of 15\nIts title in English?" in await organizer.send("/new_initiative")
    assert "between 3 and 120 characters" in await organizer.send("Hi")
    await organizer.send("Tree planting at the school")
    await organizer.send("Plantation d'arbres à l'école")
    assert "Its title in العربية?" in organizer_last(organizer)
    await organizer.send("زراعة الأشجار في المدرسة")
    for text in (
        "Parents from both villages plant trees.",
        "Les parents plantent des arbres.",
        "يزرع أولياء الأمور من القريتين الأشجار.",
    ):
        await organizer.send(text)
    assert "What kind of action is it?" in organizer_last(organizer)
    await organizer.press("Something else")
    await organizer.press("Kessal Highlands")
    await organizer.send("Kessal primary school")
    assert "like 2026-12-24 09:30" in await organizer.send("next Sunday")
    assert "That moment has passed" in await organizer.send("2026-11-01 09:00")
    await organizer.send("2026-12-06 09:30")
    assert "The end must be after the start (2026-12-06 09:30)" in await organizer.send(
        "2026-12-06 08:00"
    )
    await organizer.send("2026-12-06 12:00")
    assert "whole number from 1 to 100000" in await organizer.send("lots")
    await organizer.send("15")
    assert "Who can see it and sign up?" in await organizer.press("Skip")
    confirm = await organizer.press("Everyone")
    assert "Publish this initiative?" in confirm
    assert "📍 Kessal primary school, Kessal Highlands" in confirm
    assert "🗓 2026-12-06 09:30 – 2026-12-06 12:00" in confirm
    assert "“Tree planting at the school” is published." in await organizer.press("Publish")

    assert "• Tree planting at the school [published] – 0/15, 0 waiting" in await organizer.send(
        "/organize"
    )
    listing = await amina.send("/initiatives")
    assert "Tree planting at the school" in listing
    await amina.press("Tree planting at the school")
    assert "signed up" in await amina.press("Sign up")
    fr = await amina.send("/language")
    assert fr
    await amina.press("Français")
    assert "Plantation d'arbres à l'école" in await amina.send("/my_signups")
    async with engine.connect() as connection:
        actions = (await connection.scalars(select(AuditEntry.action))).all()
    assert actions[-1] == "save_initiative"


def organizer_last(person: Person) -> str:
    return person.last_text


async def test_leaving_the_creation_dialogue_keeps_nothing(
    service: ConversationService, engine: AsyncEngine
) -> None:
    (organizer,) = await people(service, "org")
    await CommunityStore(engine).add_staff(organizer.id, "organizer", NOW)
    await organizer.send("/new_initiative")
    await organizer.send("A title that goes nowhere")
    assert "Cancelled: nothing was sent or saved." in await organizer.press("Cancel")
    assert "You have no initiatives yet." in await organizer.send("/organize")


async def test_a_closed_groups_broadcast_reaches_its_members_only(
    service: ConversationService, engine: AsyncEngine
) -> None:
    organizer, member, outsider = await people(service, "org", "member", "outsider")
    store = CommunityStore(engine)
    await store.add_staff(organizer.id, "organizer", NOW)
    code = await store.create_group("civil", "Civil forum", True, NOW)
    for person in (organizer, member):
        await person.send(f"/join {code}")
    await organizer.send("/broadcast")
    assert "(2 people now)" in await organizer.press("Members of civil")
    await organizer.send("The forum meets on Thursday.")
    await organizer.press("Send")
    queued = await outbox(engine)
    assert sorted(who for _, who, _ in queued) == sorted([organizer.id, member.id])
    outsider.buttons = {"forged": "-:ob:#civil"}
    await CommunityStore(engine).add_staff(outsider.id, "organizer", NOW)
    assert "This button has expired" in await outsider.press("forged")


async def test_a_closed_groups_topic_is_broadcast_to_by_its_members_only(
    engine: AsyncEngine, clock: MovableClock
) -> None:
    demo = deployment_with(small_initiative())
    forum = Topic.model_validate(
        {"id": "forum", "name": {"en": "Forum news", "fr": "F", "ar": "ف"}, "group": "civil"}
    )
    closed = demo.model_copy(update={"topics": (*demo.topics, forum)})
    service = ConversationService(
        Engine(closed, fake_detect), unit_of_work_factory(engine), SECRET, clock
    )
    member, outsider = await people(service, "member", "outsider")
    store = CommunityStore(engine)
    code = await store.create_group("civil", "Civil forum", False, NOW)
    await member.send(f"/join {code}")
    await member.send("/subscribe")
    await member.press("☐ Forum news")
    for person in (member, outsider):
        await store.add_staff(person.id, "organizer", NOW)
    await outsider.send("/broadcast")
    assert "Forum news" not in outsider.buttons  # not offered
    outsider.buttons = {"forged": "-:ob:forum"}
    assert "This button has expired" in await outsider.press("forged")
    assert await outbox(engine) == []
    await member.send("/broadcast")
    assert "(1 people now)" in await member.press("Forum news")
    await member.send("Thursday, as agreed.")
    await member.press("Send")
    assert [who for _, who, _ in await outbox(engine)] == [member.id]


async def test_forget_erases_sign_ups_roles_and_memberships(
    service: ConversationService, engine: AsyncEngine
) -> None:
    (amina,) = await people(service, "amina")
    store = CommunityStore(engine)
    await store.add_staff(amina.id, "mediator", NOW)
    code = await store.create_group("civil", "Civil forum", False, NOW)
    await amina.send(f"/join {code}")
    await amina.send("/initiatives")
    await amina.press("Small dialogue")
    await amina.press("Sign up and share a contact")
    await amina.send("amina@example.org")
    await amina.send("/forget")
    await amina.press("Yes, erase")
    assert await sign_ups(engine) == {}
    assert await store.staff() == []
    assert [g.members for g in await store.groups()] == [0]
    export = await store.export_sign_ups("small_dialogue", chatham_house=False)
    assert "amina@example.org" not in export


async def test_an_edit_tells_everyone_signed_up_and_fills_new_places(
    service: ConversationService, engine: AsyncEngine, deployment: Deployment
) -> None:
    organizer, amina, omar, leila = await people(service, "org", "amina", "omar", "leila")
    await CommunityStore(engine).add_staff(organizer.id, "organizer", NOW)
    await _save_initiative(engine, organizer.id, "walk_north", deployment)
    for person in (amina, omar, leila):
        person.buttons = {"go": "-:is:walk_north"}
        await person.press("go")
    await organizer.send("/organize")
    await organizer.press("Walk north")
    first = await organizer.press("Edit the initiative")
    assert "Its title in English?\nNow: Walk north" in first
    for _ in range(9):  # titles, descriptions, type, region, place
        await organizer.press("Keep as it is")
    assert "When does it start?" in organizer.last_text
    await organizer.send("2026-12-02 09:00")
    kept = await organizer.press("Keep as it is")  # the old end is before the new start
    assert "The end must be after the start (2026-12-02 09:00)." in kept
    await organizer.send("2026-12-02 12:00")
    assert "How many volunteers" in organizer.last_text
    await organizer.send("3")
    await organizer.press("Skip")
    summary = organizer.last_text
    assert "🗓 2026-12-02 09:00 – 2026-12-02 12:00" in summary and "Places: 3" in summary
    assert "is updated; everyone signed up is being told" in await organizer.press("Publish")
    assert await sign_ups_of(engine, "walk_north") == {
        amina.id: "placed",
        omar.id: "placed",
        leila.id: "placed",
    }
    events = sorted((job.split(":")[2], who) for job, who, _ in await outbox(engine))
    assert events == sorted(
        [("changed", amina.id), ("changed", omar.id), ("changed", leila.id)]
        + [("promoted", leila.id)]
    )


async def sign_ups_of(engine: AsyncEngine, initiative: str) -> dict[str, str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(SignUpRow.participant_id, SignUpRow.status).where(
                SignUpRow.initiative_id == initiative
            )
        )
        return dict(rows.all())  # type: ignore[arg-type]


async def test_many_volunteers_at_once_never_overfill(engine: AsyncEngine) -> None:
    """Twenty concurrent sign-ups for five places, then the five placed cancel at once: five
    places always, the waiting list in order of arrival moves up as places free."""
    from tests.storage.helpers import add_person

    factory = unit_of_work_factory(engine)
    names = [f"v{n:02d}" for n in range(20)]
    for name in names:
        await add_person(engine, name)

    async def decide(record: SignUp | CancelSignUp, person: str) -> str:
        async with factory() as uow:
            decision = await uow.decide(person, record, NOW)
            await uow.commit()
            return decision.result

    results = await asyncio.gather(*(decide(SignUp("crowd", 5), name) for name in names))
    assert sorted(results) == ["placed"] * 5 + ["waitlisted"] * 15
    placed = [name for name, result in zip(names, results, strict=True) if result == "placed"]
    cancelled = await asyncio.gather(*(decide(CancelSignUp("crowd", 5), p) for p in placed))
    assert cancelled == ["cancelled"] * 5
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(SignUpRow.participant_id, SignUpRow.status)
            .where(SignUpRow.initiative_id == "crowd")
            .order_by(SignUpRow.id)
        )
        statuses = [status for _, status in rows]
    assert statuses == ["placed"] * 5 + ["waitlisted"] * 10


async def test_a_draft_is_shown_only_once_published(
    service: ConversationService, engine: AsyncEngine
) -> None:
    organizer, amina = await people(service, "org", "amina")
    await CommunityStore(engine).add_staff(organizer.id, "organizer", NOW)
    await organizer.send("/new_initiative")
    for text in ("Draft walk", "Marche brouillon", "مسيرة مسودة"):
        await organizer.send(text)
    for text in ("A walk still being planned.", "Une marche en préparation.", "مسيرة قيد الإعداد."):
        await organizer.send(text)
    await organizer.press("Peace walk")
    await organizer.press("Noor Valley")
    for text in ("Noor bridge", "2026-12-20 10:00", "2026-12-20 12:00", "30"):
        await organizer.send(text)
    await organizer.press("Skip")
    saved = await organizer.press("Save as a draft (not shown yet)")
    assert "“Draft walk” is saved as a draft" in saved
    await amina.send("/initiatives")
    await amina.press("Another region")
    assert "Draft walk" not in await amina.press("Noor Valley")
    assert "• Draft walk [draft] – 0/30, 0 waiting" in await organizer.send("/organize")
    await organizer.press("Draft walk")
    assert "“Draft walk” is published." in await organizer.press("Publish")
    await amina.send("/initiatives")
    await amina.press("Another region")
    assert "Draft walk" in await amina.press("Noor Valley")


async def test_forget_frees_the_place_for_the_first_waiting(
    service: ConversationService, engine: AsyncEngine
) -> None:
    amina, omar, leila = await people(service, "amina", "omar", "leila")
    for person in (amina, omar, leila):
        person.buttons = {"go": "-:is:small_dialogue"}
        await person.press("go")
    assert await sign_ups(engine) == {amina.id: "placed", omar.id: "placed", leila.id: "waitlisted"}
    await amina.send("/forget")
    await amina.press("Yes, erase")
    assert await sign_ups(engine) == {omar.id: "placed", leila.id: "placed"}
    assert [(job.split(":")[2], who) for job, who, _ in await outbox(engine)] == [
        ("promoted", leila.id)
    ]
