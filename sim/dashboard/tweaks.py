"""The user's changes to a loaded scenario, as the scenario file they make: it ``extends`` the file
loaded and holds only the changed fields and events.

The dashboard runs exactly that file (written to a folder of the session and read back with
:func:`~sim.scenario.loading.load_scenario`, so every check of ``sim run`` applies, and every bad
value comes back as an :class:`~sim.errors.InputError` naming its field), and "Save as scenario"
writes the same document next to the user's other files, so ``sim run`` of the saved file makes
the same runs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli_w

from sim.errors import InputError
from sim.experiments.store import RESULTS_DIR
from sim.scenario.loading import SCENARIO_DIR, load_scenario, parse_override
from sim.scenario.schema import Scenario

TWEAKED = "tweaked"  # the name of the changed scenario in figures and tables
SAVED = RESULTS_DIR / "scenarios"  # where scenarios are saved unless another folder is chosen
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # no folders, not hidden


@dataclass(frozen=True)
class Row:
    """One event of the timeline as the panel shows it: switched on or off, re-dated, or added."""

    event: dict  # as a scenario file writes it (its date as typed if it is no date)
    on: bool = True  # whether the scenario keeps it
    added: bool = False  # by the user (not in the scenario as loaded)
    loaded_date: Any = None  # when it acts in the scenario as loaded (None if added)

    @property
    def when(self) -> Any:
        """Its day, or its moment if it has a time of day."""
        return self.event.get("at") or self.event["date"]

    @property
    def changed(self) -> bool:
        return self.added or not self.on or self.when != self.loaded_date

    def redated(self, when: Any) -> Row:
        """The same event at another day or moment (``2025-01-20``, ``2025-01-18T22:30-05:00``)."""
        event = {key: value for key, value in self.event.items() if key != "at"}
        return replace(self, event={**event, "date": when})


def rows_of(scenario: Scenario) -> tuple[Row, ...]:
    """The timeline of a loaded scenario, nothing changed."""
    return tuple(Row(e.model_dump(mode="python", exclude_none=True), loaded_date=e.at or e.date)
                 for e in scenario.events)


def parse_value(path: str, text: str) -> Any:
    """A typed value as ``--set`` reads it (``0.3`` a number, ``true`` a switch, else text)."""
    return parse_override(f"{path}={text}")[1]


def parse_date(text: str) -> Any:
    """A typed day (``2025-01-19``) or moment (``2025-01-18T22:30:00-05:00``), or the text
    itself: the check then names what is wrong with it."""
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
        return cls(base, loaded, {}, rows_of(loaded))

    def set(self, path: str, value: Any, loaded_value: Any) -> Tweaks:
        """With one field set (dropped from the changes when set back to its loaded value)."""
        if isinstance(value, float):
            value = float(f"{value:.12g}")  # a slider's 0.35000000000000003 is 0.35
        values = {k: v for k, v in self.values.items() if k != path}
        if value != loaded_value or type(value) is not type(loaded_value):
            values[path] = value
        return replace(self, values=values)

    def with_row(self, index: int, row: Row) -> Tweaks:
        """With the event row ``index`` replaced (past the last: added)."""
        return replace(self, rows=(*self.rows[:index], row, *self.rows[index + 1:]))

    def without_row(self, index: int) -> Tweaks:
        return replace(self, rows=self.rows[:index] + self.rows[index + 1:])

    @property
    def rewrites_events(self) -> bool:
        """Whether an event of the loaded scenario was switched off or re-dated: the file then
        holds the whole list (``events``), else only the added ones (``add_events``)."""
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
        """The scenario file: ``extends`` the base (relative to ``folder`` if given, else by
        absolute path), the changed fields, and the events: the whole list if one was switched
        off or re-dated, else the added ones only (``add_events``)."""
        doc: dict[str, Any] = {"extends": self._extends(folder)}
        if self.changes:
            doc["question"] = (f"{self.loaded.name} with {len(self.changes)} change(s) made in "
                               "the dashboard")
        for path, value in self.values.items():
            *tables, key = path.split(".")
            node = doc
            for table in tables:
                node = node.setdefault(table, {})
            node[key] = value
        if self.rewrites_events:
            doc["events"] = [row.event for row in self.rows if row.on]
        elif any(row.added and row.on for row in self.rows):
            doc["add_events"] = [row.event for row in self.rows if row.added and row.on]
        return doc

    def where(self, field_path: str) -> str:
        """Where the message of a bad field of the scenario this makes goes: the field's path,
        ``events.<row>`` for an event of the panel, ``""`` for an inherited one."""
        parts = field_path.split(".")
        if parts[0] != "events" or len(parts) < 2 or not parts[1].isdigit():
            return field_path
        if self.rewrites_events:
            kept = [i for i, row in enumerate(self.rows) if row.on]
        else:
            inherited = [None] * len(self.loaded.events)
            kept = inherited + [i for i, row in enumerate(self.rows) if row.added and row.on]
        index = int(parts[1])
        return f"events.{kept[index]}" if index < len(kept) and kept[index] is not None else ""

    def _extends(self, folder: Path | None) -> str:
        base = self.base.resolve()
        if folder is None:
            return str(base)
        if base.parent == SCENARIO_DIR.resolve():
            return base.stem  # a shipped scenario, found by name wherever the file is
        return os.path.relpath(base, folder.resolve())


def load(tweaks: Tweaks, folder: Path) -> Scenario:
    """The changed scenario, as ``sim run`` would load the file (``folder/tweaked.toml``).

    Raises:
        InputError: naming the bad field (``platforms.rednote.appeal``, ``events.3.date``).
    """
    path = folder / f"{TWEAKED}.toml"
    path.write_text(tomli_w.dumps(tweaks.document()), encoding="utf-8")
    return load_scenario(path)


def save(tweaks: Tweaks, folder: Path, name: str) -> Path:
    """Write the changes as ``folder/name`` (``.toml`` added if missing): a scenario file that
    extends the base, never outside ``folder`` and never over an existing file. The folder must
    exist, unless it is :data:`SAVED` (made then).

    Raises:
        InputError: a bad name, a folder that is not one, or a file that exists.
    """
    name = name.strip()
    if not name.endswith(".toml"):
        name += ".toml"
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
