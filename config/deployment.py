"""Load a deployment from a folder of YAML files.

    folder/deployment.yaml   organization, languages, regions, profile questions ...
    folder/polls/*.yaml      one poll per file, taken in file-name order
    folder/consultations/*.yaml   one consultation per file (see `config.consultations`)

Every problem found is reported at once, in one `DeploymentError` whose ``errors`` are lines
of the form ``file: path: message``, e.g. ``polls/agenda.yaml: questions[3].prompt: no 'ar' text``.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from config.consultations import (
    check_consultation,
    consultation_files,
    duplicate_consultations,
    without_consultations,
)
from config.errors import ConfigError
from conversations.definitions import (
    Consultation,
    Deployment,
    MultipleChoice,
    Number,
    Poll,
    Question,
    RegionQuestion,
    Scale,
    ShowIf,
    SingleChoice,
    TemplatePurpose,
)

DEPLOYMENT_FILE = "deployment.yaml"
POLLS_FOLDER = "polls"

_TAG = "type"  # the field that tells question types apart (the models' discriminator)
_IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # conversations.definitions.Identifier
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")  # ISO 639-1 codes are two lower-case letters

Loc = tuple[str | int, ...]
_M = TypeVar("_M", bound=BaseModel)


class DeploymentError(ConfigError):
    """A deployment folder that cannot be used; ``errors`` holds one actionable line per problem."""

    def __init__(self, folder: Path, errors: Sequence[str]) -> None:
        self.folder = folder
        self.errors = list(errors)
        count = f"{len(self.errors)} problem" + ("" if len(self.errors) == 1 else "s")
        super().__init__(f"{count} in deployment {folder}:" + "".join(f"\n  {e}" for e in errors))


def demo_folder() -> Path:
    """The demo deployment shipped with the package (a fictional peace process)."""
    return Path(__file__).resolve().parent / "demo"


def load_deployment(folder: Path) -> Deployment:
    """Read and validate ``folder/deployment.yaml``, ``folder/polls/*.yaml`` and
    ``folder/consultations/*.yaml``.

    Raises `DeploymentError` listing every problem found, not just the first: the YAML and
    field errors of every file, and the cross-checks (ids, show_if, time zone, ...) of every
    part that is otherwise valid.
    """
    if not folder.is_dir():
        problem = "not a folder" if folder.exists() else "no such folder"
        raise DeploymentError(folder, [f"{folder}: {problem}"])
    errors: list[str] = []
    header = _read_mapping(folder, DEPLOYMENT_FILE, errors)
    files = _poll_files(folder)
    errors += [f"{name}: poll files end in .yaml; this one is not read" for name in files[".yml"]]
    poll_files = files[".yaml"]
    consulted = consultation_files(folder)
    order = [DEPLOYMENT_FILE, *sorted(poll_files + files[".yml"]), *consulted]
    poll_data = {name: _read_mapping(folder, name, errors) for name in poll_files}
    consultation_data = {name: _read_mapping(folder, name, errors) for name in consulted}

    context = {"languages": _declared_languages(header)}
    deployment: Deployment | None = None
    if header is not None:
        if "polls" in header:
            errors.append(
                f"{DEPLOYMENT_FILE}: polls: polls go in {POLLS_FOLDER}/*.yaml, one per file"
            )
        header = {key: value for key, value in header.items() if key != "polls"}
        without_consultations(header, errors, DEPLOYMENT_FILE)
        deployment = _validate(Deployment, header, context, DEPLOYMENT_FILE, errors)
        if deployment is not None:
            errors += _lines(DEPLOYMENT_FILE, _check_deployment(deployment))

    polls: dict[str, Poll] = {}
    region_ids = None if deployment is None else [region.id for region in deployment.regions]
    for name, data in poll_data.items():
        poll = None if data is None else _validate(Poll, data, context, name, errors)
        if poll is not None:
            errors += _lines(name, _check_questions(poll.questions, "questions", region_ids))
            errors += _lines(name, _check_schedule(poll, deployment))
            polls[name] = poll
    errors += _duplicate_polls(polls)
    if deployment is not None and not errors:
        known = sorted(poll.id for poll in polls.values())
        errors += [
            f"{DEPLOYMENT_FILE}: public_results[{i}]: unknown poll '{poll_id}' "
            f"(polls: {', '.join(known) or 'none'})"
            for i, poll_id in enumerate(deployment.public_results)
            if poll_id not in known
        ]
    consultations: dict[str, Consultation] = {}
    for name, data in consultation_data.items():
        found = None if data is None else _validate(Consultation, data, context, name, errors)
        if found is not None:
            errors += _lines(name, check_consultation(found, deployment))
            consultations[name] = found
    errors += duplicate_consultations(consultations)

    if errors or header is None:
        raise DeploymentError(folder, _by_file(errors, order))
    data = {
        **header,
        "polls": [poll_data[name] for name in poll_files],
        "consultations": [consultation_data[name] for name in consulted],
    }
    result = _validate(Deployment, data, context, DEPLOYMENT_FILE, errors)
    if result is None:  # every part validated alone; only a whole-deployment rule can get here
        raise DeploymentError(folder, errors)
    if result.whatsapp is not None and (missing := whatsapp_problems(result)):
        raise DeploymentError(folder, missing)
    return result


def needed_templates(deployment: Deployment) -> list[TemplatePurpose]:
    """The purposes a deployment sends messages for on its own, each of which needs a WhatsApp
    template for people whose last message is more than 24 hours old."""
    needed: list[TemplatePurpose] = []
    if any(poll.schedule for poll in deployment.polls):
        needed += ["invite", "remind"]
    needed.append("broadcast")  # the CLI, staff in chat and the share-back can always send
    if deployment.consultations:
        needed.append("followup")
    needed.append("initiative")  # staff can create initiatives in chat
    return needed


def whatsapp_problems(deployment: Deployment) -> list[str]:
    """What a deployment served on WhatsApp lacks: a template for every message the service
    may send outside the 24-hour window, in every language (one line per problem)."""
    section = deployment.whatsapp
    templates = section.templates if section is not None else {}
    problems = []
    for purpose in needed_templates(deployment):
        template = templates.get(purpose)
        where = f"{DEPLOYMENT_FILE}: whatsapp: templates: {purpose}"
        if template is None:
            problems.append(
                f"{where}: no template named: WhatsApp allows only an approved template to "
                "reach people who last wrote more than 24 hours ago"
            )
            continue
        problems += [
            f"{where}: languages: no template language for '{language}'"
            for language in deployment.languages
            if language not in template.languages
        ]
    return problems


# Reading files


def _poll_files(folder: Path) -> dict[str, list[str]]:
    """``polls/...`` names of the poll folder's ``.yaml`` and ``.yml`` files, in name order."""
    polls = folder / POLLS_FOLDER
    paths = sorted(polls.iterdir()) if polls.is_dir() else []
    files: dict[str, list[str]] = {".yaml": [], ".yml": []}
    for path in paths:
        if path.is_file() and path.suffix in files and not path.name.startswith("."):
            files[path.suffix].append(f"{POLLS_FOLDER}/{path.name}")
    return files


def _by_file(errors: list[str], names: Sequence[str]) -> list[str]:
    """``errors`` grouped by file, in the order of ``names``, each file's lines kept in order."""
    rank = {name: i for i, name in enumerate(names)}
    return sorted(errors, key=lambda line: rank.get(line.partition(": ")[0], len(rank)))


def _read_mapping(folder: Path, name: str, errors: list[str]) -> dict[str, Any] | None:
    """The file's top-level mapping, or None after adding what is wrong with it to ``errors``."""
    path = folder / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        errors.append(f"{name}: not found in {folder}")
        return None
    except UnicodeDecodeError:
        errors.append(f"{name}: not UTF-8 text")
        return None
    except OSError as exc:
        errors.append(f"{name}: cannot be read ({exc.strerror or exc})")
        return None
    try:
        data = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        errors.append(f"{name}: {_yaml_problem(exc)}")
        return None
    except yaml.YAMLError as exc:
        errors.append(f"{name}: {exc}")
        return None
    if data is None:
        errors.append(f"{name}: the file is empty")
        return None
    if not isinstance(data, dict):
        errors.append(f"{name}: expected fields (name: value), got {_kind(data)}")
        return None
    return data


_YAML_HINTS = {
    "expected <block end>": "the indentation does not line up with the lines above",
    "mapping values are not allowed here": "a ':' inside a text? put the text in quotes",
    "found character '\\t' that cannot start any token": "indent with spaces, not tabs",
}


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "not valid YAML"
    hint = next((h for start, h in _YAML_HINTS.items() if problem.startswith(start)), None)
    if hint is not None:
        problem = f"{hint} ({problem})"
    elif exc.problem and exc.context and exc.context_mark is not None:
        problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return (f"line {mark.line + 1}: " if mark is not None else "") + problem


_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _yaml_1_2_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """SafeLoader's resolvers with YAML 1.2 booleans and integers.

    YAML 1.1 reads ``no``, ``yes``, ``on`` and ``off`` as booleans (a choice ``id: no`` becomes
    False, Norwegian ``no`` too) and ``18_24`` or ``1:30`` as numbers; content authors mean text.
    """
    boolean = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    integer = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
    resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [
            (tag, integer if tag == _INT_TAG else rx) for tag, rx in entries if tag != _BOOL_TAG
        ]
        if first in ("t", "T", "f", "F"):
            kept.insert(0, (_BOOL_TAG, boolean))
        resolvers[first] = kept
    return resolvers


class _Loader(yaml.SafeLoader):
    """A safe loader with YAML 1.2 scalars that refuses duplicate keys."""

    yaml_implicit_resolvers = _yaml_1_2_resolvers()

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[tuple[str, str]] = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE_TAG:
                if (key.tag, key.value) in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key '{key.value}'", key.start_mark
                    )
                seen.add((key.tag, key.value))
        return super().construct_mapping(node, deep)


# Validation and pydantic's errors


def _declared_languages(header: Mapping[str, Any] | None) -> list[str]:
    languages = (header or {}).get("languages")
    if not isinstance(languages, list):
        return []
    return [language for language in languages if isinstance(language, str)]


def _validate(
    model: type[_M], data: Mapping[str, Any], context: dict[str, Any], name: str, errors: list[str]
) -> _M | None:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        for error in exc.errors():
            described = _describe(model, error, context["languages"])
            if described is not None:
                errors.append(_line(name, *described))
        return None


def _describe(
    root: type[BaseModel], error: ErrorDetails, languages: Sequence[str]
) -> tuple[Loc, str] | None:
    """``(path, message)`` for one of pydantic's errors; None if it only echoes other errors."""
    loc = tuple(error["loc"])
    path, annotation = _locate(root, loc)
    ctx = error.get("ctx") or {}
    match error["type"]:
        case "extra_forbidden":
            _, parent = _locate(root, loc[:-1])
            return path, _unknown_field(str(loc[-1]), parent)
        case "union_tag_invalid":
            return (*path, _TAG), _bad_type(annotation, str(ctx.get("tag")))
        case "union_tag_not_found":
            return (*path, _TAG), f"missing (one of: {', '.join(_members(annotation))})"
    message = _message(error, languages)
    return None if message is None else (path, message)


def _message(error: ErrorDetails, languages: Sequence[str]) -> str | None:
    kind, value, ctx = error["type"], error["input"], error.get("ctx") or {}
    expected = {
        "model_type": "expected fields (name: value)",
        "model_attributes_type": "expected fields (name: value)",
        "tuple_type": "expected a list (one '- ' line per item)",
        "list_type": "expected a list (one '- ' line per item)",
        "int_type": "expected a whole number",
        "int_parsing": "expected a whole number",
        "int_from_float": "expected a whole number",
        "float_type": "expected a number",
        "float_parsing": "expected a number",
        "bool_type": "expected true or false",
        "bool_parsing": "expected true or false",
    }
    if kind in expected:
        return f"{expected[kind]}, got {_kind(value)}"
    if kind == "missing":
        return "missing"
    if kind == "string_type":
        quote = " (put it in quotes)" if isinstance(value, int | float) else ""
        return f"expected text, got {_kind(value)}{quote}"
    if kind == "dict_type":
        example = ", ".join(f"{language}: ..." for language in languages or ("en",))
        return f"expected a text for each language ({example}), got {_kind(value)}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == _IDENTIFIER_PATTERN:
        return (
            f"{_kind(value)} is not a valid id "
            "(letters, digits, '_', '.' and '-', starting with a letter or digit)"
        )
    if kind == "too_short":
        if isinstance(value, list | tuple) and len(value) >= ctx["min_length"]:
            return None  # items were dropped as invalid; their own errors say why
        return f"needs at least {_items(ctx['min_length'])}, has {_count(value, ctx)}"
    if kind == "too_long":
        return f"allows at most {_items(ctx['max_length'])}, has {_count(value, ctx)}"
    bounds = {
        "greater_than_equal": ("ge", "at least"),
        "greater_than": ("gt", "more than"),
        "less_than_equal": ("le", "at most"),
        "less_than": ("lt", "less than"),
    }
    if kind in bounds:
        key, words = bounds[kind]
        return f"must be {words} {ctx[key]}, got {_kind(value)}"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _count(value: object, ctx: Mapping[str, Any]) -> object:
    return len(value) if isinstance(value, list | tuple | str) else ctx.get("actual_length")


def _kind(value: object) -> str:
    """How a YAML value reads in a message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "fields (name: value)"
    return type(value).__name__


def _unknown_field(name: str, parent: Any) -> str:
    model = _unwrap(parent)
    if not _is_model(model):
        return "unknown field"
    # polls come from polls/*.yaml; deployment.yaml has no `polls` field to offer
    hidden = {(Deployment, "polls"), (Deployment, "consultations")}
    allowed = [field for field in model.model_fields if (model, field) not in hidden]
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown field ({hint}allowed: {', '.join(allowed)})"


def _bad_type(union: Any, tag: str) -> str:
    allowed = ", ".join(_members(union))
    if tag in _members(Question):
        return f"question type '{tag}' is not allowed here (one of: {allowed})"
    return f"unknown question type '{tag}' (one of: {allowed})"


def _locate(root: type[BaseModel], loc: Loc) -> tuple[Loc, Any]:
    """The file path of a pydantic ``loc``, and the annotation found there (None if unknown).

    Drops the tag pydantic inserts when it enters a tagged union: the file says
    ``questions[3].choices``, pydantic ``('questions', 3, 'single_choice', 'choices')``.
    """
    path: list[str | int] = []
    annotation: Any = root
    for part in loc:
        members = _members(annotation)
        if isinstance(part, str) and part in members:
            annotation = members[part]
            continue
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if _is_model(annotation) and isinstance(part, str) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        elif origin is tuple and isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            annotation = None
        path.append(part)
    return tuple(path), annotation


def _unwrap(annotation: Any) -> Any:
    """``X`` from ``Annotated[X, ...]`` and from ``X | None``."""
    while True:
        origin = typing.get_origin(annotation)
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if origin is typing.Annotated or (
            origin in (typing.Union, types.UnionType) and len(args) == 1
        ):
            annotation = args[0]
        else:
            return annotation


def _members(annotation: Any) -> dict[str, type[BaseModel]]:
    """Tag → model for a tagged union of models; empty for any other annotation."""
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return {}
    members: dict[str, type[BaseModel]] = {}
    for member in typing.get_args(annotation):
        if _is_model(member) and _TAG in member.model_fields:
            for tag in typing.get_args(member.model_fields[_TAG].annotation):
                members[tag] = member
    return members


def _is_model(annotation: Any) -> typing.TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


# Checks across fields, once the parts are valid

Problem = tuple[Loc, str]


def _check_deployment(deployment: Deployment) -> Iterator[Problem]:
    languages = deployment.languages
    for i, language in enumerate(languages):
        if not _LANGUAGE_CODE.fullmatch(language):
            yield (
                ("languages", i),
                f"'{language}' is not a two-letter ISO 639-1 code (such as en, fr, ar, sw)",
            )
    yield from _duplicates(languages, ("languages",), (), "language")
    if deployment.default_language not in languages:
        yield (
            ("default_language",),
            f"'{deployment.default_language}' is not one of the languages ({', '.join(languages)})",
        )
    if not _is_timezone(deployment.timezone):
        yield (
            ("timezone",),
            f"unknown time zone '{deployment.timezone}' (an IANA name such as 'Africa/Nairobi')",
        )
    regions = [region.id for region in deployment.regions]
    yield from _duplicates(regions, ("regions",), ("id",), "region id")
    yield from _check_questions(deployment.profile, "profile", regions)
    yield from _duplicates([t.id for t in deployment.topics], ("topics",), ("id",), "topic id")
    initiatives = deployment.initiatives
    yield from _duplicates([i.id for i in initiatives], ("initiatives",), ("id",), "initiative id")
    for i, initiative in enumerate(initiatives):
        if initiative.region not in regions:
            known = ", ".join(regions) or "none"
            yield ("initiatives", i, "region"), f"unknown region '{initiative.region}' ({known})"
    yield from _check_population(deployment)
    topic = deployment.results_topic
    if topic is not None and deployment.topic(topic) is None:
        known = ", ".join(t.id for t in deployment.topics) or "none"
        yield ("results_topic",), f"unknown topic '{topic}' (topics: {known})"


_SHARE_TOLERANCE = 0.01
"""Population shares may add up to 1 ± this (published census tables are rounded)."""


def _check_population(deployment: Deployment) -> Iterator[Problem]:
    """Margins name profile fields and their answers, with shares adding up to 1."""
    fields = {question.id: question for question in deployment.profile}
    regions = [region.id for region in deployment.regions]
    if len(fields) < len(deployment.profile) or len(set(regions)) < len(regions):
        return  # cross-checked once the profile and regions themselves are valid
    for field, shares in deployment.population.items():
        question = fields.get(field)
        if question is None:
            known = ", ".join(fields) or "none"
            yield ("population", field), f"not a profile question (profile: {known})"
            continue
        if isinstance(question, RegionQuestion):
            if not regions:
                continue  # the region question says that regions are missing
            values = regions
        else:
            values = [choice.id for choice in question.choices]
        for value, share in shares.items():
            if value not in values:
                yield (
                    ("population", field, value),
                    f"not an answer of {field} ({', '.join(values)})",
                )
            if not 0 < share <= 1:
                yield ("population", field, value), f"a share is above 0 and at most 1, not {share}"
        total = sum(shares.values())
        if abs(total - 1) > _SHARE_TOLERANCE:
            yield ("population", field), f"shares add up to {total:.3f}, not 1"


def _check_schedule(poll: Poll, deployment: Deployment | None) -> Iterator[Problem]:
    """A schedule's cron expression; an audience of regions and answers that exist."""
    schedule = poll.schedule
    if schedule is None:
        return
    if schedule.cron is not None:
        try:
            CronTrigger.from_crontab(schedule.cron)
        except ValueError as error:
            yield ("schedule", "cron"), f"not a cron expression ({error})"
    if schedule.every_days is not None and schedule.open_days > schedule.every_days:
        yield (
            ("schedule", "open_days"),
            f"a wave open {schedule.open_days:g} days would overlap the next one "
            f"(every {schedule.every_days:g} days)",
        )
    if deployment is None:
        return
    regions = {region.id for region in deployment.regions}
    for i, region in enumerate(schedule.audience.regions):
        if region not in regions:
            known = ", ".join(sorted(regions)) or "none"
            yield ("schedule", "audience", "regions", i), f"unknown region '{region}' ({known})"
    profile = {question.id: question for question in deployment.profile}
    for field_id, values in schedule.audience.profile.items():
        question = profile.get(field_id)
        if question is None:
            known = ", ".join(profile) or "none"
            yield (
                ("schedule", "audience", "profile", field_id),
                f"unknown profile question '{field_id}' ({known})",
            )
            continue
        allowed = (
            regions
            if isinstance(question, RegionQuestion)
            else {choice.id for choice in question.choices}
        )
        for i, value in enumerate(values):
            if value not in allowed:
                yield (
                    ("schedule", "audience", "profile", field_id, i),
                    f"'{value}' is not an answer of '{field_id}' ({', '.join(sorted(allowed))})",
                )


def _check_questions(
    questions: Sequence[Question], field: str, region_ids: Sequence[str] | None
) -> Iterator[Problem]:
    """Ids, choices and show_if of a poll's (or the profile's) questions.

    ``region_ids`` is None when the deployment's regions are not known (deployment.yaml is broken).
    """
    yield from _duplicates([q.id for q in questions], (field,), ("id",), "question id")
    for i, question in enumerate(questions):
        if isinstance(question, SingleChoice | MultipleChoice):
            ids = [choice.id for choice in question.choices]
            yield from _duplicates(ids, (field, i, "choices"), ("id",), "choice id")
        if (
            isinstance(question, MultipleChoice)
            and question.max_choices is not None
            and question.max_choices > len(question.choices)
        ):
            yield (
                (field, i, "max_choices"),
                f"{question.max_choices} is more than the {len(question.choices)} choices",
            )
        if isinstance(question, RegionQuestion) and region_ids is not None and not region_ids:
            yield (field, i, _TAG), f"a region question needs regions in {DEPLOYMENT_FILE}"
        if question.show_if is not None:
            yield from _check_show_if(question.show_if, questions, i, field, region_ids)


def _check_show_if(
    show_if: ShowIf,
    questions: Sequence[Question],
    i: int,
    field: str,
    region_ids: Sequence[str] | None,
) -> Iterator[Problem]:
    """``show_if`` of ``questions[i]`` names an earlier question and answers it can have."""
    at: Loc = (field, i, "show_if")
    earlier = next((j for j, q in enumerate(questions) if q.id == show_if.question), None)
    if earlier is None:
        yield (*at, "question"), f"no question '{show_if.question}' in this {_noun(field)}"
        return
    if earlier >= i:
        where = "itself" if earlier == i else f"a later question ({field}[{earlier}])"
        yield (
            (*at, "question"),
            f"'{show_if.question}' is {where}; show_if can only use an earlier question",
        )
        return
    target = questions[earlier]
    answers: list[str] = []
    if isinstance(target, SingleChoice | MultipleChoice):
        answers = [choice.id for choice in target.choices]
    elif isinstance(target, Scale):
        answers = [str(value) for value in range(target.min, target.max + 1)]
    elif isinstance(target, RegionQuestion):
        answers = list(region_ids or ())  # none known: said elsewhere, or deployment.yaml broken
    elif isinstance(target, Number):
        for k, value in enumerate(show_if.any_of):
            problem = _number_answer_problem(target, value)
            if problem is not None:
                yield (*at, "any_of", k), problem
        return
    else:
        yield (
            (*at, "question"),
            f"'{target.id}' is a {target.type} question; "
            "show_if needs a choice, scale, number or region question",
        )
        return
    for k, value in enumerate(show_if.any_of):
        if answers and value not in answers:
            yield (
                (*at, "any_of", k),
                f"'{value}' is not an answer to '{target.id}' (one of: {', '.join(answers)})",
            )


def _number_answer_problem(question: Number, value: str) -> str | None:
    """What is wrong with ``value`` as an answer to ``question``, as the engine compares it."""
    try:
        number = float(value)
    except ValueError:
        return f"'{value}' is not a number"
    if not question.min <= number <= question.max:
        return f"{value} is not between {question.min:g} and {question.max:g}"
    if question.integer and not number.is_integer():
        return f"{value} is not a whole number"
    # the engine compares answers written the shortest way: 7, not 07 or 7.0
    canonical = str(int(number)) if number.is_integer() else f"{number:g}"
    if value != canonical:
        return f"write {value!r} as '{canonical}'"
    return None


def _noun(field: str) -> str:
    return "profile" if field == "profile" else "poll"


def _duplicates(ids: Sequence[str], prefix: Loc, suffix: Loc, what: str) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for i, identifier in enumerate(ids):
        if identifier in first:
            also = _format_path((*prefix, first[identifier], *suffix))
            yield (*prefix, i, *suffix), f"duplicate {what} '{identifier}' (also {also})"
        else:
            first[identifier] = i


def _duplicate_polls(polls: Mapping[str, Poll]) -> Iterator[str]:
    first: dict[str, str] = {}
    for name, poll in polls.items():
        if poll.id in first:
            yield _line(name, ("id",), f"duplicate poll id '{poll.id}' (also in {first[poll.id]})")
        else:
            first[poll.id] = name


def _is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


# Lines


def _lines(name: str, problems: Iterable[Problem]) -> list[str]:
    return [_line(name, path, message) for path, message in problems]


def _line(name: str, path: Loc, message: str) -> str:
    return f"{name}: {_format_path(path)}: {message}" if path else f"{name}: {message}"


def _format_path(path: Loc) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text
