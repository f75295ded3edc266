from __future__ import annotations

import pytest

from conversations.engine import Engine
from conversations.values import (
    AnswerGiven,
    ConsentGiven,
    ConversationState,
    Forget,
    OptOut,
    ProfileGiven,
    StateVersionError,
)
from tests.conversations.conftest import Chat


def answers(chat: Chat) -> list[AnswerGiven]:
    return [r for r in chat.records if isinstance(r, AnswerGiven)]


# --- onboarding --------------------------------------------------------------------------


def test_a_stranger_sees_the_notice_and_nothing_is_kept(engine: Engine) -> None:
    chat = Chat(engine)
    text = chat.say("hello")
    assert "Test Mediation Unit" in text
    assert "pseudonym" in text
    assert "team@example.org" in text
    assert chat.labels() == ["I agree", "No, thanks", "Français"]
    assert chat.state is None
    assert chat.records == []


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr-FR", "Unité de médiation"),
        ("fr", "Unité de médiation"),
        ("de", "Test Mediation"),
        (None, "Test Mediation"),
    ],
)
def test_the_notice_language_follows_the_client_locale(
    engine: Engine, locale: str | None, expected: str
) -> None:
    assert Chat(engine, locale).say("/start").startswith(expected)


def test_the_notice_can_be_read_in_another_language(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("/start")
    assert chat.press("Français").startswith("Unité de médiation")
    assert chat.labels()[:2] == ["J'accepte", "Non, merci"]
    assert chat.state is None


def test_declining_stores_nothing(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("/start")
    assert "stored nothing" in chat.press("No, thanks")
    assert chat.state is None
    assert chat.records == []


def test_full_onboarding_records_consent_language_and_profile(engine: Engine) -> None:
    chat = Chat(engine, "fr")
    chat.say("/start")
    text = chat.press("J'accepte")
    assert text == "Dans quelle langue souhaitez-vous continuer ?"
    assert chat.labels() == ["Français", "English"]
    assert "Where do you live?" in chat.press("English")
    assert chat.labels() == ["North", "South", "Prefer not to say"]
    chat.press("South")
    text = chat.press("Prefer not to say")
    assert "You can now take part" in text
    assert chat.labels() == ["First poll", "Pulse", "Second poll"]
    assert chat.records == [
        ConsentGiven(),
        ProfileGiven("region", "south"),
        ProfileGiven("gender", None),
    ]
    assert chat.state is not None and chat.state.language == "en"


# --- poll question types ------------------------------------------------------------------


def test_a_whole_poll_with_every_question_type(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    text = chat.press("First poll")
    assert text.startswith("First poll\nSix short questions.")
    assert "Question 1 of 6" in text
    assert chat.labels() == ["☐ Security", "☐ Land", "☐ Jobs", "Done ✔"]
    chat.press("☐ Land")
    assert chat.last.replace
    assert chat.labels() == ["☐ Security", "☑ Land", "☐ Jobs", "Done ✔"]
    chat.press("☐ Security")
    assert "up to 2" in chat.press("☐ Jobs")
    assert "Were you displaced?" in chat.press("Done ✔")  # shown because "land" was picked
    assert "How confident" in chat.press("Yes")
    assert "1 = not at all … 5 = very" in chat.last.text
    assert "How many days?" in chat.press("4")
    assert "Where now?" in chat.say("12")
    assert chat.labels() == ["North", "South", "Skip"]
    assert "Anything else?" in chat.press("Skip")
    text = chat.say("  Water first, then the roads.  ")
    assert "Your answers to “First poll” are saved" in text
    assert chat.labels() == ["First poll ✓", "Pulse", "Second poll"]
    assert answers(chat) == [
        AnswerGiven("p1", "issues", choices=("security", "land")),
        AnswerGiven("p1", "displaced", choices=("yes",)),
        AnswerGiven("p1", "trust", choices=("4",)),
        AnswerGiven("p1", "days", number=12.0),
        AnswerGiven("p1", "where"),
        AnswerGiven(
            "p1",
            "comment",
            text="Water first, then the roads.",
            language="en",
            language_probability=0.95,
        ),
    ]


def test_skip_logic_leaves_out_a_question_whose_condition_fails(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    chat.press("☐ Jobs")
    assert "How confident" in chat.press("Done ✔")
    assert [a.question_id for a in answers(chat)] == ["issues"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("many", "“many” is not a number I can read"),
        ("", "is not a number"),
        ("31", "31 is outside the range"),
        ("-1", "-1 is outside the range"),
        ("2.5", "whole number"),
        ("nan", "is not a number"),
        ("inf", "is not a number"),
    ],
)
def test_invalid_numbers_are_reprompted(engine: Engine, typed: str, expected: str) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    chat.press("☐ Jobs")
    chat.press("Done ✔")
    chat.press("3")
    text = chat.say(typed)
    assert expected in text
    assert "How many days?" in text  # the question again
    assert [a.question_id for a in answers(chat)] == ["issues", "trust"]


@pytest.mark.parametrize(("typed", "value"), [("٢٠", 20.0), ("7", 7.0), ("0", 0.0), ("30", 30.0)])
def test_numbers_in_any_digits_are_accepted(engine: Engine, typed: str, value: float) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    chat.press("☐ Jobs")
    chat.press("Done ✔")
    chat.press("3")
    chat.say(typed)
    assert answers(chat)[-1] == AnswerGiven("p1", "days", number=value)


def _at_free_text(engine: Engine) -> Chat:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    chat.press("☐ Jobs")
    chat.press("Done ✔")
    chat.press("3")
    chat.say("3")
    chat.press("North")
    return chat


def test_free_text_over_the_limit_is_refused_with_the_length(engine: Engine) -> None:
    chat = _at_free_text(engine)
    text = chat.say("x" * 41)
    assert "41 characters; the limit is 40" in text
    assert len(answers(chat)) == 4
    chat.say("le pain et la paix")
    assert answers(chat)[-1].language == "fr"


def test_poll_free_text_is_screened_for_contact_details(engine: Engine) -> None:
    chat = _at_free_text(engine)
    chat.say("paix: amina＠mail.td")
    assert answers(chat)[-1].text == "paix: […]"


def test_empty_free_text_is_refused(engine: Engine) -> None:
    chat = _at_free_text(engine)
    assert "empty" in chat.say("   ")


def test_multiple_choice_needs_one_option(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    assert "at least one" in chat.press("Done ✔")


@pytest.mark.parametrize("typed", ["yes", "YES", " Yes ", "1"])
def test_typing_an_option_works_like_pressing_it(engine: Engine, typed: str) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("Second poll")
    chat.say(typed)
    assert answers(chat) == [AnswerGiven("p2", "ok", choices=("yes",))]


def test_text_where_buttons_are_expected_is_reprompted(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("Second poll")
    text = chat.say("maybe")
    assert text.startswith("Please choose one of the options below.")
    assert "All good?" in text
    assert chat.labels() == ["Yes", "No"]


def test_stickers_and_photos_get_a_polite_reply(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("Second poll")
    text = chat.sticker()
    assert text.startswith("Sorry, I can only read text messages and button presses.")
    assert "All good?" in text


def test_a_completed_poll_is_not_answered_twice(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("Second poll")
    chat.press("No")
    assert "already answered" in chat.press("Second poll ✓")
    assert len(answers(chat)) == 1


# --- buttons that expired or were forged ---------------------------------------------------


@pytest.mark.parametrize("data", ["0:a:yes", "999:a:yes", "garbage", "x:y", "", "-:c:xx", "7:zz:1"])
def test_stale_or_forged_buttons_expire(engine: Engine, data: str) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("Second poll")
    text = chat.press_data(data)
    assert text.startswith("This button has expired.")
    assert "All good?" in text
    assert answers(chat) == []


def test_an_old_message_button_expires_after_moving_on(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    chat.press("☐ Jobs")
    old_done = chat.last.flat_buttons[-1].data
    chat.press("Done ✔")
    assert chat.press_data(old_done).startswith("This button has expired.")
    assert len(answers(chat)) == 1


def test_a_forged_choice_id_expires(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("Second poll")
    assert chat.state is not None
    assert chat.press_data(f"{chat.state.seq}:a:maybe").startswith("This button has expired.")


# --- resume ---------------------------------------------------------------------------------


def test_resume_after_leaving_a_poll(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    chat.press("☐ Jobs")
    chat.press("Done ✔")
    assert "saved" in chat.say("/polls")
    text = chat.press("First poll")
    assert "How confident" in text
    assert "Six short questions" not in text  # the intro only on a fresh start


def test_start_resumes_the_current_question(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("Second poll")
    text = chat.say("/start")
    assert text.startswith("Welcome back!")
    assert "All good?" in text


# --- commands -------------------------------------------------------------------------------


def test_help_lists_commands_then_repeats_the_question(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("Second poll")
    text = chat.say("/help")
    for command in ("/polls", "/language", "/mydata", "/forget", "/stop"):
        assert command in text
    assert text.endswith("All good?")


def test_language_can_change_mid_poll_and_returns_there(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    chat.say("/language")
    text = chat.press("Français")
    assert "Question 1 sur 6" in text
    assert "☐ Sécurité" in chat.labels()


def test_mydata_shows_profile_and_answers(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard(profile=("South", "Prefer not to say"))
    chat.press("Second poll")
    chat.press("Yes")
    text = chat.say("/mydata")
    assert "Where do you live? → South" in text
    assert "Your gender? → Prefer not to say" in text
    assert "All good? → Yes" in text


def test_mydata_before_consent_says_nothing_is_held(engine: Engine) -> None:
    chat = Chat(engine)
    assert chat.say("/mydata").startswith("We hold no data about you.")
    assert chat.state is None


def test_forget_asks_first_and_then_erases(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    assert "Erase your data?" in chat.say("/forget")
    assert "Nothing was erased." in chat.press("Cancel")
    assert chat.state is not None
    chat.say("/forget")
    assert "erased" in chat.press("Yes, erase")
    assert chat.state is None
    assert chat.records[-1] == Forget()
    assert "Test Mediation Unit" in chat.say("hi")  # a stranger again


def test_stop_pauses_and_start_resumes(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("Second poll")
    assert "no more messages" in chat.say("/stop")
    assert chat.records[-1] == OptOut(True)
    assert "paused" in chat.say("anything")
    assert "paused" in chat.say("/polls")
    helped = chat.say("/help")  # the help itself, then how to resume
    assert (
        "/start" in helped
        and "/mydata" in helped
        and helped.endswith("Messages are paused. Send /start to continue.")
    )
    text = chat.say("/start")
    assert chat.records[-1] == OptOut(False)
    assert "All good?" in text


def test_unknown_command(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    assert chat.say("/dance@PeaceBot now").startswith("I don't know that command.")


def test_button_data_fits_telegram_limit(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    for reply in chat.replies:
        for button in reply.flat_buttons:
            assert len(button.data.encode()) <= 64


def test_state_json_carries_a_version() -> None:
    state = ConversationState(stage="menu", language="en", completed=("p1#0",))
    data = state.to_json()
    assert data["v"] == 2
    assert ConversationState.from_json(data) == state
    with pytest.raises(StateVersionError, match="version 99"):
        ConversationState.from_json({**data, "v": 99})


def test_version_1_state_is_read_as_wave_zero() -> None:
    old = {
        "v": 1,
        "stage": "poll",
        "language": "fr",
        "seq": 7,
        "profile_index": 2,
        "poll_id": "p1",
        "question_id": "trust",
        "selected": [],
        "return_to": None,
        "profile": {"region": "north"},
        "answers": {"p1": {"issues": ["land"]}},
        "completed": ["p2"],
    }
    state = ConversationState.from_json(old)
    assert state.answers == {"p1#0": {"issues": ["land"]}}
    assert state.completed == ("p2#0",)
    assert (state.wave, state.question_id, state.seq) == (0, "trust", 7)
