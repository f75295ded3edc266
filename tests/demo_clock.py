"""A moment at which the demo deployment is calm, for every test that runs it on a clock.

The demo's schedule is fixed in its files (a wave of the implementation poll every 14 days from
2026-11-02, initiatives in December 2026), so on the real clock a test meets whatever that
day holds: an open wave whose invitation arrives between two replies, an initiative that has
started. Tests pin time here instead; those about waves or initiatives move on from it.

Run as a script, it is `peacepulse` itself at that moment (ticking on from it), for tests
that start the command as a process: ``[sys.executable, PINNED_CLI, "run"]``; the
environment variable ``DEMO_CLOCK`` (an ISO time with its offset) names another moment.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

BETWEEN_WAVES = datetime(2026, 11, 14, 10, 0, tzinfo=UTC)
"""11:00 in N'Djamena, outside quiet hours: the first wave closed on 12 November, the second
opens on 16 November; the consultation is open; no initiative has started."""

WAVE_2_OPEN = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
"""The second wave of the implementation poll is open (16 to 26 November)."""

PINNED_CLI = str(Path(__file__).resolve())


@pytest.fixture(autouse=True)
def calm_demo_day() -> Iterator[time_machine.Coordinates]:
    """Time at `BETWEEN_WAVES`, ticking on from it, for every test of the folders whose
    conftest imports this fixture (bots, sms, whatsapp)."""
    with time_machine.travel(BETWEEN_WAVES, tick=True) as clock:
        yield clock


if __name__ == "__main__":
    # run as a file, its own folder comes first on the path, and tests/bots is not bots/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

    from bots.cli import main

    at = os.environ.get("DEMO_CLOCK")
    with time_machine.travel(datetime.fromisoformat(at) if at else BETWEEN_WAVES, tick=True):
        main()
