"""The conversation engine: one pure step from (state, event, time) to a transition.

No I/O and no platform here. The caller loads the state, calls `Engine.step`, stores the
transition's state and records in one transaction, commits, and only then sends the replies.

Button data is made and checked here: ``"<seq>:<action>:<arg>"``. ``seq`` numbers the prompt a
button belongs to, so a press on an older message is recognised and answered with "this button
has expired" and the current prompt; anything that does not parse is treated the same way.
Before consent nothing is stored, so those buttons carry ``-`` and no sequence.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import cast, get_args
from zoneinfo import ZoneInfo

from conversations import consulting
from conversations.community import COMMANDS as COMMUNITY_COMMANDS
from conversations.community import Community, wants_snapshot
from conversations.consultation_values import ConsultationView
from conversations.definitions import (
    Deployment,
    FreeText,
    MultipleChoice,
    Number,
    Poll,
    ProfileQuestion,
    Question,
    RegionQuestion,
    Scale,
    SingleChoice,
)
from conversations.i18n import CATALOGUE, language_name, translate
from conversations.screening import screen
from conversations.snapshot import Snapshot
from conversations.texting import choose, clean_label, normalize
from conversations.values import (
    AnswerGiven,
    AnswerValue,
    Button,
    ConsentGiven,
    ConversationState,
    Event,
    Forget,
    OptOut,
    PollCompleted,
    Press,
    ProfileGiven,
    Record,
    Reply,
    Stage,
    SubscriptionChanged,
    Text,
    Transition,
    Unsupported,
    poll_key,
)
from conversations.waves import Wave, open_wave, waves_of

DetectLanguage = Callable[[str], tuple[str | None, float | None]]
"""Free text → (ISO 639-1 code, probability), or (None, None) when nothing can be told."""

COMMANDS = (
    "start",
    "help",
    "polls",
    "language",
    "subscribe",
    "unsubscribe",
    "mydata",
    "forget",
    "stop",
    "consult",
    *COMMUNITY_COMMANDS,
)

_ASKING = ("language", "profile", "poll", "consultation")
"""Stages where a typed reply answers the prompt left open (and is asked again after long)."""

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_UNCHECKED, _CHECKED = "☐ ", "☑ "


@dataclasses.dataclass(frozen=True, slots=True)
class _Data:
    seq: int | None
    action: str
    arg: str


def _parse_data(data: str) -> _Data | None:
    parts = data.split(":", 2)
    if len(parts) != 3:
        return None
    seq_text, action, arg = parts
    if seq_text == "-":
        return _Data(None, action, arg)
    if not seq_text.isdigit():
        return None
    return _Data(int(seq_text), action, arg)


def _command(text: str) -> str | None:
    """``/polls@PeaceBot extra`` → ``"polls"``; None when the text is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    word = stripped[1:].split(maxsplit=1)[0] if stripped[1:].strip() else ""
    return word.split("@", 1)[0].lower()


_TAKES_ANY_ARGUMENT = ("subscribe", "forget")
_TAKES_A_CODE = ("join", "staff")


