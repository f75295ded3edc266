"""What a deployment says: organization, languages, profile questions and polls.

These are immutable value objects. `config.deployment` reads them from YAML and validates them
(with every deployment language required on every user-facing text); the engine only reads them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time, tzinfo
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
IDENTIFIER_MAX_LENGTH = 32

Identifier = Annotated[
    str, Field(min_length=1, max_length=IDENTIFIER_MAX_LENGTH, pattern=IDENTIFIER_PATTERN)
]


def is_identifier(text: str) -> bool:
    """Whether ``text`` is a valid id (of a poll, a region, a closed group ...)."""
    return len(text) <= IDENTIFIER_MAX_LENGTH and re.fullmatch(IDENTIFIER_PATTERN, text) is not None


def _require_languages(value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    languages = (info.context or {}).get("languages", ())
    for language in languages:
        if not value.get(language, "").strip():
            raise PydanticCustomError(
                "missing_language", "no '{language}' text", {"language": language}
            )
    return value


Text = Annotated[dict[str, str], AfterValidator(_require_languages)]
"""A user-facing text in every language of the deployment: ``{en: ..., fr: ..., ar: ...}``."""


def localized(text: Mapping[str, str], language: str, fallback: str) -> str:
    """The text in ``language``, else in ``fallback``, else any text there is."""
    return text.get(language) or text.get(fallback) or next(iter(text.values()), "")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Choice(_Frozen):
    id: Identifier
    label: Text


class Region(_Frozen):
    id: Identifier
    name: Text
    pcode: str | None = None
    """The area's P-code (OCHA's place code, e.g. ``SS01``), if the deployment has them:
    exports tag regions ``#adm1 +code`` only with these."""


class ShowIf(_Frozen):
    """Ask a question only when an earlier answer is one of ``any_of``."""

    question: Identifier
    any_of: tuple[str, ...] = Field(min_length=1)


class _Question(_Frozen):
    id: Identifier
    prompt: Text
    optional: bool = False
    show_if: ShowIf | None = None
    label: Text | None = None
    """A short name for reports ("Region", "Age group"); the prompt when not given. Ids are
    never shown to a reader."""


class SingleChoice(_Question):
    type: Literal["single_choice"]
    choices: tuple[Choice, ...] = Field(min_length=2, max_length=20)


class MultipleChoice(_Question):
    type: Literal["multiple_choice"]
    choices: tuple[Choice, ...] = Field(min_length=2, max_length=20)
    max_choices: int | None = Field(default=None, ge=1)


class Scale(_Question):
    type: Literal["scale"]
    min: int = 1
    max: int = 5
    min_label: Text
    max_label: Text

    @model_validator(mode="after")
    def _bounds(self) -> Scale:
        if not 2 <= self.max - self.min + 1 <= 11:
            raise ValueError("a scale has between 2 and 11 points (min..max)")
        return self


class Number(_Question):
    type: Literal["number"]
    min: float
    max: float
    integer: bool = True

    @model_validator(mode="after")
    def _bounds(self) -> Number:
        if self.min > self.max:
            raise ValueError("min is larger than max")
        return self


class FreeText(_Question):
    type: Literal["free_text"]
    max_length: int = Field(default=500, ge=1, le=3000)


class RegionQuestion(_Question):
    type: Literal["region"]


Question = Annotated[
    SingleChoice | MultipleChoice | Scale | Number | FreeText | RegionQuestion,
    Field(discriminator="type"),
]

ProfileQuestion = Annotated[SingleChoice | RegionQuestion, Field(discriminator="type")]
"""Profile questions are single choice or region; each can always be skipped."""


class Audience(_Frozen):
    """Who is invited to a wave: everyone who consented, or only some regions / profiles.

    ``profile`` maps a profile question id to the answers that qualify (``{gender: [woman]}``);
    a person who did not state that field does not qualify for a filter on it.
    """

    regions: tuple[str, ...] = ()
    profile: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    group: Identifier | None = None
    """Members of this closed group only (set from the poll's own ``group``)."""


