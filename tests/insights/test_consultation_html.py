"""The consultation report's HTML page in the reader's language (Arabic: right to left)."""

from __future__ import annotations

from config.deployment import demo_folder, load_deployment
from insights.consultation_report import ReportInput, build, render
from insights.opinion_groups import Group, OpinionGroups


def page(language: str) -> str:
    deployment = load_deployment(demo_folder())
    sizes = [12, 9]
    groups = OpinionGroups(
        tuple(Group(i, tuple(f"p{i}-{m}" for m in range(n)), ()) for i, n in enumerate(sizes)),
        (),
        sum(sizes),
        sum(sizes),
        (),
        0.5,
    )
    report = build(
        ReportInput(
            deployment=deployment,
            consultation=deployment.consultations[0],
            participation=[("capital", 20), ("noor_valley", 9)],
            groups=groups,
            statements={},
            codebook_counts={},
            codebook_quotes={},
            suggestions=(),
            languages={"ar": 15, "en": 14},
            answers=29,
            language=language,
            rounds={},
        )
    )
    return render(report, "html")


def test_an_arabic_report_is_arabic_and_right_to_left() -> None:
    arabic = page("ar")
    assert "<html lang='ar' dir='rtl'>" in arabic
    assert "<h2>المشاركة حسب المنطقة</h2>" in arabic  # the field by its name, not its id
    for heading in ("مجموعات الرأي", "الأرضية المشتركة (كل المجموعات)", "المواضيع", "اللغات"):
        assert f"<h2>{heading}</h2>" in arabic
    assert "Opinion groups" not in arabic and "Common ground" not in arabic
    # what the groups and the common ground rest on
    assert "تستند مجموعات الرأي والأرضية المشتركة إلى أصوات 21 مشاركين" in arabic


def test_an_english_report_says_what_the_groups_rest_on() -> None:
    english = page("en")
    assert "<html lang='en' dir='ltr'>" in english
    assert "rest on the votes of 21 participants" in english
