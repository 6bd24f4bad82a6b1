"""The panel's fields read off the scenario schema, and the user's changes as the scenario file
that ``extends`` the one loaded with only them: the file the dashboard runs and saves."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass, field, replace
from functools import reduce
from itertools import groupby
from pathlib import Path
from typing import Any, get_args

import tomli_w
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.errors import InputError
from sim.experiments.store import RESULTS_DIR
from sim.scenario.loading import SCENARIO_DIR, load_scenario, parse_override
from sim.scenario.schema import Scenario
from sim.scenario.timeline import Event

RUN = "Run"
RUN_FIELDS = ("users", "days", "replicates", "seed")
TABLES = {"motives": "Motives (weights; 0 switches one off)", "dynamics": "Dynamics (rates)",
          "population": "Population"}
SLIDER_STEPS = 100  # a slider moves in steps of about 1/100 of its span (rounded down to 10^k)
TWEAKED = "tweaked"  # the name of the changed scenario in figures and tables
SAVED = RESULTS_DIR / "scenarios"  # where scenarios are saved unless another folder is chosen
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # no folders, not hidden


@dataclass(frozen=True)
class Knob:
    """One field of the scenario as the panel shows it."""

    path: str  # dotted, as --set takes it: platforms.rednote.language_barrier
    group: str  # the panel group it is listed under
    label: str  # its name within the group: language_barrier, curiosity.mean
    help: str  # the schema's description of the field
    kind: str  # number, integer, switch or text
    low: float | None  # the schema's bounds (None: unbounded on that side)
    high: float | None
    value: Any  # in the scenario as loaded

    def matches(self, words: str) -> bool:
        """Whether every word of a search is in the knob's path, group or help text."""
        text = f"{self.path} {self.group} {self.help}".lower()
        return all(word in text for word in words.lower().split())

    def bounds_text(self) -> str:
        """The bounds in words: ``0 to 1``, ``at least 0``, ``any number``."""
        low, high = (None if b is None else f"{b:,.0f}" if float(b).is_integer() else f"{b:g}"
                     for b in (self.low, self.high))
        return (f"{low} to {high}" if low and high else f"at least {low}" if low
                else f"at most {high}" if high else "any number")

    def slider(self, current: Any = None) -> tuple[float, float, float]:
        """(min, max, step) of a number's slider; unbounded, up to thrice the loaded value."""
        span = 3 * abs(float(self.value)) or 1.0
        low = self.low if self.low is not None else -span
        high = self.high if self.high is not None else max(low + span, span)
        if isinstance(current, int | float) and not isinstance(current, bool):
            low, high = min(low, float(current)), max(high, float(current))
        step = 10 ** math.floor(math.log10((high - low) / SLIDER_STEPS)) if high > low else 0.01
        return low, high, 1.0 if self.kind == "integer" else step


def knobs(scenario: Scenario) -> list[Knob]:
    """Every knob of the panel, for a loaded scenario, in panel order."""
    run = [("simulation.", scenario.simulation, name) for name in RUN_FIELDS]
    if scenario.experiment.replicates is not None:  # the file's [experiment] table wins
        run[RUN_FIELDS.index("replicates")] = ("experiment.", scenario.experiment, "replicates")
    found = [_knob(table + name, RUN, name, type(model).model_fields[name], getattr(model, name))
             for table, model, name in [*run, ("", scenario, "initial_threat")]]
    for table, title in TABLES.items():
        found += _table(table, getattr(scenario, table), title, "")
    for name, platform in scenario.platforms.items():
        found += _table(f"platforms.{name}", platform, f"{platform.label} (platforms.{name})", "")
    return found


def groups(found: list[Knob]) -> dict[str, list[Knob]]:
    """Knobs by group, in panel order (a group's knobs are listed together)."""
    return {group: list(members) for group, members in groupby(found, lambda k: k.group)}


def _table(prefix: str, model: BaseModel, group: str, within: str) -> list[Knob]:
    """Knobs for every field of one table (and of the tables and maps inside it)."""
    found = []
    for name, info in type(model).model_fields.items():
        value, label = getattr(model, name), f"{within}{name}"
        if isinstance(value, BaseModel):
            inner = _table(f"{prefix}.{name}", value, group, f"{label}.")
            found += [replace(k, help=f"{info.description or name}: {k.help}") for k in inner]
        elif isinstance(value, dict):
            item = FieldInfo.from_annotation(get_args(info.annotation)[-1])  # its values'
            found += [_knob(f"{prefix}.{name}.{key}", group, f"{label}.{key}", item, entry,
                            f"{info.description or name}: {key}") for key, entry in value.items()]
        else:
            found.append(_knob(f"{prefix}.{name}", group, label, info, value))
    return found


