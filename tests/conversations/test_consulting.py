"""The consultation steps of the pure engine, driven like the service drives them: the view
of the consultation is built from a small in-memory store before each step."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from conversations.consultation_values import (
    ConsultationAnswered,
    ConsultationView,
    StatementSubmitted,
    StatementView,
    StatementVoted,
    priority,
)
from conversations.definitions import Deployment
from conversations.engine import Engine
from conversations.values import ConversationState, Event, Press, Record, Text
from tests.conversations.conftest import DEPLOYMENT, LANGS, NOW, Chat, fake_detect, t

CONSULTATION: dict[str, Any] = {
    "id": "c1",
    "element": t("Monitoring committee"),
    "title": t("Who monitors?", "Qui surveille ?"),
    "context": t("The parties disagree on who sits on it."),
    "question": t("Who should sit on the committee?"),
    "opens": "2026-11-01T00:00:00",
    "closes": "2026-12-01T00:00:00",
    "max_length": 60,
    "statement_max_length": 40,
    "block_list": ["traitor"],
    "seeds": [t("Women must hold a third of the seats."), t("Observers from abroad.")],
}


@dataclass
class Store:
    """What the database holds of consultations, as the unit of work would show it."""

    statements: dict[int, tuple[dict[str, str], str | None, str]] = field(default_factory=dict)
    votes: dict[tuple[int, str], int] = field(default_factory=dict)
    answered: set[tuple[str, int]] = field(default_factory=set)
    round: int = 0
    round_question: dict[str, str] = field(default_factory=dict)

    def view(self, person: str, consultation_id: str) -> ConsultationView:
        unvoted = []
        for sid, (texts, author, status) in sorted(self.statements.items()):
            if status != "approved" or author == person or (sid, person) in self.votes:
                continue
            votes = [v for (s, _), v in self.votes.items() if s == sid]
            unvoted.append(
                StatementView(sid, texts, votes.count(1), votes.count(-1), votes.count(0))
            )
        return ConsultationView(
            consultation_id,
            tuple(unvoted),
            (person, self.round) in self.answered,
            self.round,
            self.round_question,
        )

    def apply(self, person: str, records: tuple[Record, ...]) -> None:
        for record in records:
            if isinstance(record, ConsultationAnswered):
                self.answered.add((person, record.round))
            elif isinstance(record, StatementSubmitted):
                texts = {record.language or "und": record.text}
                self.statements[max(self.statements, default=0) + 1] = (
                    texts,
                    person,
                    record.status,
                )
            elif isinstance(record, StatementVoted):
                self.votes.setdefault((record.statement_id, person), record.vote)


class Person(Chat):
    def __init__(self, engine: Engine, store: Store, name: str) -> None:
        super().__init__(engine)
        self.store = store
        self.name = name

    def _step(self, event: Event):  # type: ignore[no-untyped-def]
        wanted = self.engine.consultation_wanted(self.state, event, self.now)
        view = None if wanted is None else self.store.view(self.name, wanted)
        transition = self.engine.step(self.state, event, self.now, consultation=view)
        self.state = (
            None
            if transition.state is None
            else ConversationState.from_json(transition.state.to_json())
        )
        self.records.extend(transition.records)
        self.replies.extend(transition.replies)
        self.store.apply(self.name, transition.records)
        return transition


@pytest.fixture
def consulting() -> Engine:
    data = copy.deepcopy(DEPLOYMENT) | {"consultations": [CONSULTATION]}
    return Engine(Deployment.model_validate(data, context={"languages": LANGS}), fake_detect)


@pytest.fixture
def store() -> Store:
    return Store(
        statements={
            1: (t("Women must hold a third of the seats."), None, "approved"),
            2: (t("Observers from abroad."), None, "approved"),
        }
    )


def person(engine: Engine, store: Store, name: str = "amina", region: str = "North") -> Person:
    chat = Person(engine, store, name)
    chat.onboard(profile=(region, "Woman"))
    return chat


def test_answer_write_vote_and_run_out(consulting: Engine, store: Store) -> None:
    amina = person(consulting, store)
    assert "💬 Who monitors?" in amina.labels()
    text = amina.say("/consult")
    assert "Monitoring committee" in text and "Who should sit on the committee?" in text
    text = amina.say("Women and le chef du village.")
    assert "your answer is saved" in text and "short statement" in text
    assert amina.records[-1] == ConsultationAnswered(
        "c1", "Women and le chef du village.", "fr", 0.99, 0
    )
    text = amina.say("Write to me: amina@example.org")
    assert "once a mediator has reviewed it" in text and "removed personal details" in text
    assert amina.records[-1] == StatementSubmitted("c1", "Write to me: […]", "en", "pending")
    assert "Women must hold" in amina.press("Vote on statements")
    assert "Observers from abroad" in amina.press("Agree")
    text = amina.say("2")  # typed: the second button
    assert amina.records[-1] == StatementVoted("c1", 2, -1)
    assert "seen every statement" in text and "short statement" in text
    assert [r for r in amina.records if isinstance(r, StatementVoted)] == [
        StatementVoted("c1", 1, 1),
        StatementVoted("c1", 2, -1),
    ]


def test_stop_and_resume_where_one_was(consulting: Engine, store: Store) -> None:
    amina = person(consulting, store)
    amina.say("/consult")
    amina.say("Elders.")
    amina.press("Vote on statements")
    assert "come back any time" in amina.press("Stop for now")
    assert amina.state is not None and amina.state.stage == "menu"
    assert "Women must hold" in amina.say("/consult")  # answered: straight to voting
    assert "Women must hold" in amina.say("/help")  # other commands keep the place


def test_too_long_empty_and_blocked_text(consulting: Engine, store: Store) -> None:
    amina = person(consulting, store)
    amina.say("/consult")
    assert "the limit is 60" in amina.say("x" * 61)
    assert not [r for r in amina.records if isinstance(r, ConsultationAnswered)]
    amina.say("Elders.")
    # the block list matches whole words, in any case: "traitors" is not "traitor"
    assert "reviewed" in amina.say("They are all TRAITORS")
    assert "cannot be shown here" in amina.say("a TRAITOR sits there")
    assert amina.records[-1] == StatementSubmitted("c1", "a TRAITOR sits there", "en", "blocked")


def test_forged_or_old_votes_change_nothing(consulting: Engine, store: Store) -> None:
    amina = person(consulting, store)
    amina.say("/consult")
    amina.say("Elders.")
    amina.press("Vote on statements")
    assert amina.state is not None
    before = len(amina.records)
    assert "expired" in amina.press_data(f"{amina.state.seq}:cv:2:a")  # not the one shown
    assert "expired" in amina.press_data(f"{amina.state.seq}:cv:1:x")
    assert "expired" in amina.press_data(f"{amina.state.seq - 1}:cv:1:a")
    assert len(amina.records) == before


def test_audience_and_dates(consulting: Engine, store: Store) -> None:
    south = person(consulting, store, "omar", region="South")
    assert "💬 Who monitors?" in south.labels()  # everyone by default
    restricted = copy.deepcopy(DEPLOYMENT) | {
        "consultations": [CONSULTATION | {"audience": {"regions": ["north"]}}]
    }
    engine = Engine(
        Deployment.model_validate(restricted, context={"languages": LANGS}), fake_detect
    )
    omar = person(engine, store, "omar", region="South")
    assert "no consultation open for you" in omar.say("/consult")
    assert "closed" in omar.press_data("-:cq:c1")

    amina = person(consulting, store)
    amina.say("/consult")
    amina.now = NOW + timedelta(days=30)
    assert "closed" in amina.say("Elders.")
    assert not [r for r in amina.records if isinstance(r, ConsultationAnswered)]


def test_a_followup_round_asks_its_own_question(consulting: Engine, store: Store) -> None:
    amina = person(consulting, store)
    amina.say("/consult")
    amina.say("Elders.")
    store.round, store.round_question = 1, t("How often should it report?")
    amina.press("Stop for now")
    text = amina.press_data("-:cq:c1")  # the follow-up message's button
    assert "How often should it report?" in text
    amina.say("Every week.")
    assert amina.records[-1] == ConsultationAnswered("c1", "Every week.", "en", 0.95, 1)


def test_stored_states_without_consultation_fields_still_load() -> None:
    old = {"v": 2, "stage": "menu", "language": "en", "seq": 3, "profile_index": 2}
    state = ConversationState.from_json(old)
    assert state.consultation is None and state.consult_step is None and state.statement is None


def test_priority_follows_polis() -> None:
    fresh = priority(0, 0, 0)
    assert fresh == pytest.approx((0.25 * 9) ** 2)  # (1-1/2)(1)(1/2) boosted by 1 + 8
    assert priority(10, 0, 10) > priority(5, 0, 10)  # agreed-with rises
    assert priority(0, 10, 10) < priority(0, 0, 10)  # pass-heavy sinks
    assert priority(2, 0, 2) > priority(20, 0, 20) * 0.9  # new ones keep up with old favourites


def test_the_command_without_an_open_consultation(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    assert "no consultation open for you" in chat.say("/consult")
    assert engine.consultation_wanted(chat.state, Text("/consult"), NOW) is None
    assert engine.consultation_wanted(chat.state, Press("-:cq:x"), NOW) == "x"


def test_mydata_shows_what_was_given(consulting: Engine, store: Store) -> None:
    amina = person(consulting, store)
    amina.say("/consult")
    amina.say("Elders and women.")
    amina.say("Call 0612345678 about it")
    amina.press("Vote on statements")
    amina.press("Agree")
    text = amina.say("/mydata")
    assert "💬 Who monitors?:" in text
    assert "Your answer: Elders and women." in text
    assert "A statement you wrote: Call […] about it" in text
    assert "Votes on statements: 1" in text
    assert "0612345678" not in text


def test_language_and_stop_come_back_to_the_statement(consulting: Engine, store: Store) -> None:
    amina = person(consulting, store)
    amina.say("/consult")
    amina.say("Elders.")
    amina.press("Vote on statements")
    amina.say("/language")
    assert "Women must hold" in amina.press("Français")
    assert "D'accord" in amina.labels()
    amina.say("/stop")
    assert amina.state is not None
    assert "suspendus" in amina.press_data(f"{amina.state.seq}:cv:1:a")
    assert not [r for r in amina.records if isinstance(r, StatementVoted)]
    assert "Women must hold" in amina.say("/start")


def test_a_closed_groups_consultation_is_for_its_members(store: Store) -> None:
    data = copy.deepcopy(DEPLOYMENT) | {
        "consultations": [CONSULTATION | {"audience": {"group": "women_network"}}]
    }
    engine = Engine(Deployment.model_validate(data, context={"languages": LANGS}), fake_detect)
    outsider = person(engine, store, "omar")
    assert "no consultation open for you" in outsider.say("/consult")
    member = person(engine, store, "amina")
    assert member.state is not None
    member.state = dataclasses.replace(member.state, groups=("women_network",))
    assert "Who should sit on the committee?" in member.say("/consult")


def test_a_followup_is_taken_up_by_typing_its_button(consulting: Engine, store: Store) -> None:
    amina = person(consulting, store)
    amina.say("/consult")
    amina.say("Elders.")
    amina.press("Stop for now")
    typed = Text("answer the new question")  # by SMS the follow-up names its button
    assert consulting.interpret(amina.state, typed, buttons=False) == Text("/consult")
    assert consulting.consultation_wanted(amina.state, typed, NOW, buttons=False) == "c1"
    assert consulting.interpret(amina.state, typed) == typed  # with buttons: plain text


@pytest.mark.parametrize("typed", ["4", "٤", "Who monitors?", "qui surveille"])
def test_typing_the_consultations_number_in_the_menu_opens_it(
    consulting: Engine, store: Store, typed: str
) -> None:
    """The menu lists three polls, then the consultation: typing its number (in Arabic digits
    too) or its title opens it, as pressing it does (the view is loaded for the typed text)."""
    amina = person(consulting, store)
    assert amina.labels()[3] == "💬 Who monitors?"
    text = amina.say(typed)
    assert "Monitoring committee" in text and "Who should sit on the committee?" in text
    assert amina.state is not None and amina.state.stage == "consultation"
