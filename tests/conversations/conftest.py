from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from conversations.definitions import Deployment
from conversations.engine import Engine
from conversations.values import (
    ConversationState,
    Event,
    Press,
    Record,
    Reply,
    Text,
    Transition,
    Unsupported,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

LANGS = ("en", "fr")


def t(en: str, fr: str | None = None) -> dict[str, str]:
    return {"en": en, "fr": fr or f"{en} (fr)"}


DEPLOYMENT: dict[str, Any] = {
    "organization": t("Test Mediation Unit", "Unité de médiation"),
    "contact": "team@example.org",
    "purpose": t("We ask to hear you."),
    "privacy_notice": t("We keep answers under a pseudonym."),
    "languages": list(LANGS),
    "default_language": "en",
    "timezone": "UTC",
    "topics": [
        {"id": "process", "name": t("Peace process", "Processus de paix")},
        {"id": "north", "name": t("News from the North", "Nouvelles du Nord")},
    ],
    "regions": [
        {"id": "north", "name": t("North", "Nord")},
        {"id": "south", "name": t("South", "Sud")},
    ],
    "profile": [
        {"id": "region", "type": "region", "prompt": t("Where do you live?")},
        {
            "id": "gender",
            "type": "single_choice",
            "prompt": t("Your gender?"),
            "choices": [
                {"id": "woman", "label": t("Woman", "Femme")},
                {"id": "man", "label": t("Man", "Homme")},
            ],
        },
    ],
    "polls": [
        {
            "id": "p1",
            "title": t("First poll", "Premier sondage"),
            "intro": t("Six short questions."),
            "questions": [
                {
                    "id": "issues",
                    "type": "multiple_choice",
                    "prompt": t("Which issues matter?"),
                    "max_choices": 2,
                    "choices": [
                        {"id": "security", "label": t("Security", "Sécurité")},
                        {"id": "land", "label": t("Land", "Terre")},
                        {"id": "jobs", "label": t("Jobs", "Emplois")},
                    ],
                },
                {
                    "id": "displaced",
                    "type": "single_choice",
                    "prompt": t("Were you displaced?"),
                    "show_if": {"question": "issues", "any_of": ["land"]},
                    "choices": [
                        {"id": "yes", "label": t("Yes", "Oui")},
                        {"id": "no", "label": t("No", "Non")},
                    ],
                },
                {
                    "id": "trust",
                    "type": "scale",
                    "prompt": t("How confident are you?"),
                    "min": 1,
                    "max": 5,
                    "min_label": t("not at all"),
                    "max_label": t("very"),
                },
                {
                    "id": "days",
                    "type": "number",
                    "prompt": t("How many days?"),
                    "min": 0,
                    "max": 30,
                },
                {"id": "where", "type": "region", "prompt": t("Where now?"), "optional": True},
                {
                    "id": "comment",
                    "type": "free_text",
                    "prompt": t("Anything else?"),
                    "max_length": 40,
                    "optional": True,
                },
            ],
        },
        {
            "id": "pulse",
            "title": t("Pulse", "Pouls"),
            "intro": t("Two weeks on."),
            "schedule": {
                "start": "2026-11-20T09:00:00",
                "every_days": 14,
                "waves": 3,
                "open_days": 7,
            },
            "questions": [
                {
                    "id": "safe",
                    "type": "single_choice",
                    "prompt": t("Do you feel safe?"),
                    "choices": [
                        {"id": "yes", "label": t("Safe", "En sécurité")},
                        {"id": "no", "label": t("Unsafe", "Pas en sécurité")},
                    ],
                }
            ],
        },
        {
            "id": "p2",
            "title": t("Second poll"),
            "intro": t("One question."),
            "questions": [
                {
                    "id": "ok",
                    "type": "single_choice",
                    "prompt": t("All good?"),
                    "choices": [{"id": "yes", "label": t("Yes")}, {"id": "no", "label": t("No")}],
                }
            ],
        },
    ],
}


def fake_detect(text: str) -> tuple[str | None, float | None]:
    """Deterministic stand-in for langdetect in engine tests: French if it has 'le'."""
    return ("fr", 0.99) if " le " in f" {text} " else ("en", 0.95)


@pytest.fixture
def deployment() -> Deployment:
    return Deployment.model_validate(DEPLOYMENT, context={"languages": LANGS})


@pytest.fixture
def engine(deployment: Deployment) -> Engine:
    return Engine(deployment, fake_detect)


class Chat:
    """Drives the engine like a person would, keeping state and every record."""

    def __init__(self, engine: Engine, locale: str | None = None) -> None:
        self.engine = engine
        self.locale = locale
        self.state: ConversationState | None = None
        self.records: list[Record] = []
        self.replies: list[Reply] = []
        self.now = NOW

    def _step(self, event: Event) -> Transition:
        transition = self.engine.step(self.state, event, self.now, self.locale)
        # state must survive a JSON round trip, as it does in the store
        self.state = (
            None
            if transition.state is None
            else ConversationState.from_json(transition.state.to_json())
        )
        self.records.extend(transition.records)
        self.replies.extend(transition.replies)
        return transition

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    def say(self, text: str) -> str:
        return self._step(Text(text)).replies[-1].text

    def sticker(self) -> str:
        return self._step(Unsupported("sticker")).replies[-1].text

    def press(self, label: str) -> str:
        for reply in reversed(self.replies):
            for button in reply.flat_buttons:
                if button.label == label:
                    return self._step(Press(button.data)).replies[-1].text
            if reply.buttons:
                labels = [b.label for b in reply.flat_buttons]
                raise AssertionError(f"no button {label!r} in {labels}")
        raise AssertionError("no buttons shown")

    def press_data(self, data: str) -> str:
        return self._step(Press(data)).replies[-1].text

    def labels(self) -> list[str]:
        return [b.label for b in self.last.flat_buttons]

    def onboard(self, *, profile: tuple[str, str] = ("North", "Woman")) -> None:
        self.say("/start")
        self.press("I agree")
        self.press("English")
        self.press(profile[0])
        self.press(profile[1])
