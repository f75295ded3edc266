"""The community part of the pure engine: which events read the database, staff refusals,
closed polls and initiatives, and answers that the store decides."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from conversations.definitions import Deployment
from conversations.engine import Engine
from conversations.snapshot import Seats, Snapshot
from conversations.values import (
    CancelSignUp,
    ConversationState,
    Decision,
    Press,
    RedeemCode,
    SignUp,
    Text,
)
from tests.conversations.conftest import DEPLOYMENT, LANGS, NOW, Chat, fake_detect, t


def initiative(identifier: str, region: str = "north", **extra: Any) -> dict[str, Any]:
    return {
        "id": identifier,
        "type": "peace_walk",
        "region": region,
        "title": t(f"Walk {identifier}"),
        "description": t("A walk."),
        "place": t("Square"),
        "starts": "2026-12-01T09:00:00",
        "ends": "2026-12-01T11:00:00",
        "capacity": 3,
        **extra,
    }


@pytest.fixture
def engine() -> Engine:
    data = copy.deepcopy(DEPLOYMENT)
    data["polls"][2]["group"] = "civil"  # "Second poll" is closed
    data["topics"].append({"id": "forum", "name": t("Forum news"), "group": "civil"})
    data["initiatives"] = [
        initiative("a", "south"),
        initiative("b"),
        initiative("c", "south"),
        initiative("d"),
        initiative("hidden", group="civil"),
    ]
    deployment = Deployment.model_validate(data, context={"languages": LANGS})
    return Engine(deployment, fake_detect)


@pytest.fixture
def chat(engine: Engine) -> Chat:
    person = Chat(engine)
    person.onboard()
    return person


def test_only_community_events_read_the_database(engine: Engine, chat: Chat) -> None:
    state = chat.state
    assert state is not None
    needs = engine.wants_snapshot
    assert needs(state, Text("/initiatives")) and needs(state, Text("/organize@PeaceBot"))
    assert needs(state, Press("-:iv:a")) and needs(state, Press("-:ob:process"))
    assert not needs(state, Text("/polls")) and not needs(state, Text("hello"))
    assert not needs(state, Press(f"{state.seq}:o:p1"))
    assert not needs(None, Text("/initiatives"))


def test_the_persons_region_comes_first_three_per_page(engine: Engine, chat: Chat) -> None:
    text = chat.say("/initiatives")
    assert text.startswith("Initiatives you can join (page 1 of 2):")
    assert chat.labels() == ["Walk b", "Walk d", "Walk a", "Next ▶", "Another region"]
    assert "Walk hidden" not in text  # a closed group's
    chat.press("Next ▶")
    assert chat.labels() == ["Walk c", "◀ Previous", "Another region"]


@pytest.mark.parametrize("command", ["/organize", "/new_initiative", "/broadcast", "/feedback"])
def test_a_refused_staff_command_is_an_unknown_command(
    engine: Engine, chat: Chat, command: str
) -> None:
    state = chat.state
    unknown = engine.step(state, Text("/whatever"), NOW, snapshot=Snapshot())
    refused = engine.step(state, Text(command), NOW, snapshot=Snapshot())
    assert refused == unknown
    mediator = Snapshot(roles=frozenset({"mediator"}))
    allowed = engine.step(state, Text(command), NOW, snapshot=mediator)
    assert (allowed == unknown) == (command != "/feedback")


def test_the_store_decides_a_place_and_the_engine_answers_it(engine: Engine, chat: Chat) -> None:
    state = chat.state
    full = Snapshot(seats={"b": Seats(placed=3)})
    transition = engine.step(state, Press("-:is:b"), NOW, snapshot=full)
    assert transition.records == (SignUp("b", 3, None),)
    assert transition.replies == () and transition.then is not None
    assert (
        "is full: you are on the waiting list"
        in transition.then(Decision("waitlisted")).replies[0].text
    )
    # the snapshot said full, but a place freed meanwhile: the store's decision wins
    assert "You are signed up for “Walk b”" in transition.then(Decision("placed")).replies[0].text
    mine = Snapshot(mine={"b": "placed"})
    cancel = engine.step(state, Press("-:ix:b"), NOW, snapshot=mine)
    assert cancel.records == (CancelSignUp("b", 3),)


def test_closed_polls_and_initiatives_are_for_members(engine: Engine, chat: Chat) -> None:
    assert "Second poll" not in chat.labels()
    state = chat.state
    assert state is not None
    join = engine.step(state, Text("/join ABCD-EFGH"), NOW, snapshot=Snapshot())
    assert join.records == (RedeemCode("group", "ABCD-EFGH"),) and join.then is not None
    refused = join.then(Decision("refused"))
    assert "This code is not valid" in refused.replies[0].text
    assert refused.state == state
    joined = join.then(Decision("accepted", "civil:0:Civil forum"))
    assert "member of the group “Civil forum”" in joined.replies[0].text
    member = joined.state
    assert isinstance(member, ConversationState) and member.groups == ("civil",)
    assert "Second poll" in [b.label for b in joined.replies[0].flat_buttons]
    listing = engine.step(member, Text("/initiatives"), NOW, snapshot=Snapshot())
    assert "Walk hidden" in listing.replies[0].text


def test_a_closed_groups_topic_is_for_members(engine: Engine, chat: Chat) -> None:
    chat.say("/subscribe")
    assert "☐ Forum news" not in chat.labels()
    state = chat.state
    assert state is not None
    forged = engine.step(state, Press(f"{state.seq}:u:forum"), NOW)
    assert forged.records == () and "This button has expired" in forged.replies[0].text
    member = dataclasses.replace(state, groups=("civil",))
    listing = engine.step(member, Text("/subscribe"), NOW)
    assert "☐ Forum news" in [b.label for b in listing.replies[0].flat_buttons]
