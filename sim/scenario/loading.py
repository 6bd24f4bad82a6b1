"""Read scenario files: TOML, ``extends`` inheritance, ``--set`` overrides, one-line errors.

Every problem becomes an :class:`~sim.errors.InputError` naming the file (or ``--set``) and the
dotted field path, with a "did you mean" for misspelt names.
"""

from __future__ import annotations

import copy
import re
import tomllib
import typing
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import InputError, did_you_mean
from sim.scenario.base import Strict
from sim.scenario.schema import Platform, Scenario, Simulation
from sim.scenario.timeline import EVENT_KINDS


def shipped_folder() -> Path:
    """Where the shipped scenarios are: the package ``sim.shipped``, read through
    importlib.resources where sim is installed; where sim is imported from a clone (an editable
    install, ``PYTHONPATH=.``), the clone's ``scenarios/`` beside it, which is what pyproject maps
    ``sim.shipped`` onto (with ``PYTHONPATH=.`` Python knows no such mapping, or another
    install's)."""
    clone = Path(__file__).resolve().parents[2]
    if (clone / "pyproject.toml").is_file() and (clone / "scenarios" / "__init__.py").is_file():
        return clone / "scenarios"
    return Path(resources.files("sim.shipped"))


SCENARIO_DIR = shipped_folder()


def resolve_path(name: str | Path) -> Path:
    """A scenario argument: a path, or the name of a shipped scenario (``observed-2025``)."""
    path = Path(name)
    if path.exists():
        return path
    shipped = SCENARIO_DIR / f"{name}.toml"
    if path.suffix == "" and shipped.exists():
        return shipped
    choices = [p.stem for p in SCENARIO_DIR.glob("*.toml")]
    raise InputError(str(name), "", f"no such scenario file{did_you_mean(path.stem, choices)}")


APPENDED = ("events", "targets")  # [[add_events]], [[add_targets]]: appended, not replacing


