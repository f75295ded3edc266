"""Transport-neutral value objects: what comes in from a person, what goes back out.

Telegram, the terminal and SMS all speak in these; nothing here knows any platform.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from conversations.consultation_values import (
    ConsultationAnswered,
    StatementSubmitted,
    StatementVoted,
)


@dataclass(frozen=True, slots=True)
class ParticipantKey:
    """Who wrote, as the channel knows them: ``("telegram", "123456")``.

    This key is pseudonymized before anything is stored next to answers.
    """

    channel: str
    user: str


@dataclass(frozen=True, slots=True)
class Text:
    """The person typed text (or a /command).

    NUL characters are dropped: nobody types them, and PostgreSQL refuses them in text, which
    would fail the whole transaction of the event (and of its batch).
    """

    text: str

    def __post_init__(self) -> None:
        if "\x00" in self.text:
            object.__setattr__(self, "text", self.text.replace("\x00", ""))


@dataclass(frozen=True, slots=True)
class Press:
    """The person pressed a button; ``data`` is the button's data as the engine made it
    (forged data may hold anything; NUL characters are dropped as in `Text`)."""

    data: str

    def __post_init__(self) -> None:
        if "\x00" in self.data:
            object.__setattr__(self, "data", self.data.replace("\x00", ""))


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A sticker, photo, voice note or anything else that is neither text nor a button."""

    kind: str


Event = Text | Press | Unsupported


@dataclass(frozen=True, slots=True)
class Inbound:
    """One update from one person on one channel.

    ``update_id`` identifies the update on its channel so that a redelivery is not processed
    twice; ``address`` is where replies go (a chat id, a phone number) and is kept apart from
    everything else; ``locale`` is the client's language hint, if the platform gives one.
    """

    key: ParticipantKey
    event: Event
    address: str
    update_id: int | None = None
    locale: str | None = None
    buttons: bool = True
    """False for a channel without buttons (SMS): options are numbered in the text and chosen
    by typing their numbers or words (see `conversations.texting`)."""
    silent_while_stopped: bool = False
    """True where every message costs and carriers refuse them after STOP (SMS): after STOP
    nothing at all is answered until START, not even HELP."""


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A message for the person.

    ``buttons`` are rows of buttons. ``replace`` asks the channel to replace the message whose
    button was pressed (used when toggling options of a multiple-choice question) rather than
    send a new one; channels that cannot edit simply send it. ``expects_text`` says the person
    should type the answer (a number, free text): buttons are then extras such as "Skip", and a
    channel that numbers its options must not number these. ``photo`` (a URL or a file path)
    goes with the text where the channel can show pictures. ``several`` says the person names
    several options in one message ("1 3"): a channel must not offer them as one-tap choices.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False
    expects_text: bool = False
    photo: str | None = None
    several: bool = False

    @property
    def flat_buttons(self) -> tuple[Button, ...]:
        return tuple(b for row in self.buttons for b in row)


# --- Records: what the engine asks the store to keep -------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerGiven:
    """An answer to one poll question; replaces any earlier answer to the same question.

    ``wave`` is the round of a repeating poll (0 for a poll without a schedule).
    ``choices`` holds choice ids (single and multiple choice, region, scale as "3");
    ``number`` a number answer; ``text`` a free-text answer with its detected language.
    An answer with nothing in it records a skipped optional question.
    """

    poll_id: str
    question_id: str
    choices: tuple[str, ...] = ()
    number: float | None = None
    text: str | None = None
    language: str | None = None
    language_probability: float | None = None
    wave: int = 0


@dataclass(frozen=True, slots=True)
class ProfileGiven:
    """A profile answer; ``value`` None means "prefer not to say"."""

    field: str
    value: str | None


@dataclass(frozen=True, slots=True)
class ConsentGiven:
    pass


@dataclass(frozen=True, slots=True)
class OptOut:
    """The person paused (``stopped=True``) or resumed contact."""

    stopped: bool


