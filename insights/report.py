"""The mediators' report: one self-contained HTML file with charts, readable on a phone.

Charts are drawn with matplotlib (Agg, no display) and embedded as base64 PNG, so the file
can be mailed or opened offline. Every figure comes from `insights.analysis`, so hidden cells
are hidden here too (shown as ``*``); charts leave hidden options out and say so.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from conversations.definitions import Deployment, Poll
from conversations.i18n import format_datetime, translate
from insights.analysis import (
    Inclusion,
    QuestionEstimate,
    QuestionTrend,
    ReachTable,
    Rows,
    WaveEstimates,
    breakdowns,
    estimate,
    inclusion,
    table,
    trends,
)
from insights.differences import Breakdown, QuestionBreakdown
from insights.render import MARK
from insights.results import PollResults
from insights.weighting import TRIM

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RIGHT_TO_LEFT = frozenset({"ar", "fa", "ps", "ku", "ur", "he"})
"""Languages whose report is laid out right to left."""

UNDER_REPRESENTED = 0.8
"""A group whose share of respondents is below this fraction of its population share is
marked as under-represented."""


@dataclass(frozen=True)
class ReportInput:
    deployment: Deployment
    poll: Poll
    rows: Rows
    wave: int | None
    """The wave reported on; None: the latest wave with answers."""
    language: str
    generated: datetime
    reach: Sequence[ReachTable] = ()


def render(data: ReportInput) -> str:
    """The whole report as one HTML document."""
    deployment, poll, language = data.deployment, data.poll, data.language
    waves = data.rows.waves()
    wave = data.wave if data.wave is not None else (waves[-1] if waves else None)
    current = estimate(deployment, poll, data.rows, language, wave)
    # the trend needs every wave's shares and effective n; its bands are Wilson intervals on
    # the effective n, so only the reported wave is bootstrapped
    all_waves = [
        current if w == wave else estimate(deployment, poll, data.rows, language, w, resample=False)
        for w in waves
    ]
    by_field = [
        table(deployment, poll, data.rows.of_wave(wave), q.id, language) for q in deployment.profile
    ]
    overall = table(deployment, poll, data.rows.of_wave(wave), None, language)
    weighted = {b.field: b for b in breakdowns(deployment, poll, data.rows, language, wave)}
    tests = sum(1 for b in weighted.values() for q in b.questions if q.difference.test)
    title = deployment.text(poll.title, language)
    local = data.generated.astimezone(ZoneInfo(deployment.timezone))
    when = f"<bdi>{_e(format_datetime(local, language))}</bdi>"
    t = _Words(language, deployment.suppression_k)
    parts = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(deployment.text(deployment.organization, language))} · '
        f"{t.html('report_wave', wave=wave) if wave else t.html('report_all_answers')} · "
        f"{t.html('report_generated', when=when)}</p>",
        _disclosure(deployment, current, t),
    ]
    parts.append(f"<h2>{t.html('report_questions')}</h2>")
    for index, question in enumerate(current.questions):
        parts.append(
            _question(
                deployment, question, overall, by_field, weighted, index=index, tests=tests, t=t
            )
        )
    if len(waves) > 1:
        parts.append(_trends(trends(all_waves), all_waves, t))
    parts.append(
        _inclusion(
            deployment, inclusion(deployment, data.rows, language, wave, poll), data.reach, t
        )
    )
    return _page(title, "\n".join(parts), language)


class _Words:
    """The report's own words in one language (`conversations.i18n_reports`)."""

    def __init__(self, language: str, k: int = 0) -> None:
        self.language = language
        self.k = k

    def text(self, key: str, **values: object) -> str:
        """Plain text: for charts and attributes (escaped where they are written)."""
        return translate(key, self.language, **values)

    def html(self, key: str, **markup: object) -> str:
        """The text escaped, then its placeholders filled with ``markup`` as it is: callers
        escape what they pass."""
        return _e(translate(key, self.language)).format(**markup)


