"""Waves of a repeating poll, subscriptions and stop words, with time passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.definitions import Deployment, QuietHours
from conversations.engine import Engine
from conversations.outbound import quiet_until, wave_message
from conversations.values import AnswerGiven, OptOut, PollCompleted, SubscriptionChanged
from conversations.waves import open_wave, waves_of
from tests.conversations.conftest import NOW, Chat

WAVE_2 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # wave 2 opens 12-04 09:00 for 7 days
BETWEEN = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # wave 1 closed 11-27 09:00


def test_waves_follow_the_schedule(deployment: Deployment) -> None:
    pulse = deployment.poll("pulse")
    assert pulse is not None
    waves = waves_of(pulse, ZoneInfo("UTC"))
    assert [(w.number, w.opens_at.isoformat(), w.closes_at.isoformat()) for w in waves] == [
        (1, "2026-11-20T09:00:00+00:00", "2026-11-27T09:00:00+00:00"),
        (2, "2026-12-04T09:00:00+00:00", "2026-12-11T09:00:00+00:00"),
        (3, "2026-12-18T09:00:00+00:00", "2026-12-25T09:00:00+00:00"),
    ]
    assert open_wave(waves, NOW) == waves[0]
    assert open_wave(waves, BETWEEN) is None
    assert open_wave(waves, waves[0].closes_at) is None  # closing is exclusive


def test_cron_schedules_in_the_deployment_time_zone(deployment: Deployment) -> None:
    pulse = deployment.poll("pulse")
    assert pulse is not None and pulse.schedule is not None
    monthly = pulse.schedule.model_copy(update={"every_days": None, "cron": "0 10 1 * *"})
    waves = waves_of(pulse.model_copy(update={"schedule": monthly}), ZoneInfo("Africa/Cairo"))
    assert [w.opens_at.isoformat() for w in waves] == [
        "2026-12-01T08:00:00+00:00",
        "2027-01-01T08:00:00+00:00",
        "2027-02-01T08:00:00+00:00",
    ]
    assert waves[0].closes_at - waves[0].opens_at == timedelta(days=7)


def test_each_wave_is_answered_once_and_tagged(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    assert "Pulse" in chat.labels()
    text = chat.press("Pulse")
    assert text.startswith("Pulse (round 1)\nTwo weeks on.")
    chat.press("Safe")
    assert chat.records[-2:] == [
        AnswerGiven("pulse", "safe", choices=("yes",), wave=1),
        PollCompleted("pulse", 1),
    ]
    assert "already answered" in chat.press("Pulse ✓")

    chat.now = BETWEEN
    chat.say("/polls")
    assert "Pulse" not in " ".join(chat.labels())

    chat.now = WAVE_2
    chat.say("/polls")
    assert "Pulse" in chat.labels()  # a new round, not ticked
    assert "Pulse (round 2)" in chat.press("Pulse")
    chat.press("Unsafe")
    assert chat.records[-2:] == [
        AnswerGiven("pulse", "safe", choices=("no",), wave=2),
        PollCompleted("pulse", 2),
    ]
    assert chat.state is not None
    assert set(chat.state.answers) == {"pulse#2"}  # older rounds live in the store only


def test_an_invitation_opens_its_wave_from_anywhere(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    text = chat.press_data("-:w:pulse:1")
    assert "Do you feel safe?" in text
    chat.press("Safe")
    assert chat.records[-1] == PollCompleted("pulse", 1)


@pytest.mark.parametrize("data", ["-:w:pulse:2", "-:w:pulse:x", "-:w:nope:1", "-:w:pulse"])
def test_an_invitation_to_a_closed_or_unknown_wave(engine: Engine, data: str) -> None:
    chat = Chat(engine)
    chat.onboard()
    text = chat.press_data(data)
    assert text.startswith(("This round of the poll has closed.", "This button has expired."))
    assert not [r for r in chat.records if isinstance(r, AnswerGiven)]


def test_a_wave_that_closes_mid_poll_takes_no_more_answers(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("Pulse")
    chat.now = BETWEEN
    text = chat.press("Safe")
    assert text.startswith("This round of the poll has closed.")
    assert not [r for r in chat.records if isinstance(r, AnswerGiven)]
    assert chat.state is not None and chat.state.stage == "menu"


def test_subscriptions_toggle_and_show_in_mydata(engine: Engine) -> None:
    chat = Chat(engine)
    chat.onboard()
    chat.press("First poll")
    assert "Which updates" in chat.say("/subscribe")
    assert chat.labels() == ["☐ Peace process", "☐ News from the North", "Done ✔"]
    chat.press("☐ Peace process")
    assert chat.last.replace
    assert chat.labels()[0] == "☑ Peace process"
    chat.press("☐ News from the North")
    chat.press("☑ Peace process")
    text = chat.press("Done ✔")
    assert text.startswith("Your choice of updates is saved.")
    assert "Which issues matter?" in text  # back to the question in progress
    assert [r for r in chat.records if isinstance(r, SubscriptionChanged)] == [
        SubscriptionChanged("process", True),
        SubscriptionChanged("north", True),
        SubscriptionChanged("process", False),
    ]
    assert "Updates on: News from the North" in chat.say("/mydata")
    assert "no more updates on: News from the North" in chat.say("/unsubscribe")
    assert chat.records[-1] == SubscriptionChanged("north", False)
    assert "not subscribed" in chat.say("/unsubscribe")


@pytest.mark.parametrize(
    ("stop", "start"), [("STOP", "start"), ("Arrêt", "START"), ("توقف", "ابدأ")]
)
def test_stop_words_pause_and_start_words_resume(engine: Engine, stop: str, start: str) -> None:
    chat = Chat(engine)
    chat.onboard()
    assert "no more messages" in chat.say(stop)
    assert chat.records[-1] == OptOut(True)
    chat.say(start)
    assert chat.records[-1] == OptOut(False)


def test_stop_from_a_stranger_stores_nothing(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("STOP")
    assert chat.state is None and chat.records == []


def test_invitation_message_has_a_button_to_the_wave(deployment: Deployment) -> None:
    pulse = deployment.poll("pulse")
    assert pulse is not None
    wave = waves_of(pulse, ZoneInfo("UTC"))[0]
    reply = wave_message(deployment, wave, "invite", "fr")
    assert reply.text.startswith("Une nouvelle vague de « Pouls (vague 1) » est ouverte jusqu'au")
    assert "2026-11-27 09:00" in reply.text
    assert [(b.label, b.data) for b in reply.flat_buttons] == [("Participer", "-:w:pulse:1")]
    assert "closes on 2026-11-27" in wave_message(deployment, wave, "remind", "en").text


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-11-22T22:30", "2026-11-23T08:00"),
        ("2026-11-23T07:59", "2026-11-23T08:00"),
        ("2026-11-23T08:00", None),
        ("2026-11-23T20:59", None),
        ("2026-11-23T21:00", "2026-11-24T08:00"),
    ],
)
def test_quiet_hours_span_midnight(local: str, expected: str | None) -> None:
    zone = ZoneInfo("Africa/Ndjamena")  # UTC+1
    now = datetime.fromisoformat(local).replace(tzinfo=zone).astimezone(UTC)
    until = quiet_until(now, QuietHours(), zone)
    if expected is None:
        assert until is None
    else:
        assert until is not None
        assert until.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes") == expected