@dataclass(frozen=True, slots=True)
class PollCompleted:
    """The person answered every question of a poll (of one wave) that applied to them."""

    poll_id: str
    wave: int = 0


@dataclass(frozen=True, slots=True)
class SubscriptionChanged:
    topic: str
    subscribed: bool


@dataclass(frozen=True, slots=True)
class Forget:
    """Erase the person: profile, chat address, free text and conversation state."""


@dataclass(frozen=True, slots=True)
class SignUp:
    """Take a place on an initiative, or a place on its waitlist when its ``capacity`` is taken.

    The store decides which, atomically (see `Decision`). ``contact`` is what the volunteer
    chose to share with the organizer for this initiative only (None: nothing shared).
    """

    initiative_id: str
    capacity: int
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class CancelSignUp:
    """Give up a place (or a waitlist place); the first on the waitlist moves up and is told."""

    initiative_id: str
    capacity: int


@dataclass(frozen=True, slots=True)
class RedeemCode:
    """A staff invite code (``kind="staff"``) or a closed group's access code (``"group"``).

    Only the store can tell whether it is valid; wrong codes count towards a rate limit.
    """

    kind: Literal["staff", "group"]
    code: str


@dataclass(frozen=True, slots=True)
class FeedbackGiven:
    """A volunteer's answer after an initiative: did it take place, and how was it (1-5)."""

    initiative_id: str
    took_place: bool | None = None
    rating: int | None = None


@dataclass(frozen=True, slots=True)
class MessageSignUps:
    """An organizer's message to everyone signed up to an initiative, relayed via the outbox."""

    initiative_id: str
    text: str
    language: str


@dataclass(frozen=True, slots=True)
class StaffBroadcast:
    """A broadcast from chat to a topic's subscribers (``topic``), to a closed group's members
    (``group``), or else to the sign-ups of the organizer's initiatives; via the outbox."""

    topic: str | None
    text: str
    language: str
    group: str | None = None
    translations: Mapping[str, str] = field(default_factory=dict)
    """The same message in other languages (the workspace composes one per language); each
    recipient gets theirs, else ``text``."""


@dataclass(frozen=True, slots=True)
class InitiativeCancelled:
    """An organizer cancelled an initiative they run; everyone signed up is told."""

    initiative_id: str


@dataclass(frozen=True, slots=True)
class InitiativeSaved:
    """An organizer created (or edited) an initiative in chat; ``data`` is its definition as
    JSON-ready values (`conversations.definitions.Initiative`)."""

    initiative_id: str
    data: dict[str, object]
    edited: bool = False
    """An edit: everyone signed up is told, and new places go to the waiting list."""


@dataclass(frozen=True, slots=True)
class WebLinkRequested:
    """A staff member asks for a one-time sign-in link to the workspace in the browser
    (`bots.web`): the store makes it (``Decision("accepted", token)``) or, for someone without
    a role, refuses."""


DecidedRecord = SignUp | CancelSignUp | RedeemCode | WebLinkRequested
"""Records whose effect only the store can decide (a seat, a code); see `Decision`."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What the store decided when it applied a `DecidedRecord`.

    ``result``: for `SignUp` ``placed``, ``waitlisted``, ``already``; for `CancelSignUp`
    ``cancelled`` or ``not_signed_up``; for `RedeemCode` ``accepted`` (``value``: the role, or
    ``"<group id>:<1 if Chatham House else 0>:<group name>"``), ``refused`` or ``limited``
    (too many wrong codes lately); for `WebLinkRequested` ``accepted`` (``value``: the
    link's token) or ``refused``.
    """

    result: str
    value: str | None = None


Record = (
    AnswerGiven
    | ProfileGiven
    | ConsentGiven
    | OptOut
    | PollCompleted
    | SubscriptionChanged
    | Forget
    | SignUp
    | CancelSignUp
    | RedeemCode
    | WebLinkRequested
    | FeedbackGiven
    | MessageSignUps
    | StaffBroadcast
    | InitiativeCancelled
    | InitiativeSaved
    | ConsultationAnswered
    | StatementSubmitted
    | StatementVoted
)


