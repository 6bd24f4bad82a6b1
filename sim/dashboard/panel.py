"""The comparison page's side panel: the scenario picker; every field of the schema as a box and a
slider (its bounds and description as help, an error in red under it), grouped and searchable;
the events, to switch off, re-date or add; and "Save as scenario".

CSS classes a page test finds: each field's ``knob--<path with dots as -->`` (for example
``knob--platforms--rednote--language_barrier``), each event row's ``event--<row>``, and the save
form's ``save-name``, ``save-button`` and ``save-told``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import solara

from sim.dashboard import state
from sim.dashboard.fields import (
    RUN,
    Knob,
    event_kinds,
    groups,
    moment_text,
    set_by_events,
    value_text,
)
from sim.dashboard.tweaks import SAVED, Row, parse_date, parse_value, save
from sim.errors import InputError

MAX_FOUND = 40  # knobs listed for a search
COMMON = ("kind", "date", "at", "label")  # the fields every event has
SMALL = {"font-size": "0.85em"}


@solara.component
def Picker():
    """Pick a shipped scenario or a scenario file."""
    typed = solara.use_reactive("")
    now, offered = state.session.value, state.offered()
    with solara.Card("Scenario", margin=0):
        name = now.tweaks.loaded.name if now else None
        solara.Select("shipped or given", values=offered, value=name if name in offered else None,
                      on_value=state.open_scenario)
        with solara.Row():
            solara.InputText("or a scenario file (path)", value=typed, dense=True,
                             continuous_update=True,
                             error=state.load_error.value or False)
            solara.Button("Open", on_click=lambda: state.open_scenario(typed.value),
                          disabled=not typed.value.strip(), small=True)
        if now is not None:
            solara.Text(now.tweaks.loaded.question or str(now.tweaks.base),
                        style={**SMALL, "color": "#555"})


@solara.component
def Knobs():
    """The fields: the run's size first, then a group per table, opened on demand; a search
    lists the matching fields of every group."""
    now = state.session.value
    search = solara.use_reactive("")
    opened = solara.use_reactive(frozenset({RUN}))
    if now is None:
        return
    solara.InputText("search the fields (name or help text)", value=search,
                     continuous_update=True, dense=True)
    if now.errors.get(""):
        solara.Error(now.errors[""])
    notes = set_by_events(now.valid)
    if search.value.strip():
        found = [k for k in now.knobs if k.matches(search.value)]
        solara.Text(f"{len(found)} field(s)" + (f", the first {MAX_FOUND}"
                                                 if len(found) > MAX_FOUND else ""))
        for knob in found[:MAX_FOUND]:
            _row(now, replace(knob, label=f"{knob.group}: {knob.label}"), notes)
        return
    for group, members in groups(now.knobs).items():
        changed = sum(k.path in now.tweaks.values for k in members)
        bad = sum(k.path in now.errors for k in members)
        title = group + (f" · {changed} changed" if changed else "") + (
            f" · {bad} error" if bad else "")
        is_open = group in opened.value or bad > 0

        def toggle(group=group, is_open=is_open) -> None:
            opened.set(opened.value - {group} if is_open else opened.value | {group})

        solara.Button(("▾ " if is_open else "▸ ") + title, text=True, on_click=toggle,
                      classes=["group-toggle"], style={"text-transform": "none",
                                                       "justify-content": "flex-start"})
        if is_open:
            for knob in members:
                _row(now, knob, notes)


def _row(now: state.Session, knob: Knob, notes: dict[str, str]) -> None:
    KnobRow(knob, now.tweaks.values.get(knob.path, knob.value), now.texts.get(knob.path),
            now.errors.get(knob.path, ""), notes.get(knob.path, "")).key(knob.path)


@solara.component
def KnobRow(knob: Knob, value: Any, text: str | None, error: str, events: str):
    """One field: a slider (numbers), a switch (true/false) or a box, with help or error, and
    the dated events that set it later in the run (``events``), if any."""
    with solara.Div(classes=["knob", "knob--" + knob.path.replace(".", "--")]):
        if knob.kind == "switch" and isinstance(value, bool):
            solara.Checkbox(label=f"{knob.label}: {knob.help}", value=value,
                            on_value=lambda v: set_value(knob, bool(v)))
            if error:
                solara.Error(error, dense=True)
        else:
            bounds = f" ({knob.bounds_text()})" if knob.kind in ("number", "integer") else ""
            solara.InputText(knob.label + bounds,
                             value=text if text is not None else value_text(value),
                             on_value=lambda t: set_text(knob, t), error=error or False,
                             message=knob.help, classes=["knob-box"], dense=True)
            slider = knob.slider(value) if knob.group != RUN and not error else None
            if slider is not None and isinstance(value, int | float):
                Slider(knob, value, *slider)
        if events:
            solara.Text(f"Overridden by dated events, from their date on: {events}",
                        classes=["knob-events"], style={**SMALL, "color": "#b26a00"})


@solara.component
def Slider(knob: Knob, value: float, low: float, high: float, step: float):
    """A slider that reports its value when let go (or moved with the keys), not while dragged:
    one change per move, not one per pixel."""
    widget = solara.v.Slider(v_model=value, min=low, max=high, step=step, thumb_label=True,
                             hide_details=True, dense=True, class_="knob-slider")

    def moved(_widget, _event, data) -> None:
        number = float(data)
        set_value(knob, round(number) if knob.kind == "integer" else number)

    solara.v.use_event(widget, "change", moved)
    return widget


def set_value(knob: Knob, value: Any) -> None:
    """A slider moved or a switch flipped (the value is of the right kind)."""
    now = state.session.value
    state.change(now.tweaks.set(knob.path, value, knob.value),
                 {k: v for k, v in now.texts.items() if k != knob.path})


def set_text(knob: Knob, text: str) -> None:
    """A value typed into a box: read as ``--set`` reads it; checked with the whole scenario."""
    now = state.session.value
    value = parse_value(knob.path, text) if text.strip() else knob.value
    if knob.kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    state.change(now.tweaks.set(knob.path, value, knob.value), {**now.texts, knob.path: text})


@solara.component
def Events():
    """Every event of the scenario, then a form to add one."""
    now = state.session.value
    if now is None:
        return
    with solara.Card("Events", margin=0):
        solara.Text("Untick to switch an event off; type another date to move it.", style=SMALL)
        for index, row in enumerate(now.tweaks.rows):
            EventRow(index, row, now.errors.get(f"events.{index}", "")).key(f"event-{index}")
        NewEvent(now.tweaks.loaded.simulation.start)


@solara.component
def EventRow(index: int, row: Row, error: str):
    def change_row(changed: Row) -> None:
        state.change(state.session.value.tweaks.with_row(index, changed))

    with solara.Row(classes=["event-row", f"event--{index}"], style={"align-items": "center"}):
        solara.Checkbox(label="", value=row.on,
                        on_value=lambda on: change_row(replace(row, on=bool(on))))
        solara.InputText("date", value=moment_text(row.when), dense=True,
                         on_value=lambda text: change_row(row.redated(parse_date(text))),
                         error=error or False, style={"max-width": "11em"})
        solara.Text(describe(row.event) + (" (added)" if row.added else ""), style=SMALL)
        if row.added:
            solara.Button("remove", text=True, small=True, on_click=lambda: state.change(
                state.session.value.tweaks.without_row(index)))


def describe(event: dict) -> str:
    """``ban_threat 0.95 · Law upheld 9-0``: the kind, its other values, its label."""
    values = " ".join(f"{v}" for k, v in event.items() if k not in COMMON)
    return " · ".join(part for part in (f"{event.get('kind')} {values}".strip(),
                                        event.get("label") or "") if part)


@solara.component
def NewEvent(start: dt.date):
    """Add an event: its kind, date, label and the kind's own fields (as typed in a file)."""
    kind = solara.use_reactive("ban_threat")
    date = solara.use_reactive(str(start + dt.timedelta(days=30)))
    label = solara.use_reactive("")
    values = solara.use_reactive({})
    schema = event_kinds()
    chosen = schema[kind.value]
    with solara.Details("Add an event", expand=False):
        solara.Select("kind", values=list(schema), value=kind,
                      on_value=lambda _: values.set({}))
        solara.Text((chosen.__doc__ or "").strip().splitlines()[0], style=SMALL)
        solara.InputText("date (YYYY-MM-DD)", value=date, dense=True)
        solara.InputText("label (shown in the figures' key)", value=label, dense=True)
        for name, info in chosen.model_fields.items():
            if name in COMMON:
                continue
            hint = info.description or ("optional" if not info.is_required() else "required")
            solara.InputText(f"{name}", value=values.value.get(name, ""), dense=True,
                             message=hint,
                             on_value=lambda text, name=name: values.set(
                                 {**values.value, name: text}))

        def add() -> None:
            event = {"kind": kind.value, "date": parse_date(date.value)}
            if label.value.strip():
                event["label"] = label.value.strip()
            event |= {name: parse_value(name, text) for name, text in values.value.items()
                      if text.strip()}
            tweaks = state.session.value.tweaks
            state.change(tweaks.with_row(len(tweaks.rows), Row(event, added=True)))

        solara.Button("Add", on_click=add, color="primary", small=True)


@solara.component
def Save():
    """Save the changes as a scenario file that extends the one loaded."""
    where = solara.use_reactive(str(Path.cwd() / SAVED))
    name = solara.use_reactive("")
    told = solara.use_reactive("")
    error = solara.use_reactive("")
    now = state.session.value
    if now is None:
        return
    default = f"{now.tweaks.loaded.name}-what-if"

    def write() -> None:
        try:
            path = save(now.tweaks, Path(where.value), name.value or default)
        except (InputError, OSError) as exc:
            error.set(str(exc))
            told.set("")
            return
        error.set("")
        told.set(f"saved {path}; run it with: sim run {path}")

    with solara.Card("Save as scenario", margin=0):
        solara.InputText("folder", value=where, dense=True)
        solara.InputText("file name", value=name, dense=True, classes=["save-name"],
                         message=f"default {default}.toml", error=error.value or False)
        solara.Button("Save as scenario", on_click=write, color="primary", small=True,
                      disabled=bool(now.errors), classes=["save-button"])
        if told.value:
            solara.Success(told.value, classes=["save-told"])
