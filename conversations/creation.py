"""The guided dialogue in which an organizer creates an initiative in chat. Pure.

It runs in the ``compose`` stage; the draft (``ConversationState.draft``, strings only) holds
the answers so far and the current ``step``. Steps: the title and the description in every
language of the deployment, the type, the region, the place, start and end (deployment time),
the capacity, the agreement provision (optional), who may see it (everyone or one of the
organizer's closed groups), then a summary to publish. Typed answers are checked at once and
asked again politely; buttons carry the prompt's sequence number like every compose button.
The result is one `InitiativeSaved` record: the store keeps it with the organizer's pseudonym.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from conversations.definitions import Deployment, Initiative
from conversations.i18n import language_name, translate
from conversations.values import (
    Button,
    ConversationState,
    InitiativeSaved,
    Record,
    Reply,
    Transition,
)

TYPES = ("community_dialogue", "joint_cleanup", "peace_walk", "ceasefire_monitoring", "other")
MAX_CAPACITY = 100_000
_LIMITS = {"title": (3, 120), "description": (10, 1000), "place": (2, 120), "provision": (1, 120)}
_MOMENT = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2})[:h.](\d{2})\s*$")

Again = Callable[[ConversationState, str, Iterable[Record]], Transition]
Leave = Callable[[ConversationState], ConversationState]


class Creation:
    """One step of the creation dialogue, for one deployment at one moment."""

    def __init__(self, deployment: Deployment, now: datetime, again: Again, leave: Leave) -> None:
        self._d = deployment
        self._now = now
        self._zone = ZoneInfo(deployment.timezone)
        self._again = again
        self._leave = leave
        self._steps = (
            *(f"title.{language}" for language in deployment.languages),
            *(f"description.{language}" for language in deployment.languages),
            "type",
            "region",
            "place",
            "starts",
            "ends",
            "capacity",
            "provision",
            "group",
            "confirm",
        )

    def start(self, state: ConversationState) -> Transition:
        return_to = state.return_to if state.stage == "compose" else state.stage
        draft = {"kind": "create", "step": self._steps[0]}
        composing = dataclasses.replace(
            state, stage="compose", draft=draft, return_to=return_to, seq=state.seq + 1
        )
        return Transition(composing, (self.prompt(composing),))

    def edit(self, state: ConversationState, initiative: Initiative) -> Transition:
        """The same dialogue over an initiative made in chat, each answer prefilled: Keep
        leaves it as it is."""
        return_to = state.return_to if state.stage == "compose" else state.stage
        draft = {"kind": "create", "step": self._steps[0], "edit": initiative.id}
        for language in self._d.languages:
            draft[f"title.{language}"] = initiative.title.get(language, "")
            draft[f"description.{language}"] = initiative.description.get(language, "")
        draft |= {
            "type": initiative.type,
            "region": initiative.region,
            "place": self._d.text(initiative.place, self._d.default_language),
            "starts": initiative.starts.replace(tzinfo=None).isoformat(),
            "ends": initiative.ends.replace(tzinfo=None).isoformat(),
            "capacity": str(initiative.capacity),
            "group": initiative.group or "-",
        }
        if initiative.provision:
            draft["provision"] = initiative.provision
        composing = dataclasses.replace(
            state, stage="compose", draft=draft, return_to=return_to, seq=state.seq + 1
        )
        return Transition(composing, (self.prompt(composing),))

    def typed(self, state: ConversationState, text: str) -> Transition:
        draft = state.draft or {}
        step = draft.get("step", "")
        result = checked(step, text, draft, self._now, self._zone)
        if isinstance(result, Problem):
            return self._again(state, self._t(result.key, state, **result.values), ())
        return self._advance(state, result)

    def press(self, state: ConversationState, action: str, arg: str) -> Transition | None:
        """A choice (``c``), Skip (``s``) or Publish (``y``) in the dialogue."""
        draft = state.draft or {}
        step = draft.get("step", "")
        if action == "s" and step == "provision":
            return self._advance(state, {})
        if action == "k" and "edit" in draft and step != "confirm":
            if step == "ends" and draft.get("ends", "") <= draft.get("starts", ""):
                starts = draft.get("starts", "").replace("T", " ")[:16]
                return self._again(state, self._t("ends_after_start", state, starts=starts), ())
            return self._advance(state, {})
        if action == "c":
            if step == "type" and arg in TYPES:
                return self._advance(state, {"type": arg})
            if step == "region" and self._d.region(arg) is not None:
                return self._advance(state, {"region": arg})
            if step == "group" and (arg == "-" or arg in state.groups):
                return self._advance(state, {"group": arg})
            return None
        if action in ("y", "d") and step == "confirm":
            initiative = self._initiative(state)
            if initiative is None:
                return None
            status = "draft" if action == "d" and "edit" not in draft else "published"
            data = initiative.model_dump(mode="json") | {"status": status}
            record = InitiativeSaved(initiative.id, data, edited="edit" in draft)
            title = self._d.text(initiative.title, state.language)
            done = (
                "edited" if "edit" in draft else "saved_draft" if status == "draft" else "created"
            )
            note = self._t(done, state, title=title)
            return self._again(self._leave(state), note, (record,))
        return None

    def prompt(self, state: ConversationState) -> Reply:
        draft = state.draft or {}
        step = draft.get("step", self._steps[0])
        number = self._steps.index(step) + 1 if step in self._steps else 1
        header = self._t("create_step", state, n=number, total=len(self._steps))
        field, _, language = step.partition(".")
        cancel = Button(self._t("cancel", state), self._data(state, "q", ""))
        choices: list[Button] = []
        if field in ("title", "description"):
            question = self._t(f"create_{field}", state, in_language=language_name(language))
        elif field == "type":
            question = self._t("create_type", state)
            choices = [
                Button(self._t(f"type_{t}", state), self._data(state, "c", t)) for t in TYPES
            ]
        elif field == "region":
            question = self._t("create_region", state)
            choices = [
                Button(self._d.text(r.name, state.language), self._data(state, "c", r.id))
                for r in self._d.regions
            ]
        elif field == "provision":
            question = self._t("create_provision", state)
            choices = [Button(self._t("skip", state), self._data(state, "s", ""))]
        elif field == "group":
            question = self._t("create_group", state)
            choices = [Button(self._t("everyone", state), self._data(state, "c", "-"))]
            choices += [
                Button(self._t("members_of", state, group=g), self._data(state, "c", g))
                for g in state.groups
            ]
        elif field == "confirm":
            initiative = self._initiative(state)
            summary = self._summary(initiative, state) if initiative else ""
            publish = Button(self._t("publish", state), self._data(state, "y", ""))
            text = f"{header}\n{self._t('create_confirm', state)}\n\n{summary}"
            if "edit" in draft:
                return Reply(text, ((publish, cancel),))
            later = Button(self._t("save_draft", state), self._data(state, "d", ""))
            return Reply(text, ((publish,), (later,), (cancel,)))
        else:
            question = self._t(f"create_{field}", state)
        if "edit" in draft:
            current = self._current(draft, step, state)
            question += "\n" + self._t("currently", state, value=current)
            choices.insert(0, Button(self._t("keep", state), self._data(state, "k", "")))
        rows = tuple((b,) for b in choices) + ((cancel,),)
        typed = field not in ("type", "region", "group")
        return Reply(f"{header}\n{question}", rows, expects_text=typed)

    def _current(self, draft: dict[str, str], step: str, state: ConversationState) -> str:
        value = draft.get(step, "")
        if step == "type":
            return self._t(f"type_{value}", state) if value in TYPES else value
        if step == "region" and (region := self._d.region(value)) is not None:
            return self._d.text(region.name, state.language)
        if step == "group":
            return self._t("everyone", state) if value in ("", "-") else value
        if step in ("starts", "ends"):
            return value.replace("T", " ")[:16]
        return value or "–"

    # --- helpers --------------------------------------------------------------------------

    def _advance(self, state: ConversationState, values: dict[str, str]) -> Transition:
        draft = {**(state.draft or {}), **values}
        step = draft.get("step", "")
        following = self._steps[self._steps.index(step) + 1] if step in self._steps else "confirm"
        if following == "group" and not state.groups:
            draft["group"] = "-"
            following = "confirm"
        moved = dataclasses.replace(state, draft={**draft, "step": following}, seq=state.seq + 1)
        return Transition(moved, (self.prompt(moved),))

    def _initiative(self, state: ConversationState) -> Initiative | None:
        return initiative_from(self._d, self._now, state.draft or {})

    def _summary(self, initiative: Initiative, state: ConversationState) -> str:
        lang = state.language
        region = self._d.region(initiative.region)
        lines = [
            self._d.text(initiative.title, lang),
            self._d.text(initiative.description, lang),
            self._t(
                "where",
                state,
                place=self._d.text(initiative.place, lang),
                region=self._d.text(region.name, lang) if region else initiative.region,
            ),
            self._t(
                "when",
                state,
                starts=f"{initiative.starts:%Y-%m-%d %H:%M}",
                ends=f"{initiative.ends:%Y-%m-%d %H:%M}",
            ),
            self._t("capacity_line", state, capacity=initiative.capacity),
        ]
        if initiative.provision:
            lines.append(self._t("provision", state, provision=initiative.provision))
        if initiative.group:
            lines.append(self._t("members_of", state, group=initiative.group))
        return "\n".join(lines)

    def _data(self, state: ConversationState, action: str, arg: str) -> str:
        return f"{state.seq}:{action}:{arg}"

    def _t(self, key: str, state: ConversationState, **values: object) -> str:
        return translate(key, state.language, **values)


# --- the rules of each answer, for the chat dialogue and the workspace's form alike ---------


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with an answer: a catalogue key and its values."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


TYPED = ("title", "description", "place", "starts", "ends", "capacity", "provision")
"""The fields answered by typing (the others are chosen: type, region, group)."""


def checked(
    step: str, text: str, draft: Mapping[str, str], now: datetime, zone: tzinfo
) -> dict[str, str] | Problem:
    """A typed answer to ``step`` as the draft values it sets, or what is wrong with it."""
    field_name = step.split(".", 1)[0]
    value = " ".join(text.split()) if field_name != "description" else text.strip()
    if field_name in _LIMITS:
        low, high = _LIMITS[field_name]
        if not low <= len(value) <= high:
            return Problem("text_length", {"min": low, "max": high})
        return {step: value}
    if field_name in ("starts", "ends"):
        moment = _moment(value)
        if moment is None:
            return Problem("bad_datetime")
        if moment.replace(tzinfo=zone) <= now:
            return Problem("must_be_future")
        starts = draft.get("starts")
        if field_name == "ends" and starts and moment <= datetime.fromisoformat(starts):
            return Problem("ends_after_start", {"starts": _shown_moment(starts)})
        return {field_name: moment.isoformat()}
    if field_name == "capacity":
        digits = value.replace(" ", "")
        if not digits.isdigit() or not 1 <= int(digits) <= MAX_CAPACITY:
            return Problem("bad_capacity", {"max": MAX_CAPACITY})
        return {"capacity": str(int(digits))}
    return Problem("use_buttons")


def from_form(
    deployment: Deployment,
    now: datetime,
    values: Mapping[str, str],
    groups: Sequence[str],
    editing: Initiative | None = None,
) -> tuple[Initiative | None, dict[str, Problem]]:
    """An initiative from every answer at once (the workspace's form), checked by the rules
    of the chat dialogue; or the problems, by field name (``title.en``, ``starts``…).

    Editing, a time left as it was is kept even if it has passed (chat's Keep)."""
    zone = ZoneInfo(deployment.timezone)
    draft: dict[str, str] = {"edit": editing.id} if editing is not None else {}
    problems: dict[str, Problem] = {}
    steps = [
        *(f"title.{language}" for language in deployment.languages),
        *(f"description.{language}" for language in deployment.languages),
        "place",
        "starts",
        "ends",
        "capacity",
        "provision",
    ]
    for step in steps:
        value = values.get(step, "")
        if step == "provision" and not value.strip():
            continue
        if editing is not None and step in ("starts", "ends"):
            current = getattr(editing, step).replace(tzinfo=None)
            moment = _moment(value)
            if moment is not None and moment == current:
                if (
                    step == "ends"
                    and "starts" in draft
                    and moment <= datetime.fromisoformat(draft["starts"])
                ):
                    problems[step] = Problem(
                        "ends_after_start", {"starts": _shown_moment(draft["starts"])}
                    )
                    continue
                draft[step] = moment.isoformat()
                continue
        result = checked(step, value, draft, now, zone)
        if isinstance(result, Problem):
            problems[step] = result
        else:
            draft.update(result)
    chosen = {name: values.get(name, "") for name in ("type", "region", "group")}
    if chosen["type"] not in TYPES:
        problems["type"] = Problem("use_buttons")
    if deployment.region(chosen["region"]) is None:
        problems["region"] = Problem("use_buttons")
    if chosen["group"] not in ("-", "", *groups):
        problems["group"] = Problem("use_buttons")
    draft |= {**chosen, "group": chosen["group"] or "-"}
    if problems:
        return None, problems
    return initiative_from(deployment, now, draft), {}


def initiative_from(
    deployment: Deployment, now: datetime, draft: Mapping[str, str]
) -> Initiative | None:
    """The initiative the draft's answers describe (a new id unless it edits one)."""
    languages = deployment.languages
    stamp = f"{now:%y%m%d%H%M%S}"
    slug = re.sub(r"[^a-z0-9]+", "_", draft.get(f"title.{languages[0]}", "").lower())
    data = {
        "id": draft.get("edit") or f"{slug.strip('_')[:18] or 'initiative'}_{stamp}",
        "title": {lang: draft.get(f"title.{lang}", "") for lang in languages},
        "description": {lang: draft.get(f"description.{lang}", "") for lang in languages},
        "type": draft.get("type", "other"),
        "region": draft.get("region", ""),
        "place": dict.fromkeys(languages, draft.get("place", "")),
        "starts": draft.get("starts", ""),
        "ends": draft.get("ends", ""),
        "capacity": draft.get("capacity", "0"),
        "provision": draft.get("provision"),
        "group": None if draft.get("group", "-") in ("-", "") else draft["group"],
    }
    try:
        return Initiative.model_validate(data, context={"languages": languages})
    except ValidationError:
        return None


def _moment(text: str) -> datetime | None:
    match = _MOMENT.match(text)
    if match is None:
        return None
    try:
        year, month, day, hour, minute = (int(part) for part in match.groups())
        # naive on purpose: an initiative's times are in the deployment's time zone
        return datetime(year, month, day, hour, minute)  # noqa: DTZ001
    except ValueError:
        return None


def _shown_moment(iso: str) -> str:
    return iso.replace("T", " ")[:16]
