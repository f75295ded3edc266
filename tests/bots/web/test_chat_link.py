"""`/web` in chat: a staff member gets a one-time link that signs them in to the workspace;
anybody else gets exactly the reply of an unknown command."""

from __future__ import annotations

import re

import pytest

from conversations.engine import Engine
from conversations.service import ConversationService
from conversations.snapshot import ROLES
from conversations.values import Inbound, Text
from storage.community import CommunityStore
from storage.unit_of_work import unit_of_work_factory
from tests.bots.web.conftest import Running, form_fields
from tests.service.test_community import SECRET, Person, fake_detect


@pytest.mark.parametrize("role", [*ROLES, None])
async def test_web_in_chat_gives_staff_a_link_that_signs_in(
    running: Running, role: str | None
) -> None:
    base = str(running.client.make_url("")).rstrip("/")
    service = ConversationService(
        Engine(running.deployment, fake_detect, web_url=base),
        unit_of_work_factory(running.engine),
        SECRET,
        running.clock,
    )
    person = Person(service, "staffer")
    await person.onboard()
    if role is not None:
        await CommunityStore(running.engine).add_staff(person.id, role, running.clock.now())
    unknown = await service.handle(Inbound(person.key, Text("/nosuchthing"), "staffer"))
    answer = await service.handle(Inbound(person.key, Text("/web"), "staffer"))
    if role is None:
        assert answer == unknown
        return
    found = re.search(rf"{re.escape(base)}(/sign-in/[A-Za-z0-9_-]+)", answer[0].text)
    assert found is not None, answer[0].text
    page = await running.client.get(found.group(1))
    home = await running.client.post("/sign-in", data=form_fields(await page.text()))
    assert home.status == 200
    assert "Sign out" in await home.text()
    actions = [line.action for line in await CommunityStore(running.engine).audit_log(10)]
    assert "web_link" in actions and "web_sign_in" in actions


async def test_no_web_command_without_a_workspace(running: Running) -> None:
    service = ConversationService(
        Engine(running.deployment, fake_detect),
        unit_of_work_factory(running.engine),
        SECRET,
        running.clock,
    )
    person = Person(service, "staffer")
    await person.onboard()
    await CommunityStore(running.engine).add_staff(person.id, "admin", running.clock.now())
    unknown = await service.handle(Inbound(person.key, Text("/nosuchthing"), "staffer"))
    assert await service.handle(Inbound(person.key, Text("/web"), "staffer")) == unknown
