"""Tables, as SQLAlchemy declarative models that work on SQLite and PostgreSQL alike.

Answers are kept apart from the people who gave them: ``answers.respondent`` is a pseudonym
(or, after /forget, a random tombstone) and deliberately not a foreign key, while chat
addresses live in their own table, read only to send messages.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names are fixed here so that migrations name the same thing on every backend."""


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC and always read back aware in UTC.

    PostgreSQL keeps the offset (``timestamptz``); SQLite stores a naive text, so values are
    converted to UTC on the way in and marked as UTC on the way out. Naive values are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: only aware datetimes are stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Participant(Base):
    """A person who has talked to the bot, named by their pseudonym."""

    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, object]] = mapped_column(JSON)
    consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """When the conversation state was last saved."""
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    """The conversation language (a copy of ``state.language``, for rendering bulk messages)."""
    unreachable_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the channel said the person cannot be reached (blocked the bot); no bulk message
    goes to them from then on."""


class ChatAddress(Base):
    """Where to reach a participant on one channel; read only to send messages."""

    __tablename__ = "chat_addresses"

    participant_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    address: Mapped[str] = mapped_column(String(128))


class ProfileValue(Base):
    """One profile answer (region, age group, ...) of a participant."""

    __tablename__ = "profile_values"

    participant_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))


class Answer(Base):
    """One row of an answer to a poll question.

    A multiple-choice answer is one row per selected choice; a scale value is stored as its
    text ("3") and a region as its id, all in ``choice``. A skipped optional question is one
    row whose ``choice``, ``number`` and ``text`` are all NULL.
    """

    __tablename__ = "answers"
    __table_args__ = (
        # Covering for the cross-tabs (storage/crosstabs.py): no answer's row is read.
        Index(
            "ix_answers_poll_question",
            "poll_id",
            "question_id",
            "wave",
            "choice",
            "number",
            "respondent",
        ),
        Index("ix_answers_respondent", "respondent"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    respondent: Mapped[str] = mapped_column(String(64))
    poll_id: Mapped[str] = mapped_column(String(32))
    question_id: Mapped[str] = mapped_column(String(32))
    wave: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    choice: Mapped[str | None] = mapped_column(String(64))
    number: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    text_language: Mapped[str | None] = mapped_column(String(8))
    text_language_probability: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Completion(Base):
    """A participant answered a poll (of one wave) to the end; wave 0 for unscheduled polls."""

    __tablename__ = "completions"

    participant_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    poll_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    wave: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Subscription(Base):
    """A participant wants the broadcasts of a topic."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_topic", "topic"),)

    participant_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)


class WaveRecord(Base):
    """A wave of a repeating poll that has been opened: the row exists once, whoever opened it."""

    __tablename__ = "waves"

    poll_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    invited: Mapped[int] = mapped_column(Integer)
    reminders_queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Broadcast(Base):
    """A message to a topic's subscribers (or everyone), its text in each language."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str | None] = mapped_column(String(32))
    texts: Mapped[dict[str, str]] = mapped_column(JSON)
    photo: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


OUTBOX_STATUSES = ("queued", "sending", "sent", "failed", "unreachable")

OutboxId = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit key on PostgreSQL; on SQLite ``INTEGER PRIMARY KEY``, the only kind that counts up
by itself there (and is 64-bit anyway)."""


class OutboxRow(Base):
    """One bulk message to one participant, written before it is sent (see `storage.outbox`).

    ``status`` goes queued → sending (claimed by a dispatcher, ``claimed_by``/``claimed_at``) →
    sent, failed or unreachable, or back to queued with a later ``due_at`` for a retry.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("job", "participant_id"),
        Index("ix_outbox_status_due_at_id", "status", "due_at", "id"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in OUTBOX_STATUSES) + ")", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(OutboxId, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("participants.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    platform_id: Mapped[str | None] = mapped_column(String(128), index=True)
    """The platform's id of the message sent, where it reports delivery later (WhatsApp)."""
    delivery: Mapped[str | None] = mapped_column(String(12))
    """What the platform last reported of it: sent, delivered, read or failed."""


class ProcessedUpdate(Base):
    """An update (a channel's message or button press) that has been processed once.

    ``reply_owed`` holds the replies of an update whose channel confirms it only once they
    were sent (Telegram), from the commit until they were sent: if the update comes again
    after a crash in between, they are sent then (`UnitOfWork.owed_replies`).
    """

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reply_owed: Mapped[str | None] = mapped_column(Text)


# --- initiatives, sign-ups, staff and closed groups (see storage.community) ---------------


