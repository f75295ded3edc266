"""Weighted estimates per wave, trends across waves and inclusion, from cross-tab rows. Pure.

Everything here starts from the rows of `storage.crosstabs`, split by every profile field at
once. Unweighted tables are `insights.results.summarize` of those rows collapsed to one field,
so they carry its primary and complementary suppression; a weighted figure is shown only
where the unweighted count it comes from is shown, so weighting never reveals a hidden cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from conversations.definitions import (
    Deployment,
    MultipleChoice,
    Number,
    Poll,
    Question,
    RegionQuestion,
    SingleChoice,
    localized,
)
from insights.differences import (
    NOT_TESTED_CELLS,
    NOT_TESTED_EFFECTIVE,
    NOT_TESTED_GROUPS,
    NOT_TESTED_KIND,
    Breakdown,
    Difference,
    GroupShares,
    QuestionBreakdown,
    rao_scott,
)
from insights.disclosure import ALL, RESPONDENTS, N, PollProtection, poll_protection
from insights.results import WAVE, PollResults, QuestionResult, summarize
from insights.suppression import suppress
from insights.weighting import (
    Answers,
    Change,
    Estimate,
    Raking,
    adjust,
    benjamini_hochberg,
    compare,
    effective_sample_size,
    estimates,
    rake,
    sample,
    wilson,
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
    _protections: dict[tuple[int, str | None, int], PollProtection] = field(
        default_factory=dict, repr=False, compare=False
    )

    def waves(self) -> list[int]:
        return sorted({row.wave for row in self.respondents})

    def of_wave(self, wave: int | None) -> Rows:
        every = self.whole or self
        if wave is None:
            return every
        return every._by_wave.get(wave) or Rows(
            every.fields, [], [], [], [], wave=wave, whole=every
        )

    @cached_property
    def _by_wave(self) -> dict[int, Rows]:
        """Every wave's rows, split in one pass (reports and exports ask for each often)."""
        split: dict[int, tuple[list[Any], list[Any], list[Any], list[Any]]] = defaultdict(
            lambda: ([], [], [], [])
        )
        kinds: tuple[Sequence[Any], ...] = (
            self.respondents,
            self.choices,
            self.answered,
            self.numbers,
        )
        for index, kind in enumerate(kinds):
            for row in kind:
                split[row.wave][index].append(row)
        return {
            wave: Rows(self.fields, *parts, wave=wave, whole=self) for wave, parts in split.items()
        }

    def protection(self, deployment: Deployment, poll: Poll | None) -> PollProtection:
        """What every table of the poll hides, worked out once on the rows of every wave
        (`insights.disclosure`), so that tables of one wave, of all waves, by wave and by each
        field can be put side by side."""
        every = self.whole or self
        # The counts of respondents share no line with any question's: without a poll they
        # are protected exactly as with one.
        key = (id(deployment), poll.id if poll else None, deployment.suppression_k)
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
    respondents_hidden: bool = False
    """Whether the protection of the poll's tables hides ``respondents`` (then not shown)."""
    trimmed: int = 0
    """People whose weight was trimmed to the bound (`insights.weighting.TRIM`)."""
    weight_range: tuple[float, float] = (1.0, 1.0)
    """The smallest and largest weight a respondent got (mean 1)."""


@dataclass(frozen=True)
class WaveEstimates:
    wave: int | None
    weighting: Weighting
    questions: tuple[QuestionEstimate, ...]

    def question(self, question_id: str) -> QuestionEstimate | None:
        return next((q for q in self.questions if q.question_id == question_id), None)