def _typed_command(text: str) -> str | None:
    """A command typed without its slash, as by SMS: ``MY SIGNUPS`` → ``/my_signups``,
    ``JOIN ab12-cd34`` → ``/join ab12-cd34``; None when the text is not one.

    The words of a command may be separated by spaces, underscores or hyphens. ``JOIN`` and
    ``STAFF`` take exactly one word more (a code), so that a free answer such as "join the
    talks" is not read as a command; ``SUBSCRIBE`` and ``FORGET`` take any words after them.
    """
    words = text.strip().split()
    if not words:
        return None
    whole = "_".join(w.casefold() for w in re.split(r"[\s_-]+", text.strip()) if w)
    if whole in COMMANDS:
        return "/" + whole
    first = words[0].casefold()
    if first in _TAKES_ANY_ARGUMENT or (first in _TAKES_A_CODE and len(words) == 2):
        return "/" + first + " " + " ".join(words[1:])
    return None


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class Engine:
    """Runs the conversation of one deployment."""

    def __init__(
        self,
        deployment: Deployment,
        detect_language: DetectLanguage,
        *,
        web_url: str | None = None,
    ) -> None:
        """``web_url``: the workspace's address (`bots.web`), for `/web`; None: no `/web`."""
        self._d = deployment
        self._web_url = web_url
        self._detect = detect_language
        zone = ZoneInfo(deployment.timezone)
        self._waves = {p.id: waves_of(p, zone) for p in deployment.polls if p.schedule}
        self._stop_words = _keywords("stop_words", deployment.stop_words)
        self._start_words = _keywords("start_words", deployment.start_words)
        self._help_words = _keywords("help_words", deployment.help_words)
        self._expiry = timedelta(days=deployment.conversation_expiry_days)
        self._followup_words = _labels_in_all("consult_followup", deployment)

    def step(
        self,
        state: ConversationState | None,
        event: Event,
        now: datetime,
        locale: str | None = None,
        *,
        buttons: bool = True,
        snapshot: Snapshot | None = None,
        consultation: ConsultationView | None = None,
        silent_while_stopped: bool = False,
    ) -> Transition:
        """Answer one event of one person. ``state`` None: the person has not consented.

        ``buttons`` False: the channel has none (SMS); options are chosen by typing.
        ``snapshot``: what the database holds for this person, loaded by the caller when
        `wants_snapshot` says the event needs it (see `conversations.snapshot`).
        ``consultation`` is the read-only view of the consultation named by
        `consultation_wanted` for this event, loaded by the caller from the store.
        ``silent_while_stopped`` (SMS): after STOP, nothing at all is answered until START.
        """
        stranger_stops = (
            isinstance(event, Text) and event.text.strip().casefold() in self._stop_words
        )
        if state is None and stranger_stops:
            # nothing is held and nothing will be sent: just say so
            language = _Turn.suggest_language(self._d, locale)
            return Transition(None, (Reply(translate("declined", language)),))
        stale = (
            state is not None
            and state.last_active is not None
            and now - state.last_active > self._expiry
        )
        if stale and state is not None:
            state = dataclasses.replace(state, offered=())  # a list seen days ago is no offer
        event = self.interpret(state, event, buttons=buttons)
        expired = stale and isinstance(event, Text) and _command(event.text) is None
        if state is not None and not isinstance(event, Unsupported):
            state = dataclasses.replace(state, last_active=now)
        turn = _Turn(
            self._d,
            self._detect,
            self._waves,
            now,
            buttons,
            snapshot=snapshot,
            consultation=consultation,
            silent_while_stopped=silent_while_stopped,
            web_url=self._web_url,
        )
        if expired and state is not None and state.stage in _ASKING:
            # Hours or days later, a typed "2" may not mean the question left open: ask again.
            return turn.again(state, translate("conversation_expired", state.language))
        return turn.step(state, event, locale) if buttons else turn.offering(state, event, locale)

    def interpret(
        self, state: ConversationState | None, event: Event, *, buttons: bool = True
    ) -> Event:
        """The event as the engine reads it.

        STOP, START, HELP (and their translations) are those commands; without buttons, a
        command's word alone is the command ("polls": no "/" on many basic phones), and a
        number or words naming one of the options of the last reply that was not the current
        prompt (``state.offered``: a list of initiatives, "Sign up" under details) is a press
        of that option.
        """
        if not isinstance(event, Text):
            return event
        word = event.text.strip().casefold()
        if word in self._stop_words:
            return Text("/stop")
        if word in self._start_words:
            return Text("/start")
        if word in self._help_words:
            return Text("/help")
        if buttons:
            return event
        if (typed := _typed_command(event.text)) is not None:
            return Text(typed)
        if normalize(word) in self._followup_words:  # a consultation follow-up's button, typed
            return Text("/consult")
        if state is None or not state.offered or _command(event.text) is not None:
            return event
        if all(data.split(":", 2)[1:2] == ["u"] for _, data in state.offered):
            # the topics, whose prompt says "reply with their numbers": these topics, exactly
            return Text(f"/subscribe {event.text.strip()}")
        chosen = choose(event.text, [[label] for label, _ in state.offered])
        return Press(state.offered[chosen[0]][1]) if chosen else event

    def question_prompt(
        self, poll: Poll, question: Question, language: str, now: datetime, *, buttons: bool = True
    ) -> Reply:
        """One question as a person is asked it (e.g. to count what it costs by SMS)."""
        state = ConversationState(
            stage="poll", language=language, poll_id=poll.id, question_id=question.id
        )
        turn = _Turn(self._d, self._detect, self._waves, now, buttons)
        return turn.question_prompt(state, poll, question)

    @staticmethod
    def notice_language(replies: Sequence[Reply]) -> str | None:
        """The language of the privacy notice among ``replies``, if one was sent: by a channel
        without buttons, the language in which the next typed "1" or "2" answers it."""
        for reply in reversed(replies):
            for button in reply.flat_buttons:
                if button.data.startswith("-:c:"):
                    return button.data.removeprefix("-:c:")
        return None

    def wants_snapshot(
        self, state: ConversationState | None, event: Event, *, buttons: bool = True
    ) -> bool:
        """Whether `step` needs a `Snapshot` for this event (most events do not)."""
        return wants_snapshot(state, self.interpret(state, event, buttons=buttons))

    def consultation_wanted(
        self, state: ConversationState | None, event: Event, now: datetime, *, buttons: bool = True
    ) -> str | None:
        """The consultation whose `ConsultationView` `step` needs for this event, if any."""
        event = self.interpret(state, event, buttons=buttons)
        typed = event.text.strip().casefold() if isinstance(event, Text) else ""
        if (
            isinstance(event, Text)
            and (_command(event.text) == "consult" or (not buttons and typed == "consult"))
            and state is not None
        ):
            if state.stage == "consultation":
                return state.consultation
            turn = _Turn(self._d, self._detect, self._waves, now)
            available = turn.consultations.available(state)
            return available[0].id if len(available) == 1 else None
        if isinstance(event, Text) and state is not None and state.stage == "menu":
            # a menu option typed ("3", "٣", its title) is that button pressed
            turn = _Turn(self._d, self._detect, self._waves, now, buttons)
            button = turn.typed_button(state, event.text)
            if button is not None:
                event = Press(button.data)
        return consulting.wanted(state, event)


def _labels_in_all(key: str, deployment: Deployment) -> frozenset[str]:
    """A button's label in each of the deployment's languages, normalized for typing."""
    return frozenset(normalize(translate(key, code)) for code in deployment.languages)


def _keywords(key: str, extra: Mapping[str, Sequence[str]]) -> frozenset[str]:
    words = {w for words in CATALOGUE[key].values() for w in words.split("|")}
    words.update(w for words in extra.values() for w in words)
    return frozenset(w.casefold() for w in words)