class Schedule(_Frozen):
    """A poll that repeats in waves: ``waves`` rounds, one every ``every_days`` days (or on a
    ``cron`` expression), each open for ``open_days`` days. Times are in the deployment's time
    zone when ``start`` has no offset."""

    start: datetime
    every_days: float | None = Field(default=None, gt=0)
    cron: str | None = None
    waves: int = Field(ge=1, le=500)
    open_days: float = Field(gt=0)
    reminder_after_hours: float | None = Field(default=72, gt=0)
    audience: Audience = Field(default_factory=Audience)

    @model_validator(mode="after")
    def _one_rhythm(self) -> Schedule:
        if (self.every_days is None) == (self.cron is None):
            raise ValueError("give exactly one of every_days and cron")
        return self


class Poll(_Frozen):
    id: Identifier
    title: Text
    intro: Text
    questions: tuple[Question, ...] = Field(min_length=1)
    schedule: Schedule | None = None
    group: Identifier | None = None
    """A closed group's id: the poll is then shown only to that group's members."""

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


class Topic(_Frozen):
    """Something people can subscribe to for updates, e.g. the process, or one region."""

    id: Identifier
    name: Text
    group: Identifier | None = None
    """A closed group's topic: only its members can follow it, so its broadcasts reach them
    only."""


class QuietHours(_Frozen):
    """No bulk message goes out from ``start`` to ``end``, deployment time (may span midnight)."""

    start: time = time(21, 0)
    end: time = time(8, 0)


class Exports(_Frozen):
    """What `peacepulse export` may write besides aggregate tables."""

    respondent_rows: bool = False
    """Pseudonymous rows, one per answer: off unless the deployment's data-sharing agreements
    allow it (such rows are not protected by small-group suppression)."""


TemplatePurpose = Literal["invite", "remind", "broadcast", "followup", "initiative"]
"""What a message the service sends on its own is about (see `conversations.outbound`)."""

TemplateParameter = Literal["text", "organization"]
"""Values a template's body variables ({{1}}, {{2}}, …) can be given, in order: ``text`` the
message as it would be sent free-form (on one line), ``organization`` who runs the service."""


class WhatsAppTemplate(_Frozen):
    """A message template approved in WhatsApp Manager, sent outside the 24-hour window."""

    name: str = Field(min_length=1, max_length=512, pattern=r"^[a-z0-9_]+$")
    languages: dict[str, str] = Field(min_length=1)
    """Deployment language → the template's language code at WhatsApp (``en: en_US``)."""
    parameters: tuple[TemplateParameter, ...] = ()
    quick_replies: bool = False
    """The template has quick-reply buttons, one per button of the message, in order; each
    gets the message's button as its payload, so that pressing it works as in the window."""


class WhatsAppSettings(_Frozen):
    """How this deployment uses WhatsApp: templates per purpose, and its messaging tier."""

    templates: dict[TemplatePurpose, WhatsAppTemplate] = Field(default_factory=dict)
    daily_limit: int = Field(default=1000, ge=1)
    """Business-initiated conversations (people sent a template outside the window) per
    rolling 24 hours: the number's messaging tier (1000, 10000, 100000, ...)."""


InitiativeStatus = Literal["draft", "published", "cancelled", "done"]


class Initiative(_Frozen):
    """A confidence-building action volunteers sign up for (a dialogue, a clean-up, a walk).

    Defined in ``deployment.yaml`` or created by an organizer in chat (then stored, see
    `storage.initiatives`). ``starts``/``ends`` without an offset are in the deployment's time
    zone. ``group`` set: visible only to members of that closed group. ``provision`` names the
    agreement provision it helps implement, if any.
    """

    id: Identifier
    title: Text
    description: Text
    type: Identifier
    region: Identifier
    place: Text
    starts: datetime
    ends: datetime
    capacity: int = Field(ge=1, le=100_000)
    provision: str | None = Field(default=None, max_length=120)
    group: Identifier | None = None
    status: InitiativeStatus = "published"

    @model_validator(mode="after")
    def _times(self) -> Initiative:
        if self.ends <= self.starts:
            raise ValueError("ends must be after starts")
        return self

    def starts_at(self, zone: tzinfo) -> datetime:
        """``starts`` as an aware datetime (in ``zone`` when written without an offset)."""
        return self.starts if self.starts.tzinfo else self.starts.replace(tzinfo=zone)

    def ends_at(self, zone: tzinfo) -> datetime:
        return self.ends if self.ends.tzinfo else self.ends.replace(tzinfo=zone)


class Theme(_Frozen):
    """A theme of a mediator's codebook: answers containing one of its keywords (in the
    answer's language) are classified under it."""

    id: Identifier
    label: Text
    keywords: dict[str, tuple[str, ...]] = Field(min_length=1)