def estimate(
    deployment: Deployment,
    poll: Poll,
    rows: Rows,
    language: str,
    wave: int | None,
    *,
    resample: bool = True,
) -> WaveEstimates:
    """Weighted shares (raked to the deployment's margins) for one wave, or all pooled; their
    intervals by bootstrap and Wilson, or Wilson's only without ``resample``
    (`insights.weighting.estimates`)."""
    rows = rows.of_wave(wave)
    people: dict[tuple[int, Profile], int] = {
        (r.wave, r.profile): r.respondents for r in rows.respondents
    }
    cells = list(people)
    counts_of = [people[c] for c in cells]
    raking = _rake(deployment, rows.fields, cells, counts_of)
    weight = dict(zip(cells, raking.weights.tolist(), strict=True))
    waves = sorted({w for w, _ in cells})
    people_sample = sample(
        counts_of,
        profiles=[p for _, p in cells],
        strata=[waves.index(w) for w, _ in cells],
        fields=rows.fields,
        margins=deployment.population,
        k=deployment.suppression_k,
    )
    counts = table(deployment, poll, rows, None, language)
    shown = {q.question_id: q for q in counts.questions}
    total = sum(people.values())
    effective_n = effective_sample_size(raking.weights, counts_of)
    weighting = Weighting(
        respondents=total,
        effective_n=effective_n,
        efficiency=effective_n / total if total else 0.0,
        converged=raking.converged,
        fields=tuple(f for f in rows.fields if f in deployment.population),
        missing_categories=raking.missing_categories,
        collapsed=raking.collapsed,
        respondents_hidden=rows.protection(deployment, poll).hides(RESPONDENTS, wave, None, ALL, N),
        trimmed=raking.trimmed,
        weight_range=(
            (float(raking.weights.min()), float(raking.weights.max())) if cells else (1.0, 1.0)
        ),
    )
    position = {c: i for i, c in enumerate(cells)}
    answered: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(cells)))
    for a in rows.answered:
        if (i := position.get((a.wave, a.profile))) is not None:
            answered[a.question_id][i] += a.respondents
    picked: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(len(cells)))
    for c in rows.choices:
        if (i := position.get((c.wave, c.profile))) is not None:
            picked[c.question_id, c.choice][i] += c.respondents
    nobody = np.zeros(len(cells))
    answers = [
        Answers(
            [picked.get((q.id, row.choice_id), nobody) for row in shown[q.id].rows],
            answered.get(q.id, nobody),
            exclusive=not isinstance(q, MultipleChoice),
        )
        for q in poll.questions
    ]
    found = estimates(people_sample, [a for a in answers if len(a.picked)], resample=resample)
    shares = iter(found)
    questions = tuple(
        _question(
            question,
            rows,
            weight=weight,
            effective=effective_sample_size(people_sample.weights, a.answered),
            found=next(shares) if len(a.picked) else [],
            counts=shown[question.id],
            k=deployment.suppression_k,
        )
        for question, a in zip(poll.questions, answers, strict=True)
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
    question: Question,
    rows: Rows,
    *,
    weight: Mapping[tuple[int, Profile], float],
    effective: float,
    found: Sequence[Estimate | None],
    counts: QuestionResult,
    k: int,
) -> QuestionEstimate:
    total_n = counts.n[-1]
    # A weighted figure resting on fewer than k people's worth of weight is not shown.
    too_few = effective < k
    options: list[OptionEstimate] = []
    for row, share in zip(counts.rows, found, strict=True):
        cell = row.cells[-1]
        if cell.suppressed or cell.count is None:
            options.append(OptionEstimate(row.choice_id, row.label, None, None))
            continue
        shown = None if too_few else share
        options.append(OptionEstimate(row.choice_id, row.label, cell.count, shown))
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
        """Changes flagged: Benjamini–Hochberg q below 5 % (see `trends`)."""
        return [
            (option, point)
            for option in self.options
            for point in option.points
            if point.change is not None and point.change.significant
        ]


def trends(waves: Sequence[WaveEstimates]) -> tuple[QuestionTrend, ...]:
    """Per question and option, the weighted share in each wave and the flagged changes.

    Every change into one wave, over all the poll's questions and options, is one family of
    tests: their p-values are adjusted together (Benjamini–Hochberg), so that the share of
    false alarms among a wave's flags stays at 5 % however many options the poll has.
    """
    if not waves:
        return ()
    raw = []
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
            options.append((option, points))
        raw.append((first, options))
    family: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for q, (_, options) in enumerate(raw):
        for o, (_, points) in enumerate(options):
            for p, point in enumerate(points):
                if point.change is not None:
                    family[point.wave].append((q, o, p))
    for members in family.values():
        changes = [raw[q][1][o][1][p].change for q, o, p in members]
        adjusted = adjust([c for c in changes if c is not None])
        for (q, o, p), change in zip(members, adjusted, strict=True):
            point = raw[q][1][o][1][p]
            raw[q][1][o][1][p] = TrendPoint(point.wave, point.estimate, change)
    return tuple(
        QuestionTrend(
            first.question_id,
            first.prompt,
            tuple(
                OptionTrend(option.choice_id, option.label, tuple(points))
                for option, points in options
            ),
        )
        for first, options in raw
    )


# Inclusion