def _disclosure(deployment: Deployment, current: WaveEstimates, t: _Words) -> str:
    w = current.weighting
    language = t.language
    fields = _e(", ".join(deployment.field_label(f, language) for f in w.fields)) or t.html(
        "report_no_margins"
    )

    def named(pairs: Iterable[tuple[str, str]]) -> str:
        return _e(
            ", ".join(
                f"{deployment.field_label(f, language)}: {deployment.value_label(f, v, language)}"
                for f, v in pairs
            )
        )

    missing = (
        "<li>" + t.html("report_nobody_from", groups=named(w.missing_categories)) + "</li>"
        if w.missing_categories
        else ""
    )
    k = deployment.suppression_k
    if w.collapsed:
        groups = named(w.collapsed)
        missing += "<li>" + t.html("report_collapsed", groups=groups, k=k) + "</li>"
    if deployment.population:
        trimmed = t.html("report_trimmed", bound=f"{TRIM:g}", n=w.trimmed, k=k)
        missing += f"<li>{trimmed}</li>"
        low, high = w.weight_range
        missing += (
            "<li>" + t.html("report_weight_range", low=f"{low:.2f}", high=f"{high:.2f}") + "</li>"
        )
        missing += "<li>" + _margins(deployment, t) + "</li>"
    shown = MARK if w.respondents_hidden else str(w.respondents)
    respondents = f'<b class="figure" id="respondents">{shown}</b>'
    effective = f'<b class="figure">{w.effective_n:.0f}</b>'
    return f"""<section class="disclosure" id="disclosure">
<h2>{t.html("report_how_to_read")}</h2>
<p>{t.html("report_disclosure", k=k)}</p>
<ul>
<li>{t.html("report_respondents", n=respondents, fields=fields)}</li>
<li>{t.html("report_effective", n=effective, efficiency=f"{100 * w.efficiency:.0f}")}</li>
<li>{t.html("report_changes_rule")}</li>
<li>{t.html("report_test_rule", k=k)}</li>
<li>{t.html("report_hidden_rule", mark=MARK, k=k)}</li>
{missing}
</ul>
</section>"""


def _margins(deployment: Deployment, t: _Words) -> str:
    """The population shares the weighting matched, by field, and where they come from."""
    language = t.language
    fields = "; ".join(
        f"{deployment.field_label(field, language)}: "
        + ", ".join(
            f"{deployment.value_label(field, value, language)} {100 * share:.0f} %"
            for value, share in shares.items()
        )
        for field, shares in deployment.population.items()
    )
    source = deployment.population_source or t.text("report_source_unknown")
    return t.html("report_margins", margins=_e(fields), source=_e(source))


def _question(
    deployment: Deployment,
    question: QuestionEstimate,
    overall: PollResults,
    by_field: Sequence[PollResults],
    weighted_by: dict[str, Breakdown],
    *,
    index: int,
    tests: int,
    t: _Words,
) -> str:
    n = MARK if question.n is None else str(question.n)
    head = (
        f'<section class="question" id="q-{_e(question.question_id)}">'
        f"<h3>{_e(question.prompt)}</h3>"
        f'<p class="meta">{t.html(f"report_kind_{question.kind}")} · '
        f"{t.html('report_answered_by', n=n)}"
        + (
            f" · {t.html('report_effective_n', n=f'{question.effective_n:.0f}')}"
            if question.effective_n is not None and question.options
            else ""
        )
        + "</p>"
    )
    body: list[str] = []
    if question.options:
        body.append(_chart_shares(question, t))
        rows = []
        for option in question.options:
            e = option.estimate
            if option.suppressed:
                cells = [MARK, MARK, MARK, MARK]
            else:
                cells = [
                    str(option.count),
                    _pct(option.count, question.n),
                    f"{100 * e.share:.0f} %" if e else "–",
                    f"{100 * e.low:.0f}–{100 * e.high:.0f} %" if e else "–",
                ]
            rows.append([option.label, *cells])
        header = ["", t.text("report_count"), "%", t.text("report_weighted_percent")]
        body.append(_table([*header, t.text("report_interval")], rows, "estimates"))
    elif question.kind == "number":
        result = overall.questions[index]
        number = result.numbers[-1] if result.numbers else None
        if number is None or number.suppressed:
            body.append(f"<p>{t.html('report_hidden', mark=MARK)}</p>")
        else:
            weighted = f"{question.mean:.1f}" if question.mean is not None else "–"
            body.append(
                _table(
                    [
                        "n",
                        t.text("report_mean"),
                        t.text("report_weighted_mean"),
                        t.text("report_min"),
                        t.text("report_max"),
                    ],
                    [
                        [
                            str(number.n),
                            f"{number.mean:.1f}" if number.mean is not None else "–",
                            weighted,
                            _num(number.minimum),
                            _num(number.maximum),
                        ]
                    ],
                    "estimates",
                )
            )
    else:
        body.append(f"<p>{t.html('report_free_text')}</p>")
    for results in by_field:
        label = deployment.field_label(results.by or "", t.language)
        body.append(_breakdown(results, index, t, label))
        found = weighted_by.get(results.by or "")
        split = (
            next((q for q in found.questions if q.question_id == question.question_id), None)
            if found
            else None
        )
        if split is not None:
            body.append(_weighted_breakdown(split, t, label, tests))
    return head + "\n".join(body) + "</section>"


