"""Simulated citizens: random but plausible people answering through the real engine and store.

For demonstrations and for trying results on more than one respondent. They speak through
the same service as Telegram and the terminal, on their own channel ("simulation"), so their
pseudonyms can never collide with real people's.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from conversations.definitions import Deployment, Number
from conversations.service import ConversationService
from conversations.values import Inbound, ParticipantKey, Press, Reply, Text

CHANNEL = "simulation"

_SAYINGS = {
    "en": [
        "The roads must reopen before the rainy season.",
        "We need clean water and schools for our children.",
        "Nobody asked the women of our village what they need.",
        "Let displaced families go back to their land safely.",
    ],
    "fr": [
        "Les routes doivent rouvrir avant la saison des pluies.",
        "Nous avons besoin d'eau potable et d'écoles pour nos enfants.",
        "Personne n'a demandé aux femmes de notre village ce dont elles ont besoin.",
    ],
    "ar": [
        "يجب إعادة فتح الطرق قبل موسم الأمطار.",
        "نحتاج إلى مياه نظيفة ومدارس لأطفالنا.",
        "يجب أن يعود النازحون إلى أراضيهم بأمان.",
    ],
}
_MAX_STEPS = 200


async def simulate(
    service: ConversationService,
    deployment: Deployment,
    count: int,
    *,
    seed: int = 1,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Let ``count`` people onboard and answer every poll; returns how many finished."""
    rng = random.Random(seed)
    languages = deployment.languages
    # A person reads the question; the simulation recognises number questions by their prompt.
    numbers = {
        text: (q.min, q.max)
        for poll in deployment.polls
        for q in poll.questions
        if isinstance(q, Number)
        for text in q.prompt.values()
    }
    finished = 0
    for index in range(count):
        language = rng.choice(languages)
        key = ParticipantKey(CHANNEL, f"sim-{seed}-{index}")
        if await _one_person(service, key, language, rng, numbers):
            finished += 1
        progress(index + 1)
    return finished


async def _one_person(
    service: ConversationService,
    key: ParticipantKey,
    language: str,
    rng: random.Random,
    numbers: dict[str, tuple[float, float]],
) -> bool:
    replies = await service.handle(Inbound(key, Text("/start"), key.user, locale=language))
    polls_done = 0
    for _ in range(_MAX_STEPS):
        reply = replies[-1]
        event = _choose(reply, language, rng, numbers)
        if event is None:
            return polls_done > 0
        if isinstance(event, Press) and ":o:" in event.data:
            polls_done += 1
        replies = await service.handle(Inbound(key, event, key.user, locale=language))
    return False


def _choose(
    reply: Reply, language: str, rng: random.Random, numbers: dict[str, tuple[float, float]]
) -> Text | Press | None:
    buttons = list(reply.flat_buttons)
    if not buttons and not reply.expects_text:
        return None  # nothing left to answer
    menu = [b for b in buttons if ":o:" in b.data and not b.label.endswith("✓")]
    if any(":o:" in b.data for b in buttons):
        return Press(menu[0].data) if menu else None
    if any(b.data.startswith("-:c:") for b in buttons):
        agree = next(b for b in buttons if b.data.startswith("-:c:"))
        return Press(agree.data)
    if reply.expects_text:
        for prompt, (low, high) in numbers.items():
            if prompt in reply.text:
                return Text(str(rng.randint(int(low), int(high))))
        sayings = _SAYINGS.get(language, _SAYINGS["en"])
        return Text(rng.choice(sayings))
    toggles = [b for b in buttons if ":t:" in b.data]
    if toggles:
        ticked = [b for b in toggles if b.label.startswith("☑")]
        done = next(b for b in buttons if ":k:" in b.data)
        if ticked and (len(ticked) >= 3 or rng.random() < 0.5):
            return Press(done.data)
        return Press(rng.choice([b for b in toggles if not b.label.startswith("☑")]).data)
    # weighted towards earlier options, so results have a shape rather than noise
    weights = [1.0 / (i + 1) for i in range(len(buttons))]
    return Press(rng.choices(buttons, weights=weights)[0].data)