class StaffRole(Base):
    """A role (admin, organizer, mediator) held by a person, named by their pseudonym.

    Not a foreign key: a role can be granted (from the CLI) before the person first writes.
    """

    __tablename__ = "staff_roles"

    participant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffInvite(Base):
    """A one-time code that grants a role; only its SHA-256 is kept."""

    __tablename__ = "staff_invites"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """A staff action: who (pseudonym, or ``cli``), what, about what. Never a message text."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(100))


class WebSignIn(Base):
    """A one-time sign-in link to the staff workspace (`bots.web`); only its SHA-256 is kept.

    Valid for minutes and used once: redeeming sets ``used_at`` in the same statement that
    checks it, so two requests with one link cannot both sign in.
    """

    __tablename__ = "web_sign_ins"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ClosedGroup(Base):
    """A closed group of people who joined with its access code (kept as SHA-256 only)."""

    __tablename__ = "closed_groups"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    """None once the code is revoked: nobody can join until a new one is made."""
    chatham_house: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    code_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("closed_groups.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CodeAttempt(Base):
    """A wrong code (staff invite or group access code), counted for the rate limit."""

    __tablename__ = "code_attempts"
    __table_args__ = (Index("ix_code_attempts_participant_id_at", "participant_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class StoredInitiative(Base):
    """An initiative an organizer made in chat (the deployment's own live in its YAML)."""

    __tablename__ = "initiatives"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organizer: Mapped[str | None] = mapped_column(String(64))
    """The organizer's pseudonym; None after they used /forget."""
    definition: Mapped[dict[str, object]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InitiativeLock(Base):
    """One row per initiative anyone signed up to, locked (``FOR UPDATE``) while its places
    are counted and given, so two volunteers never take the same last place (PostgreSQL;
    SQLite lets one writer in at a time anyway)."""

    __tablename__ = "initiative_locks"

    initiative_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    """The capacity places were last given by, for freeing places where the definition is not
    at hand (a volunteer's /forget)."""


class SignUpRow(Base):
    """A volunteer's place (``placed``) or waiting-list place (``waitlisted``); ``contact`` is
    only what they chose to share with the organizer for this initiative."""

    __tablename__ = "sign_ups"
    __table_args__ = (
        UniqueConstraint("initiative_id", "participant_id"),
        Index("ix_sign_ups_initiative_id_status_id", "initiative_id", "status", "id"),
        CheckConstraint("status IN ('placed', 'waitlisted')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    initiative_id: Mapped[str] = mapped_column(String(32))
    participant_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("participants.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(12))
    contact: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InitiativeFeedback(Base):
    """A volunteer's answer after an initiative; read only as counts."""

    __tablename__ = "initiative_feedback"

    initiative_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    participant_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    took_place: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- consultations (see conversations.consulting) ------------------------------------------


class ConsultationAnswer(Base):
    """A free-text answer to a consultation's question (round 0, or a follow-up round).

    ``respondent`` is a pseudonym, as in ``answers``; ``text`` has passed the automatic screen
    (contact details removed). ``theme`` is the theme a mediator confirmed, if any.
    """

    __tablename__ = "consultation_answers"
    __table_args__ = (UniqueConstraint("consultation_id", "round", "respondent"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(String(32))
    round: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    respondent: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    language_probability: Mapped[float | None] = mapped_column(Float)
    theme: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


STATEMENT_STATUSES = ("pending", "approved", "rejected", "blocked")


class Statement(Base):
    """A statement people vote on: written by a participant (``author``, a pseudonym; NULL
    once they used /forget) or a mediator's seed (``seed``: its place in the definition).

    ``texts`` maps a language to the text (a participant's statement has one; seeds have every
    language of the deployment). Only ``approved`` statements are shown to anyone.
    """

    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("consultation_id", "seed"),
        Index("ix_statements_consultation_id_status", "consultation_id", "status"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATEMENT_STATUSES) + ")", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(String(32))
    author: Mapped[str | None] = mapped_column(String(64))
    seed: Mapped[int | None] = mapped_column(Integer)
    texts: Mapped[dict[str, str]] = mapped_column(JSON)
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    moderated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    agrees: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    disagrees: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    passes: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    """Vote counters, kept with each vote in its transaction: the order in which statements
    are shown needs them at every vote, and counting the votes each time would not scale."""


class StatementVote(Base):
    """One person's vote on one statement: 1 agree, -1 disagree, 0 pass."""

    __tablename__ = "statement_votes"
    # a person's votes in a consultation (every event of theirs), and all of its votes
    __table_args__ = (
        Index("ix_statement_votes_consultation_id_participant", "consultation_id", "participant"),
    )

    statement_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    participant: Mapped[str] = mapped_column(String(64), primary_key=True)
    consultation_id: Mapped[str] = mapped_column(String(32))
    vote: Mapped[int] = mapped_column(Integer)
    voted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConsultationRound(Base):
    """A follow-up question opened on a consultation: its answers are round ``number``."""

    __tablename__ = "consultation_rounds"

    consultation_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    question: Mapped[dict[str, str]] = mapped_column(JSON)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