@dataclass(frozen=True)
class InclusionRow:
    value: str | None
    label: str
    respondents: int | None
    """None when suppressed."""
    sample_share: float | None
    """Among those who stated the field; where it has margins, among those whose answer
    the margins cover (None for other answers), the categories the weighting uses."""
    population_share: float | None
    ratio: float | None
    """Sample share over population share: below 1, the group is under-represented."""


@dataclass(frozen=True)
class Inclusion:
    field: str
    label: str
    rows: tuple[InclusionRow, ...]


def inclusion(
    deployment: Deployment,
    rows: Rows,
    language: str,
    wave: int | None,
    poll: Poll | None = None,
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
        # With margins, shares are among the people whose answer the margins cover, as in
        # the weighting; a value they do not cover (abroad, another identity) has no ratio.
        covered = [k for k in counted if k is not None and (not shares or k in shares)]
        stated = sum(counted[k] for k in covered)
        # Shares give back how many they are shares of; that is a hidden count's secret
        # unless every count outside it is shown.
        with_shares = not any(hidden[k] for k in keys if k not in covered)
        table_rows = []
        for key in keys:
            n = None if hidden[key] else counted.get(key, 0)
            share = (
                n / stated if n is not None and key in covered and stated and with_shares else None
            )
            population = shares.get(key) if key is not None else None
            ratio = share / population if share is not None and population else None
            table_rows.append(
                InclusionRow(
                    key, _label(deployment, question, key, language), n, share, population, ratio
                )
            )
        result.append(
            Inclusion(field_id, deployment.field_label(field_id, language), tuple(table_rows))
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
    not_invited: tuple[int, ...] = ()
    """Waves with completions but no invitation sent by the service (people came on their
    own): they have no response rate, rather than a rate "of 0"."""


def response_rates(
    deployment: Deployment, field: str, rows: Iterable[ReachRow], language: str
) -> ReachTable:
    """Completed over invited per wave and group, small groups suppressed."""
    question = next(q for q in deployment.profile if q.id == field)
    data = list(rows)
    found: dict[str | None, int] = {r.group: 1 for r in data}
    keys = _ordered(_values(deployment, question), found, {})
    waves = []
    not_invited = []
    for wave in sorted({r.wave for r in data}):
        by_group = {r.group: r for r in data if r.wave == wave}
        invited = [by_group[k].invited if k in by_group else 0 for k in keys]
        if not any(invited):
            not_invited.append(wave)
            continue
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
    return ReachTable(field, groups, tuple(waves), tuple(not_invited))


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


# Breakdowns by profile field


def breakdowns(
    deployment: Deployment, poll: Poll, rows: Rows, language: str, wave: int | None
) -> tuple[Breakdown, ...]:
    """Weighted shares by each profile field, with intervals and a test of whether the groups
    differ (`insights.differences`: Rao–Scott, second order), for ``wave``.

    What is shown follows every table of the poll (`Rows.protection`): a group's share only
    where its count is shown and the group's effective n is at least k; the test only where
    every count of the stated groups' table is shown and at least k and every group's effective
    n is at least k (then every count it rests on is published anyway). The p-values of every
    test of the wave, across fields and questions, are adjusted together (Benjamini–Hochberg),
    so that "the groups differ" stays rare by chance however many breakdowns there are.
    """
    rows = rows.of_wave(wave)
    k = deployment.suppression_k
    people: dict[tuple[int, Profile], int] = {
        (r.wave, r.profile): r.respondents for r in rows.respondents
    }
    cells = list(people)
    raking = _rake(deployment, rows.fields, cells, [people[c] for c in cells])
    weight = raking.weights
    position = {c: i for i, c in enumerate(cells)}
    answered: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(cells)))
    for a in rows.answered:
        if (i := position.get((a.wave, a.profile))) is not None:
            answered[a.question_id][i] += a.respondents
    picked: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(len(cells)))
    for c in rows.choices:
        if (i := position.get((c.wave, c.profile))) is not None:
            picked[c.question_id, c.choice][i] += c.respondents
    found: list[Breakdown] = []
    for index, field_id in enumerate(rows.fields):
        if not any(q.id == field_id for q in deployment.profile):
            continue
        counts = table(deployment, poll, rows, field_id, language)
        member = [profile[index] for _, profile in cells]
        questions = []
        for question, result in zip(poll.questions, counts.questions, strict=True):
            if not result.rows:
                continue
            base = answered[question.id]
            yes = [picked[question.id, row.choice_id] for row in result.rows]
            groups = []
            for j, group in enumerate(counts.groups):
                if group.is_all:
                    continue
                mask = np.array([m == group.key for m in member], dtype=bool)
                groups.append(
                    _group_shares(
                        group.key,
                        group.label,
                        result.n[j].count,
                        [row.cells[j].suppressed for row in result.rows],
                        weight * mask,
                        base,
                        yes,
                        k,
                    )
                )
            difference = _difference(
                question, result, counts.groups, groups, member, k, yes, weight
            )
            questions.append(
                QuestionBreakdown(
                    question.id,
                    result.prompt,
                    question.type,
                    tuple((row.choice_id, row.label) for row in result.rows),
                    tuple(groups),
                    difference,
                )
            )
        found.append(
            Breakdown(
                field_id, deployment.field_label(field_id, language), rows.wave, tuple(questions)
            )
        )
    return _adjusted(found)


