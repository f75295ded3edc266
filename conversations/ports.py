"""Ports: what the conversation core needs from the outside world, as abstract classes.

`storage` implements `UnitOfWork` over SQLAlchemy; tests run one contract suite over every
implementation. Nothing here does I/O by itself.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Self

from conversations.consultation_values import (
    ConsultationAnswered,
    ConsultationRecord,
    ConsultationView,
    StatementSubmitted,
    StatementVoted,
)
from conversations.definitions import Audience
from conversations.outbound import Kind
from conversations.snapshot import Snapshot
from conversations.values import (
    AnswerGiven,
    CancelSignUp,
    CommunityRecord,
    ConsentGiven,
    ConversationState,
    DecidedRecord,
    Decision,
    FeedbackGiven,
    Forget,
    InitiativeCancelled,
    InitiativeSaved,
    MessageSignUps,
    OptOut,
    PollCompleted,
    ProfileGiven,
    Record,
    RedeemCode,
    Reply,
    SignUp,
    StaffBroadcast,
    SubscriptionChanged,
    WebLinkRequested,
)
from conversations.waves import Wave


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


@dataclass
class Changes:
    """What a batch of events asks the store to keep, written in one go by `UnitOfWork.apply`.

    ``states`` and ``addresses`` hold the latest value per key; ``records`` are in event order
    (never a `Forget`: the service erases a person at once, after applying what came before).
    """

    now: datetime
    states: dict[str, ConversationState] = field(default_factory=dict)
    addresses: dict[tuple[str, str], str] = field(default_factory=dict)
    records: list[tuple[str, Record]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.states or self.addresses or self.records)


class UnitOfWork(abc.ABC):
    """One transaction around one event, or a batch of events, of participants.

    ``async with uow:`` opens it; leaving the block without `commit` rolls everything back.
    Participants are named only by their pseudonym (see `conversations.identity`).

    The batch methods (`claim_updates`, `load_states_for_update`, `apply`) have plain
    implementations here in terms of the single-item methods; a store overrides them to do
    the same work in fewer statements.
    """

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    @abc.abstractmethod
    async def commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None:
        """Undo what was not committed; a no-op after `commit`."""

    @abc.abstractmethod
    async def claim_update(self, channel: str, update_id: int, now: datetime) -> bool:
        """Remember that this update is being processed; False if it was already."""

    @abc.abstractmethod
    async def load_state_for_update(self, participant: str) -> ConversationState | None:
        """The participant's state, locking their row until commit (None: unknown person).

        Across processes this serializes the events of one participant (a row lock on
        PostgreSQL; SQLite serializes writers by itself).
        """

    @abc.abstractmethod
    async def save_state(self, participant: str, state: ConversationState, now: datetime) -> None:
        """Create or update the participant with this state."""

    @abc.abstractmethod
    async def save_address(self, participant: str, channel: str, address: str) -> None:
        """Where to reach the participant on a channel, kept apart from answers."""

    @abc.abstractmethod
    async def record_consent(self, participant: str, now: datetime) -> None: ...

    @abc.abstractmethod
    async def record_answer(self, participant: str, answer: AnswerGiven, now: datetime) -> None:
        """Store an answer, replacing an earlier answer to the same question."""

    @abc.abstractmethod
    async def record_profile(self, participant: str, field: str, value: str | None) -> None:
        """Set a profile field; None ("prefer not to say") removes it."""

    @abc.abstractmethod
    async def set_opted_out(self, participant: str, stopped: bool) -> None: ...

    @abc.abstractmethod
    async def record_completion(
        self, participant: str, poll_id: str, wave: int, now: datetime
    ) -> None:
        """The participant finished a poll (of a wave); reminders for it stop."""

    @abc.abstractmethod
    async def set_subscription(self, participant: str, topic: str, subscribed: bool) -> None:
        """Subscribe to or unsubscribe from a broadcast topic (idempotent)."""

    @abc.abstractmethod
    async def consultation_view(self, participant: str, consultation_id: str) -> ConsultationView:
        """The participant's read-only view of a consultation, for `Engine.step` (see
        `conversations.consultation_values`); an empty view for an unknown consultation."""

    @abc.abstractmethod
    async def record_consultation(
        self, participant: str, record: ConsultationRecord, now: datetime
    ) -> None:
        """Store a consultation answer (replacing an earlier one of the round), a statement,
        or a vote (one per person and statement: a repeat changes nothing)."""

    @abc.abstractmethod
    async def owe_replies(self, owed: Mapping[tuple[str, int], Sequence[Reply]]) -> None:
        """Keep the replies of updates claimed in this transaction, by (channel, update id),
        until `replies_sent`: a channel that confirms an update only once its replies were
        sent gets them again if the update comes again after a crash in between."""

    @abc.abstractmethod
    async def owed_replies(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], tuple[Reply, ...]]:
        """The replies still owed to already processed updates (those owed nothing are left
        out)."""

    @abc.abstractmethod
    async def replies_sent(self, keys: Sequence[tuple[str, int]]) -> None:
        """The replies owed to these updates were sent: forget them."""

    async def claim_updates(
        self, keys: Sequence[tuple[str, int]], now: datetime
    ) -> set[tuple[str, int]]:
        """`claim_update` for many (channel, update id) keys: those not processed before."""
        return {key for key in keys if await self.claim_update(key[0], key[1], now)}

    async def load_states_for_update(
        self, participants: Sequence[str]
    ) -> dict[str, ConversationState]:
        """`load_state_for_update` for many participants (locked in sorted order, so two
        processes locking overlapping sets cannot deadlock); unknown people are left out."""
        states = {}
        for participant in sorted(set(participants)):
            state = await self.load_state_for_update(participant)
            if state is not None:
                states[participant] = state
        return states

    async def apply(self, changes: Changes) -> None:
        """Write a batch of changes: states first (they create participants), then the rest."""
        for participant, state in changes.states.items():
            await self.save_state(participant, state, changes.now)
        for (participant, channel), address in changes.addresses.items():
            await self.save_address(participant, channel, address)
        for participant, record in changes.records:
            await self._apply_record(participant, record, changes.now)

    async def _apply_record(self, participant: str, record: Record, now: datetime) -> None:
        match record:
            case AnswerGiven():
                await self.record_answer(participant, record, now)
            case ProfileGiven(field=name, value=value):
                await self.record_profile(participant, name, value)
            case ConsentGiven():
                await self.record_consent(participant, now)
            case OptOut(stopped=stopped):
                await self.set_opted_out(participant, stopped)
            case PollCompleted(poll_id=poll_id, wave=wave):
                await self.record_completion(participant, poll_id, wave, now)
            case SubscriptionChanged(topic=topic, subscribed=subscribed):
                await self.set_subscription(participant, topic, subscribed)
            case ConsultationAnswered() | StatementSubmitted() | StatementVoted():
                await self.record_consultation(participant, record, now)
            case Forget():
                await self.forget(participant, now)
            case SignUp() | CancelSignUp() | RedeemCode() | WebLinkRequested():
                await self.decide(participant, record, now)
            case (
                FeedbackGiven()
                | MessageSignUps()
                | StaffBroadcast()
                | InitiativeCancelled()
                | InitiativeSaved()
            ):
                await self.record_community(participant, record, now)

    @abc.abstractmethod
    async def load_snapshot(self, participant: str, now: datetime) -> Snapshot:
        """What the engine may read of the database for this person (roles, initiatives made
        in chat, places taken, their sign-ups); see `conversations.snapshot`."""

    @abc.abstractmethod
    async def decide(self, participant: str, record: DecidedRecord, now: datetime) -> Decision:
        """Apply a record whose effect only the store can decide, atomically with respect to
        other transactions: a place or the waiting list (two volunteers never get the same
        last place), a cancellation (the first waiting moves up and is told via the outbox),
        a code (checked against its hash; wrong ones are rate limited)."""

    @abc.abstractmethod
    async def record_community(
        self,
        participant: str,
        record: CommunityRecord,
        now: datetime,
    ) -> None:
        """Keep feedback, queue an organizer's message or broadcast in the outbox, cancel or
        save an initiative; staff actions also go to the audit log."""

    @abc.abstractmethod
    async def forget(self, participant: str, now: datetime | None = None) -> None:
        """Erase profile, chat addresses, free text and state; detach choice answers.

        ``now`` dates what the erasure queues (a freed place's message to the first waiting);
        the service passes its clock's time.

        Choice answers stay, under a new random identifier that nothing links to the person,
        so that totals already reported do not change.
        """


class ConcurrentUpdate(Exception):
    """Two events created the same participant at once; the event should be retried."""


# --- bulk messages: the outbox and the senders -------------------------------------------


class Outcome(enum.Enum):
    SENT = "sent"
    RETRY = "retry"  # rate limited (retry_after) or a passing failure (5xx, timeout)
    UNREACHABLE = "unreachable"  # the person blocked the bot or is gone (403)
    FAILED = "failed"  # the platform refused this message (400): retrying will not help


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    retry_after: float | None = None  # seconds, when the platform said how long to wait
    detail: str = ""
    message_id: str | None = None
    """The platform's id of the message sent, where it reports delivery later (WhatsApp)."""
    outage: bool = False
    """With ``RETRY``: the platform could not be reached or said it is down (connection
    refused or reset, a timeout, HTTP 502/503/504). Nothing is wrong with this message: the
    dispatcher pauses the whole channel, probes it, and does not count the attempt."""


OUTAGE_STATUSES = frozenset({502, 503, 504})
"""HTTP answers that say the platform, or the gateway in front of it, is down (an outage),
rather than that it failed this one request (500)."""


DELIVERY_ORDER = ("sent", "delivered", "read", "failed")
"""What a platform reports of a message, in the order it can happen (failed ends it)."""


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A platform's later word on a message it accepted (`SendResult.message_id`)."""

    message_id: str
    status: str  # one of DELIVERY_ORDER
    unreachable: bool = False
    """With ``failed``: the person cannot be reached on this channel at all."""
    detail: str = ""


class Sender(abc.ABC):
    """One channel's way of delivering one message, one attempt, no retry inside."""

    @abc.abstractmethod
    async def send(self, address: str, reply: Reply) -> SendResult: ...


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A queued message as the dispatcher sees it: whom, where, in which language, about what."""

    id: int
    job: str
    participant: str
    channel: str
    address: str
    language: str
    kind: Kind
    payload: dict[str, object] = field(default_factory=dict)
    attempts: int = 0


class Outbox(abc.ABC):
    """Durable queue of bulk messages: a row per (job, recipient), written before any send.

    Jobs are named ``wave:<poll>:<n>:invite``, ``wave:<poll>:<n>:remind``, ``broadcast:<id>``.
    """

    @abc.abstractmethod
    async def open_wave(self, wave: Wave, audience: Audience, now: datetime) -> int | None:
        """Record the wave as opened and queue one invitation per participant in the audience
        (consented, not opted out, reachable), in one transaction. None if the wave had already
        been opened (by this or another process): the database decides, so it happens once."""

    @abc.abstractmethod
    async def queue_reminders(self, wave: Wave, now: datetime) -> int | None:
        """Queue one reminder per invited participant who has not completed the wave; None if
        this wave's reminders were already queued."""

    @abc.abstractmethod
    async def queue_broadcast(
        self, topic: str | None, texts: dict[str, str], photo: str | None, now: datetime
    ) -> tuple[str, int]:
        """Queue a broadcast to a topic's subscribers (every consenting participant if None);
        returns the job name and how many were queued."""

    @abc.abstractmethod
    async def claim(
        self, limit: int, worker: str, now: datetime, lease_seconds: float
    ) -> list[OutboxMessage]:
        """Take up to ``limit`` due messages for sending. A claim not settled within the lease
        (a crashed sender) becomes due again: that is the in-flight window for duplicates."""

    @abc.abstractmethod
    async def settle(
        self, message: OutboxMessage, result: SendResult, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record a send's outcome: sent; due again at ``retry_at``; failed; or unreachable,
        which also marks the participant unreachable so no later job includes them."""

    @abc.abstractmethod
    async def job_counts(self, job: str) -> dict[str, int]:
        """How many messages of a job are queued, sending, sent, failed, unreachable."""


class Translator(abc.ABC):
    """Machine suggestions for a moderator translating a statement (`bots.web`). None is
    bundled: a deployment that wants one wires its own; the moderator always has the last word.
    """

    @abc.abstractmethod
    async def suggest(self, text: str, source: str | None, target: str) -> str | None:
        """``text`` (in ``source``, None if unknown) in ``target``; None when there is none."""
