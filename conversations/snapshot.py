"""What the engine may read of the database: a read-only snapshot, loaded before `step`.

The engine is pure, yet some of what it answers lives in the database and changes under it:
the initiatives organizers made in chat, how many places are taken, a person's sign-ups and
staff roles. The service asks the engine whether an event needs these (`Engine.wants_snapshot`,
true for the volunteering and staff commands and buttons only, so answering a poll costs no
extra query), loads them through the `UnitOfWork` port in the event's transaction
(`UnitOfWork.load_snapshot`) and passes them to `step(..., snapshot=...)`.

A snapshot is good for reading and showing. It never decides a seat or a code: two volunteers
can read the same "one place left". Those go to the store as a `DecidedRecord`, which the store
applies atomically; the engine's ``Transition.then`` turns the store's `Decision` into the
reply (see `conversations.values.Transition`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from conversations.definitions import Initiative

Role = Literal["admin", "organizer", "mediator"]
ROLES: tuple[Role, ...] = ("admin", "organizer", "mediator")

SignUpStatus = Literal["placed", "waitlisted"]


@dataclass(frozen=True, slots=True)
class Seats:
    """Places taken on an initiative, and people waiting for one."""

    placed: int = 0
    waitlisted: int = 0


@dataclass(frozen=True, slots=True)
class Feedback:
    """What volunteers said after an initiative, as counts (shown with small cells hidden)."""

    took_place: int = 0
    did_not: int = 0
    ratings: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class HeldAnswer:
    """One stored answer row of this person (a multiple choice is one row per choice; a
    skipped question has no value), for /mydata."""

    poll_id: str
    wave: int
    question_id: str
    value: str | float | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Read-only facts for one person at one moment.

    ``initiatives``: those made in chat (any status); the deployment's come from the
    deployment. ``owned``: ids of the initiatives this person organizes. ``mine``: this
    person's sign-ups. Nothing here names another person.
    """

    roles: frozenset[Role] = frozenset()
    initiatives: tuple[Initiative, ...] = ()
    owned: frozenset[str] = frozenset()
    seats: Mapping[str, Seats] = field(default_factory=dict)
    mine: Mapping[str, SignUpStatus] = field(default_factory=dict)
    feedback: Mapping[str, Feedback] = field(default_factory=dict)
    audiences: Mapping[str, int] = field(default_factory=dict)
    """Recipients a staff broadcast would reach now: by topic id, ``"#<group>"`` for a closed
    group's members, and ``"@signups"`` for the sign-ups of the initiatives this person
    organizes (filled for organizers and admins only)."""

    answers: tuple[HeldAnswer, ...] = ()
    """Every poll answer held for this person, every wave, in the order given (/mydata)."""
    contacts: Mapping[str, str] = field(default_factory=dict)
    """The contact this person shared with an initiative's organizer, by initiative id."""
    given_feedback: Mapping[str, tuple[bool | None, int | None]] = field(default_factory=dict)
    """This person's feedback after an initiative: (took place, rating 1-5), by id."""

    def seats_of(self, initiative_id: str) -> Seats:
        return self.seats.get(initiative_id, Seats())


EMPTY = Snapshot()
