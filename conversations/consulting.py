"""The participant's side of a consultation, as steps of the pure engine.

Entered with ``/consult`` or from the menu: the person reads the context and answers the
question in free text (language detected and stored), may write statements for others (screened
for personal data, then moderated), then votes Agree / Disagree / Pass on others' approved
statements one at a time, in Pol.is's priority order (`consultation_values.priority`). "Stop
for now" (or any command) leaves; ``/consult`` comes back to where they were.

Button data: ``cq:<consultation>`` opens, ``cv:<statement>:<a|d|p>`` votes, ``cx:<vote|write|
stop>`` moves between steps. A follow-up message carries ``-:cq:<consultation>``, valid
whatever was asked since.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from conversations.consultation_values import (
    VOTES,
    ConsultationAnswered,
    ConsultationView,
    StatementSubmitted,
    StatementVoted,
)
from conversations.definitions import Consultation, Deployment, RegionQuestion
from conversations.i18n import translate
from conversations.screening import screen
from conversations.texting import normalize
from conversations.values import (
    Button,
    ConversationError,
    ConversationState,
    Event,
    Press,
    Record,
    Reply,
    Transition,
)

OPEN, VOTE, MOVE = "cq", "cv", "cx"
ACTIONS = frozenset({OPEN, VOTE, MOVE})

# What a button's data ends with → its label and the short words that name it when typed.
_NAMES = {
    "vote": ("consult_to_vote", "consult_words_vote"),
    "write": ("consult_write", "consult_words_write"),
    "stop": ("consult_stop", None),
    "a": ("consult_agree", "consult_words_agree"),
    "d": ("consult_disagree", "consult_words_disagree"),
    "p": ("consult_pass", "consult_words_pass"),
}

Leave = Callable[[ConversationState, str, tuple[Record, ...]], Transition]
"""The engine's way out to the menu: (state, note, records) → transition."""

DetectLanguage = Callable[[str], tuple[str | None, float | None]]


