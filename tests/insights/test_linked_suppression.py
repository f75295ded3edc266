"""Every table of a poll side by side: no hidden count can be worked out (issue 14, finding 2).

Seeded random populations with small groups, not-stated values, several waves and a follow-up
question; everything the poll's tables publish (each wave, all waves, by wave, overall and by
each field, inclusion with its shares) goes to the auditor of `tests.insights.linked_audit`,
which must not pin any hidden count from 1 to k - 1.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass

import pytest

from conversations.definitions import Choice, Deployment, Poll, ShowIf, SingleChoice
from insights import export as exports
from insights.analysis import Rows, inclusion, table
from insights.results import ALL, WAVE, PollResults
from storage.crosstabs import AnsweredCell, ChoiceCell, NumberCell, RespondentCell
from tests.insights.helpers import deployment, poll, t
from tests.insights.linked_audit import Attack, profiles

K = 5
FIELDS = ("region", "gender")
VALUES: tuple[tuple[str | None, ...], ...] = (
    ("north", "south", "east", None),
    ("woman", "man", None),
)
CHOICE_KINDS = {"single_choice", "scale", "region"}


def with_follow_up() -> tuple[Deployment, Poll]:
    d = deployment(K)
    talks = poll(d)
    why = SingleChoice(
        id="why",
        type="single_choice",
        prompt=t("Why a?"),
        choices=(Choice(id="p", label=t("P")), Choice(id="q", label=t("Q"))),
        show_if=ShowIf(question="single", any_of=("a",)),
    )
    talks = talks.model_copy(update={"questions": (*talks.questions, why)})
    return d.model_copy(update={"polls": (talks,)}), talks


@dataclass
class Person:
    profile: tuple[str | None, ...]
    answers: dict[int, dict[str, object]]
    """Per wave: question id -> a choice id, a set of choice ids, a number or a text."""


def population(seed: int, poll_: Poll) -> list[Person]:
    rng = random.Random(seed)
    waves = rng.choice([1, 2, 3])
    weights = [[0.6, 0.28, 0.08, 0.04], [0.3, 0.64, 0.06]]
    skew = {q.id: [rng.random() ** 2 for _ in range(6)] for q in poll_.questions}
    people = []
    for _ in range(rng.randint(12, 50)):
        profile = tuple(
            rng.choices(values, weights=w)[0] for values, w in zip(VALUES, weights, strict=True)
        )
        answers: dict[int, dict[str, object]] = {}
        for wave in range(1, waves + 1):
            if rng.random() < 0.25:
                continue
            mine: dict[str, object] = {}
            for q in poll_.questions:
                if q.show_if is not None and mine.get(q.show_if.question) not in q.show_if.any_of:
                    continue
                if rng.random() < 0.08:
                    continue
                if q.type in CHOICE_KINDS:
                    options = _options(q.type, q)
                    mine[q.id] = rng.choices(options, weights=skew[q.id][: len(options)])[0]
                elif q.type == "multiple_choice":
                    mine[q.id] = {o for o in _options(q.type, q) if rng.random() < 0.4}
                elif q.type == "number":
                    mine[q.id] = float(rng.randint(0, 30))
                else:
                    mine[q.id] = "words"
            if mine:
                answers[wave] = mine
        people.append(Person(profile, answers))
    return people


def _options(kind: str, question: object) -> list[str]:
    if kind == "scale":
        return [str(v) for v in range(1, 5)]
    if kind == "region":
        return ["north", "south", "east"]
    if kind in ("single_choice", "multiple_choice"):
        return [c.id for c in question.choices]  # type: ignore[attr-defined]
    return []


def crosstab(people: list[Person]) -> Rows:
    respondents: dict[tuple[int, tuple[str | None, ...]], int] = defaultdict(int)
    answered: dict[tuple[str, int, tuple[str | None, ...]], int] = defaultdict(int)
    picked: dict[tuple[str, int, str, tuple[str | None, ...]], int] = defaultdict(int)
    numbers: dict[tuple[str, int, tuple[str | None, ...]], list[float]] = defaultdict(list)
    for person in people:
        for wave, answers in person.answers.items():
            respondents[wave, person.profile] += 1
            for question, answer in answers.items():
                answered[question, wave, person.profile] += 1
                if isinstance(answer, str) and answer != "words":
                    picked[question, wave, answer, person.profile] += 1
                elif isinstance(answer, set):
                    for choice in answer:
                        picked[question, wave, choice, person.profile] += 1
                elif isinstance(answer, float):
                    numbers[question, wave, person.profile].append(answer)
    return Rows(
        FIELDS,
        respondents=[RespondentCell(w, p, n) for (w, p), n in respondents.items()],
        choices=[ChoiceCell(q, w, c, p, n) for (q, w, c, p), n in picked.items()],
        answered=[AnsweredCell(q, w, p, n) for (q, w, p), n in answered.items()],
        numbers=[
            NumberCell(q, w, p, len(v), sum(v), min(v), max(v)) for (q, w, p), v in numbers.items()
        ],
    )


class Microdata:
    """The attacker's unknowns, with their true values for the assertions."""

    def __init__(self, people: list[Person], poll_: Poll, attack: Attack) -> None:
        self.poll = poll_
        self.attack = attack
        self.waves = sorted({w for p in people for w in p.answers})
        self.cells = profiles(VALUES)
        truth: dict[tuple[object, ...], int] = defaultdict(int)
        for person in people:
            for wave, answers in person.answers.items():
                truth["respondents", wave, person.profile, None] += 1
                for question, answer in answers.items():
                    truth[question, wave, person.profile, None] += 1
                    chosen = answer if isinstance(answer, set) else {answer}
                    for choice in chosen:
                        truth[question, wave, person.profile, choice] += 1
        self.truth = truth
        for wave in self.waves:
            for cell in self.cells:
                everyone = self.unknown(("respondents", wave, cell, None))
                for q in poll_.questions:
                    n = self.n_terms(q.id, wave, cell)
                    attack.at_most(n, [everyone])
                    if q.type == "multiple_choice":
                        for option in _options(q.type, q):
                            attack.at_most([self.unknown((q.id, wave, cell, option))], n)
                    if q.show_if is not None:
                        parent = q.show_if.question
                        sent = [self.unknown((parent, wave, cell, o)) for o in q.show_if.any_of]
                        attack.at_most(n, sent)

    def unknown(self, name: tuple[object, ...]) -> int:
        question, wave, cell, _ = name
        return self.attack.unknown(name, self.truth.get(name, 0))

    def kind(self, question_id: str) -> str:
        return next(q for q in self.poll.questions if q.id == question_id).type

    def n_terms(self, question_id: str, wave: int, cell: tuple[str | None, ...]) -> list[int]:
        question = next(q for q in self.poll.questions if q.id == question_id)
        if question.type in CHOICE_KINDS:
            return [
                self.unknown((question_id, wave, cell, o))
                for o in _options(question.type, question)
            ]
        return [self.unknown((question_id, wave, cell, None))]

    def terms(
        self,
        question_id: str,
        waves: list[int],
        field: str | None,
        group: str | None,
        row: str | None,
    ) -> list[int]:
        found = []
        for wave in waves:
            for cell in self.cells:
                if field is not None and cell[FIELDS.index(field)] != group:
                    continue
                if question_id == "respondents":
                    found.append(self.unknown(("respondents", wave, cell, None)))
                elif row is None:
                    found += self.n_terms(question_id, wave, cell)
                else:
                    found.append(self.unknown((question_id, wave, cell, row)))
        return found


