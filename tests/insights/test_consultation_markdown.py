"""The Markdown consultation report shows what participants wrote as text, never as markup."""

from __future__ import annotations

from insights.consultation_report import render

SCRIPT = "<script>alert('x')</script>"
IMAGE = "![seen](https://tracker.example/pixel.png)"
LINK = "[official results](https://evil.example)"


def test_participants_text_is_escaped_in_markdown() -> None:
    statement = f"{SCRIPT} {IMAGE} | injected cell\n# Fake heading"
    report = {
        "title": "Monitoring",
        "element": "Art. 5",
        "question": "Who should monitor?",
        "participants": 12,
        "answers": 12,
        "participation": {"by": "region", "rows": [{"group": "Noor", "participants": 12}]},
        "opinion_groups": {
            "groups": [
                {
                    "group": 1,
                    "size": 6,
                    "representative": [
                        {"direction": "agree", "share": 0.9, "statement": statement}
                    ],
                }
            ]
        },
        "consensus": [{"direction": "agree", "share": 0.8, "statement": LINK}],
        "themes": [{"theme": "Women", "answers": 7, "quotes": ["<img src=x onerror=alert(1)>"]}],
        "suggested_themes": [{"words": ["<b>bold</b>"], "answers": 7, "quotes": [SCRIPT]}],
        "languages": {"en": 12},
        "rounds": [],
        "suppression_k": 5,
    }
    markdown = render(report, "md")
    assert "<" not in markdown and ">" not in markdown.replace("  > ", "")
    assert "&lt;script&gt;" in markdown and "&lt;img src=x onerror=alert(1)&gt;" in markdown
    assert "![" not in markdown and "](" not in markdown.replace("\\](", "")
    assert "\\[official results\\](https://evil.example)" in markdown
    assert "\\| injected cell \\# Fake heading" in markdown  # one line, no new cell or heading
    assert "\n# Fake" not in markdown