class _Turn:
    """One step of the conversation at one moment (``now``)."""

    def __init__(
        self,
        deployment: Deployment,
        detect_language: DetectLanguage,
        waves: Mapping[str, tuple[Wave, ...]],
        now: datetime,
        buttons: bool = True,
        *,
        snapshot: Snapshot | None = None,
        consultation: ConsultationView | None = None,
        silent_while_stopped: bool = False,
        web_url: str | None = None,
    ) -> None:
        self._d = deployment
        self._silent_while_stopped = silent_while_stopped
        self._detect = detect_language
        self._waves = waves
        self._now = now
        self._buttons = buttons
        self._snapshot = snapshot
        region = next((q.id for q in deployment.profile if isinstance(q, RegionQuestion)), None)
        self._community = Community(deployment, now, region, self._again, web_url=web_url)
        self.consultations = consulting.Consultations(
            deployment,
            detect_language,
            now,
            consultation,
            self._leave_consultation,
            buttons=buttons,
        )

    def step(self, state: ConversationState | None, event: Event, locale: str | None) -> Transition:
        if state is None:
            return self._stranger(event, locale)
        starting = isinstance(event, Text) and _command(event.text) == "start"
        if state.stage == "stopped" and self._silent_while_stopped and not starting:
            # By SMS, after STOP nothing at all until START: carriers refuse to deliver it
            # (Twilio error 21610) and each message would cost the deployment or the person.
            return Transition(state, ())
        if isinstance(event, Text) and (command := _command(event.text)) is not None:
            if command in COMMUNITY_COMMANDS and state.stage != "stopped":
                return self._community.command(state, command, event.text, self._snapshot)
            if command == "subscribe" and (chosen := _arguments(event.text)):
                return self._typed_topics(state, chosen)
            if command == "forget" and (answer := _arguments(event.text)):
                return self._typed_forget(state, answer)
            return self._command(state, command)
        if isinstance(event, Press):
            return self._press(state, event.data)
        if state.stage == "stopped":
            if not self._buttons:  # typed text, without buttons: nothing until START
                return Transition(state, ())
            return Transition(state, (Reply(self._t("paused", state)),))
        if isinstance(event, Unsupported):
            return self._again(state, self._t("unsupported", state))
        if state.stage == "compose":
            return self._community.typed(state, event.text, self._snapshot)
        return self._typed(state, event.text)

    # --- before consent ------------------------------------------------------------------

    @staticmethod
    def suggest_language(deployment: Deployment, locale: str | None) -> str:
        if locale:
            code = locale.replace("_", "-").split("-", 1)[0].lower()
            if code in deployment.languages:
                return code
        return deployment.default_language

    def _suggest_language(self, locale: str | None) -> str:
        return self.suggest_language(self._d, locale)

    def notice(self, language: str) -> Reply:
        """Who asks, why, how data is used; agree or decline, or read it in another language."""
        d = self._d
        text = "\n\n".join(
            (
                d.text(d.organization, language),
                d.text(d.purpose, language),
                d.text(d.privacy_notice, language),
                f"✉ {d.contact}",
                translate("notice_footer", language),
            )
        )
        rows: list[tuple[Button, ...]] = [
            (
                Button(translate("agree", language), f"-:c:{language}"),
                Button(translate("decline", language), f"-:d:{language}"),
            )
        ]
        others = [code for code in d.languages if code != language]
        if others:
            rows.append(tuple(Button(language_name(c), f"-:n:{c}") for c in others))
        return Reply(text, tuple(rows))

    def _written_in(self, text: str) -> str | None:
        """The deployment language a stranger's first text is written in, when it is clear:
        Arabic script, or langdetect sure enough (it is unreliable on a word or two)."""
        if "ar" in self._d.languages and any("\u0600" <= c <= "\u06ff" for c in text):
            return "ar"
        if _command(text) is not None or normalize(text).isdigit():
            return None
        code, probability = self._detect(text)
        if code in self._d.languages and (probability or 0) >= 0.7:
            return code
        return None

    def _stranger(self, event: Event, locale: str | None) -> Transition:
        if locale is None and not self._buttons and isinstance(event, Text):
            # no client language by SMS: the notice in the language the text is written in
            locale = self._written_in(event.text)
        language = self._suggest_language(locale)
        if isinstance(event, Press) and (data := _parse_data(event.data)) and data.seq is None:
            if data.action == "c" and data.arg in self._d.languages:
                state = ConversationState(stage="language", language=data.arg, seq=1)
                return Transition(state, (self._prompt(state),), (ConsentGiven(),))
            if data.action == "d":
                shown = data.arg if data.arg in self._d.languages else language
                return Transition(None, (Reply(translate("declined", shown)),))
            if data.action == "n" and data.arg in self._d.languages:
                return Transition(None, (self.notice(data.arg),))
        if isinstance(event, Text) and _command(event.text) in ("mydata", "forget"):
            notice = self.notice(language)
            text = f"{translate('nothing_held', language)}\n\n{notice.text}"
            return Transition(None, (dataclasses.replace(notice, text=text),))
        if isinstance(event, Text) and not self._buttons and _command(event.text) is None:
            # Without buttons, "1" answers the notice they were sent (nothing is kept before
            # consent, so: the one in the suggested language); an option's words answer the
            # notice in the language they are written in ("أوافق" agrees in Arabic).
            codes = sorted(self._d.languages, key=lambda code: code != language)
            notices = [self.notice(code) for code in codes]
            if normalize(event.text).isdigit():
                found = self._choose(notices[0].flat_buttons, notices[:1], event.text)
            else:
                unique = {b.data: b for n in notices for b in n.flat_buttons}
                found = self._choose(list(unique.values()), notices, event.text)
            if found is not None:
                return self._stranger(Press(found.data), locale)
        return Transition(None, (self.notice(language),))

    # --- commands ------------------------------------------------------------------------

    def _command(self, state: ConversationState, command: str) -> Transition:
        t = self._t
        if command == "forget" and not self._buttons:
            text = f"{t('forget_confirm', state)}\n{t('forget_typed', state)}"
            return Transition(state, (Reply(text),))
        if command == "forget":
            buttons = (
                (
                    Button(t("forget_yes", state), self._data(state, "f", "y")),
                    Button(t("forget_no", state), self._data(state, "f", "n")),
                ),
            )
            return Transition(state, (Reply(t("forget_confirm", state), buttons),))
        if command == "mydata":
            return Transition(state, (Reply(self._mydata(state)),))
        if state.stage == "stopped" and command == "help":
            return self._again(state, self._help_text(state))  # then "Messages are paused"
        if state.stage == "stopped":
            if command == "start":
                resumed = dataclasses.replace(
                    state, stage=_stage(state.return_to, "menu"), return_to=None
                )
                return self._again(resumed, t("welcome_back", state), (OptOut(False),))
            return Transition(state, (Reply(t("paused", state)),))
        if command == "start":
            return self._again(state, t("welcome_back", state))
        if command == "consult":
            return self.consultations.command(state)
        if command == "help":
            return self._again(state, self._help_text(state))
        if command == "polls":
            note = t("left_poll", state) if state.stage == "poll" else ""
            menu = self._enter_menu(state)
            return self._again(menu, note)
        if command == "language":
            return_to = state.return_to if state.stage == "language" else state.stage
            chooser = dataclasses.replace(
                state, stage="language", return_to=return_to, seq=state.seq + 1
            )
            return Transition(chooser, (self._prompt(chooser),))
        if command == "stop":
            stopped = dataclasses.replace(state, stage="stopped", return_to=state.stage)
            return Transition(stopped, (Reply(t("stopped", state)),), (OptOut(True),))
        if command == "subscribe":
            if not self._d.topics:
                return self._again(state, t("no_topics", state))
            return Transition(state, (self._topics_prompt(state),))
        if command == "unsubscribe":
            if not state.subscriptions:
                return self._again(state, t("not_subscribed", state))
            names = ", ".join(self._topic_name(topic, state) for topic in state.subscriptions)
            records = tuple(SubscriptionChanged(topic, False) for topic in state.subscriptions)
            cleared = dataclasses.replace(state, subscriptions=())
            return self._again(cleared, t("unsubscribed", state, topics=names), records)
        return self._again(state, t("unknown_command", state))

    def _help_text(self, state: ConversationState) -> str:
        help_text = self._t(
            "help",
            state,
            organization=self._d.text(self._d.organization, state.language),
            contact=self._d.contact,
        )
        extra = self._community.help_lines(state, self._snapshot)
        return "\n".join((help_text, *extra))

    def _joining(self) -> set[str]:
        """Words that join numbers in any of the deployment's languages: "1 and 3"."""
        return {
            word for code in self._d.languages for word in translate("and_words", code).split("|")
        }

    def _typed_forget(self, state: ConversationState, answer: str) -> Transition:
        """``FORGET YES`` (in any language): erase; anything else: nothing happens."""
        yes = {normalize(w) for words in CATALOGUE["yes_words"].values() for w in words.split("|")}
        if normalize(answer) in yes:
            return Transition(None, (Reply(self._t("forgotten", state)),), (Forget(),))
        return self._again(state, self._t("forget_cancelled", state))

    def _topic_name(self, topic_id: str, state: ConversationState) -> str:
        topic = self._d.topic(topic_id)
        return self._d.text(topic.name, state.language) if topic else topic_id

    def _topics_prompt(self, state: ConversationState, replace: bool = False) -> Reply:
        """The topics with ticks; pressing one toggles it. Leaves the current prompt valid."""
        toggles = [
            Button(
                (_CHECKED if topic.id in state.subscriptions else _UNCHECKED)
                + self._d.text(topic.name, state.language),
                self._data(state, "u", topic.id),
            )
            for topic in self._d.topics
            if topic.group is None or topic.group in state.groups
        ]
        if not self._buttons:
            return Reply(self._t("subscribe_prompt_typed", state), _rows(toggles), several=True)
        toggles.append(Button(self._t("done", state), self._data(state, "u", "")))
        return Reply(self._t("subscribe_prompt", state), _rows(toggles), replace=replace)

    def _typed_topics(self, state: ConversationState, typed: str) -> Transition:
        """``/subscribe 1 3``: exactly these topics (by number or name), in one message."""
        # numbered as the prompt shows them: a closed group's topics for its members only
        shown = [t for t in self._d.topics if t.group is None or t.group in state.groups]
        names = [[self._d.text(topic.name, code) for code in self._d.languages] for topic in shown]
        chosen = choose(typed, names, many=True, joining=self._joining()) if names else None
        if chosen is None:
            return Transition(
                state, (_prefixed(self._topics_prompt(state), self._t("use_buttons", state)),)
            )
        wanted = tuple(shown[i].id for i in chosen)
        records = [SubscriptionChanged(t, True) for t in wanted if t not in state.subscriptions]
        records += [SubscriptionChanged(t, False) for t in state.subscriptions if t not in wanted]
        changed = dataclasses.replace(state, subscriptions=wanted)
        topics = ", ".join(self._topic_name(topic, state) for topic in wanted)
        note = f"{self._t('subscriptions_saved', state)} ({topics})"
        return self._again(changed, note, records)

    def _press_topic(self, state: ConversationState, topic_id: str) -> Transition:
        if not topic_id:
            return self._again(state, self._t("subscriptions_saved", state))
        topic = self._d.topic(topic_id)
        if topic is None or (topic.group is not None and topic.group not in state.groups):
            return self._again(state, self._t("expired", state))
        subscribed = topic_id not in state.subscriptions
        topics = (
            (*state.subscriptions, topic_id)
            if subscribed
            else tuple(t for t in state.subscriptions if t != topic_id)
        )
        toggled = dataclasses.replace(state, subscriptions=topics)
        record = SubscriptionChanged(topic_id, subscribed)
        return Transition(toggled, (self._topics_prompt(toggled, replace=True),), (record,))

    def _mydata(self, state: ConversationState) -> str:
        d, t = self._d, self._t
        lines = [
            t("mydata_title", state),
            t("mydata_language", state, value=language_name(state.language)),
        ]
        if d.profile:
            lines.append(t("mydata_profile", state))
            for profile_question in d.profile:
                value = self._show_profile(profile_question, state)
                prompt = _shorten(d.text(profile_question.prompt, state.language))
                lines.append(f"• {prompt} → {value}")
        answered = self._held_answers(state)
        consulted = self.consultations.mydata(state)
        if not answered and not consulted:
            lines.append(t("mydata_no_answers", state))
        if state.subscriptions:
            names = ", ".join(self._topic_name(topic, state) for topic in state.subscriptions)
            lines.append(t("mydata_topics", state, topics=names))
        lines.extend(self._community.mydata_lines(state, self._snapshot))
        for poll, wave, answers in answered:
            lines.append("")
            title = d.text(poll.title, state.language)
            if wave:
                title = t("round", state, title=title, n=wave)
            lines.append(title + ":")
            for question in poll.questions:
                if question.id in answers:
                    prompt = _shorten(d.text(question.prompt, state.language))
                    shown = self._show_answer(question, answers[question.id], state)
                    lines.append(f"• {prompt} → {shown}")
        lines += consulted
        lines.append("")
        lines.append(t("mydata_footer", state))
        return "\n".join(lines)

    def _held_answers(
        self, state: ConversationState
    ) -> list[tuple[Poll, int, dict[str, AnswerValue]]]:
        """Every answer held: from the database when the snapshot has them (every wave of a
        repeating poll), else what the conversation remembers (its current wave)."""
        d = self._d
        if self._snapshot is None or not self._snapshot.answers:
            return [
                (poll, int(wave), answers)
                for key, answers in state.answers.items()
                if answers
                for poll_id, _, wave in [key.partition("#")]
                if (poll := d.poll(poll_id)) is not None
            ]
        held: dict[tuple[str, int], dict[str, AnswerValue]] = {}
        for row in self._snapshot.answers:
            poll = d.poll(row.poll_id)
            question = poll.question(row.question_id) if poll is not None else None
            answers = held.setdefault((row.poll_id, row.wave), {})
            if isinstance(question, MultipleChoice) and isinstance(row.value, str):
                chosen = answers.get(row.question_id)
                answers[row.question_id] = [
                    *(chosen if isinstance(chosen, list) else []),
                    row.value,
                ]
            else:
                answers[row.question_id] = row.value
        order = {p.id: i for i, p in enumerate(d.polls)}
        return [
            (poll, wave, answers)
            for (poll_id, wave), answers in sorted(
                held.items(), key=lambda item: (order.get(item[0][0], 0), item[0][1])
            )
            if (poll := d.poll(poll_id)) is not None
        ]

    def _show_profile(self, question: ProfileQuestion, state: ConversationState) -> str:
        if question.id not in state.profile:
            return self._t("not_answered", state)
        value = state.profile[question.id]
        if value is None:
            return self._t("prefer_not", state)
        return self._label(question, value, state.language)

    def _show_answer(self, question: Question, value: AnswerValue, state: ConversationState) -> str:
        if value is None:
            return self._t("skipped", state)
        if isinstance(value, list):
            return ", ".join(self._label(question, v, state.language) for v in value)
        if isinstance(value, float):
            return _format_number(value)
        return self._label(question, value, state.language)

    def _label(self, question: Question | ProfileQuestion, value: str, language: str) -> str:
        if isinstance(question, SingleChoice | MultipleChoice):
            for choice in question.choices:
                if choice.id == value:
                    return self._d.text(choice.label, language)
        if isinstance(question, RegionQuestion) and (region := self._d.region(value)):
            return self._d.text(region.name, language)
        return value

    # --- button presses --------------------------------------------------------------------

    def _press(self, state: ConversationState, raw: str) -> Transition:
        data = _parse_data(raw)
        if data is not None and data.seq is None and data.action == "w":
            return self._invitation(state, data.arg)
        if data is not None and data.seq is None and data.action == consulting.OPEN:
            if state.stage == "stopped":
                return Transition(state, (Reply(self._t("paused", state)),))
            return self.consultations.open(state, data.arg)
        if data is not None and data.seq is None and data.action[:1] in ("i", "o"):
            if state.stage == "stopped":
                return Transition(state, (Reply(self._t("paused", state)),))
            return self._community.press(state, data.action, data.arg, self._snapshot)
        if data is None or data.seq != state.seq:
            return self._again(state, self._t("expired", state))
        if data.action == "u":
            return self._press_topic(state, data.arg)
        if data.action in consulting.ACTIONS:
            if state.stage == "stopped":
                return Transition(state, (Reply(self._t("paused", state)),))
            pressed = self.consultations.press(state, data.action, data.arg)
            return pressed or self._again(state, self._t("expired", state))
        if data.action == "f":
            if data.arg == "y":
                return Transition(None, (Reply(self._t("forgotten", state)),), (Forget(),))
            return self._again(state, self._t("forget_cancelled", state))
        handler = {
            "language": self._press_language,
            "profile": self._press_profile,
            "menu": self._press_menu,
            "poll": self._press_poll,
            "compose": self._press_compose,
        }.get(state.stage)
        transition = handler(state, data) if handler else None
        return transition or self._again(state, self._t("expired", state))

    def _press_compose(self, state: ConversationState, data: _Data) -> Transition | None:
        return self._community.press_compose(state, data.action, data.arg, self._snapshot)

    def _press_language(self, state: ConversationState, data: _Data) -> Transition | None:
        if data.action != "l" or data.arg not in self._d.languages:
            return None
        chosen = dataclasses.replace(state, language=data.arg, seq=state.seq + 1)
        if state.return_to is not None:
            back = dataclasses.replace(
                chosen, stage=_stage(state.return_to, "menu"), return_to=None
            )
            return Transition(back, (self._prompt(back),))
        if self._d.profile:
            profile = dataclasses.replace(chosen, stage="profile", profile_index=0)
            prompt = self._prompt(profile)
            intro = self._t("profile_intro", profile)
            return Transition(
                profile, (dataclasses.replace(prompt, text=f"{intro}\n\n{prompt.text}"),)
            )
        return self._onboarded(chosen, ())

    def _press_profile(self, state: ConversationState, data: _Data) -> Transition | None:
        if data.action != "p" or state.profile_index >= len(self._d.profile):
            return None
        question = self._d.profile[state.profile_index]
        value: str | None = None if data.arg == "-" else data.arg
        if value is not None and value not in self._choice_ids(question):
            return None
        profile = {**state.profile, question.id: value}
        advanced = dataclasses.replace(
            state, profile=profile, profile_index=state.profile_index + 1, seq=state.seq + 1
        )
        records = (ProfileGiven(question.id, value),)
        if advanced.profile_index < len(self._d.profile):
            return Transition(advanced, (self._prompt(advanced),), records)
        return self._onboarded(advanced, records)

    def _onboarded(self, state: ConversationState, records: tuple[Record, ...]) -> Transition:
        menu = self._enter_menu(state)
        return self._again(menu, self._t("onboarded", state), records)

    def _press_menu(self, state: ConversationState, data: _Data) -> Transition | None:
        if data.action != "o" or (poll := self._d.poll(data.arg)) is None:
            return None
        if not _member(poll, state):
            return None
        return self._open_poll(state, poll, self._open_wave_number(poll))

    def _invitation(self, state: ConversationState, arg: str) -> Transition:
        """A press on a wave invitation or reminder: valid whatever was asked since."""
        if state.stage == "stopped":
            return Transition(state, (Reply(self._t("paused", state)),))
        poll_id, _, wave_text = arg.rpartition(":")
        poll = self._d.poll(poll_id)
        if poll is None or not wave_text.isdigit():
            return self._again(state, self._t("expired", state))
        wave = int(wave_text)
        if self._open_wave_number(poll) != wave:
            return self._again(self._enter_menu(state), self._t("wave_closed", state))
        return self._open_poll(state, poll, wave)

    def _open_wave_number(self, poll: Poll) -> int | None:
        """0 for a poll without schedule; the open wave's number; None when none is open."""
        if poll.schedule is None:
            return 0
        wave = open_wave(self._waves.get(poll.id, ()), self._now)
        return wave.number if wave else None

    def _open_poll(self, state: ConversationState, poll: Poll, wave: int | None) -> Transition:
        title = self._d.text(poll.title, state.language)
        if wave is None:
            return self._again(self._enter_menu(state), self._t("wave_closed", state))
        key = poll_key(poll.id, wave)
        if key in state.completed:
            return self._again(state, self._t("already_done", state, title=title))
        answers = state.answers.get(key, {})
        # Older waves of this poll are in the store; the conversation keeps only this one.
        kept = {k: a for k, a in state.answers.items() if k.partition("#")[0] != poll.id}
        state = dataclasses.replace(state, answers={**kept, key: answers}, wave=wave)
        question = _next_question(poll, answers)
        if question is None:  # every question answered, completion not yet noted
            return self._complete(state, poll)
        started = dataclasses.replace(
            state,
            stage="poll",
            poll_id=poll.id,
            question_id=question.id,
            selected=(),
            seq=state.seq + 1,
        )
        prompt = self._prompt(started)
        if wave:
            title = self._t("round", state, title=title, n=wave)
        intro = self._d.text(poll.intro, state.language) if not answers else ""
        return Transition(started, (_prefixed(prompt, f"{title}\n{intro}".strip()),))

    def _press_poll(self, state: ConversationState, data: _Data) -> Transition | None:
        poll, question = self._current_question(state)
        if poll is None or question is None:
            return None
        if self._open_wave_number(poll) != state.wave:
            return self._again(self._enter_menu(state), self._t("wave_closed", state))
        if data.action == "s" and question.optional:
            record = AnswerGiven(poll.id, question.id, wave=state.wave)
            return self._answer(state, poll, question, None, record)
        if isinstance(question, MultipleChoice):
            return self._press_multiple(state, poll, question, data)
        if data.action != "a" or data.arg not in self._choice_ids(question):
            return None
        record = AnswerGiven(poll.id, question.id, choices=(data.arg,), wave=state.wave)
        return self._answer(state, poll, question, data.arg, record)

    def _press_multiple(
        self, state: ConversationState, poll: Poll, question: MultipleChoice, data: _Data
    ) -> Transition | None:
        if data.action == "t" and data.arg in self._choice_ids(question):
            if data.arg in state.selected:
                selected = tuple(c for c in state.selected if c != data.arg)
            elif question.max_choices and len(state.selected) >= question.max_choices:
                note = self._t("multi_max", state, max=question.max_choices)
                return self._again(state, note)
            else:
                selected = (*state.selected, data.arg)
            toggled = dataclasses.replace(state, selected=selected, seq=state.seq + 1)
            return Transition(toggled, (dataclasses.replace(self._prompt(toggled), replace=True),))
        if data.action == "k":
            if not state.selected:
                return self._again(state, self._t("multi_none", state))
            ordered = [c.id for c in question.choices if c.id in state.selected]
            record = AnswerGiven(poll.id, question.id, choices=tuple(ordered), wave=state.wave)
            return self._answer(state, poll, question, ordered, record)
        return None

    # --- typed text -------------------------------------------------------------------------

    def _typed(self, state: ConversationState, text: str) -> Transition:
        if state.stage == "consultation":
            return self._typed_consultation(state, text)
        poll, question = self._current_question(state)
        if state.stage == "poll" and poll is not None and question is not None:
            if self._open_wave_number(poll) != state.wave:
                return self._again(self._enter_menu(state), self._t("wave_closed", state))
            if isinstance(question, Number):
                return self._typed_number(state, poll, question, text)
            if isinstance(question, FreeText):
                return self._typed_text(state, poll, question, text)
            if isinstance(question, MultipleChoice) and (
                not self._buttons or self._names_several(state, text)
            ):
                # typed "1 3" (the terminal, or Telegram): the whole answer at once
                return self._typed_multiple(state, poll, question, text)
        button = self.typed_button(state, text)
        if button is not None:
            return self._press(state, button.data)
        typed = normalize(text)
        if state.stage == "profile" and typed in _labels_in_all("skip", self._d):
            # "You can skip any of them": typing Skip (in any language) skips, as the button
            return self._press(state, self._data(state, "p", "-"))
        if typed in _labels_in_all("take_part", self._d) and (invited := self._invited(state)):
            # an invitation's button, typed (by SMS, invitations show it by name)
            return self._invitation(state, invited)
        return self._again(state, self._t("use_buttons", state))

    def typed_button(self, state: ConversationState, text: str) -> Button | None:
        """The button of the current prompt that typed text names: its number, or its label
        in any of the deployment's languages (outside consultations and typed answers)."""
        prompt = self._prompt(state)
        return _match_button(prompt.flat_buttons, text) or self._choose_typed(state, text)

    def _invited(self, state: ConversationState) -> str | None:
        """``<poll>:<wave>`` of the first open wave the person may answer and has not finished."""
        for poll in self._d.polls:
            wave = self._open_wave_number(poll) if poll.schedule else None
            if wave and _member(poll, state) and poll_key(poll.id, wave) not in state.completed:
                return f"{poll.id}:{wave}"
        return None

    def _typed_consultation(self, state: ConversationState, text: str) -> Transition:
        """Buttons can be typed (by number only where no text is expected); else the flow."""
        prompt = self._prompt(state)
        button = self.consultations.named_button(state, prompt, text)
        if button is None and not prompt.expects_text:
            button = _match_button(prompt.flat_buttons, text) or self._choose(
                prompt.flat_buttons, self._renderings(state), text
            )
        if button is not None:
            return self._press(state, button.data)
        return self.consultations.typed(state, text)

    def _leave_consultation(
        self, state: ConversationState, note: str, records: tuple[Record, ...]
    ) -> Transition:
        left = dataclasses.replace(state, consultation=None, consult_step=None, statement=None)
        return self._again(self._enter_menu(left), note, records)

    def _renderings(self, state: ConversationState) -> list[Reply]:
        """The current prompt in every language (the person's own first)."""
        codes = sorted(self._d.languages, key=lambda code: code != state.language)
        return [self._prompt(dataclasses.replace(state, language=code)) for code in codes]

    def _choose_typed(self, state: ConversationState, text: str) -> Button | None:
        renderings = self._renderings(state)
        return self._choose(renderings[0].flat_buttons, renderings, text)

    def _choose(
        self, buttons: Sequence[Button], renderings: Sequence[Reply], text: str
    ) -> Button | None:
        """The one button named by ``text``: by number, or by its label in any language."""
        chosen = choose(text, _labels(buttons, renderings))
        return buttons[chosen[0]] if chosen else None

    def _typed_multiple(
        self, state: ConversationState, poll: Poll, question: MultipleChoice, text: str
    ) -> Transition:
        """ "1 3", "1,3" or the options' words: the whole answer in one message."""
        renderings = self._renderings(state)
        buttons = renderings[0].flat_buttons
        chosen = choose(text, _labels(buttons, renderings), many=True, joining=self._joining())
        if chosen is None:
            return self._again(state, self._t("use_buttons", state))
        picked = [_parse_data(buttons[i].data) for i in chosen]
        if any(data is None or data.action != "t" for data in picked):
            if len(picked) == 1:  # "Skip", alone
                return self._press(state, buttons[chosen[0]].data)
            return self._again(state, self._t("use_buttons", state))
        ids = {data.arg for data in picked if data is not None}
        if question.max_choices and len(ids) > question.max_choices:
            return self._again(state, self._t("multi_max", state, max=question.max_choices))
        ordered = [c.id for c in question.choices if c.id in ids]
        record = AnswerGiven(poll.id, question.id, choices=tuple(ordered), wave=state.wave)
        return self._answer(state, poll, question, ordered, record)

    def _names_several(self, state: ConversationState, text: str) -> bool:
        renderings = self._renderings(state)
        labels = _labels(renderings[0].flat_buttons, renderings)
        chosen = choose(text, labels, many=True, joining=self._joining())
        return chosen is not None and len(chosen) > 1

    def _typed_number(
        self, state: ConversationState, poll: Poll, question: Number, text: str
    ) -> Transition:
        bounds = {"min": _format_number(question.min), "max": _format_number(question.max)}
        cleaned = text.strip().translate(_DIGITS).replace(" ", "")
        if "," in cleaned and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")
        try:
            value = float(cleaned)
        except ValueError:
            skip = _match_button(self._prompt(state).flat_buttons, text)
            if skip is not None:
                return self._press(state, skip.data)
            note = self._t("number_invalid", state, text=_shorten(text.strip(), 30), **bounds)
            return self._again(state, note)
        if not math.isfinite(value):
            return self._again(state, self._t("number_invalid", state, text=text, **bounds))
        if question.integer and not value.is_integer():
            return self._again(state, self._t("number_whole", state, **bounds))
        if not question.min <= value <= question.max:
            note = self._t("number_range", state, value=_format_number(value), **bounds)
            return self._again(state, note)
        record = AnswerGiven(poll.id, question.id, number=value, wave=state.wave)
        return self._answer(state, poll, question, value, record)

    def _typed_text(
        self, state: ConversationState, poll: Poll, question: FreeText, text: str
    ) -> Transition:
        answer = text.strip()
        if not answer:
            return self._again(state, self._t("text_empty", state))
        if question.optional and normalize(answer) in {
            normalize(translate("skip", code)) for code in self._d.languages
        }:
            return self._answer(
                state, poll, question, None, AnswerGiven(poll.id, question.id, wave=state.wave)
            )
        if len(answer) > question.max_length:
            note = self._t("text_too_long", state, length=len(answer), max=question.max_length)
            return self._again(state, note)
        # contact details out before anything is stored, as for consultation answers
        answer = screen(answer).text
        language, probability = self._detect(answer)
        record = AnswerGiven(
            poll.id,
            question.id,
            text=answer,
            language=language,
            language_probability=probability,
            wave=state.wave,
        )
        return self._answer(state, poll, question, answer, record)

    # --- moving through a poll ------------------------------------------------------------

    def _answer(
        self,
        state: ConversationState,
        poll: Poll,
        question: Question,
        value: AnswerValue,
        record: AnswerGiven,
    ) -> Transition:
        key = poll_key(poll.id, state.wave)
        poll_answers = {**state.answers.get(key, {}), question.id: value}
        answered = dataclasses.replace(
            state,
            answers={**state.answers, key: poll_answers},
            selected=(),
            seq=state.seq + 1,
        )
        following = _next_question(poll, poll_answers)
        if following is None:
            return self._complete(answered, poll, (record,))
        moved = dataclasses.replace(answered, question_id=following.id)
        return Transition(moved, (self._prompt(moved),), (record,))

    def _complete(
        self, state: ConversationState, poll: Poll, records: tuple[Record, ...] = ()
    ) -> Transition:
        key = poll_key(poll.id, state.wave)
        done = dataclasses.replace(state, completed=(*state.completed, key))
        menu = self._enter_menu(done)
        title = self._d.text(poll.title, state.language)
        completed = (*records, PollCompleted(poll.id, state.wave))
        return self._again(menu, self._t("poll_done", state, title=title), completed)

    def _enter_menu(self, state: ConversationState) -> ConversationState:
        return dataclasses.replace(
            state, stage="menu", poll_id=None, question_id=None, selected=(), seq=state.seq + 1
        )

    def _current_question(self, state: ConversationState) -> tuple[Poll | None, Question | None]:
        poll = self._d.poll(state.poll_id) if state.poll_id else None
        question = poll.question(state.question_id) if poll and state.question_id else None
        return poll, question

    # --- prompts ---------------------------------------------------------------------------

    def _again(
        self, state: ConversationState, note: str, records: Iterable[Record] = ()
    ) -> Transition:
        """``note``, then the current prompt again, in one message."""
        return Transition(state, (_prefixed(self._prompt(state), note),), tuple(records))

    def offering(
        self, state: ConversationState | None, event: Event, locale: str | None
    ) -> Transition:
        """`step` without buttons: the options of the last reply are kept when it is not the
        current prompt (see `Engine.interpret`); a reply that is the prompt clears them."""
        transition = self._keep_offer(self.step(state, event, locale))
        then = transition.then
        if then is None:
            return transition
        return dataclasses.replace(transition, then=lambda d: self._keep_offer(then(d)))

    def _keep_offer(self, transition: Transition) -> Transition:
        state = transition.state
        if state is None:
            return transition
        last = transition.replies[-1].flat_buttons if transition.replies else ()
        offered: tuple[tuple[str, str], ...] = ()
        if last and {b.data for b in last} != {b.data for b in self._prompt(state).flat_buttons}:
            offered = tuple((clean_label(b.label), b.data) for b in last)
        if offered == state.offered:
            return transition
        return dataclasses.replace(transition, state=dataclasses.replace(state, offered=offered))

    def again(self, state: ConversationState, note: str) -> Transition:
        """``note``, then the current prompt again (the engine's restart after a long pause)."""
        return self._again(state, note)

    def _prompt(self, state: ConversationState) -> Reply:
        """What the person is being asked now, with its buttons."""
        d, lang = self._d, state.language
        if state.stage == "stopped":
            return Reply(self._t("paused", state))
        if state.stage == "consultation":
            return self.consultations.prompt(state)
        if state.stage == "compose":
            return self._community.prompt(state)
        if state.stage == "language":
            ordered = sorted(d.languages, key=lambda code: code != lang)
            buttons = tuple((Button(language_name(c), self._data(state, "l", c)),) for c in ordered)
            return Reply(self._t("choose_language", state), buttons)
        if state.stage == "profile" and state.profile_index < len(d.profile):
            asked = d.profile[state.profile_index]
            options = [
                Button(label, self._data(state, "p", value))
                for value, label in self._options(asked, lang)
            ]
            options.append(Button(self._t("prefer_not", state), self._data(state, "p", "-")))
            return Reply(d.text(asked.prompt, lang), _rows(options))
        poll, question = self._current_question(state)
        if state.stage == "poll" and poll is not None and question is not None:
            return self._question_prompt(state, poll, question)
        available = [
            (p, wave)
            for p in d.polls
            if (wave := self._open_wave_number(p)) is not None and _member(p, state)
        ]
        consultations = self.consultations.menu_buttons(state)
        if not available and consultations:
            return Reply(self._t("consult_choose", state), _rows(consultations))
        if not available:
            return Reply(self._t("no_polls", state))
        polls = [
            Button(
                d.text(p.title, lang) + (" ✓" if poll_key(p.id, w) in state.completed else ""),
                self._data(state, "o", p.id),
            )
            for p, w in available
        ]
        text = self._t("menu", state)
        if consultations and self._buttons:  # the line explains the 💬 mark, which SMS lacks
            text += "\n" + self._t("consult_menu", state)
        return Reply(text, _rows([*polls, *consultations]))

    def question_prompt(self, state: ConversationState, poll: Poll, question: Question) -> Reply:
        return self._question_prompt(state, poll, question)

    def _question_prompt(self, state: ConversationState, poll: Poll, question: Question) -> Reply:
        d, lang = self._d, state.language
        number = next(i for i, q in enumerate(poll.questions, 1) if q.id == question.id)
        header = self._t("progress", state, n=number, total=len(poll.questions))
        lines = [header, d.text(question.prompt, lang)]
        buttons: list[Button] = []
        if isinstance(question, MultipleChoice):
            suffix = "" if self._buttons else "_typed"
            hint = (
                self._t("multi_hint_max" + suffix, state, max=question.max_choices)
                if question.max_choices
                else self._t("multi_hint" + suffix, state)
            )
            lines.append(hint)
            for choice_id, label in self._options(question, lang):
                mark = _CHECKED if choice_id in state.selected else _UNCHECKED
                buttons.append(Button(mark + label, self._data(state, "t", choice_id)))
            if self._buttons:  # without buttons the person names every choice at once
                buttons.append(Button(self._t("done", state), self._data(state, "k", "")))
        elif isinstance(question, Scale):
            lines.append(
                self._t(
                    "scale_hint",
                    state,
                    min=question.min,
                    max=question.max,
                    min_label=d.text(question.min_label, lang),
                    max_label=d.text(question.max_label, lang),
                )
            )
            scale = [
                Button(str(v), self._data(state, "a", str(v)))
                for v in range(question.min, question.max + 1)
            ]
            rows = _rows(scale, width=6)
            if question.optional:
                rows += ((Button(self._t("skip", state), self._data(state, "s", "")),),)
            return Reply("\n".join(lines), rows)
        elif isinstance(question, Number):
            lines.append(
                self._t(
                    "number_hint",
                    state,
                    min=_format_number(question.min),
                    max=_format_number(question.max),
                )
            )
        elif isinstance(question, FreeText):
            lines.append(self._t("text_hint", state, max=question.max_length))
        else:
            buttons = [
                Button(label, self._data(state, "a", value))
                for value, label in self._options(question, lang)
            ]
        if question.optional:
            buttons.append(Button(self._t("skip", state), self._data(state, "s", "")))
        typed = isinstance(question, Number | FreeText)
        several = isinstance(question, MultipleChoice) and not self._buttons
        return Reply("\n".join(lines), _rows(buttons), expects_text=typed, several=several)

    def _options(
        self, question: Question | ProfileQuestion, language: str
    ) -> list[tuple[str, str]]:
        """(value, label) pairs of a choice-like question."""
        if isinstance(question, SingleChoice | MultipleChoice):
            return [(c.id, self._d.text(c.label, language)) for c in question.choices]
        if isinstance(question, RegionQuestion):
            return [(r.id, self._d.text(r.name, language)) for r in self._d.regions]
        if isinstance(question, Scale):
            return [(str(v), str(v)) for v in range(question.min, question.max + 1)]
        return []

    def _choice_ids(self, question: Question | ProfileQuestion) -> set[str]:
        return {value for value, _ in self._options(question, self._d.default_language)}

    def _data(self, state: ConversationState, action: str, arg: str) -> str:
        return f"{state.seq}:{action}:{arg}"

    def _t(self, key: str, state: ConversationState, **values: object) -> str:
        return translate(key, state.language, **values)


