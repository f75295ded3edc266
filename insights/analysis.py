"""Weighted estimates per wave, trends across waves and inclusion, from cross-tab rows. Pure.

Everything here starts from the rows of `storage.crosstabs`, split by every profile field at
once. Unweighted tables are `insights.results.summarize` of those rows collapsed to one field,
so they carry its primary and complementary suppression; a weighted figure is shown only
where the unweighted count it comes from is shown, so weighting never reveals a hidden cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from conversations.definitions import (
    Deployment,
    Number,
    Poll,
    Question,
    RegionQuestion,
    SingleChoice,
    localized,
)
from insights.disclosure import ALL, RESPONDENTS, N, PollProtection, poll_protection
from insights.results import WAVE, PollResults, QuestionResult, summarize
from insights.suppression import suppress
from insights.weighting import (
    Change,
    Estimate,
    Raking,
    compare,
    effective_sample_size,
    rake,
    raked_share,
)
from storage.aggregates import ChoiceCount, NumberStats, QuestionTotal
from storage.crosstabs import (
    AnsweredCell,
    ChoiceCell,
    NumberCell,
    Profile,
    ReachRow,
    RespondentCell,
)

NOT_STATED = {"en": "Not stated", "fr": "Non précisé", "ar": "غير مذكور"}


@dataclass(frozen=True)
class Rows:
    """The cross-tab rows of one poll, split by ``fields`` (every profile field)."""

    fields: tuple[str, ...]
    respondents: Sequence[RespondentCell]
    choices: Sequence[ChoiceCell]
    answered: Sequence[AnsweredCell]
    numbers: Sequence[NumberCell]
    wave: int | None = None
    """The wave these rows were narrowed to by `of_wave`; None: every wave."""
    whole: Rows | None = field(default=None, repr=False, compare=False)
    """The rows of every wave these were narrowed from."""
    _protections: dict[tuple[int, str, int], PollProtection] = field(
        default_factory=dict, repr=False, compare=False
    )

    def waves(self) -> list[int]:
        return sorted({row.wave for row in self.respondents})

    def of_wave(self, wave: int | None) -> Rows:
        every = self.whole or self
        if wave is None:
            return every
        return Rows(
            every.fields,
            [r for r in every.respondents if r.wave == wave],
            [r for r in every.choices if r.wave == wave],
            [r for r in every.answered if r.wave == wave],
            [r for r in every.numbers if r.wave == wave],
            wave=wave,
            whole=every,
        )

    def protection(self, deployment: Deployment, poll: Poll) -> PollProtection:
        """What every table of the poll hides, worked out once on the rows of every wave
        (`insights.disclosure`), so that tables of one wave, of all waves, by wave and by each
        field can be put side by side."""
        every = self.whole or self
        key = (id(deployment), poll.id, deployment.suppression_k)
        if key not in every._protections:
            every._protections[key] = poll_protection(
                deployment,
                poll,
                fields=every.fields,
                respondents=every.respondents,
                choices=every.choices,
                answered=every.answered,
                k=deployment.suppression_k,
            )
        return every._protections[key]


def table(
    deployment: Deployment, poll: Poll, rows: Rows, by: str | None, language: str
) -> PollResults:
    """The suppressed table of counts by one profile field, ``WAVE`` or nothing."""

    protection = rows.protection(deployment, poll)

    def hidden(question_id: str, key: str | None, option: str | None) -> bool:
        row = N if option is None else option
        if by == WAVE:
            wave = rows.wave if key == ALL or key is None else int(key)
            return protection.hides(question_id, wave, None, ALL, row)
        return protection.hides(question_id, rows.wave, by, key, row)

    def group(profile: Profile, wave: int) -> str | None:
        if by is None:
            return None
        if by == WAVE:
            return str(wave)
        return profile[rows.fields.index(by)]

    choices: dict[tuple[str, str | None, str], int] = defaultdict(int)
    for c in rows.choices:
        choices[c.question_id, group(c.profile, c.wave), c.choice] += c.respondents
    totals: dict[tuple[str, str | None], int] = defaultdict(int)
    for a in rows.answered:
        totals[a.question_id, group(a.profile, a.wave)] += a.respondents
    numbers: dict[tuple[str, str | None], list[NumberCell]] = defaultdict(list)
    for n in rows.numbers:
        numbers[n.question_id, group(n.profile, n.wave)].append(n)
    return summarize(
        deployment,
        poll,
        by=by,
        language=language,
        hidden=hidden,
        choices=[ChoiceCount(q, g, c, n) for (q, g, c), n in choices.items()],
        totals=[QuestionTotal(q, g, n) for (q, g), n in totals.items()],
        numbers=[
            NumberStats(
                q,
                g,
                sum(c.n for c in cells),
                sum(c.total for c in cells) / sum(c.n for c in cells),
                min(c.minimum for c in cells),
                max(c.maximum for c in cells),
            )
            for (q, g), cells in numbers.items()
        ],
    )


@dataclass(frozen=True)
class OptionEstimate:
    choice_id: str
    label: str
    count: int | None
    """Unweighted respondents; None when suppressed (and then no estimate either)."""
    estimate: Estimate | None

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class QuestionEstimate:
    question_id: str
    prompt: str
    kind: str
    n: int | None
    """Respondents who answered; None when suppressed."""
    effective_n: float | None
    options: tuple[OptionEstimate, ...] = ()
    mean: float | None = None
    """Weighted mean, for number questions."""


@dataclass(frozen=True)
class Weighting:
    """How the respondents of a wave were weighted."""

    respondents: int
    effective_n: float
    efficiency: float
    converged: bool
    fields: tuple[str, ...]
    missing_categories: tuple[tuple[str, str], ...]
    collapsed: tuple[tuple[str, str], ...] = ()
    """(field, value) pooled with other values in some wave: fewer than k people had it."""
    trimmed: int = 0
    """People whose weight was trimmed to the bound (`insights.weighting.TRIM`)."""


@dataclass(frozen=True)
class WaveEstimates:
    wave: int | None
    weighting: Weighting
    questions: tuple[QuestionEstimate, ...]

    def question(self, question_id: str) -> QuestionEstimate | None:
        return next((q for q in self.questions if q.question_id == question_id), None)


def estimate(
    deployment: Deployment, poll: Poll, rows: Rows, language: str, wave: int | None
) -> WaveEstimates:
    """Weighted shares (raked to the deployment's margins) for one wave, or all pooled."""
    rows = rows.of_wave(wave)
    people: dict[tuple[int, Profile], int] = {
        (r.wave, r.profile): r.respondents for r in rows.respondents
    }
    cells = list(people)
    raking = _rake(deployment, rows.fields, cells, [people[c] for c in cells])
    weight = dict(zip(cells, raking.weights.tolist(), strict=True))
    counts = table(deployment, poll, rows, None, language)
    shown = {q.question_id: q for q in counts.questions}
    total = sum(people.values())
    effective_n = effective_sample_size(raking.weights, [people[c] for c in cells])
    weighting = Weighting(
        respondents=total,
        effective_n=effective_n,
        efficiency=effective_n / total if total else 0.0,
        converged=raking.converged,
        fields=tuple(f for f in rows.fields if f in deployment.population),
        missing_categories=raking.missing_categories,
        collapsed=raking.collapsed,
        trimmed=raking.trimmed,
    )
    questions = tuple(
        _question(deployment, question, rows, weight, shown[question.id])
        for question in poll.questions
    )
    return WaveEstimates(wave, weighting, questions)


def _rake(
    deployment: Deployment,
    fields: Sequence[str],
    cells: Sequence[tuple[int, Profile]],
    counts: Sequence[int],
) -> Raking:
    """Rake each wave on its own (pooled waves: every wave to the margins)."""
    weights = np.ones(len(cells))
    missing: set[tuple[str, str]] = set()
    collapsed: set[tuple[str, str]] = set()
    trimmed = 0
    converged = True
    iterations = 0
    for wave in sorted({w for w, _ in cells}):
        index = [i for i, (w, _) in enumerate(cells) if w == wave]
        raking = rake(
            [cells[i][1] for i in index],
            [counts[i] for i in index],
            fields,
            deployment.population,
            k=deployment.suppression_k,
        )
        weights[index] = raking.weights
        missing.update(raking.missing_categories)
        collapsed.update(raking.collapsed)
        trimmed += raking.trimmed
        converged = converged and raking.converged
        iterations = max(iterations, raking.iterations)
    return Raking(
        weights, iterations, converged, tuple(sorted(missing)), tuple(sorted(collapsed)), trimmed
    )


def _question(
    deployment: Deployment,
    question: Question,
    rows: Rows,
    weight: Mapping[tuple[int, Profile], float],
    counts: QuestionResult,
) -> QuestionEstimate:
    total_n = counts.n[-1]
    people = {(r.wave, r.profile): r.respondents for r in rows.respondents}
    cells = list(people)
    answered_by = {
        (a.wave, a.profile): a.respondents for a in rows.answered if a.question_id == question.id
    }
    base = [answered_by.get(c, 0) for c in cells]
    weights = [weight[c] for c in cells]
    effective = effective_sample_size(weights, base)
    waves = sorted({w for w, _ in cells})
    # A weighted figure resting on fewer than k people's worth of weight is not shown.
    too_few = effective < deployment.suppression_k
    options: list[OptionEstimate] = []
    for row in counts.rows:
        cell = row.cells[-1]
        if cell.suppressed or cell.count is None:
            options.append(OptionEstimate(row.choice_id, row.label, None, None))
            continue
        if too_few:
            options.append(OptionEstimate(row.choice_id, row.label, cell.count, None))
            continue
        picked_by = {
            (c.wave, c.profile): c.respondents
            for c in rows.choices
            if c.question_id == question.id and c.choice == row.choice_id
        }
        share = raked_share(
            [picked_by.get(c, 0) for c in cells],
            base,
            [people[c] for c in cells],
            profiles=[p for _, p in cells],
            strata=[waves.index(w) for w, _ in cells],
            fields=rows.fields,
            margins=deployment.population,
            k=deployment.suppression_k,
        )
        options.append(OptionEstimate(row.choice_id, row.label, cell.count, share))
    mean = None
    if isinstance(question, Number) and not total_n.suppressed and not too_few:
        numbers = [n for n in rows.numbers if n.question_id == question.id]
        sum_w = sum(n.n * weight.get((n.wave, n.profile), 1.0) for n in numbers)
        if sum_w:
            mean = sum(n.total * weight.get((n.wave, n.profile), 1.0) for n in numbers) / sum_w
    return QuestionEstimate(
        question_id=question.id,
        prompt=counts.prompt,
        kind=question.type,
        n=None if total_n.suppressed else total_n.count,
        effective_n=None if total_n.suppressed else effective,
        options=tuple(options),
        mean=mean,
    )


# Trends


@dataclass(frozen=True)
class TrendPoint:
    wave: int
    estimate: Estimate | None
    """None when the option's count is suppressed in that wave."""
    change: Change | None = None
    """Against the previous wave with a shown estimate."""


@dataclass(frozen=True)
class OptionTrend:
    choice_id: str
    label: str
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class QuestionTrend:
    question_id: str
    prompt: str
    options: tuple[OptionTrend, ...]

    @property
    def flagged(self) -> list[tuple[OptionTrend, TrendPoint]]:
        """Changes significant at 95 %."""
        return [
            (option, point)
            for option in self.options
            for point in option.points
            if point.change is not None and point.change.significant
        ]


def trends(waves: Sequence[WaveEstimates]) -> tuple[QuestionTrend, ...]:
    """Per question and option, the weighted share in each wave and the flagged changes."""
    if not waves:
        return ()
    result = []
    for first in waves[0].questions:
        if not first.options:
            continue
        options = []
        for index, option in enumerate(first.options):
            points: list[TrendPoint] = []
            previous: Estimate | None = None
            for wave in waves:
                question = wave.question(first.question_id)
                found = question.options[index].estimate if question is not None else None
                change = compare(previous, found) if previous and found else None
                points.append(TrendPoint(wave.wave or 0, found, change))
                previous = found or previous
            options.append(OptionTrend(option.choice_id, option.label, tuple(points)))
        result.append(QuestionTrend(first.question_id, first.prompt, tuple(options)))
    return tuple(result)


# Inclusion


@dataclass(frozen=True)
class InclusionRow:
    value: str | None
    label: str
    respondents: int | None
    """None when suppressed."""
    sample_share: float | None
    """Among those who stated the field."""
    population_share: float | None
    ratio: float | None
    """Sample share over population share: below 1, the group is under-represented."""


@dataclass(frozen=True)
class Inclusion:
    field: str
    label: str
    rows: tuple[InclusionRow, ...]


def inclusion(
    deployment: Deployment, poll: Poll, rows: Rows, language: str, wave: int | None
) -> tuple[Inclusion, ...]:
    """Respondents per value of each profile field against its population share.

    Counts are hidden as every table of the poll is (`Rows.protection`). Shares among those
    who stated the field are left out when the not-stated count is hidden: they would give
    back how many stated it, and so the hidden count."""
    protection = rows.protection(deployment, poll)
    rows = rows.of_wave(wave)
    result = []
    for index, field_id in enumerate(rows.fields):
        question = next((q for q in deployment.profile if q.id == field_id), None)
        if question is None:
            continue
        counted: dict[str | None, int] = defaultdict(int)
        for r in rows.respondents:
            counted[r.profile[index]] += r.respondents
        shares = deployment.population.get(field_id, {})
        keys = _ordered(_values(deployment, question), counted, shares)
        hidden = {k: protection.hides(RESPONDENTS, wave, field_id, k, N) for k in keys}
        stated = sum(n for k, n in counted.items() if k is not None)
        with_shares = not hidden.get(None, False)
        table_rows = []
        for key in keys:
            n = None if hidden[key] else counted.get(key, 0)
            share = (
                n / stated if n is not None and key is not None and stated and with_shares else None
            )
            population = shares.get(key) if key is not None else None
            ratio = share / population if share is not None and population else None
            table_rows.append(
                InclusionRow(
                    key, _label(deployment, question, key, language), n, share, population, ratio
                )
            )
        result.append(
            Inclusion(field_id, deployment.text(question.prompt, language), tuple(table_rows))
        )
    return tuple(result)


@dataclass(frozen=True)
class ReachCell:
    invited: int | None
    completed: int | None
    rate: float | None


@dataclass(frozen=True)
class ReachTable:
    """Response rate per wave (rows) and group (columns) of one field."""

    field: str
    groups: tuple[tuple[str | None, str], ...]
    waves: tuple[tuple[int, tuple[ReachCell, ...]], ...]


def response_rates(
    deployment: Deployment, field: str, rows: Iterable[ReachRow], language: str
) -> ReachTable:
    """Completed over invited per wave and group, small groups suppressed."""
    question = next(q for q in deployment.profile if q.id == field)
    data = list(rows)
    found: dict[str | None, int] = {r.group: 1 for r in data}
    keys = _ordered(_values(deployment, question), found, {})
    waves = []
    for wave in sorted({r.wave for r in data}):
        by_group = {r.group: r for r in data if r.wave == wave}
        invited = [by_group[k].invited if k in by_group else 0 for k in keys]
        done = [
            min(by_group[k].completed, by_group[k].invited) if k in by_group else 0 for k in keys
        ]
        pattern = suppress(
            [done, [i - d for i, d in zip(invited, done, strict=True)]],
            invited,
            deployment.suppression_k,
            additive=True,
        )
        cells = []
        for j in range(len(keys)):
            if pattern.hides_column(j):
                cells.append(ReachCell(None, None, None))
                continue
            shown_done = None if pattern.hides(0, j) else done[j]
            rate = shown_done / invited[j] if shown_done is not None and invited[j] else None
            cells.append(ReachCell(invited[j], shown_done, rate))
        waves.append((wave, tuple(cells)))
    groups = tuple((k, _label(deployment, question, k, language)) for k in keys)
    return ReachTable(field, groups, tuple(waves))


def _values(deployment: Deployment, question: SingleChoice | RegionQuestion) -> list[str]:
    if isinstance(question, RegionQuestion):
        return [r.id for r in deployment.regions]
    return [c.id for c in question.choices]


def _ordered(
    order: Sequence[str], found: Mapping[str | None, int], shares: Mapping[str, float]
) -> list[str | None]:
    """Known values in definition order (those found or with a population share), then the
    values the definition no longer lists, then not stated."""
    known: list[str | None] = [v for v in order if v in found or v in shares]
    unknown = sorted(k for k in found if k is not None and k not in order)
    return [*known, *unknown, *([None] if None in found else [])]


def _label(
    deployment: Deployment, question: SingleChoice | RegionQuestion, key: str | None, language: str
) -> str:
    if key is None:
        return localized(NOT_STATED, language, "en")
    if isinstance(question, RegionQuestion):
        region = deployment.region(key)
        return deployment.text(region.name, language) if region else key
    choice = next((c for c in question.choices if c.id == key), None)
    return deployment.text(choice.label, language) if choice else key