def read_raw(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a TOML scenario and everything it ``extends``, merged (child wins), unvalidated.

    Tables merge key by key; lists replace, except ``[[add_events]]`` and ``[[add_targets]]``,
    which append to the inherited events and targets; ``drop_events`` and ``[[change_events]]``
    drop or change inherited events by their label (:func:`edit_events`), before those added.
    """
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise InputError(str(path), "extends", f"inheritance cycle: {cycle}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        source = str(_chain[-1]) if _chain else str(path)
        raise InputError(source, "extends" if _chain else "", f"file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise InputError(str(path), "", "is a folder, not a scenario file") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "", f"not a UTF-8 text file ({exc.reason} at byte "
                         f"{exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), "", f"not valid TOML: {exc}") from exc
    except OSError as exc:
        raise InputError(str(path), "", f"cannot be read: {exc.strerror or exc}") from exc
    parent_name = raw.pop("extends", None)
    added = {what: raw.pop(f"add_{what}", []) for what in APPENDED}
    for what, items in added.items():
        if not isinstance(items, list):
            raise InputError(str(path), f"add_{what}",
                             f"must be a list of {what[:-1]} tables ([[add_{what}]])")
    dropped, changed = raw.pop("drop_events", []), raw.pop("change_events", [])
    if parent_name is not None:
        if not isinstance(parent_name, str):
            raise InputError(str(path), "extends", "must be a file name (a string)")
        parent = read_raw(_parent_path(path, parent_name), (*_chain, path))
        parent.pop("name", None)
        parent.pop("question", None)
        raw = deep_merge(parent, raw)
    if dropped or changed:
        raw["events"] = edit_events(raw.get("events", []), dropped, changed, str(path))
    for what, items in added.items():
        if items:
            raw[what] = [*raw.get(what, []), *items]
    return raw


def edit_events(events: list, dropped, changed, source: str) -> list:
    """The inherited ``events`` without those labelled in ``drop_events`` and with the fields
    of each ``[[change_events]]`` table set on the events of its ``label`` (every event of that
    label; an unlabelled event is reached by ``--set events.N.FIELD`` or by listing ``events``).

    Raises:
        InputError: not a list of labels or of tables with a label, or a label no event has.
    """
    if not isinstance(dropped, list) or not all(isinstance(x, str) for x in dropped):
        raise InputError(source, "drop_events", 'must be a list of event labels: ["Law upheld"]')
    if not isinstance(changed, list) or not all(isinstance(x, dict) for x in changed):
        raise InputError(source, "change_events", "must be a list of tables ([[change_events]])")
    labels = [e.get("label", "") for e in events if isinstance(e, dict)]
    for i, change in enumerate(changed):
        if not isinstance(change.get("label"), str) or not change["label"]:
            raise InputError(source, f"change_events.{i}.label", "required: the label of the "
                             "event to change")
    for field, label in [*(("drop_events", x) for x in dropped),
                         *((f"change_events.{i}.label", c["label"]) for i, c in
                           enumerate(changed))]:
        if label not in labels:
            raise InputError(source, field, f"no event labelled '{label}'"
                             + did_you_mean(label, [x for x in labels if x]))
    edited = []
    for event in events:
        label = event.get("label", "") if isinstance(event, dict) else ""
        if label and label in dropped:
            continue
        for change in changed:
            if label == change["label"]:
                event = {**event, **change}
        edited.append(event)
    return edited


def _parent_path(path: Path, parent_name: str) -> Path:
    """Where ``extends = parent_name`` in ``path`` points: next to the file first, then a
    shipped scenario of that name (with or without ``.toml``); the local path if neither exists.
    """
    local = path.parent / parent_name
    if local.exists():
        return local
    for candidate in (SCENARIO_DIR / parent_name, SCENARIO_DIR / f"{parent_name}.toml"):
        if Path(parent_name).name == parent_name and candidate.is_file():
            return candidate
    return local


def deep_merge(base: dict, top: dict) -> dict:
    """Merge ``top`` into a copy of ``base``: tables merge key by key, everything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_override(text: str) -> tuple[list[str], Any]:
    """``platforms.rednote.language_barrier=0.2`` -> (["platforms", "rednote", ...], 0.2)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InputError("--set", text, "expected FIELD=VALUE, e.g. platforms.rednote.appeal=1.2")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key.strip().split("."), parsed


def apply_override(raw: dict, path: list[str], value: Any) -> None:
    """Set one dotted field in the raw scenario; lists are indexed by number."""
    node: Any = raw
    for depth, part in enumerate(path):
        dotted = ".".join(path[: depth + 1])
        last = depth == len(path) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InputError("--set", dotted, f"no such list entry (there are {len(node)})")
            if last:
                node[int(part)] = value
            node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value  # an unknown leaf is caught by validation, with a suggestion
            elif part not in node:
                allowed = _allowed_fields(path[:depth])
                if part not in allowed:
                    choices = [*node, *allowed]
                    raise InputError("--set", dotted, f"no such field{did_you_mean(part, choices)}")
                node[part] = {}
            node = node.get(part)
        else:
            raise InputError("--set", dotted, "no such field: its parent is a value, not a table")


def load_scenario(name: str | Path, overrides: list[str] = ()) -> Scenario:
    """Load, inherit, override and validate one scenario.

    Raises:
        InputError: naming the file (or ``--set``) and the field, for anything invalid.
    """
    path = resolve_path(name)
    raw = read_raw(path)
    raw.setdefault("name", path.stem)
    raw_file = copy.deepcopy(raw.get("simulation", {}))
    overridden: dict[str, str] = {}
    for text in overrides:
        keys, value = parse_override(text)
        apply_override(raw, keys, value)
        overridden[".".join(keys)] = text
    scenario = validate(raw, str(path), overridden)
    for field, bad, choices in scenario.name_problems():
        raise InputError(_source(field, str(path), overridden), field,
                         f"unknown name '{bad}'{did_you_mean(bad, choices)}")
    for field, message in scenario.launch_problems():
        raise InputError(str(path), field, message)
    for field, message in scenario.date_problems(_file_calendar(raw_file, scenario)):
        raise InputError(_source(field, str(path), overridden), field, message)
    _check_set_events(scenario, str(path))
    return scenario


def _file_calendar(raw_simulation: dict, scenario: Scenario) -> Simulation:
    """The run's calendar as the file sets it: targets must fall inside it; a shorter run asked
    for with --set or --days just leaves the later ones unscored."""
    try:
        return Simulation.model_validate(raw_simulation)
    except ValidationError:  # a bad value given in the file is reported by the validation
        return scenario.simulation


def validate(raw: dict, source: str, overridden: dict[str, str] | None = None) -> Scenario:
    """Validate a raw scenario dict, turning the first pydantic error into an InputError."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        error = _most_telling(exc.errors())
        loc = _clean_loc(error["loc"], raw)
        field = ".".join(str(p) for p in loc)
        message = _message(error, loc)
        raise InputError(_source(field, source, overridden or {}), field, message) from None


def _source(field: str, source: str, overridden: dict[str, str]) -> str:
    for key in overridden:
        if field == key or field.startswith(key + ".") or key.startswith(field + "."):
            return "--set"
    return source


WRONG_KIND = ("list_type", "dict_type", "model_type", "model_attributes_type")


def _most_telling(errors: list[dict]) -> dict:
    """The first error, unless it only says a value is not of one branch of a union (a list
    where a range was given): then the first that says what is wrong with it."""
    telling = [e for e in errors if e["type"] not in WRONG_KIND]
    return telling[0] if telling and errors[0]["type"] in WRONG_KIND else errors[0]


def _clean_loc(loc: tuple, raw: dict) -> list:
    """Drop pydantic's union tags: ``events.2.outage.platform`` -> ``events.2.platform``,
    ``experiment.sweep.x.SweepRange.low`` -> ``experiment.sweep.x.low``."""
    return [part for part in loc if part not in EVENT_KINDS
            and not (isinstance(part, str) and ("[" in part or part in _MODEL_NAMES))]


def _model_names(cls: type = Strict) -> set[str]:
    """Names of every scenario table's model (pydantic puts them in the path of union errors)."""
    return {cls.__name__}.union(*(_model_names(sub) for sub in cls.__subclasses__()))


_MODEL_NAMES = _model_names()


def _message(error: dict, loc: list) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown field{_suggest(loc)}"
    if kind == "union_tag_invalid":
        tag = error.get("input", {}).get("kind") if isinstance(error.get("input"), dict) else None
        return f"unknown event kind '{tag}'{did_you_mean(tag or '', EVENT_KINDS)}"
    if kind == "union_tag_not_found":
        return f"missing 'kind' (one of: {', '.join(EVENT_KINDS)})"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":  # one of a few words: say which was meant
        choices = re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", ""))
        return f"{error['msg']}{did_you_mean(str(error.get('input', '')), choices)}"
    return error["msg"].removeprefix("Value error, ")


def _suggest(loc: list) -> str:
    """A "did you mean" for the last name in ``loc``, from the fields allowed at that place."""
    allowed = _allowed_fields([str(p) for p in loc[:-1]])
    return did_you_mean(str(loc[-1]), allowed) if allowed else ""


def _allowed_fields(path: list[str]) -> list[str]:
    """Field names allowed below ``path`` in the Scenario model ([] where it cannot tell)."""
    node: Any = Scenario
    for part in path:
        node = _field_type(node, part)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def _field_type(node: Any, part: str) -> Any:
    """The type found one step below ``node`` (a model, a dict or a list type) at ``part``."""
    if isinstance(node, type) and issubclass(node, BaseModel):
        field = node.model_fields.get(part)
        node = field.annotation if field else None
    elif typing.get_origin(node) in (dict, list):
        node = typing.get_args(node)[-1]
    else:
        return None
    while typing.get_origin(node) is typing.Annotated:
        node = typing.get_args(node)[0]
    return node


def _check_set_events(scenario: Scenario, source: str) -> None:
    """A ``set`` event's value must be valid for the platform field it sets."""
    for i, event in enumerate(scenario.events):
        if getattr(event, "kind", "") != "set":
            continue
        platform = scenario.platforms[event.platform]
        try:
            Platform.model_validate({**platform.model_dump(), event.field: event.value})
        except ValidationError as exc:
            message = exc.errors()[0]["msg"]
            raise InputError(source, f"events.{i}.value", message) from None