def _breakdown(results: PollResults, index: int, t: _Words, field_label: str) -> str:
    question = results.questions[index]
    if not question.rows and not question.numbers:
        return ""
    header = ["", *(g.label for g in results.groups)]
    lines = []
    for row in question.rows:
        lines.append(
            [
                row.label,
                *(
                    MARK
                    if c.suppressed
                    else (f"{c.percent:.0f} %" if c.percent is not None else "–")
                    for c in row.cells
                ),
            ]
        )
    if question.numbers:
        mean = t.text("report_mean")
        lines.append([mean, *(MARK if c.suppressed else _num(c.mean) for c in question.numbers)])
    lines.append(["n", *(MARK if c.suppressed else str(c.count) for c in question.n)])
    caption = t.text("report_by", field=field_label)
    return (
        f"<details><summary>{_e(caption)}</summary>{_table(header, lines, 'breakdown')}</details>"
    )


def _weighted_breakdown(
    question: QuestionBreakdown, t: _Words, field_label: str, tests: int
) -> str:
    """Each group's weighted shares with intervals, and whether the groups differ."""
    header = ["", *(g.label for g in question.groups)]
    lines = [
        [
            label,
            *(
                MARK
                if (e := g.shares[i]) is None
                else f"{100 * e.share:.0f} % ({100 * e.low:.0f}–{100 * e.high:.0f})"
                for g in question.groups
            ),
        ]
        for i, (_, label) in enumerate(question.options)
    ]
    lines.append(
        [
            t.text("report_effective_n", n="").strip(),
            *(MARK if g.effective_n is None else f"{g.effective_n:.0f}" for g in question.groups),
        ]
    )
    test = question.difference.test
    if test is not None:
        key = "report_groups_differ" if test.significant else "report_groups_alike"
        verdict = t.html(key, f=f"{test.f:.2f}", p=_p(test.p), q=_p(test.q), tests=tests)
    else:
        reason = question.difference.reason or "one_group"
        verdict = t.html(f"report_not_tested_{reason}", k=t.k)
    caption = t.text("report_weighted_by", field=field_label)
    return (
        f"<details><summary>{_e(caption)}</summary>{_table(header, lines, 'weighted')}"
        f'<p class="meta">{verdict}</p></details>'
    )


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _trends(
    question_trends: Iterable[QuestionTrend], waves: Sequence[WaveEstimates], t: _Words
) -> str:
    parts = [f'<section id="trends"><h2>{t.html("report_trends")}</h2>']
    for first in waves[0].questions if waves else ():
        if first.kind != "number":
            continue
        points = [
            (w.wave or 0, q.mean)
            for w in waves
            if (q := w.question(first.question_id)) is not None and q.mean is not None
        ]
        if len(points) > 1:
            parts.append(f"<h3>{_e(first.prompt)}</h3>")
            parts.append(_chart_means(first.prompt, points, t))
    for trend in question_trends:
        parts.append(f"<h3>{_e(trend.prompt)}</h3>")
        parts.append(_chart_trend(trend, t))
        flagged = trend.flagged
        if flagged:
            rows = [
                [
                    option.label,
                    t.text("report_wave", wave=point.wave),
                    f"{100 * point.change.before:.0f} % → {100 * point.change.after:.0f} %",
                    f"{point.change.z:+.2f}",
                ]
                for option, point in flagged
                if point.change is not None
            ]
            header = [t.text(k) for k in ("report_option", "report_in", "report_change")]
            parts.append(_table([*header, "z"], rows, "flagged"))
        else:
            parts.append(f"<p>{t.html('report_no_change')}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _inclusion(
    deployment: Deployment, tables: Sequence[Inclusion], reach: Sequence[ReachTable], t: _Words
) -> str:
    parts = [
        f'<section id="inclusion"><h2>{t.html("report_reach")}</h2>',
        f"<p>{t.html('report_reach_intro', limit=f'{UNDER_REPRESENTED:g}')}</p>",
    ]
    columns = ("report_respondents_column", "report_share", "report_population", "report_ratio")
    for group in tables:
        rows = []
        for r in group.rows:
            ratio = "–" if r.ratio is None else f"{r.ratio:.2f}"
            if r.ratio is not None and r.ratio < UNDER_REPRESENTED:
                ratio += " ▼"
            rows.append(
                [
                    r.label,
                    MARK if r.respondents is None else str(r.respondents),
                    "–" if r.sample_share is None else f"{100 * r.sample_share:.0f} %",
                    "–" if r.population_share is None else f"{100 * r.population_share:.0f} %",
                    ratio,
                ]
            )
        parts.append(f"<h3>{_e(group.label)}</h3>")
        parts.append(_table(["", *(t.text(c) for c in columns)], rows, "inclusion"))
    for rates in reach:
        if rates.not_invited and rates is reach[0]:
            waves = ", ".join(str(w) for w in rates.not_invited)
            parts.append(f"<p>{t.html('report_not_invited', waves=_e(waves))}</p>")
        if not rates.waves:
            continue
        header = [t.text("report_wave_column"), *(label for _, label in rates.groups)]
        rows = [
            [
                str(wave),
                *(
                    MARK
                    if c.invited is None
                    else "–"
                    if c.invited == 0
                    else t.text(
                        "report_rate",
                        rate=MARK if c.rate is None else f"{100 * c.rate:.0f} %",
                        invited=c.invited,
                    )
                    for c in cells
                ),
            ]
            for wave, cells in rates.waves
        ]
        label = deployment.field_label(rates.field, t.language)
        parts.append(f"<h3>{t.html('report_rate_by', field=_e(label))}</h3>")
        parts.append(_table(header, rows, "reach"))
    parts.append("</section>")
    return "\n".join(parts)


