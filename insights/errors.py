"""The errors raised by the insights package."""

from __future__ import annotations

from collections.abc import Sequence


class InsightsError(Exception):
    """Root of the errors raised by the insights package."""


class UnknownField(InsightsError):
    """Results were asked for by a field that is not one of the deployment's profile questions."""

    def __init__(self, field: str, allowed: Sequence[str]) -> None:
        if allowed:
            choose = f"choose one of: {', '.join(allowed)}"
        else:
            choose = "this deployment asks no profile questions"
        super().__init__(f"unknown field {field!r}; {choose}")
        self.field = field
        self.allowed = tuple(allowed)
