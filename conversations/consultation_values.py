"""Value objects of consultations: what the engine records, and the read-only view of the
votes it is given.

The engine is pure, but which statement to show next depends on every vote in the database.
So the service reads a `ConsultationView` through the `UnitOfWork` port *before* calling
`Engine.step` (`Engine.consultation_wanted` says which consultation, if any, an event needs)
and passes it in as ``step(..., consultation=view)``. The view is a snapshot for one
participant: the approved statements they have not voted on yet, each with its vote counts.
Within one batch of events the service keeps the view current with `ConsultationView.after`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

VoteValue = Literal[1, -1, 0]
"""Agree (1), disagree (-1), pass (0). Note: Pol.is stores agree as -1; we do not."""

VOTES: dict[str, VoteValue] = {"a": 1, "d": -1, "p": 0}


@dataclass(frozen=True, slots=True)
class ConsultationAnswered:
    """A free-text answer to a consultation's question (of a round); replaces an earlier one."""

    consultation_id: str
    text: str
    language: str | None
    language_probability: float | None
    round: int = 0


@dataclass(frozen=True, slots=True)
class StatementSubmitted:
    """A statement for others to vote on, already screened (``text`` is redacted).

    ``status`` is ``pending`` (strict moderation: a mediator decides), ``approved`` (post
    moderation) or ``blocked`` (the block list caught it; kept for the mediator, never shown).
    """

    consultation_id: str
    text: str
    language: str | None
    status: Literal["pending", "approved", "blocked"]


@dataclass(frozen=True, slots=True)
class StatementVoted:
    """A vote on a statement; each person votes once on each statement."""

    consultation_id: str
    statement_id: int
    vote: VoteValue


ConsultationRecord = ConsultationAnswered | StatementSubmitted | StatementVoted


def priority(agree: int, passes: int, seen: int, extremity: float = 0.0) -> float:
    """How much showing a statement next is worth, after Pol.is.

    Source: compdemocracy/polis, ``math/src/polismath/math/conversation.clj``
    (``importance-metric`` and ``priority-metric``)::

        importance = (1 - p) · (E + 1) · a,   p = (P + 1)/(S + 2),   a = (A + 1)/(S + 2)
        priority   = (importance · (1 + 8 · 2^(-S/5)))²

    with A agrees, P passes, S votes seen, E the statement's extremity in the opinion space
    (0 when no analysis is at hand). The factor 1 + 8 · 2^(-S/5) lets new statements bubble
    up; statements most people pass on sink.
    """
    p = (passes + 1) / (seen + 2)
    a = (agree + 1) / (seen + 2)
    importance = (1 - p) * (extremity + 1) * a
    return (importance * (1 + 8 * 2 ** (-seen / 5))) ** 2


@dataclass(frozen=True, slots=True)
class StatementView:
    """An approved statement as a voter sees it: its text (by language) and its votes so far."""

    id: int
    texts: Mapping[str, str]
    agree: int = 0
    disagree: int = 0
    passes: int = 0

    @property
    def seen(self) -> int:
        return self.agree + self.disagree + self.passes

    @property
    def priority(self) -> float:
        return priority(self.agree, self.passes, self.seen)

    def text(self, language: str, fallback: str) -> str:
        return (
            self.texts.get(language)
            or self.texts.get(fallback)
            or next(iter(self.texts.values()), "")
        )


@dataclass(frozen=True, slots=True)
class ConsultationView:
    """One participant's read-only snapshot of a consultation (see the module docstring).

    ``unvoted``: approved statements not written by them and not yet voted on by them;
    ``answered``: whether they answered the question of the current ``round``;
    ``round_question``: the follow-up question of that round, by language (round 0 asks the
    deployment's question).
    """

    consultation_id: str
    unvoted: tuple[StatementView, ...] = ()
    answered: bool = False
    round: int = 0
    round_question: Mapping[str, str] = field(default_factory=dict)

    def statement(self, statement_id: int | None) -> StatementView | None:
        return next((s for s in self.unvoted if s.id == statement_id), None)

    def next_statement(self) -> StatementView | None:
        """The statement with the highest priority (ties: the oldest, i.e. lowest id).

        Pol.is draws at random, weighted by priority; the engine is deterministic, and the
        new-statement boost already spreads voters over new statements as votes come in.
        """
        if not self.unvoted:
            return None
        return max(self.unvoted, key=lambda s: (s.priority, -s.id))

    def after(self, records: Iterable[object]) -> ConsultationView:
        """This view once ``records`` (of one event) are stored."""
        voted = {
            r.statement_id
            for r in records
            if isinstance(r, StatementVoted) and r.consultation_id == self.consultation_id
        }
        answered = self.answered or any(
            isinstance(r, ConsultationAnswered) and r.consultation_id == self.consultation_id
            for r in records
        )
        if not voted and answered == self.answered:
            return self
        kept = tuple(s for s in self.unvoted if s.id not in voted)
        return replace(self, unvoted=kept, answered=answered)
