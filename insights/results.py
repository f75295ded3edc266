"""A poll's results for mediators: counts per option and group, small groups hidden. Pure.

`summarize` turns the rows of `storage.aggregates` into `PollResults`, localized and with every
count that could single out fewer than ``deployment.suppression_k`` people removed (see
`insights.suppression`). A hidden cell carries no count at all, so nothing rendered from these
results can show one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from conversations.definitions import (
    Deployment,
    FreeText,
    MultipleChoice,
    Number,
    Poll,
    Question,
    RegionQuestion,
    Scale,
    SingleChoice,
    localized,
)
from insights.differences import Breakdown
from insights.errors import UnknownField
from insights.suppression import SuppressionPattern, suppress
from storage.aggregates import ChoiceCount, NumberStats, QuestionTotal

ALL = "_all"
"""The key of the column of all respondents (ids cannot start with ``_``)."""

_LABELS: dict[str, dict[str, str]] = {
    "all": {"en": "All", "fr": "Ensemble", "ar": "الجميع"},
    "not_stated": {"en": "Not stated", "fr": "Non précisé", "ar": "غير مذكور"},
    "wave": {"en": "Wave {n}", "fr": "Vague {n}", "ar": "الجولة {n}"},
    "waves": {"en": "Wave", "fr": "Vague", "ar": "الجولة"},
    "all_waves": {"en": "All waves", "fr": "Toutes les vagues", "ar": "كل الجولات"},
}

Hidden = Callable[[str, "str | None", "str | None"], bool]
"""(question id, group key or `ALL`, choice id or None for the n row) -> whether hidden."""

WAVE = "wave"
"""``by=WAVE`` splits by the wave of a repeating poll instead of a profile field. Its "all"
column counts answers of every wave together: a person who answered two waves counts twice."""


@dataclass(frozen=True)
class Group:
    """A column: one value of the ``by`` field, not stated (key None), or all (key `ALL`)."""

    key: str | None
    label: str

    @property
    def is_all(self) -> bool:
        return self.key == ALL


@dataclass(frozen=True)
class Cell:
    """A count and its percentage of the column's n; neither when suppressed."""

    count: int | None
    percent: float | None
    suppressed: bool

    def __post_init__(self) -> None:
        if self.suppressed and (self.count is not None or self.percent is not None):
            raise ValueError("a suppressed cell carries no count")


HIDDEN = Cell(count=None, percent=None, suppressed=True)


@dataclass(frozen=True)
class NumberCell:
    """Summary of a number question's answers in one column; nothing when suppressed."""

    n: int | None
    mean: float | None
    minimum: float | None
    maximum: float | None
    suppressed: bool

    def __post_init__(self) -> None:
        values = (self.n, self.mean, self.minimum, self.maximum)
        if self.suppressed and any(value is not None for value in values):
            raise ValueError("a suppressed cell carries no figures")


@dataclass(frozen=True)
class OptionRow:
    choice_id: str
    label: str
    cells: tuple[Cell, ...]
    """One per column of `PollResults.groups`."""


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    prompt: str
    kind: str
    """The question type, e.g. ``single_choice``."""
    n: tuple[Cell, ...]
    """Respondents who answered, per column."""
    rows: tuple[OptionRow, ...] = ()
    """Every option in definition order, for choice, scale and region questions."""
    numbers: tuple[NumberCell, ...] = ()
    """Per column, for number questions."""


@dataclass(frozen=True)
class PollResults:
    poll_id: str
    title: str
    by: str | None
    by_label: str | None
    k: int
    groups: tuple[Group, ...]
    """The columns: each group that occurs, not stated last, then all respondents."""
    questions: tuple[QuestionResult, ...]
    scope: str | None = None
    """For a repeating poll: which wave(s) the figures count, said where they are shown."""
    weighted: Breakdown | None = None
    """Split by a profile field: each group's weighted shares and whether the groups differ
    (`insights.analysis.breakdowns`), protected as the counts are."""


def default_wave(answered: Sequence[int], closed: Sequence[int]) -> tuple[int | None, str]:
    """The wave to show when a repeating poll's results are asked for without one.

    Answers of different waves are never counted together by default: one person answers each
    wave, so pooled shares would count people several times (single-choice shares summing to
    well over 100 %). The latest closed wave with answers is shown, else the latest wave with
    answers (one still open); the text says which and how to see the others.
    """
    if not answered:
        return None, "no wave has answers yet"
    finished = [w for w in answered if w in set(closed)]
    if finished:
        wave = max(finished)
        return (
            wave,
            f"wave {wave}, the latest closed wave (--wave N for another, --by wave for all)",
        )
    wave = max(answered)
    return wave, f"wave {wave}, still open (--wave N for another, --by wave for all)"


