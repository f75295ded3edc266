"""Conversation by text alone: numbered options, typed answers, keywords, slow answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conversations.definitions import Deployment
from conversations.engine import Engine
from conversations.texting import choose, normalize, numbered_text, typed_commands
from conversations.values import (
    AnswerGiven,
    Button,
    ConsentGiven,
    ConversationState,
    Forget,
    OptOut,
    PollCompleted,
    ProfileGiven,
    Reply,
    SubscriptionChanged,
    Text,
    Transition,
)
from tests.conversations.conftest import DEPLOYMENT, LANGS, NOW, Chat, fake_detect

OPTIONS = [["Security", "Sécurité"], ["Land and property", "Terre et biens"], ["Jobs", "Emplois"]]


class TextChat(Chat):
    """A person on a channel without buttons (SMS): everything is typed."""

    def _step(self, event: Text) -> Transition:  # type: ignore[override]
        transition = self.engine.step(self.state, event, self.now, self.locale, buttons=False)
        self.state = (
            None
            if transition.state is None
            else ConversationState.from_json(transition.state.to_json())
        )
        self.records.extend(transition.records)
        self.replies.extend(transition.replies)
        return transition

    def screen(self) -> str:
        return numbered_text(self.last)

    def onboard_by_text(self) -> None:
        self.say("hello")
        self.say("1")  # I agree
        self.say("1")  # English
        self.say("1")  # North
        self.say("1")  # Woman


@pytest.fixture
def chat(engine: Engine) -> TextChat:
    return TextChat(engine)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2", [1]),
        ("٢", [1]),
        ("security", [0]),
        ("  SECURITE ", [0]),
        ("Sécurité", [0]),
        ("secuirty", [0]),  # a small typo
        ("terre et bien", [1]),
        ("emplois.", [2]),
        ("4", None),
        ("0", None),
        ("sec", None),  # too far from anything
        ("land", [1]),  # the first word of one option alone ("kessal": Kessal Highlands)
        ("terre", [1]),
        ("lan", None),  # not a whole word
        ("1 3", None),  # one answer only
    ],
)
def test_one_option_by_number_or_words(typed: str, expected: list[int] | None) -> None:
    assert choose(typed, OPTIONS) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1 3", [0, 2]),
        ("1,3", [0, 2]),
        ("3, 1", [2, 0]),
        ("1 1 3", [0, 2]),
        ("١ ٣", [0, 2]),
        ("security, jobs", [0, 2]),
        ("Emplois", [2]),
        ("1 9", None),
        ("1 banana", None),
        ("1 and 3", [0, 2]),
        ("1 et 2", [0, 1]),
        ("١ و ٣", [0, 2]),
        ("and", None),
    ],
)
def test_several_options(typed: str, expected: list[int] | None) -> None:
    assert choose(typed, OPTIONS, many=True, joining=("and", "et", "و")) == expected


def test_arabic_letter_variants_fold() -> None:
    assert normalize("أمن") == normalize("امن")
    assert choose("الامن", [["Security", "الأمن"], ["Land", "الأرض"]]) == [0]


def test_ambiguous_typo_is_not_guessed() -> None:
    assert choose("lands", [["Land"], ["Lands"]]) == [1]
    assert choose("landz", [["Landa"], ["Lands"]]) is None


def test_numbered_text() -> None:
    reply = Reply(
        "Pick one",
        ((Button("☐ Yes", "1:t:y"), Button("☑ No", "1:t:n")), (Button("Skip", "1:s:"),)),
    )
    assert numbered_text(reply) == "Pick one\n1) Yes\n2) No\n3) Skip"
    scale = Reply("1 = low … 5 = high", ((Button("1", "a"), Button("2", "b")),))
    assert numbered_text(scale) == "1 = low … 5 = high"
    typed = Reply("How many?", ((Button("Skip", "s"),),), expects_text=True)
    assert numbered_text(typed) == "How many?\n(Skip)"


def test_onboarding_and_a_poll_by_typing_only(chat: TextChat) -> None:
    chat.say("hello")
    assert "1) I agree" in chat.screen()
    assert "3) Français" in chat.screen()
    chat.say("1")
    assert chat.records == [ConsentGiven()]
    assert "1) English" in chat.screen()
    chat.say("english")
    chat.say("nrth")  # North, with a typo
    chat.say("prefer not to say")
    assert "1) First poll" in chat.screen()
    chat.say("1")
    screen = chat.screen()
    assert "Reply with up to 2 numbers, e.g. 1 3" in screen
    assert "Done" not in screen
    assert "1) Security\n2) Land\n3) Jobs" in screen
    chat.say("1 2 3")
    assert "up to 2" in chat.last.text
    chat.say("3 and 2")
    assert chat.records[-1] == AnswerGiven("p1", "issues", choices=("land", "jobs"))
    chat.say("oui")  # displaced: the French word works in English too
    assert chat.records[-1] == AnswerGiven("p1", "displaced", choices=("yes",))
    assert "1 = not at all … 5 = very" in chat.screen()
    chat.say("4")
    assert chat.records[-1] == AnswerGiven("p1", "trust", choices=("4",))
    chat.say("12")
    chat.say("skip")  # where: optional region
    assert chat.records[-1] == AnswerGiven("p1", "where")
    assert "(Skip)" in chat.screen()
    chat.say("SKIP")  # optional free text skipped by its word
    assert chat.records[-2] == AnswerGiven("p1", "comment")


def test_agreeing_in_words_agrees_in_that_language(chat: TextChat) -> None:
    chat.say("hello")
    assert chat.say("j'accepte") == "Dans quelle langue souhaitez-vous continuer ?"
    assert chat.records == [ConsentGiven()]
    assert chat.state is not None and chat.state.language == "fr"


def test_nonsense_gets_the_question_again(chat: TextChat) -> None:
    chat.onboard_by_text()
    chat.say("1")
    text = chat.say("maybe")
    assert text.startswith("Please choose one of the options below.")
    assert "1) Security" in chat.screen()


def test_keywords_stop_start_help(chat: TextChat) -> None:
    chat.onboard_by_text()
    chat.say("1")
    assert chat.say("STOP").startswith("You will get no more messages")
    assert chat.records[-1] == OptOut(True)
    before = len(chat.replies)
    chat._step(Text("1 2"))
    assert len(chat.replies) == before  # nothing at all until START
    chat.say("Start")
    assert chat.records[-1] == OptOut(False)
    assert "1) Security" in chat.screen()
    assert "uses this chat" in chat.say("help")
    assert "uses this chat" in chat.say("AIDE")
    assert "1) First poll" in numbered_text(chat._step(Text("Polls")).replies[-1])


def test_forget_by_text(chat: TextChat) -> None:
    chat.onboard_by_text()
    text = chat.say("forget")
    assert "Erase your data?" in text and "FORGET YES" in text
    assert chat.last.buttons == ()
    chat.say("1")  # not a confirmation: the menu's first poll opens
    assert chat.state is not None
    chat.say("forget maybe")
    assert chat.state is not None and not any(isinstance(r, Forget) for r in chat.records)
    assert chat.say("Forget Oui").startswith("Your data has been erased")
    assert chat.records[-1] == Forget()
    assert chat.state is None


def test_stop_from_a_stranger_stores_nothing(chat: TextChat) -> None:
    assert chat.say("stop").startswith("Understood. We have stored nothing")
    assert chat.state is None
    assert chat.records == []


def test_deployment_keywords(deployment: Deployment) -> None:
    extra = {**DEPLOYMENT, "start_words": {"en": ["go"]}, "help_words": {"fr": ["sos"]}}
    engine = Engine(Deployment.model_validate(extra, context={"languages": LANGS}), fake_detect)
    chat = TextChat(engine)
    chat.onboard_by_text()
    chat.say("stop")
    chat.say("GO")
    assert chat.records[-1] == OptOut(False)
    assert "uses this chat" in chat.say("sos")


def test_subscribe_by_numbers(chat: TextChat) -> None:
    chat.onboard_by_text()
    chat.say("subscribe")
    assert "Reply with their numbers" in chat.screen()
    assert "1) ☐" not in chat.screen()
    chat.say("subscribe 2")
    assert chat.records[-1] == SubscriptionChanged("north", True)
    chat.say("/subscribe 1")
    assert chat.records[-2:] == [
        SubscriptionChanged("process", True),
        SubscriptionChanged("north", False),
    ]
    assert chat.state is not None and chat.state.subscriptions == ("process",)


def test_a_late_answer_gets_the_question_again(chat: TextChat) -> None:
    chat.onboard_by_text()
    chat.say("1")
    assert chat.state is not None and chat.state.last_active == NOW
    chat.now = NOW + timedelta(days=3, minutes=1)
    text = chat.say("2")
    assert text.startswith("Welcome back! It has been a while")
    assert not any(isinstance(r, AnswerGiven) for r in chat.records)
    chat.now += timedelta(minutes=5)
    chat.say("2")
    assert chat.records[-1] == AnswerGiven("p1", "issues", choices=("land",))


def test_an_answer_within_the_expiry_counts(chat: TextChat) -> None:
    chat.onboard_by_text()
    chat.say("1")
    chat.now = NOW + timedelta(days=2, hours=23)
    chat.say("3")
    assert chat.records[-1] == AnswerGiven("p1", "issues", choices=("jobs",))


def test_state_without_last_activity_still_loads() -> None:
    state = ConversationState(stage="menu", language="en", last_active=NOW)
    data = state.to_json()
    assert ConversationState.from_json(data) == state
    del data["last_active"]
    assert ConversationState.from_json(data).last_active is None


def test_topics_are_chosen_by_their_numbers_right_after_the_list(chat: TextChat) -> None:
    chat.onboard_by_text()
    chat.say("subscribe")
    assert "1) Peace process\n2) News from the North" in chat.screen()
    chat.say("1 2")  # what the list asks for: not an answer to the poll menu below it
    assert chat.records[-2:] == [
        SubscriptionChanged("process", True),
        SubscriptionChanged("north", True),
    ]
    # the reply ends with the menu again: now "1" is the first poll
    assert "1) First poll" in chat.screen()
    chat.say("1")
    assert chat.state is not None and chat.state.stage == "poll"


def test_a_list_read_days_ago_is_no_longer_what_a_number_answers(chat: TextChat) -> None:
    chat.onboard_by_text()
    chat.say("subscribe")
    chat.now = NOW + timedelta(days=4)
    chat.say("1")
    assert chat.state is not None and chat.state.subscriptions == ()
    assert chat.state.stage == "poll"


def test_profile_questions_are_skipped_by_typing_skip_in_any_language(chat: TextChat) -> None:
    chat.say("hello")
    chat.say("1")  # I agree
    chat.say("1")  # English
    chat.say("skip")
    chat.say("Passer")  # French, in an English conversation: still understood
    assert chat.records[-2:] == [ProfileGiven("region", None), ProfileGiven("gender", None)]
    assert chat.state is not None and chat.state.stage == "menu"


def test_offered_options_are_kept_with_the_state() -> None:
    state = ConversationState(stage="menu", language="en", offered=(("Sign up", "-:is:walk"),))
    data = state.to_json()
    assert ConversationState.from_json(data) == state
    del data["offered"]  # stored before options were kept
    assert ConversationState.from_json(data).offered == ()


def test_an_invitation_is_taken_up_by_typing_its_button(chat: TextChat) -> None:
    chat.onboard_by_text()  # the menu lists "First poll" before "Pulse"
    chat.say("Participer")  # "Take part" in French: the open round of Pulse, not poll 1
    assert "Pulse (round 1)" in chat.screen() and "Do you feel safe?" in chat.screen()
    chat.say("1")
    assert chat.records[-1] == PollCompleted("pulse", 1)
    assert chat.say("take part").startswith("Please choose one of the options")  # done already


def test_commands_are_written_as_typed_without_a_slash() -> None:
    assert typed_commands("Send /start if you change your mind.") == (
        "Send START if you change your mind."
    )
    assert typed_commands("/my_signups – yours\n/join CODE") == "MY SIGNUPS – yours\nJOIN CODE"
    assert typed_commands("أرسل /my_signups لعرضه") == "أرسل MY SIGNUPS لعرضه"
    untouched = "https://example.org/path, and/or 12/05, /a/b"
    assert typed_commands(untouched) == untouched