# --- helpers ---------------------------------------------------------------------------------


def _stage(name: str | None, default: Stage) -> Stage:
    for stage in get_args(Stage):
        if stage == name:
            return cast(Stage, stage)
    return default


def _member(poll: Poll, state: ConversationState) -> bool:
    """Whether the person may see the poll: open to all, or they joined its closed group."""
    return poll.group is None or poll.group in state.groups


def _visible(question: Question, answers: dict[str, AnswerValue]) -> bool:
    condition = question.show_if
    if condition is None:
        return True
    given = answers.get(condition.question)
    if isinstance(given, list):
        return any(v in condition.any_of for v in given)
    if isinstance(given, float):
        return _format_number(given) in condition.any_of
    return given is not None and given in condition.any_of


def _next_question(poll: Poll, answers: dict[str, AnswerValue]) -> Question | None:
    """The first question not yet answered whose skip logic lets it be asked."""
    for question in poll.questions:
        if question.id not in answers and _visible(question, answers):
            return question
    return None


def _rows(buttons: Sequence[Button], width: int = 1) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))


def _prefixed(reply: Reply, note: str) -> Reply:
    if not note:
        return reply
    return dataclasses.replace(reply, text=f"{note}\n\n{reply.text}")


def _labels(buttons: Sequence[Button], renderings: Sequence[Reply]) -> list[list[str]]:
    """Per button, its label in every rendering of the prompt (matched by button data)."""
    by_data: dict[str, list[str]] = {b.data: [] for b in buttons}
    for reply in renderings:
        for button in reply.flat_buttons:
            if button.data in by_data:
                by_data[button.data].append(clean_label(button.label))
    return [by_data[b.data] for b in buttons]


def _arguments(text: str) -> str:
    """What follows a command: ``/subscribe 1 3`` → ``"1 3"``."""
    parts = text.strip().split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def _shorten(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _match_button(buttons: Sequence[Button], typed: str) -> Button | None:
    """A button named by typed text: its label (any case, without tick marks) or its number."""
    wanted = " ".join(typed.split()).casefold()
    if not wanted:
        return None
    for button in buttons:
        label = button.label.removeprefix(_CHECKED).removeprefix(_UNCHECKED)
        if label.casefold() == wanted:
            return button
    digits = wanted.translate(_DIGITS)
    if digits.isdigit() and 1 <= int(digits) <= len(buttons):
        return buttons[int(digits) - 1]
    return None
