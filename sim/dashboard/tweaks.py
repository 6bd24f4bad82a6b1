"""The user's changes as the scenario file they make: it ``extends`` the file loaded and holds only
the changed fields and events. The dashboard runs exactly that file (read back by
:func:`~sim.scenario.loading.load_scenario`, so every check of ``sim run`` applies), and "Save as
scenario" writes the same document."""

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

    def with_row(self, index: int, row: Row) -> Tweaks:
        """With the event row ``index`` replaced (past the last: added)."""
        return replace(self, rows=(*self.rows[:index], row, *self.rows[index + 1:]))

    def without_row(self, index: int) -> Tweaks:
        return replace(self, rows=self.rows[:index] + self.rows[index + 1:])

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
        """The scenario file: ``extends`` the base (by absolute path, or by name or relative to
        ``folder``), the changed fields, and ``events`` or only ``add_events``."""
        base = self.base.resolve()
        doc: dict[str, Any] = {"extends": str(base) if folder is None else base.stem if (
            base.parent == SCENARIO_DIR.resolve()) else os.path.relpath(base, folder.resolve())}
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
        """Where a bad field's message goes: its path, ``events.<row>``, ``""`` if inherited."""
        parts = field_path.split(".")
        if parts[0] != "events" or len(parts) < 2 or not parts[1].isdigit():
            return field_path
        everything = self.rewrites_events  # else the loaded events are inherited, then the added
        kept = ([] if everything else [None] * len(self.loaded.events)) + [
            i for i, row in enumerate(self.rows) if row.on and (row.added or everything)]
        index = int(parts[1])
        return f"events.{kept[index]}" if index < len(kept) and kept[index] is not None else ""


def load(tweaks: Tweaks, folder: Path) -> Scenario:
    """The changed scenario, loaded as ``sim run`` would load ``folder/tweaked.toml``. Raises
    InputError naming the bad field (``platforms.rednote.appeal``, ``events.3.date``)."""
    path = folder / f"{TWEAKED}.toml"
    path.write_text(tomli_w.dumps(tweaks.document()), encoding="utf-8")
    return load_scenario(path)


def save(tweaks: Tweaks, folder: Path, name: str) -> Path:
    """Write the changes as ``folder/name`` (``.toml`` added), never outside ``folder`` (which
    must exist unless it is :data:`SAVED`) nor over a file. Raises InputError if it cannot."""
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