# Charts


def _figure(height: float) -> Figure:
    from matplotlib.figure import Figure

    # narrow, so that the text stays legible when a phone shrinks the picture to its width
    return Figure(figsize=(5.2, height), dpi=120, layout="constrained")


def _png(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="chart" alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _chart_shares(question: QuestionEstimate, t: _Words) -> str:
    shown = [o for o in question.options if o.estimate is not None]
    if not shown:
        return f"<p>{t.html('report_no_figures')}</p>"
    labels = [_wrap(o.label, 26) for o in shown][::-1]
    lines = sum(label.count("\n") + 1 for label in labels)
    figure = _figure(0.3 * lines + 0.2 * len(shown) + 1.3)
    axes = figure.add_subplot()
    shares = [100 * o.estimate.share for o in shown if o.estimate][::-1]
    lows = [100 * (o.estimate.share - o.estimate.low) for o in shown if o.estimate][::-1]
    highs = [100 * (o.estimate.high - o.estimate.share) for o in shown if o.estimate][::-1]
    raw = [100 * (o.count or 0) / (question.n or 1) for o in shown][::-1]
    positions = list(range(len(shown)))
    axes.barh(positions, shares, color="#2b6cb0", label=t.text("report_weighted"))
    axes.errorbar(
        shares,
        positions,
        xerr=[lows, highs],
        fmt="none",
        ecolor="#1a202c",
        capsize=3,
        label=t.text("report_interval"),
    )
    unweighted = t.text("report_unweighted")
    axes.scatter(raw, positions, marker="|", s=200, color="#e53e3e", label=unweighted, zorder=3)
    axes.set_yticks(positions, labels)
    axes.set_xlim(0, 100)
    axes.set_xlabel(_wrap(t.text("report_shares_axis"), 60), fontsize="small")
    figure.legend(loc="outside lower center", ncols=3, fontsize="x-small", frameon=False)
    hidden = len(question.options) - len(shown)
    if hidden:
        title = t.text("report_options_hidden", hidden=hidden, mark=MARK)
        axes.set_title(title, fontsize="small")
    return _png(figure, t.text("report_shares_alt", prompt=question.prompt))


def _chart_trend(trend: QuestionTrend, t: _Words) -> str:
    lines = [(option, [p for p in option.points if p.estimate]) for option in trend.options]
    if not any(points for _, points in lines):
        return f"<p>{t.html('report_no_trend')}</p>"
    from matplotlib.ticker import MaxNLocator

    waves = sorted({p.wave for option in trend.options for p in option.points})
    many = len(waves) > 8
    figure = _figure(3.4 + 0.25 * ((len(lines) + 1) // 2))
    axes = figure.add_subplot()
    for option, points in lines:
        if not points:
            continue
        x = [p.wave for p in points]
        shares = [100 * p.estimate.share for p in points if p.estimate]
        (line,) = axes.plot(
            x, shares, marker="" if many else "o", markersize=4, label=_wrap(option.label, 30)
        )
        # each wave's 95 % Wilson interval on the effective n, as a band
        axes.fill_between(
            x,
            [100 * p.estimate.low for p in points if p.estimate],
            [100 * p.estimate.high for p in points if p.estimate],
            color=line.get_color(),
            alpha=0.15,
            linewidth=0,
        )
        for p in points:
            if p.change is not None and p.change.significant and p.estimate is not None:
                axes.scatter(
                    [p.wave],
                    [100 * p.estimate.share],
                    s=90 if many else 160,
                    facecolors="none",
                    edgecolors="#e53e3e",
                    zorder=3,
                )
    # at most about 8 wave numbers on the axis, whole numbers only: 26 waves stay legible
    axes.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    axes.set_xlim(waves[0] - 0.5, waves[-1] + 0.5)
    axes.set_xlabel(_wrap(t.text("report_trend_axis"), 60), fontsize="small")
    axes.set_ylabel(t.text("report_weighted_percent"))
    axes.set_ylim(0, 100)
    figure.legend(loc="outside lower center", ncols=2, fontsize="x-small", frameon=False)
    return _png(figure, t.text("report_trend_alt", prompt=trend.prompt))


def _chart_means(prompt: str, points: Sequence[tuple[int, float]], t: _Words) -> str:
    """A number question's weighted mean per wave."""
    from matplotlib.ticker import MaxNLocator

    figure = _figure(2.8)
    axes = figure.add_subplot()
    x, means = zip(*points, strict=True)
    axes.plot(x, means, marker="" if len(x) > 8 else "o", color="#2b6cb0")
    axes.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    axes.set_xlabel(t.text("report_wave_column"))
    axes.set_ylabel(t.text("report_weighted_mean"))
    axes.set_ylim(bottom=0)
    return _png(figure, t.text("report_trend_alt", prompt=prompt))


# HTML


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], kind: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (
        f'<div class="scroll"><table class="{kind}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _page(title: str, body: str, language: str) -> str:
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    return f"""<!DOCTYPE html>
<html lang="{_e(language)}" dir="{direction}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>
body {{ font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
  max-width: 52rem; padding: 1rem; color: #1a202c; background: #fff; }}
h1 {{ font-size: 1.6rem; margin: .2rem 0; }}
h2 {{ margin-top: 2rem; border-bottom: 2px solid #e2e8f0; }}
h3 {{ font-size: 1.1rem; }} .meta {{ color: #4a5568; font-size: .9rem; }}
.disclosure {{ background: #fffbea; border-inline-start: 4px solid #d69e2e; padding: .2rem 1rem; }}
.chart {{ width: 100%; height: auto; }}
.scroll {{ overflow-x: auto; }} table {{ border-collapse: collapse; margin: .5rem 0; }}
th, td {{ padding: .25rem .6rem; border-bottom: 1px solid #e2e8f0; text-align: end; }}
th:first-child, td:first-child {{ text-align: start; }}
details {{ margin: .4rem 0; }} summary {{ cursor: pointer; color: #2b6cb0; }}
@media (max-width: 600px) {{ body {{ font-size: 15px; padding: .6rem; }}
  th, td {{ padding: .2rem .35rem; font-size: .85rem; }} }}
</style></head>
<body>
{body}
</body></html>
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _wrap(text: str, width: int) -> str:
    """Long labels on several lines rather than cut or clipped (in any script)."""
    return textwrap.fill(text, width, break_long_words=False) if len(text) > width else text


def _pct(count: int | None, n: int | None) -> str:
    if count is None or not n:
        return "–"
    return f"{100 * count / n:.0f} %"


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
