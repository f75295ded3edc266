"""Simulated participants of a consultation, through the real engine and store.

For demonstrations of the analysis: people in ``camps`` camps answer the question, some write
a statement (which waits for moderation like any other), and each votes on every statement
they are shown, agreeing or disagreeing as their camp leans. A statement's leanings are drawn
from its id and the seed, and about one in four is common ground all camps agree with, so the
report has opinion groups and consensus to show. Same seed, same people, same votes. Each
of a few sample statements is written once per run.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from conversations.service import ConversationService
from conversations.values import Inbound, ParticipantKey, Press, Reply, Text

CHANNEL = "simulation"

_ANSWERS = {
    "en": [
        "Women from the villages and elders both sides respect.",
        "International observers, because the parties do not trust each other.",
        "Young people who lived through the fighting should have seats.",
    ],
    "fr": [
        "Des femmes des villages et des anciens respectés des deux côtés.",
        "Des observateurs internationaux, car les parties ne se font pas confiance.",
    ],
    "ar": [
        "نساء من القرى وشيوخ يحترمهم الطرفان.",
        "مراقبون دوليون لأن الأطراف لا تثق ببعضها.",
    ],
}
_STATEMENTS = [
    "The committee should meet in a different region every month.",
    "Victims' associations need a seat on the committee.",
    "Only neutral foreign experts can judge violations fairly.",
    "Local chiefs know better than anyone who breaks the ceasefire.",
    "Members should be chosen by lot among nominated citizens.",
    "Former fighters must not sit on the committee.",
    "Each armed party should name one member, no more.",
    "The committee needs its own radio programme to explain its findings.",
]
_MAX_STEPS = 400


def _leaning(seed: int, camp: int, statement: int) -> int:
    common = random.Random(f"{seed}:{statement}").random() < 0.25
    if common:
        return 1
    return random.Random(f"{seed}:{camp}:{statement}").choice((1, -1))


async def simulate_consultation(
    service: ConversationService,
    consultation_id: str,
    languages: tuple[str, ...],
    count: int,
    *,
    camps: int = 3,
    seed: int = 1,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """``count`` people take part; returns how many votes they cast."""
    rng = random.Random(seed)
    unwritten = rng.sample(_STATEMENTS, len(_STATEMENTS))  # each statement written once
    votes = 0
    for index in range(count):
        key = ParticipantKey(CHANNEL, f"consult-{seed}-{index}")
        language = rng.choice(languages)
        votes += await _one(
            service,
            key,
            consultation_id,
            language=language,
            camp=index % camps,
            seed=seed,
            rng=rng,
            unwritten=unwritten,
        )
        progress(index + 1)
    return votes


async def _one(
    service: ConversationService,
    key: ParticipantKey,
    consultation_id: str,
    *,
    language: str,
    camp: int,
    seed: int,
    rng: random.Random,
    unwritten: list[str],
) -> int:
    async def send(event: Text | Press) -> Reply:
        replies = await service.handle(Inbound(key, event, key.user, locale=language))
        return replies[-1]

    reply = await send(Text("/start"))
    for _ in range(10):  # consent, language, profile (a random answer), up to the menu
        datas = [b.data for b in reply.flat_buttons]
        if not datas or any(":cq:" in d for d in datas):
            break
        preferred = [d for d in datas if ":c:" in d or ":l:" in d]
        reply = await send(Press(preferred[0] if preferred else rng.choice(datas)))
    reply = await send(Press(f"-:cq:{consultation_id}"))
    if reply.expects_text:  # the question (not answered before)
        reply = await send(Text(rng.choice(_ANSWERS.get(language, _ANSWERS["en"]))))
        if reply.expects_text:  # statements may be written
            if unwritten and rng.random() < 0.2:
                reply = await send(Text(unwritten.pop()))
            reply = await send(Press(_button(reply, ":cx:vote")))
    votes = 0
    for _ in range(_MAX_STEPS):
        vote = next((b.data for b in reply.flat_buttons if ":cv:" in b.data), None)
        if vote is None:
            break
        statement = int(vote.split(":")[2])
        code = "a" if _leaning(seed, camp, statement) == 1 else "d"
        if rng.random() < 0.1:  # people are not perfectly consistent
            code = "d" if code == "a" else "a"
        elif rng.random() < 0.1:
            code = "p"
        reply = await send(Press(_button(reply, f":{statement}:{code}")))
        votes += 1
    return votes


def _button(reply: Reply, ending: str) -> str:
    return next(b.data for b in reply.flat_buttons if b.data.endswith(ending))