def window(consultation: Consultation, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """When the consultation opens and closes, aware (naive times are the deployment's zone)."""
    opens, closes = consultation.opens, consultation.closes
    if opens.tzinfo is None:
        opens = opens.replace(tzinfo=zone)
    if closes.tzinfo is None:
        closes = closes.replace(tzinfo=zone)
    return opens, closes


def wanted(state: ConversationState | None, event: Event) -> str | None:
    """The consultation a press or the current stage needs a view of (``/consult`` is
    resolved by `Engine.consultation_wanted`, which knows which consultations are open)."""
    if state is None:
        return None
    if isinstance(event, Press):
        parts = event.data.split(":", 2)
        if len(parts) == 3 and parts[1] == OPEN:
            return parts[2]
    if state.stage == "consultation" or state.return_to == "consultation":
        return state.consultation  # in it, or back to it after /language or /stop
    return None


class Consultations:
    """The consultation steps of one turn of the engine (one event at ``now``)."""

    def __init__(
        self,
        deployment: Deployment,
        detect: DetectLanguage,
        now: datetime,
        view: ConsultationView | None,
        leave: Leave,
        *,
        buttons: bool = True,
    ) -> None:
        self._d = deployment
        # an emoji turns a whole SMS into UCS-2 (70 characters a segment instead of 160)
        self.marker = "💬 " if buttons else ""
        self._buttons = buttons
        self._detect = detect
        self._now = now
        self._view = view
        self._leave = leave
        self._zone = ZoneInfo(deployment.timezone)
        self._region = next(
            (q.id for q in deployment.profile if isinstance(q, RegionQuestion)), None
        )

    # --- which consultations a person may join -----------------------------------------------

    def available(self, state: ConversationState) -> list[Consultation]:
        """Open now, and the person is in the audience."""
        return [c for c in self._d.consultations if self._is_open(c) and self._admits(c, state)]

    def _is_open(self, consultation: Consultation) -> bool:
        opens, closes = window(consultation, self._zone)
        return opens <= self._now < closes

    def _admits(self, consultation: Consultation, state: ConversationState) -> bool:
        audience = consultation.audience
        if audience.group is not None and audience.group not in state.groups:
            return False  # a closed group's consultation: its members only
        if audience.regions and (
            self._region is None or state.profile.get(self._region) not in audience.regions
        ):
            return False
        return all(state.profile.get(name) in allowed for name, allowed in audience.profile.items())

    def named_button(self, state: ConversationState, prompt: Reply, text: str) -> Button | None:
        """The button of the consultation prompt that typed text names by its label or a short
        word in any of the deployment's languages ("vote", "voter", "تصويت"; "agree",
        "d'accord", "موافق"). After answering, where a statement is expected, a vote or a bare
        number is not a statement: it means voting."""
        typed = normalize(text)
        if not typed:
            return None
        for button in prompt.flat_buttons:
            if typed in self._names(button.data.rsplit(":", 1)[-1]):
                return button
        choosing = typed.isdigit() or any(typed in self._names(vote) for vote in "adp")
        if state.consult_step == "statement" and choosing:
            return next((b for b in prompt.flat_buttons if b.data.endswith(":vote")), None)
        return None

    def _names(self, suffix: str) -> frozenset[str]:
        label, words = _NAMES.get(suffix, (None, None))
        names: set[str] = set()
        for code in self._d.languages:
            if label is not None:
                names.add(normalize(translate(label, code)))
            if words is not None:
                names.update(normalize(word) for word in translate(words, code).split("|"))
        return frozenset(names)

    def menu_buttons(self, state: ConversationState) -> list[Button]:
        return [
            Button(
                self.marker + self._d.text(c.title, state.language), self._data(state, OPEN, c.id)
            )
            for c in self.available(state)
        ]

    # --- events ------------------------------------------------------------------------------

    def command(self, state: ConversationState) -> Transition:
        """``/consult``: back into the consultation in progress, the only open one, or a list."""
        if state.stage == "consultation" and state.consultation is not None:
            return self.open(state, state.consultation)
        available = self.available(state)
        if not available:
            return self._leave(state, self._t("consult_none", state), ())
        if len(available) == 1 and self._view is not None:
            return self.open(state, available[0].id)
        chooser = dataclasses.replace(state, seq=state.seq + 1)
        buttons = tuple(
            (Button(self._d.text(c.title, state.language), self._data(chooser, OPEN, c.id)),)
            for c in available
        )
        return Transition(chooser, (Reply(self._t("consult_choose", state), buttons),))

    def open(self, state: ConversationState, consultation_id: str) -> Transition:
        consultation = self._d.consultation(consultation_id)
        if consultation is None or consultation not in self.available(state):
            return self._leave(state, self._t("consult_closed", state), ())
        view = self._view
        if view is None or view.consultation_id != consultation_id:
            raise MissingView(consultation_id)
        entered = dataclasses.replace(
            state,
            stage="consultation",
            consultation=consultation_id,
            poll_id=None,
            question_id=None,
            selected=(),
            statement=None,
        )
        if not view.answered:
            answering = dataclasses.replace(entered, consult_step="answer", seq=state.seq + 1)
            intro = "\n\n".join(
                (
                    self.marker + self._d.text(consultation.title, state.language),
                    self._d.text(consultation.element, state.language),
                    self._d.text(consultation.context, state.language),
                )
            )
            return Transition(answering, (_prefixed(self.prompt(answering), intro),))
        return self._to_voting(entered, consultation, view, "", ())

    def press(self, state: ConversationState, action: str, arg: str) -> Transition | None:
        """A consultation button of the current prompt; None if it makes no sense now."""
        if action == OPEN:
            return self.open(state, arg)
        consultation = self._current(state)
        if consultation is None or self._view is None:
            return None
        if not self._is_open(consultation):
            return self._leave(state, self._t("consult_closed", state), ())
        if action == MOVE:
            if arg == "stop":
                return self._leave(state, self._t("consult_paused", state), ())
            if arg == "write" and consultation.statements:
                writing = dataclasses.replace(
                    state, consult_step="statement", statement=None, seq=state.seq + 1
                )
                return Transition(writing, (self.prompt(writing),))
            if arg == "vote":
                return self._to_voting(state, consultation, self._view, "", ())
            return None
        if action == VOTE and state.consult_step == "vote":
            statement_text, _, vote_key = arg.partition(":")
            if vote_key not in VOTES or str(state.statement) != statement_text:
                return None
            record = StatementVoted(consultation.id, int(statement_text), VOTES[vote_key])
            votes = {
                **state.consult_votes,
                consultation.id: state.consult_votes.get(consultation.id, 0) + 1,
            }
            voted = dataclasses.replace(state, consult_votes=votes)
            return self._to_voting(voted, consultation, self._view.after((record,)), "", (record,))
        return None

    def typed(self, state: ConversationState, text: str) -> Transition:
        consultation = self._current(state)
        if consultation is None or self._view is None:
            return self._leave(state, self._t("expired", state), ())
        if not self._is_open(consultation):
            return self._leave(state, self._t("consult_closed", state), ())
        cleaned = text.strip()
        if state.consult_step in ("answer", "statement") and not cleaned:
            return self._again(state, self._t("text_empty", state))
        if state.consult_step == "answer":
            if len(cleaned) > consultation.max_length:
                note = self._t(
                    "text_too_long", state, length=len(cleaned), max=consultation.max_length
                )
                return self._again(state, note)
            return self._answered(state, consultation, cleaned)
        if state.consult_step == "statement":
            if len(cleaned) > consultation.statement_max_length:
                note = self._t(
                    "text_too_long",
                    state,
                    length=len(cleaned),
                    max=consultation.statement_max_length,
                )
                return self._again(state, note)
            return self._submitted(state, consultation, cleaned)
        key = "consult_use_buttons" if self._buttons else "consult_use_buttons_typed"
        return self._again(state, self._t(key, state))

    # --- steps --------------------------------------------------------------------------------

    def _answered(
        self, state: ConversationState, consultation: Consultation, text: str
    ) -> Transition:
        assert self._view is not None
        language, probability = self._detect(text)
        screened = screen(text)
        record = ConsultationAnswered(
            consultation.id, screened.text, language, probability, self._view.round
        )
        note = self._t("consult_answered", state)
        key = f"{consultation.id}#{self._view.round}"
        state = dataclasses.replace(
            state, consult_answers={**state.consult_answers, key: screened.text}
        )
        if consultation.statements:
            writing = dataclasses.replace(state, consult_step="statement", seq=state.seq + 1)
            return Transition(writing, (_prefixed(self.prompt(writing), note),), (record,))
        return self._to_voting(state, consultation, self._view.after((record,)), note, (record,))

    def _submitted(
        self, state: ConversationState, consultation: Consultation, text: str
    ) -> Transition:
        screened = screen(text, consultation.block_list)
        language, _ = self._detect(screened.text)
        if screened.blocked:
            record = StatementSubmitted(consultation.id, screened.text, language, "blocked")
            note = self._t("consult_statement_blocked", state)
            return Transition(state, (_prefixed(self.prompt(state), note),), (record,))
        strict = consultation.moderation == "strict"
        status: Literal["pending", "approved"] = "pending" if strict else "approved"
        record = StatementSubmitted(consultation.id, screened.text, language, status)
        note = self._t("consult_statement_pending" if strict else "consult_statement_shown", state)
        if screened.redactions:
            note += " " + self._t("consult_redacted", state)
        written = [*state.consult_statements.get(consultation.id, []), screened.text]
        statements = {**state.consult_statements, consultation.id: written}
        again = dataclasses.replace(state, seq=state.seq + 1, consult_statements=statements)
        return Transition(again, (_prefixed(self.prompt(again), note),), (record,))

    def _to_voting(
        self,
        state: ConversationState,
        consultation: Consultation,
        view: ConsultationView,
        note: str,
        records: tuple[Record, ...],
    ) -> Transition:
        following = view.next_statement()
        if following is None:
            done = self._t("consult_all_voted", state)
            note = f"{note}\n\n{done}".strip()
            if consultation.statements:
                writing = dataclasses.replace(
                    state, consult_step="statement", statement=None, seq=state.seq + 1
                )
                return Transition(writing, (_prefixed(self.prompt(writing), note),), records)
            return self._leave(state, note, records)
        voting = dataclasses.replace(
            state, consult_step="vote", statement=following.id, seq=state.seq + 1
        )
        return Transition(voting, (_prefixed(self._vote_prompt(voting, view), note),), records)

    # --- prompts ------------------------------------------------------------------------------

    def prompt(self, state: ConversationState) -> Reply:
        consultation = self._current(state)
        if consultation is None or not self._is_open(consultation):
            return Reply(self._t("consult_closed", state))
        lang = state.language
        stop = Button(self._t("consult_stop", state), self._data(state, MOVE, "stop"))
        to_vote = Button(self._t("consult_to_vote", state), self._data(state, MOVE, "vote"))
        if state.consult_step == "answer":
            question = self._d.text(consultation.question, lang)
            if self._view is not None and self._view.round_question:
                question = self._d.text(self._view.round_question, lang)
            hint = self._t("consult_answer_hint", state, max=consultation.max_length)
            return Reply(f"{question}\n\n{hint}", ((to_vote,), (stop,)), expects_text=True)
        if state.consult_step == "statement":
            text = self._t("consult_statement_prompt", state, max=consultation.statement_max_length)
            return Reply(text, ((to_vote,), (stop,)), expects_text=True)
        if self._view is None:
            return Reply(self._t("consult_paused", state), ((stop,),))
        return self._vote_prompt(state, self._view)

    def _vote_prompt(self, state: ConversationState, view: ConsultationView) -> Reply:
        consultation = self._current(state)
        assert consultation is not None
        statement = view.statement(state.statement)
        stop = Button(self._t("consult_stop", state), self._data(state, MOVE, "stop"))
        write = Button(self._t("consult_write", state), self._data(state, MOVE, "write"))
        extras = ((write,), (stop,)) if consultation.statements else ((stop,),)
        if statement is None:  # withdrawn since it was shown
            to_vote = Button(self._t("consult_to_vote", state), self._data(state, MOVE, "vote"))
            return Reply(self._t("expired", state), ((to_vote,), *extras))
        shown = statement.text(state.language, self._d.default_language)
        votes = tuple(
            Button(self._t(key, state), self._data(state, VOTE, f"{statement.id}:{code}"))
            for key, code in (
                ("consult_agree", "a"),
                ("consult_disagree", "d"),
                ("consult_pass", "p"),
            )
        )
        header = self._t("consult_vote_header", state)
        return Reply(f"{header}\n\n“{shown}”", (votes, *extras))

    def mydata(self, state: ConversationState) -> list[str]:
        """What the person gave in consultations, for /mydata."""
        lines: list[str] = []
        ids = [*state.consult_answers, *state.consult_statements, *state.consult_votes]
        for consultation_id in dict.fromkeys(key.partition("#")[0] for key in ids):
            consultation = self._d.consultation(consultation_id)
            title = (
                self._d.text(consultation.title, state.language)
                if consultation
                else consultation_id
            )
            lines += ["", f"{self.marker}{title}:"]
            for key, text in state.consult_answers.items():
                if key.partition("#")[0] == consultation_id:
                    lines.append(f"• {self._t('mydata_consult_answer', state)} {text}")
            for text in state.consult_statements.get(consultation_id, []):
                lines.append(f"• {self._t('mydata_consult_statement', state)} {text}")
            if votes := state.consult_votes.get(consultation_id, 0):
                lines.append("• " + self._t("mydata_consult_votes", state, n=votes))
        return lines

    # --- helpers ------------------------------------------------------------------------------

    def _current(self, state: ConversationState) -> Consultation | None:
        if state.stage != "consultation" or state.consultation is None:
            return None
        return self._d.consultation(state.consultation)

    def _again(self, state: ConversationState, note: str) -> Transition:
        return Transition(state, (_prefixed(self.prompt(state), note),))

    def _data(self, state: ConversationState, action: str, arg: str) -> str:
        return f"{state.seq}:{action}:{arg}"

    def _t(self, key: str, state: ConversationState, **values: object) -> str:
        return translate(key, state.language, **values)


class MissingView(ConversationError):
    """The engine was asked to open a consultation without its view: a caller's mistake
    (the service loads it whenever `Engine.consultation_wanted` names one)."""

    def __init__(self, consultation_id: str) -> None:
        super().__init__(f"no ConsultationView of '{consultation_id}' was passed to step")


def _prefixed(reply: Reply, note: str) -> Reply:
    if not note:
        return reply
    return dataclasses.replace(reply, text=f"{note}\n\n{reply.text}")
