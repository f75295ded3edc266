"""The consultation report shows each statement in the reader's language and, beside it, its
original and every translation (moderators translate statements in the workspace), escaped."""

from __future__ import annotations

import json

from config.deployment import demo_folder, load_deployment
from insights.consultation_report import ReportInput, Versions, build, render
from insights.opinion_groups import Consensus, Group, OpinionGroups, Representative

EVIL = "<img src=x onerror=alert(1)>"


def report(language: str, output_format: str) -> str:
    deployment = load_deployment(demo_folder())
    sizes = [12, 9]
    picked = Representative(7, "agree", 10, 12, 0.83, 3.1, 2.0, 2.5)
    groups = OpinionGroups(
        tuple(
            Group(i, tuple(f"p{i}-{m}" for m in range(n)), (picked,) if i == 0 else ())
            for i, n in enumerate(sizes)
        ),
        (Consensus(7, "agree", 0.8, 2.9, 0.5),),
        sum(sizes),
        sum(sizes),
        (),
        0.5,
    )
    texts = {
        "fr": "Les routes doivent rouvrir avant les pluies.",
        "en": "Roads must reopen before the rains. " + EVIL,
        "ar": "يجب أن تُفتح الطرق قبل الأمطار.",
    }
    data = build(
        ReportInput(
            deployment=deployment,
            consultation=deployment.consultations[0],
            participation=[("capital", 20), ("noor_valley", 9)],
            groups=groups,
            statements={7: texts.get(language, texts["fr"])},
            codebook_counts={},
            codebook_quotes={},
            suggestions=(),
            languages={"ar": 15, "en": 14},
            answers=29,
            language=language,
            versions={7: Versions("fr", texts)},
        )
    )
    return render(data, output_format)


def test_html_shows_the_original_and_each_translation_beside_the_readers_text() -> None:
    page = report("ar", "html")
    # in the Arabic report: the Arabic text, then the French original, then English
    cell = page.split("يجب أن تُفتح الطرق قبل الأمطار.", 1)[1].split("</td>", 1)[0]
    assert "<li lang='fr' dir='ltr'>" in cell and "Français، الأصل:" in cell
    assert "Les routes doivent rouvrir" in cell
    assert "<li lang='en' dir='ltr'>" in cell and "Roads must reopen" in cell
    assert cell.index("lang='fr'") < cell.index("lang='en'")  # the original first
    assert "<li lang='ar'" not in cell  # the text shown is not repeated
    assert EVIL not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.count("<ul class='versions'>") == 2  # the group's and the common ground's


def test_when_the_reader_reads_the_original_it_is_not_repeated() -> None:
    page = report("fr", "html")
    cell = page.split("Les routes doivent rouvrir avant les pluies.", 1)[1].split("</td>", 1)[0]
    assert "<li lang='fr'" not in cell and "<li lang='ar' dir='rtl'>" in cell


def test_markdown_and_json_carry_the_versions_too() -> None:
    markdown = report("en", "md")
    assert "  - *fr, original:* Les routes doivent rouvrir avant les pluies." in markdown
    assert "  - *ar:* يجب أن تُفتح الطرق قبل الأمطار." in markdown
    assert "<img" not in markdown
    data = json.loads(report("en", "json"))
    common = data["consensus"][0]
    assert common["original"] == "fr" and set(common["translations"]) == {"fr", "en", "ar"}
