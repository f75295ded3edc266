"""Messages the service sends on its own initiative: wave invitations, reminders, broadcasts.

Rendered at send time in each recipient's language, so a queued message needs to hold only
what it is about (kind and a few ids), never a copy of the text per language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from conversations.definitions import Deployment, QuietHours
from conversations.i18n import translate
from conversations.values import Button, Reply
from conversations.waves import Wave

Kind = Literal["invite", "remind", "broadcast", "initiative"]


def _closes(deployment: Deployment, wave: Wave) -> str:
    local = wave.closes_at.astimezone(ZoneInfo(deployment.timezone))
    return f"{local:%Y-%m-%d %H:%M}"


def wave_message(deployment: Deployment, wave: Wave, kind: Kind, language: str) -> Reply:
    """The invitation to a wave (or the reminder of it), with a button that opens it."""
    poll = deployment.poll(wave.poll_id)
    if poll is None:
        raise KeyError(wave.poll_id)
    title = translate("round", language, title=deployment.text(poll.title, language), n=wave.number)
    closes = _closes(deployment, wave)
    if kind == "invite":
        intro = deployment.text(poll.intro, language)
        text = translate("invitation", language, title=title, closes=closes, intro=intro)
    else:
        text = translate("reminder", language, title=title, closes=closes)
    button = Button(translate("take_part", language), f"-:w:{poll.id}:{wave.number}")
    return Reply(text.strip(), ((button,),))


def broadcast_message(
    texts: Mapping[str, str], language: str, default_language: str, photo: str | None = None
) -> Reply:
    """A broadcast in the recipient's language, or the deployment's default language."""
    text = texts.get(language) or texts.get(default_language) or next(iter(texts.values()))
    return Reply(text, photo=photo)


def quiet_until(now: datetime, quiet: QuietHours, zone: tzinfo) -> datetime | None:
    """When the quiet hours around ``now`` end, or None if ``now`` is not in quiet hours."""
    local = now.astimezone(zone)
    start, end = quiet.start, quiet.end
    if start == end:
        return None
    at = local.timetz().replace(tzinfo=None)
    inside = (start <= at < end) if start < end else (at >= start or at < end)
    if not inside:
        return None
    day = local.date() if (start < end or at < end) else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(now.tzinfo)


def with_consultation_button(reply: Reply, consultation_id: str, language: str) -> Reply:
    """A consultation follow-up with a button that opens its new question."""
    button = Button(translate("consult_followup", language), f"-:cq:{consultation_id}")
    return Reply(reply.text, ((button,),), photo=reply.photo)