class Consultation(_Frozen):
    """Back-and-forth with the population on one element of the negotiation.

    People answer ``question`` in free text, may submit short statements, then vote Agree /
    Disagree / Pass on others' statements (see `conversations.consulting`). ``moderation``
    ``strict`` (the default) shows a statement to nobody before a mediator approved it;
    ``post`` shows what passed the automatic screen and lets a mediator withdraw it later.
    ``seeds`` are statements of the mediators, shown from the start, in every language.
    """

    id: Identifier
    element: Text
    title: Text
    context: Text
    question: Text
    phase: str = Field(default="negotiation", min_length=1, max_length=64)
    opens: datetime
    closes: datetime
    audience: Audience = Field(default_factory=Audience)
    max_length: int = Field(default=500, ge=20, le=3000)
    statements: bool = True
    statement_max_length: int = Field(default=280, ge=20, le=1000)
    moderation: Literal["strict", "post"] = "strict"
    block_list: tuple[str, ...] = ()
    seeds: tuple[Text, ...] = ()
    codebook: tuple[Theme, ...] = ()

    @model_validator(mode="after")
    def _dates(self) -> Consultation:
        if self.opens.tzinfo is not None and self.closes.tzinfo is not None:
            if self.closes <= self.opens:
                raise ValueError("closes must be after opens")
        elif self.closes.replace(tzinfo=None) <= self.opens.replace(tzinfo=None):
            raise ValueError("closes must be after opens")
        return self


class Deployment(_Frozen):
    organization: Text
    contact: str = Field(min_length=1)
    purpose: Text
    privacy_notice: Text
    languages: tuple[str, ...] = Field(min_length=1)
    default_language: str
    timezone: str = "UTC"
    regions: tuple[Region, ...] = ()
    profile: tuple[ProfileQuestion, ...] = ()
    suppression_k: int = Field(default=5, ge=1)
    topics: tuple[Topic, ...] = ()
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    stop_words: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    start_words: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    help_words: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # A typed message after this long is not taken as the answer to the question left open.
    conversation_expiry_days: float = Field(default=3.0, gt=0)
    polls: tuple[Poll, ...] = ()
    initiatives: tuple[Initiative, ...] = ()
    consultations: tuple[Consultation, ...] = ()
    population: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Population shares per profile field (``{gender: {woman: 0.51, man: 0.49}}``), from a
    census or survey: the margins results are weighted to (`insights.weighting`)."""
    population_source: str | None = None
    """Where the population shares come from (a census, a survey, with its year): the
    report's method note names it."""
    results_topic: str | None = None
    """The topic whose subscribers get results shared back (`peacepulse shareback`)."""
    public_results: tuple[str, ...] = ()
    """Polls whose results are public: the workspace serves the pages of `peacepulse publish`
    (suppressed figures only) to everyone at ``/public/POLL/``, and share-back messages link
    to them. None unless the deployment names them."""
    exports: Exports = Field(default_factory=Exports)
    whatsapp: WhatsAppSettings | None = None
    """Templates and tier for WhatsApp (required to send on WhatsApp outside the window)."""

    def poll(self, poll_id: str) -> Poll | None:
        return next((p for p in self.polls if p.id == poll_id), None)

    def consultation(self, consultation_id: str) -> Consultation | None:
        return next((c for c in self.consultations if c.id == consultation_id), None)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def initiative(self, initiative_id: str) -> Initiative | None:
        return next((i for i in self.initiatives if i.id == initiative_id), None)

    def region(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.id == region_id), None)

    def text(self, text: Mapping[str, str], language: str) -> str:
        return localized(text, language, self.default_language)

    def field_label(self, field: str, language: str) -> str:
        """A profile field's short name for readers: its label, else its prompt."""
        question = next((q for q in self.profile if q.id == field), None)
        if question is None:
            return field
        return self.text(question.label or question.prompt, language)

    def value_label(self, field: str, value: str, language: str) -> str:
        """A profile field's answer as a reader reads it (a region's name, a choice's label)."""
        question = next((q for q in self.profile if q.id == field), None)
        if isinstance(question, SingleChoice):
            choice = next((c for c in question.choices if c.id == value), None)
            return self.text(choice.label, language) if choice is not None else value
        region = self.region(value)
        return self.text(region.name, language) if region is not None else value
