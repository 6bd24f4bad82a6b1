"""The event list as rows: switch an event off, give it another date, or add one.

The form for a new event is read off the event kinds of the schema (``sim/scenario/timeline.py``):
a kind added there gets its fields here. Every row's element carries the CSS class
``event--<row>``; a bad date or value shows its message under its row.
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import replace

import solara

from sim.dashboard import state
from sim.dashboard.tweaks import Row, parse_date, parse_value
from sim.scenario.timeline import Event

COMMON = ("kind", "date", "at", "label")


def kinds() -> dict[str, type]:
    """Event kind -> its schema class."""
    classes = typing.get_args(typing.get_args(Event)[0])
    return {typing.get_args(c.model_fields["kind"].annotation)[0]: c for c in classes}


def describe(event: dict) -> str:
    """``ban_threat 0.95 · Law upheld 9-0``: the kind, its other values, its label."""
    values = " ".join(f"{v}" for k, v in event.items() if k not in COMMON)
    return " · ".join(part for part in (f"{event.get('kind')} {values}".strip(),
                                        event.get("label") or "") if part)


def _when(when) -> str:
    return when.isoformat(timespec="minutes") if isinstance(when, dt.datetime) else str(when)


def change_row(index: int, row: Row) -> None:
    now = state.session.value
    state.apply(now, now.tweaks.with_row(index, row), now.texts)


def remove_row(index: int) -> None:
    now = state.session.value
    rows = tuple(r for i, r in enumerate(now.tweaks.rows) if i != index)
    state.apply(now, replace(now.tweaks, rows=rows), now.texts)


@solara.component
def EventRow(index: int, row: Row, error: str):
    with solara.Row(classes=["event-row", f"event--{index}"], style={"align-items": "center"}):
        solara.Checkbox(label="", value=row.on,
                        on_value=lambda on: change_row(index, replace(row, on=bool(on))))
        solara.InputText("date", value=_when(row.when), dense=True,
                         on_value=lambda text: change_row(index, row.redated(parse_date(text))),
                         error=error or False, style={"max-width": "11em"})
        solara.Text(describe(row.event) + (" (added)" if row.added else ""),
                    style={"font-size": "0.85em"})
        if row.added:
            solara.Button("remove", text=True, small=True, on_click=lambda: remove_row(index))


@solara.component
def Events():
    """Every event of the scenario, then a form to add one."""
    now = state.session.value
    if now is None:
        return
    with solara.Card("Events", margin=0):
        solara.Text("Untick to switch an event off; type another date to move it.",
                    style={"font-size": "0.85em"})
        for index, row in enumerate(now.tweaks.rows):
            EventRow(index, row, now.errors.get(f"events.{index}", "")).key(f"event-{index}")
        NewEvent(now.tweaks.loaded.simulation.start)


@solara.component
def NewEvent(start: dt.date):
    """Add an event: its kind, date, label and the kind's own fields (as typed in a file)."""
    kind = solara.use_reactive("ban_threat")
    date = solara.use_reactive(str(start + dt.timedelta(days=30)))
    label = solara.use_reactive("")
    values = solara.use_reactive({})
    schema = kinds()
    chosen = schema[kind.value]
    with solara.Details("Add an event", expand=False):
        solara.Select("kind", values=list(schema), value=kind,
                      on_value=lambda _: values.set({}))
        solara.Text((chosen.__doc__ or "").strip().splitlines()[0], style={"font-size": "0.85em"})
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
            now = state.session.value
            change_row(len(now.tweaks.rows), Row(event, added=True))

        solara.Button("Add", on_click=add, color="primary", small=True)
