"""What a deployment costs by SMS: segments per message, per question and language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bots.sms.segments import split
from bots.sms.webhook import texts
from conversations.definitions import Deployment, Poll
from conversations.engine import Engine
from conversations.values import Reply, Text


@dataclass(frozen=True, slots=True)
class Cost:
    """A message as sent by SMS: its name, and per language (segments, encodings used)."""

    name: str
    segments: dict[str, int]
    encodings: dict[str, str]


def cost(name: str, replies: dict[str, Reply]) -> Cost:
    counts, codings = {}, {}
    for language, reply in replies.items():
        parts = [part for message in texts(reply) for part in split(message)]
        counts[language] = len(parts)
        codings[language] = "+".join(sorted({p.encoding for p in parts}))
    return Cost(name, counts, codings)


def poll_costs(engine: Engine, deployment: Deployment, poll: Poll, now: datetime) -> list[Cost]:
    """The notice, then each question of ``poll``, as the engine asks them by SMS."""
    notices = {
        code: engine.step(None, Text("hello"), now, code, buttons=False).replies[0]
        for code in deployment.languages
    }
    rows = [cost("privacy notice", notices)]
    for question in poll.questions:
        prompts = {
            code: engine.question_prompt(poll, question, code, now, buttons=False)
            for code in deployment.languages
        }
        rows.append(cost(question.id, prompts))
    return rows