CommunityRecord = (
    FeedbackGiven | MessageSignUps | StaffBroadcast | InitiativeCancelled | InitiativeSaved
)
"""Community records the store keeps as they are (no decision to return)."""


@dataclass(frozen=True, slots=True)
class Transition:
    """The engine's answer to one event. ``state`` None means: keep no state for this person.

    ``then``: when the records hold a `DecidedRecord` (at most one), the service applies it at
    once, in the same transaction, and replaces this transition by ``then(decision)`` — the
    engine's (pure) answer for each outcome. The engine never guesses a seat or a code.
    """

    state: ConversationState | None
    replies: tuple[Reply, ...]
    records: tuple[Record, ...] = ()
    then: Callable[[Decision], Transition] | None = None


Stage = Literal["language", "profile", "menu", "poll", "stopped", "compose", "consultation"]


@dataclass(frozen=True, slots=True)
class ConversationState:
    """Where one consenting person stands in the conversation.

    Persisted as versioned JSON (see `to_json` / `from_json`, which also reads older versions).
    ``seq`` numbers the prompts: a button carries the ``seq`` of the prompt it belongs to, so a
    press on an older message is recognised as expired. Polls are keyed ``"<poll>#<wave>"``
    (wave 0 for a poll without a schedule): ``answers`` maps such a key to question id →
    answer, the conversation's own copy used for skip logic and /mydata; ``completed`` lists
    the keys answered to the end; ``wave`` is the wave of the poll in progress.
    ``groups`` are the closed groups joined (a copy; the store's membership rows decide
    audiences); ``draft`` holds what an open "compose" stage is writing (a message to
    sign-ups, a broadcast, a contact to share, a new initiative) and where to return to.
    Fields added later have defaults, so state saved before them still loads.
    In the ``consultation`` stage, ``consultation`` is the consultation taken part in,
    ``consult_step`` one of ``answer``, ``statement``, ``vote``, and ``statement`` the id of
    the statement being voted on (absent from older stored states: they default to None).
    ``consult_answers`` (``"<consultation>#<round>"`` → text), ``consult_statements``
    (consultation → texts) and ``consult_votes`` (consultation → how many) are the
    conversation's own copy of what the person gave, for /mydata.
    ``offered`` (channels without buttons only) holds (label, button data) of the options of
    the last reply when that reply was not the current prompt, such as a list of initiatives:
    a typed "2" then chooses the second of them (see `Engine.interpret`).
    """

    VERSION = 2

    stage: Stage
    language: str
    seq: int = 0
    profile_index: int = 0
    poll_id: str | None = None
    question_id: str | None = None
    wave: int = 0
    selected: tuple[str, ...] = ()
    return_to: str | None = None
    profile: dict[str, str | None] = field(default_factory=dict)
    answers: dict[str, dict[str, AnswerValue]] = field(default_factory=dict)
    completed: tuple[str, ...] = ()
    subscriptions: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    draft: dict[str, str] | None = None
    last_active: datetime | None = None  # when the person last wrote (for slow channels)
    consultation: str | None = None
    consult_step: str | None = None
    statement: int | None = None
    consult_answers: dict[str, str] = field(default_factory=dict)
    consult_statements: dict[str, list[str]] = field(default_factory=dict)
    consult_votes: dict[str, int] = field(default_factory=dict)
    offered: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "v": self.VERSION,
            "stage": self.stage,
            "language": self.language,
            "seq": self.seq,
            "profile_index": self.profile_index,
            "poll_id": self.poll_id,
            "question_id": self.question_id,
            "wave": self.wave,
            "selected": list(self.selected),
            "return_to": self.return_to,
            "profile": dict(self.profile),
            "answers": {p: dict(a) for p, a in self.answers.items()},
            "completed": list(self.completed),
            "subscriptions": list(self.subscriptions),
            "groups": list(self.groups),
            "draft": None if self.draft is None else dict(self.draft),
            "last_active": self.last_active.isoformat() if self.last_active else None,
            "consultation": self.consultation,
            "consult_step": self.consult_step,
            "statement": self.statement,
            "consult_answers": dict(self.consult_answers),
            "consult_statements": {c: list(t) for c, t in self.consult_statements.items()},
            "consult_votes": dict(self.consult_votes),
            "offered": [list(option) for option in self.offered],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ConversationState:
        version = data.get("v")
        if version == 1:
            data = _upgrade_from_1(data)
        elif version != cls.VERSION:
            raise StateVersionError(version, cls.VERSION)
        return cls(
            stage=data["stage"],  # type: ignore[arg-type]
            language=str(data["language"]),
            seq=int(data["seq"]),  # type: ignore[call-overload]
            profile_index=int(data["profile_index"]),  # type: ignore[call-overload]
            poll_id=data.get("poll_id"),  # type: ignore[arg-type]
            question_id=data.get("question_id"),  # type: ignore[arg-type]
            wave=int(data.get("wave") or 0),  # type: ignore[call-overload]
            selected=tuple(data.get("selected") or ()),  # type: ignore[arg-type]
            return_to=data.get("return_to"),  # type: ignore[arg-type]
            profile=dict(data.get("profile") or {}),  # type: ignore[call-overload]
            answers={
                p: dict(a)
                for p, a in (data.get("answers") or {}).items()  # type: ignore[attr-defined]
            },
            completed=tuple(data.get("completed") or ()),  # type: ignore[arg-type]
            subscriptions=tuple(data.get("subscriptions") or ()),  # type: ignore[arg-type]
            groups=tuple(data.get("groups") or ()),  # type: ignore[arg-type]
            draft=data.get("draft"),  # type: ignore[arg-type]
            last_active=_datetime(data.get("last_active")),
            consultation=data.get("consultation"),  # type: ignore[arg-type]
            consult_step=data.get("consult_step"),  # type: ignore[arg-type]
            statement=data.get("statement"),  # type: ignore[arg-type]
            consult_answers=dict(data.get("consult_answers") or {}),  # type: ignore[call-overload]
            consult_statements={
                c: list(t)
                for c, t in (data.get("consult_statements") or {}).items()  # type: ignore[attr-defined]
            },
            consult_votes=dict(data.get("consult_votes") or {}),  # type: ignore[call-overload]
            offered=tuple(
                (str(label), str(pressed))
                for label, pressed in data.get("offered") or ()  # type: ignore[attr-defined]
            ),
        )


def _datetime(value: object) -> datetime | None:
    """An aware datetime from its ISO text (absent in states stored before it was kept)."""
    if not isinstance(value, str):
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def poll_key(poll_id: str, wave: int) -> str:
    return f"{poll_id}#{wave}"


def _upgrade_from_1(data: dict[str, object]) -> dict[str, object]:
    """Version 1 knew no waves: its polls are wave 0."""
    answers = data.get("answers") or {}
    completed = data.get("completed") or ()
    return {
        **data,
        "v": 2,
        "wave": 0,
        "answers": {poll_key(p, 0): a for p, a in answers.items()},  # type: ignore[attr-defined]
        "completed": [poll_key(p, 0) for p in completed],  # type: ignore[attr-defined]
        "subscriptions": [],
    }


AnswerValue = str | float | list[str] | None
"""How the conversation remembers an answer: choice id(s), a number, a text, or skipped."""


class ConversationError(Exception):
    """Root of the errors raised by the conversations package."""


class StateVersionError(ConversationError):
    def __init__(self, version: object, expected: int) -> None:
        super().__init__(f"conversation state has version {version!r}, expected {expected}")
        self.version = version