def summarize(
    deployment: Deployment,
    poll: Poll,
    *,
    by: str | None,
    language: str,
    choices: Sequence[ChoiceCount],
    totals: Sequence[QuestionTotal],
    numbers: Sequence[NumberStats],
    hidden: Hidden | None = None,
) -> PollResults:
    """The poll's results in ``language``, split by the profile field ``by`` (or not).

    The rows must have been counted with the same ``by``. Raises `UnknownField` when ``by`` is
    not one of the deployment's profile questions. ``hidden``, when given, says which cells to
    hide (protection worked out across every table of the poll, `insights.disclosure`) in
    place of this table's own suppression; minimum and maximum are then not given (each is
    one person's answer).
    """
    field = _field(deployment, by)
    if by == WAVE:
        found = {row.group for batch in (choices, totals, numbers) for row in batch}
        numbered = sorted(int(k) for k in found if k is not None)
        keys: tuple[str | None, ...] = tuple(str(n) for n in numbered)
        everybody = Group(ALL, localized(_LABELS["all_waves"], language, "en"))
        template = localized(_LABELS["wave"], language, "en")
        groups = tuple(Group(key, template.format(n=key)) for key in keys)
        by_label: str | None = localized(_LABELS["waves"], language, "en")
    else:
        keys = _group_keys(deployment, field, choices, totals, numbers)
        everybody = Group(ALL, localized(_LABELS["all"], language, "en"))
        groups = tuple(Group(key, _group_label(deployment, field, key, language)) for key in keys)
        by_label = deployment.text(field.prompt, language) if field is not None else None
    context = _Context(
        deployment=deployment,
        language=language,
        keys=keys,
        # Without a breakdown only the total column is shown; suppression gives it exactly
        # the pattern it would have on its own.
        shown=range(len(keys) + 1) if by is not None else range(len(keys), len(keys) + 1),
        choices={(c.question_id, c.group, c.choice): c.count for c in choices},
        totals={(t.question_id, t.group): t.respondents for t in totals},
        numbers={(s.question_id, s.group): s for s in numbers},
        hidden=hidden,
    )
    return PollResults(
        poll_id=poll.id,
        title=deployment.text(poll.title, language),
        by=by,
        by_label=by_label,
        k=deployment.suppression_k,
        groups=(*groups, everybody) if by is not None else (everybody,),
        questions=tuple(context.question(question) for question in poll.questions),
    )


