"""The parameter panel read off the scenario schema (a field added there gets a knob): the run's
size, the first day's threat, every field of motives, dynamics, population and each platform,
with bounds and description; which fields dated events set; each event kind's schema class."""

from __future__ import annotations

import datetime as dt
import math
import typing
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario.schema import Scenario, Simulation
from sim.scenario.timeline import Event

RUN = "Run"
RUN_FIELDS = ("users", "days", "replicates", "seed")
TABLES = {"motives": "Motives (weights; 0 switches one off)", "dynamics": "Dynamics (rates)",
          "population": "Population"}
SLIDER_STEPS = 100  # a slider moves in steps of about 1/100 of its span (rounded down to 10^k)


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
        if low is not None and high is not None:
            return f"{low} to {high}"
        if low is not None:
            return f"at least {low}"
        return f"at most {high}" if high is not None else "any number"

    def slider(self, current: Any = None) -> tuple[float, float, float] | None:
        """(min, max, step) of a number's slider; unbounded, up to thrice the loaded value."""
        if self.kind not in ("number", "integer"):
            return None
        value = float(self.value) if isinstance(self.value, int | float) else 0.0
        span = 3 * abs(value) if value else 1.0
        low = self.low if self.low is not None else min(0.0, -span)
        high = self.high if self.high is not None else max(low + span, span)
        if isinstance(current, int | float) and not isinstance(current, bool):
            low, high = min(low, float(current)), max(high, float(current))
        if self.kind == "integer":
            return low, high, 1.0
        step = 10 ** math.floor(math.log10((high - low) / SLIDER_STEPS)) if high > low else 0.01
        return low, high, step


def knobs(scenario: Scenario) -> list[Knob]:
    """Every knob of the panel, for a loaded scenario, in panel order."""
    found = [_knob(f"simulation.{name}", RUN, name, Simulation.model_fields[name],
                   getattr(scenario.simulation, name)) for name in RUN_FIELDS]
    if scenario.experiment.replicates is not None:  # the file's [experiment] table wins
        found[RUN_FIELDS.index("replicates")] = _knob(
            "experiment.replicates", RUN, "replicates", type(scenario.experiment).model_fields[
                "replicates"], scenario.experiment.replicates)
    found.append(_knob("initial_threat", RUN, "initial_threat",
                       Scenario.model_fields["initial_threat"], scenario.initial_threat))
    for table, title in TABLES.items():
        found += _table(table, getattr(scenario, table), title, "")
    for name, platform in scenario.platforms.items():
        found += _table(f"platforms.{name}", platform, f"{platform.label} (platforms.{name})", "")
    return found


def groups(found: list[Knob]) -> dict[str, list[Knob]]:
    """Knobs by group, in panel order."""
    grouped: dict[str, list[Knob]] = {}
    for knob in found:
        grouped.setdefault(knob.group, []).append(knob)
    return grouped


def _table(prefix: str, model: BaseModel, group: str, within: str) -> list[Knob]:
    """Knobs for every field of one table (and of the tables and maps inside it)."""
    found = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        label = f"{within}{name}"
        if isinstance(value, BaseModel):
            inner = _table(f"{prefix}.{name}", value, group, f"{label}.")
            found += [replace(k, help=f"{info.description or name}: {k.help}") for k in inner]
        elif isinstance(value, dict):
            item = FieldInfo.from_annotation(typing.get_args(info.annotation)[-1])  # its values'
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


# What the events that set platform fields set, as the model reads them (sim.model.events); the
# others carry their value
EVENT_SETS = {"outage": {"available": False}, "restore": {"available": True},
              "store_removal": {"installable": False}, "store_return": {"installable": True},
              "owner_ban": {"available": False, "installable": False},
              "launch": {"available": True, "installable": True}}


def set_by_events(scenario: Scenario) -> dict[str, str]:
    """Field path -> the events that set it during the run, in words: ``2025-01-18 → 0.3``."""
    start, days = scenario.simulation.start, scenario.simulation.days
    notes: dict[str, list[str]] = {}
    for event in scenario.events:
        if (event.date - start).days >= days:  # after the last day: never acts
            continue
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
    changes = EVENT_SETS.get(event.kind, {})
    if event.kind == "set":
        changes = {event.field: event.value}
    elif event.kind in ("feature_launch", "moderation_crackdown"):
        name = "language_barrier" if event.kind == "feature_launch" else "moderation"
        changes = {name: getattr(event, name)}
    owner = getattr(event, "owner", None)
    names = [n for n, p in scenario.platforms.items() if p.owner == owner] if owner else [
        event.platform]
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
    classes = typing.get_args(typing.get_args(Event)[0])
    return {typing.get_args(c.model_fields["kind"].annotation)[0]: c for c in classes}
