"""A `Reply` as WhatsApp Cloud API message objects (pure: no I/O).

Choices go as interactive *reply buttons* when there are at most 3 and every title fits in 20
characters, else as a *list message* when there are at most 10 rows (titles up to 24
characters; a longer label, up to 72, goes whole in the row's description under a shortened
title). Anything else — more options, longer labels, a text too long for an interactive body
(1024), or a question answered by naming several options at once (``Reply.several``) — goes as
numbered text, exactly as by SMS (`conversations.texting.numbered_text`), and is answered by
typing numbers or words. A button's or row's id is the engine's button data, so a tap comes
back as the press it stands for.

Limits as documented for the Cloud API's ``/messages`` endpoint (and checked by pywa's
``types/callback.py`` and ``client.py``): text body 4096, interactive body 1024, button title
20, button id 256, list button 20, row title 24, row description 72, row id 200, 10 rows,
image caption 1024.
"""

from __future__ import annotations

from typing import Any

from bots.telegram.common import split_text
from conversations.texting import clean_label, numbered_text
from conversations.values import Button, Reply

MAX_TEXT = 4096
MAX_BODY = 1024
MAX_CAPTION = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
LIST_BUTTON = "☰"  # the list's opening button: no words, so it needs no translation

Message = dict[str, Any]
"""One message object without its recipient (``to``), ready for JSON."""


def text(body: str) -> Message:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def image(photo: str, caption: str = "") -> Message:
    """A picture by URL; a local file is marked ``path`` and uploaded by the client first."""
    media: dict[str, str] = {"link": photo} if _is_url(photo) else {"path": photo}
    if caption:
        media["caption"] = caption
    return {"type": "image", "image": media}


def buttons_message(body: str, buttons: tuple[Button, ...]) -> Message:
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": b.data, "title": clean_label(b.label)}}
                    for b in buttons
                ]
            },
        },
    }


def list_message(body: str, buttons: tuple[Button, ...]) -> Message:
    rows = []
    for button in buttons:
        label = clean_label(button.label)
        row = {"id": button.data, "title": label}
        if len(label) > MAX_ROW_TITLE:
            row["title"] = label[: MAX_ROW_TITLE - 1].rstrip() + "…"
            row["description"] = label
        rows.append(row)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {"button": LIST_BUTTON, "sections": [{"rows": rows}]},
        },
    }


def choices(reply: Reply) -> Message | None:
    """The reply as one interactive message, or None when its options do not fit one."""
    buttons = reply.flat_buttons
    if not buttons or reply.several or not reply.text.strip() or len(reply.text) > MAX_BODY:
        return None
    labels = [clean_label(b.label) for b in buttons]
    if any(not label.strip() for label in labels):
        return None
    if (
        len(buttons) <= MAX_BUTTONS
        and all(len(label) <= MAX_BUTTON_TITLE for label in labels)
        and all(len(b.data) <= MAX_BUTTON_ID for b in buttons)
        and len(set(labels)) == len(labels)  # WhatsApp refuses two buttons with one title
    ):
        return buttons_message(reply.text, buttons)
    if (
        len(buttons) <= MAX_ROWS
        and all(len(label) <= MAX_ROW_DESCRIPTION for label in labels)
        and all(len(b.data) <= MAX_ROW_ID for b in buttons)
    ):
        return list_message(reply.text, buttons)
    return None


def messages(reply: Reply) -> list[Message]:
    """The message objects that carry one reply, in order."""
    out: list[Message] = []
    interactive = choices(reply)
    body = reply.text if interactive is not None or not reply.buttons else numbered_text(reply)
    if reply.photo:
        if interactive is None and len(body) <= MAX_CAPTION:
            return [image(reply.photo, body)]
        out.append(image(reply.photo))
    if interactive is not None:
        out.append(interactive)
        return out
    out += [text(part) for part in split_text(body, MAX_TEXT)]
    return out


def _is_url(photo: str) -> bool:
    return photo.startswith(("http://", "https://"))