@dataclass(frozen=True)
class _Context:
    deployment: Deployment
    language: str
    keys: tuple[str | None, ...]
    shown: range
    """The columns published: indexes into ``keys``, ``len(keys)`` being all respondents."""
    choices: Mapping[tuple[str, str | None, str], int]
    totals: Mapping[tuple[str, str | None], int]
    numbers: Mapping[tuple[str, str | None], NumberStats]
    hidden: Hidden | None = None

    def question(self, question: Question) -> QuestionResult:
        options = self._options(question)
        respondents = [self._respondents(question.id, key) for key in self.keys]
        counts = [
            [self.choices.get((question.id, key, option_id), 0) for key in self.keys]
            for option_id, _ in options
        ]
        # A multiple choice counts each pick; the other options count each respondent once.
        additive = bool(options) and not isinstance(question, MultipleChoice)
        if self.hidden is None:
            k = self.deployment.suppression_k
            pattern = suppress(counts, respondents, k, additive=additive)
        else:
            pattern = self._given(question.id, [option_id for option_id, _ in options])
        n = [sum(respondents[j] for j in self._groups_of(c)) for c in self.shown]
        rows = tuple(
            OptionRow(
                choice_id=option_id,
                label=label,
                cells=tuple(
                    _cell(sum(counts[i][j] for j in self._groups_of(c)), total, pattern, i, c)
                    for c, total in zip(self.shown, n, strict=True)
                ),
            )
            for i, (option_id, label) in enumerate(options)
        )
        return QuestionResult(
            question_id=question.id,
            prompt=self.deployment.text(question.prompt, self.language),
            kind=question.type,
            n=tuple(
                HIDDEN
                if pattern.hides_column(c)
                else Cell(count=total, percent=None, suppressed=False)
                for c, total in zip(self.shown, n, strict=True)
            ),
            rows=rows,
            numbers=self._numbers(question, pattern) if isinstance(question, Number) else (),
        )

    def _given(self, question_id: str, options: Sequence[str]) -> SuppressionPattern:
        assert self.hidden is not None
        columns = [*self.keys, ALL]
        hidden = {
            (i, j)
            for j, key in enumerate(columns)
            for i, option in enumerate([*options, None])
            if self.hidden(question_id, key, option)
        }
        return SuppressionPattern(len(options), len(self.keys), frozenset(hidden))

    def _groups_of(self, column: int) -> range:
        """The groups a column adds up: itself, or all of them for the total column."""
        return range(len(self.keys)) if column == len(self.keys) else range(column, column + 1)

    def _respondents(self, question_id: str, key: str | None) -> int:
        if (question_id, key) in self.totals:
            return self.totals[question_id, key]
        # Number summaries count answers, at least one per respondent: never fewer people.
        stats = self.numbers.get((question_id, key))
        return stats.n if stats is not None else 0

    def _options(self, question: Question) -> list[tuple[str, str]]:
        text = self.deployment.text
        match question:
            case SingleChoice() | MultipleChoice():
                return [(c.id, text(c.label, self.language)) for c in question.choices]
            case Scale():
                labels = {
                    question.min: text(question.min_label, self.language),
                    question.max: text(question.max_label, self.language),
                }
                return [
                    (str(v), f"{v} ({labels[v]})" if v in labels else str(v))
                    for v in range(question.min, question.max + 1)
                ]
            case RegionQuestion():
                return [(r.id, text(r.name, self.language)) for r in self.deployment.regions]
            case Number() | FreeText():
                return []

    def _numbers(self, question: Number, pattern: SuppressionPattern) -> tuple[NumberCell, ...]:
        cells = []
        for column in self.shown:
            if pattern.hides_column(column):
                cells.append(NumberCell(None, None, None, None, suppressed=True))
                continue
            found = [
                stats
                for j in self._groups_of(column)
                if (stats := self.numbers.get((question.id, self.keys[j]))) is not None
                and stats.n > 0
            ]
            combined = _combined(found)
            if self.hidden is not None:
                combined = replace(combined, minimum=None, maximum=None)
            cells.append(combined)
        return tuple(cells)


def _cell(count: int, n: int, pattern: SuppressionPattern, row: int, column: int) -> Cell:
    if pattern.hides(row, column):
        return HIDDEN
    return Cell(count=count, percent=100 * count / n if n > 0 else None, suppressed=False)


def _combined(stats: Sequence[NumberStats]) -> NumberCell:
    n = sum(s.n for s in stats)
    if n == 0:
        return NumberCell(n=0, mean=None, minimum=None, maximum=None, suppressed=False)
    return NumberCell(
        n=n,
        mean=sum(s.mean * s.n for s in stats) / n,
        minimum=min(s.minimum for s in stats),
        maximum=max(s.maximum for s in stats),
        suppressed=False,
    )


def _field(deployment: Deployment, by: str | None) -> SingleChoice | RegionQuestion | None:
    if by is None or by == WAVE:
        return None
    field = next((q for q in deployment.profile if q.id == by), None)
    if field is None:
        raise UnknownField(by, [q.id for q in deployment.profile])
    return field


def _group_keys(
    deployment: Deployment,
    field: SingleChoice | RegionQuestion | None,
    *rows: Iterable[ChoiceCount | QuestionTotal | NumberStats],
) -> tuple[str | None, ...]:
    """The groups that occur: in the field's order, then unknown values, then not stated."""
    found = {row.group for batch in rows for row in batch}
    match field:
        case SingleChoice():
            order = [c.id for c in field.choices]
        case RegionQuestion():
            order = [r.id for r in deployment.regions]
        case None:
            order = []
    known = [key for key in order if key in found]
    # Values the definition no longer lists (an edited deployment) still get a column.
    unknown = sorted(key for key in found if key is not None and key not in order)
    return (*known, *unknown, *([None] if None in found else []))


def _group_label(
    deployment: Deployment,
    field: SingleChoice | RegionQuestion | None,
    key: str | None,
    language: str,
) -> str:
    if key is None:
        return localized(_LABELS["not_stated"], language, "en")
    if isinstance(field, SingleChoice):
        choice = next((c for c in field.choices if c.id == key), None)
        return deployment.text(choice.label, language) if choice is not None else key
    region = deployment.region(key)
    return deployment.text(region.name, language) if region is not None else key