def _group_shares(  # noqa: PLR0917 (one group's figures, each named at the call)
    key: str | None,
    label: str,
    n: int | None,
    hidden: Sequence[bool],
    weights: np.ndarray,
    answered: np.ndarray,
    picked: Sequence[np.ndarray],
    k: int,
) -> GroupShares:
    """``weights`` is zero outside the group."""
    if n is None:
        return GroupShares(key, label, None, None, (None,) * len(picked))
    total = float((weights * answered).sum())
    effective = effective_sample_size(weights, answered)
    shares: list[Estimate | None] = []
    for suppressed, yes in zip(hidden, picked, strict=True):
        if suppressed or effective < k or total <= 0:
            shares.append(None)
            continue
        share = float((weights * yes).sum()) / total
        low, high = wilson(share, effective)
        shares.append(Estimate(share, low, high, n, effective))
    return GroupShares(key, label, n, effective, tuple(shares))


def _difference(  # noqa: PLR0917 (the question's table, as built by `breakdowns`)
    question: Question,
    result: QuestionResult,
    columns: Sequence[Any],
    groups: Sequence[GroupShares],
    member: Sequence[str | None],
    k: int,
    picked: Sequence[np.ndarray],
    weights: np.ndarray,
) -> Difference:
    if isinstance(question, MultipleChoice):
        return Difference(None, NOT_TESTED_KIND)
    # the test is on the groups that stated the field, and the answers any of them gave
    stated = [
        (j, g)
        for j, (column, g) in enumerate(zip(columns, groups, strict=False))
        if not column.is_all and g.key is not None and (g.n is None or g.n > 0)
    ]
    options = [
        i
        for i, row in enumerate(result.rows)
        if any(row.cells[j].suppressed or (row.cells[j].count or 0) > 0 for j, _ in stated)
    ]
    if len(stated) < 2 or len(options) < 2:
        return Difference(None, NOT_TESTED_GROUPS)
    for j, group in stated:
        if group.n is None or group.n < k:
            return Difference(None, NOT_TESTED_CELLS)
        for i in options:
            cell = result.rows[i].cells[j]
            if cell.suppressed or cell.count is None or cell.count < k:
                return Difference(None, NOT_TESTED_CELLS)
    if any(g.effective_n is None or g.effective_n < k for _, g in stated):
        return Difference(None, NOT_TESTED_EFFECTIVE)
    counts = np.zeros((len(member), len(stated), len(options)))
    for column, (_, group) in enumerate(stated):
        inside = np.array([m == group.key for m in member], dtype=float)
        for row, i in enumerate(options):
            counts[:, column, row] = picked[i] * inside
    test = rao_scott(counts, weights)
    if test is None:
        return Difference(None, NOT_TESTED_GROUPS)
    return Difference(test)


def _adjusted(found: Sequence[Breakdown]) -> tuple[Breakdown, ...]:
    """Every test of the breakdowns with its Benjamini–Hochberg q, over all of them."""
    tests = [q.difference.test for b in found for q in b.questions if q.difference.test is not None]
    q_values = iter(benjamini_hochberg([t.p for t in tests]))
    result = []
    for b in found:
        questions = []
        for question in b.questions:
            test = question.difference.test
            if test is not None:
                adjusted = Difference(replace(test, q=next(q_values)))
                question = replace(question, difference=adjusted)  # noqa: PLW2901
            questions.append(question)
        result.append(replace(b, questions=tuple(questions)))
    return tuple(result)