def publish_table(data: Microdata, results: PollResults, wave: int | None) -> None:
    waves = [wave] if wave is not None else data.waves
    for question in results.questions:
        for j, group in enumerate(results.groups):
            if results.by == WAVE:
                chosen = waves if group.key == ALL else [int(group.key or 0)]
                field, key = None, None
            else:
                chosen = waves
                field = results.by if group.key != ALL else None
                key = group.key
            where = f"{question.question_id} wave={wave} by={results.by} {group.key}"
            n_terms = data.terms(question.question_id, chosen, field, key, None)
            data.attack.publish(f"{where} n", n_terms, question.n[j].count)
            for row in question.rows:
                cell = row.cells[j]
                terms = data.terms(question.question_id, chosen, field, key, row.choice_id)
                data.attack.publish(f"{where} {row.choice_id}", terms, cell.count)
                if cell.count is None:
                    assert cell.percent is None
            for number in question.numbers[j : j + 1]:
                data.attack.publish(f"{where} number n", n_terms, number.n)
                assert number.minimum is None and number.maximum is None


def publish_inclusion(data: Microdata, d: Deployment, rows: Rows, wave: int | None) -> None:
    waves = [wave] if wave is not None else data.waves
    for field_table in inclusion(d, rows, "en", wave, data.poll):
        stated = [
            t
            for r in field_table.rows
            if r.value is not None
            for t in data.terms("respondents", waves, field_table.field, r.value, None)
        ]
        for r in field_table.rows:
            terms = data.terms("respondents", waves, field_table.field, r.value, None)
            data.attack.publish(
                f"inclusion wave={wave} {field_table.field}={r.value}", terms, r.respondents
            )
            if r.sample_share is not None:
                data.attack.ratio(terms, stated, r.sample_share)


def publish_export(data: Microdata, d: Deployment, rows: Rows) -> None:
    """Every count of the export (as JSON: the CSV and XLSX files hold the same rows)."""
    document = json.loads(exports.to_json(exports.build(d, data.poll, rows, "en"), hxl=False))
    for name, found in document["tables"].items():
        if not name.startswith("results"):
            continue
        columns = found["columns"]
        field = name.removeprefix("results_by_") if name != "results" else None
        for values in found["rows"]:
            row = dict(zip(columns, values, strict=True))
            waves = [row["wave"]] if row["wave"] in data.waves else data.waves
            group = row.get("group_id")
            where = f"export {name} wave={row['wave']} {group} {row['question_id']}"
            n = data.terms(row["question_id"], waves, field, group, None)
            data.attack.publish(f"{where} n", n, row["respondents"])
            if row["count"] is None:
                assert row["percent"] is None
            if row["option_id"] in _options(data.kind(row["question_id"]), _question(data, row)):
                terms = data.terms(row["question_id"], waves, field, group, row["option_id"])
                data.attack.publish(f"{where} {row['option_id']}", terms, row["count"])


def _question(data: Microdata, row: dict[str, object]) -> object:
    return next(q for q in data.poll.questions if q.id == row["question_id"])


@pytest.mark.parametrize("seed", range(8))
def test_no_hidden_count_can_be_worked_out_from_every_table_together(seed: int) -> None:
    d, talks = with_follow_up()
    people = population(seed, talks)
    rows = crosstab(people)
    attack = Attack()
    data = Microdata(people, talks, attack)
    for wave in [None, *data.waves]:
        for by in (None, *FIELDS, WAVE):
            publish_table(data, table(d, talks, rows.of_wave(wave), by, "en"), wave)
        publish_inclusion(data, d, rows, wave)
    publish_export(data, d, rows)
    pinned = attack.pinned(K)
    assert pinned == [], "\n".join(
        f"{f.where}: {f.truth} in [{lo:.2f}, {hi:.2f}]" for f, lo, hi in pinned
    )
