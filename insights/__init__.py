"""Statistics, exports and reports for mediators, built from aggregate rows only."""

from insights.errors import InsightsError, UnknownField

__all__ = ["InsightsError", "UnknownField"]