def _knob(path: str, group: str, label: str, info: FieldInfo, value: Any,
          help_text: str | None = None) -> Knob:
    low = high = None
    for item in info.metadata:  # ge/gt and le/lt (open bounds are shown as the closed ones)
        low = getattr(item, "gt", getattr(item, "ge", low))
        high = getattr(item, "lt", getattr(item, "le", high))
    kind = ("switch" if isinstance(value, bool) else "integer" if isinstance(value, int)
            else "number" if isinstance(value, float) else "text")
    return Knob(path, group, label, help_text or info.description or "", kind, low, high, value)


# What the events that set platform fields set (sim.model.events); the others carry their value
EVENT_SETS = {"outage": {"available": False}, "restore": {"available": True},
              "store_removal": {"installable": False}, "store_return": {"installable": True},
              "owner_ban": {"available": False, "installable": False},
              "launch": {"available": True, "installable": True}}


def set_by_events(scenario: Scenario) -> dict[str, str]:
    """Field path -> the events that set it during the run, in words: ``2025-01-18 → 0.3``."""
    start, days = scenario.simulation.start, scenario.simulation.days
    notes: dict[str, list[str]] = {}
    for event in (e for e in scenario.events if (e.date - start).days < days):  # others never act
        for path, value in _sets(event, scenario).items():
            until = f" until {moment_text(event.end)}" if getattr(event, "end", None) else ""
            notes.setdefault(path, []).append(
                f"{moment_text(event.at or event.date)} → {value_text(value)}{until}"
                + (f" ({event.label})" if event.label else ""))
    return {path: "; ".join(words) for path, words in notes.items()}


def _sets(event, scenario: Scenario) -> dict[str, Any]:
    """Field path -> the value an event sets from its moment on."""
    if event.kind == "ban_threat":
        return {"initial_threat": event.value}
    changes = {event.field: event.value} if event.kind == "set" else EVENT_SETS.get(event.kind, {})
    if event.kind in ("feature_launch", "moderation_crackdown"):
        name = "language_barrier" if event.kind == "feature_launch" else "moderation"
        changes = {name: getattr(event, name)}
    names = [event.platform] if event.platform else [
        n for n, p in scenario.platforms.items() if p.owner == event.owner]
    return {f"platforms.{name}.{key}": value for name in names for key, value in changes.items()}


def moment_text(when: Any) -> str:
    """``2025-01-19`` or ``2025-01-18T22:30-05:00``."""
    return when.isoformat(timespec="minutes") if isinstance(when, dt.datetime) else str(when)


