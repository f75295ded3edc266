"""Results shared back with the participants who asked for them: a short text per language. Pure.

Who gets it: the subscribers of the deployment's ``results_topic`` (people choose it with
/subscribe, like any topic), sent as a broadcast through the outbox, so each person reads it
in their own language, and pauses, quiet hours and unreachable people are respected.

What it says: how many answered, then for the first `MAX_QUESTIONS` questions with options
their `TOP_OPTIONS` largest weighted shares, and for number questions the weighted average;
that the people who answered chose to (an opt-in sample, not everybody). Options whose 95 %
intervals overlap are not ranked: they are joined by "≈", in the poll's order, and the text
says why.
Only figures that the suppressed tables show are used; a question whose respondents are
hidden is left out.
"""

from __future__ import annotations

from conversations.definitions import Deployment, Poll
from conversations.i18n import translate
from insights.analysis import OptionEstimate, Rows, estimate
from insights.results import PollResults

MAX_QUESTIONS = 4
TOP_OPTIONS = 3


def summaries(deployment: Deployment, poll: Poll, rows: Rows, wave: int | None) -> dict[str, str]:
    """The summary in each language of the deployment; empty if every figure is hidden."""
    texts = {}
    for language in deployment.languages:
        text = _summary(deployment, poll, rows, wave, language)
        if text is None:
            return {}
        texts[language] = text
    return texts


def _summary(
    deployment: Deployment, poll: Poll, rows: Rows, wave: int | None, language: str
) -> str | None:
    estimates = estimate(deployment, poll, rows, language, wave)
    lines: list[str] = []
    close = False
    for question in estimates.questions:
        if len(lines) == MAX_QUESTIONS or question.n is None:
            continue
        shown = [o for o in question.options if o.estimate is not None and o.count]
        if shown:
            top = sorted(shown, key=lambda o: -o.estimate.share if o.estimate else 0)
            tiers = _tiers(top[:TOP_OPTIONS])
            close = close or any(len(tier) > 1 for tier in tiers)
            parts = [
                " ≈ ".join(
                    f"{o.label} {100 * o.estimate.share:.0f} %"
                    for o in sorted(tier, key=question.options.index)
                    if o.estimate is not None
                )
                for tier in tiers
            ]
            lines.append(f"• {question.prompt}\n  " + " · ".join(parts))
        elif question.mean is not None:
            average = translate("shareback_average", language, value=f"{question.mean:.1f}")
            lines.append(f"• {question.prompt}\n  {average}")
    respondents = estimates.weighting.respondents
    if (
        not lines
        or respondents < deployment.suppression_k
        or estimates.weighting.respondents_hidden
    ):
        return None
    title = deployment.text(poll.title, language)
    if wave:
        intro = translate(
            "shareback_intro_wave", language, title=title, wave=wave, respondents=respondents
        )
    else:
        intro = translate("shareback_intro", language, title=title, respondents=respondents)
    weighted = "shareback_note" if deployment.population else "shareback_note_unweighted"
    note = translate(weighted, language, k=deployment.suppression_k)
    if close:
        note = translate("shareback_close", language) + " " + note
    caveat = translate("shareback_opt_in", language)
    return "\n\n".join([intro, "\n".join(lines), f"{caveat} {note}"])


def by_group(results: PollResults, language: str) -> dict[str, str]:
    """Each group's own figures as a short text, by group key: with results split by region,
    what the people of each region get besides the summary.

    Only the cells ``results`` shows are used (`bots.app.results_of` hid the others with the
    whole poll's protection, `insights.disclosure`): a question whose count for the group is
    hidden is left out, so is an option whose cell is hidden, and a group with nothing left
    gets no text. Counts, not weighted: a region's respondents are too few to weight.
    """
    texts: dict[str, str] = {}
    for index, group in enumerate(results.groups):
        if group.key is None or group.is_all:
            continue
        lines: list[str] = []
        for question in results.questions:
            if len(lines) == MAX_QUESTIONS:
                break
            n = question.n[index].count if question.n else None
            if n is None or n == 0:
                continue
            counted = translate("shareback_region_n", language, n=n)
            if question.rows:
                shown = [
                    (row.label, cell.percent)
                    for row in question.rows
                    if (cell := row.cells[index]).count and cell.percent is not None
                ]
                top = sorted(shown, key=lambda item: -item[1])[:TOP_OPTIONS]
                if top:
                    parts = " · ".join(f"{label} {percent:.0f} %" for label, percent in top)
                    lines.append(f"• {question.prompt} ({counted})\n  {parts}")
            elif question.numbers and (mean := question.numbers[index].mean) is not None:
                average = translate("shareback_average", language, value=f"{mean:.1f}")
                lines.append(f"• {question.prompt} ({counted})\n  {average}")
        if lines:
            heading = translate("shareback_region", language, region=group.label)
            texts[group.key] = "\n".join([heading, *lines])
    return texts


def with_link(text: str, link: str | None, language: str) -> str:
    """The text, then where every published figure can be read (its permalink), if any."""
    if link is None:
        return text
    return f"{text}\n\n{translate('shareback_link', language, link=link)}"


def _tiers(options: list[OptionEstimate]) -> list[list[OptionEstimate]]:
    """Options in order of share, those whose intervals overlap the next one's together:
    the data cannot tell them apart, so the text does not rank them."""
    tiers: list[list[OptionEstimate]] = []
    for option in options:
        e = option.estimate
        last = tiers[-1][-1].estimate if tiers else None
        if e is not None and last is not None and e.high >= last.low:
            tiers[-1].append(option)
        else:
            tiers.append([option])
    return tiers
