"""Consultations in the store, on SQLite and PostgreSQL: the participant's view, records,
seeds, moderation, and what /forget leaves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from config.deployment import demo_folder, load_deployment
from conversations.consultation_values import (
    ConsultationAnswered,
    StatementSubmitted,
    StatementVoted,
)
from storage import consultations
from storage.models import ConsultationAnswer, Statement, StatementVote
from storage.unit_of_work import unit_of_work_factory
from tests.storage.helpers import NOW, state

AMINA, OMAR = "a" * 64, "b" * 64


async def _setup(engine: AsyncEngine) -> None:
    assert await consultations.sync_seeds(engine, load_deployment(demo_folder()), NOW) == 4
    assert await consultations.sync_seeds(engine, load_deployment(demo_folder()), NOW) == 0
    uow = unit_of_work_factory(engine)()
    async with uow:
        for person in (AMINA, OMAR):
            await uow.save_state(person, state(), NOW)
        await uow.record_consultation(
            AMINA, ConsultationAnswered("monitoring", "Elders", "en", 0.9), NOW
        )
        await uow.record_consultation(
            AMINA, ConsultationAnswered("monitoring", "Elders and women", "en", 0.9), NOW
        )
        await uow.record_consultation(
            AMINA, StatementSubmitted("monitoring", "Elders must sit on it", "en", "approved"), NOW
        )
        await uow.record_consultation(
            AMINA, StatementSubmitted("monitoring", "Not yet seen", "en", "pending"), NOW
        )
        await uow.record_consultation(AMINA, StatementVoted("monitoring", 1, 1), NOW)
        await uow.record_consultation(AMINA, StatementVoted("monitoring", 1, -1), NOW)  # ignored
        await uow.record_consultation(OMAR, StatementVoted("monitoring", 1, 0), NOW)
        await uow.record_consultation(OMAR, StatementVoted("monitoring", 2, -1), NOW)
        await uow.commit()


async def test_the_view_shows_approved_unvoted_statements_of_others(engine: AsyncEngine) -> None:
    await _setup(engine)
    uow = unit_of_work_factory(engine)()
    async with uow:
        amina = await uow.consultation_view(AMINA, "monitoring")
        omar = await uow.consultation_view(OMAR, "monitoring")
        nobody = await uow.consultation_view(OMAR, "unknown")
    assert amina.answered and not omar.answered
    assert [s.id for s in amina.unvoted] == [2, 3, 4]  # not 1 (voted), 5 (her own), 6 (pending)
    assert [s.id for s in omar.unvoted] == [3, 4, 5]
    second = next(s for s in amina.unvoted if s.id == 2)
    assert (second.agree, second.disagree, second.passes) == (0, 1, 0)
    assert nobody.unvoted == () and not nobody.answered
    answers = await consultations.answers(engine, "monitoring")
    assert [a.text for a in answers] == ["Elders and women"]  # the answer was replaced
    votes = sorted(await consultations.vote_rows(engine, "monitoring"))
    assert sorted(v for _, s, v in votes if s == 1) == [0, 1]


async def test_moderation_decides_what_is_shown(engine: AsyncEngine) -> None:
    await _setup(engine)
    pending = await consultations.statements(engine, "monitoring", ("pending",))
    assert [s.texts for s in pending] == [{"en": "Not yet seen"}]
    await consultations.moderate(engine, pending[0].id, "approved", NOW)
    uow = unit_of_work_factory(engine)()
    async with uow:
        omar = await uow.consultation_view(OMAR, "monitoring")
    assert pending[0].id in [s.id for s in omar.unvoted]


async def test_forget_erases_answers_and_unpublished_statements_and_detaches_votes(
    engine: AsyncEngine,
) -> None:
    await _setup(engine)
    uow = unit_of_work_factory(engine)()
    async with uow:
        await uow.record_consultation(
            AMINA, StatementSubmitted("monitoring", "Turned down", "en", "pending"), NOW
        )
        await uow.commit()
    turned_down = await consultations.statements(engine, "monitoring", ("pending",))
    for row in turned_down:
        if row.texts == {"en": "Turned down"}:
            await consultations.moderate(engine, row.id, "rejected", NOW)
    uow = unit_of_work_factory(engine)()
    async with uow:
        await uow.forget(AMINA)
        await uow.commit()
    async with engine.connect() as connection:
        answers = (await connection.execute(select(ConsultationAnswer.id))).all()
        statements = (await connection.execute(select(Statement.author, Statement.texts))).all()
        voters = (await connection.execute(select(StatementVote.participant))).scalars().all()
    assert answers == []
    assert {"en": "Not yet seen"} not in [texts for _, texts in statements]
    assert {"en": "Turned down"} not in [texts for _, texts in statements]  # rejected: gone
    assert (None, {"en": "Elders must sit on it"}) in [tuple(row) for row in statements]
    assert AMINA not in voters and voters.count(OMAR) == 2 and len(voters) == 3