def value_text(value: Any) -> str:
    """A value as a scenario file writes it: ``true``, ``0.3``, ``tiktok``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:.12g}" if isinstance(value, float) else str(value)


def event_kinds() -> dict[str, type]:
    """Event kind -> its schema class."""
    classes = get_args(get_args(Event)[0])
    return {get_args(c.model_fields["kind"].annotation)[0]: c for c in classes}


@dataclass(frozen=True)
class Row:
    """One event of the timeline as the panel shows it: switched on or off, re-dated, or added."""

    event: dict  # as a scenario file writes it (its date as typed if it is no date)
    on: bool = True  # whether the scenario keeps it
    added: bool = False  # by the user (not in the scenario as loaded)
    loaded_date: Any = None  # when it acts in the scenario as loaded (None if added)

    @property
    def when(self) -> Any:
        return self.event.get("at") or self.event["date"]

    @property
    def changed(self) -> bool:
        return self.added or not self.on or self.when != self.loaded_date

    def redated(self, when: Any) -> Row:
        """The same event at another day or moment (its old time of day dropped)."""
        event = {key: value for key, value in self.event.items() if key != "at"}
        return replace(self, event={**event, "date": when})


def parse_value(path: str, text: str) -> Any:
    """A typed value as ``--set`` reads it (``0.3`` a number, ``true`` a switch, else text)."""
    return parse_override(f"{path}={text}")[1]


def parse_date(text: str) -> Any:
    """A typed day or moment, or the text itself (the check then names what is wrong)."""
    text = text.strip()
    try:
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class Tweaks:
    """The changes to one loaded scenario file."""

    base: Path  # the scenario file loaded
    loaded: Scenario  # the scenario as loaded from it
    values: dict[str, Any] = field(default_factory=dict)  # dotted path -> value, where changed
    rows: tuple[Row, ...] = ()  # the timeline, one row per event (loaded ones, then added ones)

    @classmethod
    def of(cls, base: Path, loaded: Scenario) -> Tweaks:
        return cls(base, loaded, {}, tuple(Row(e.model_dump(mode="python", exclude_none=True),
                                               loaded_date=e.at or e.date) for e in loaded.events))

    def set(self, path: str, value: Any, loaded_value: Any) -> Tweaks:
        """With one field set (dropped from the changes when set back to its loaded value)."""
        if isinstance(value, float):
            value = float(f"{value:.12g}")  # a slider's 0.35000000000000003 is 0.35
        values = {k: v for k, v in self.values.items() if k != path}
        if value != loaded_value or type(value) is not type(loaded_value):
            values[path] = value
        return replace(self, values=values)

    def with_row(self, index: int, *rows: Row) -> Tweaks:
        """With row ``index`` replaced by ``rows`` (none: removed; past the last: added)."""
        return replace(self, rows=(*self.rows[:index], *rows, *self.rows[index + 1:]))

    @property
    def rewrites_events(self) -> bool:
        """Whether a loaded event was switched off or re-dated (the file then holds them all)."""
        return any(row.changed and not row.added for row in self.rows)

    @property
    def changes(self) -> list[str]:
        """Each change in words: ``platforms.rednote.language_barrier = 0.8``, events too."""
        words = [f"{path} = {value}" for path, value in self.values.items()]
        for row in self.rows:
            what = f"{row.event.get('kind')} {row.event.get('label') or ''}".strip()
            if row.added:
                words.append(f"added {what} on {row.when}" + ("" if row.on else " (off)"))
            elif not row.on:
                words.append(f"switched off {what} of {row.loaded_date}")
            elif row.changed:
                words.append(f"{what} moved from {row.loaded_date} to {row.when}")
        return words

    def document(self, folder: Path | None = None) -> dict:
        """The scenario file: ``extends`` the base by path, or by name or relative to ``folder``."""
        base = self.base.resolve()
        doc: dict[str, Any] = {"extends": str(base) if folder is None else base.stem if (
            base.parent == SCENARIO_DIR.resolve()) else os.path.relpath(base, folder.resolve())}
        if self.changes:
            doc["question"] = (f"{self.loaded.name} with {len(self.changes)} change(s) made in "
                               "the dashboard")
        for path, value in self.values.items():
            *tables, key = path.split(".")
            reduce(lambda node, table: node.setdefault(table, {}), tables, doc)[key] = value
        if self.rewrites_events:
            doc["events"] = [row.event for row in self.rows if row.on]
        elif any(row.added and row.on for row in self.rows):
            doc["add_events"] = [row.event for row in self.rows if row.added and row.on]
        return doc

    def where(self, field_path: str) -> str:
        """Where a bad field's message goes: its path, ``events.<row>``, ``""`` if inherited."""
        if not (number := re.match(r"events\.(\d+)(\.|$)", field_path)):
            return field_path
        everything = self.rewrites_events  # else the loaded events are inherited, then the added
        kept = ([] if everything else [None] * len(self.loaded.events)) + [
            i for i, row in enumerate(self.rows) if row.on and (row.added or everything)]
        index = int(number[1])
        return f"events.{kept[index]}" if index < len(kept) and kept[index] is not None else ""


def load(tweaks: Tweaks, folder: Path) -> Scenario:
    """The changed scenario as ``sim run`` loads ``folder/tweaked.toml`` (else InputError)."""
    path = folder / f"{TWEAKED}.toml"
    path.write_text(tomli_w.dumps(tweaks.document()), encoding="utf-8")
    return load_scenario(path)


def save(tweaks: Tweaks, folder: Path, name: str) -> Path:
    """Write ``folder/name.toml`` (only :data:`SAVED` is made), never over a file, or InputError."""
    name = name.strip().removesuffix(".toml") + ".toml"
    if not FILE_NAME.fullmatch(name):
        raise InputError("file name", name, "use letters, digits, '.', '_' and '-' only (no "
                         "folders), at most 100 characters, e.g. my-what-if.toml")
    folder = Path(folder).expanduser()
    if folder.resolve() == SAVED.resolve():
        folder.mkdir(parents=True, exist_ok=True)
    if not folder.is_dir():
        raise InputError("folder", str(folder), "no such folder")
    target = folder / name
    text = (f"# Made by sim dashboard from {tweaks.base.name}: only what was changed.\n"
            f"# Run it with: sim run {target}\n" + tomli_w.dumps(tweaks.document(folder)))
    try:
        with target.open("x", encoding="utf-8") as file:  # fails if taken: nothing overwritten
            file.write(text)
    except FileExistsError:
        raise InputError("file name", str(target), "exists; choose another name (a saved "
                         "scenario is never overwritten)") from None
    return target
