"""`peacepulse waves` hides invited and completed counts under k, like every results table."""

from __future__ import annotations

from bots.cli import _count


def test_counts_under_k_are_hidden_and_the_rest_shown() -> None:
    assert [_count(n, 5) for n in (None, 0, 1, 4, 5, 60)] == ["–", "0", "*", "*", "5", "60"]
