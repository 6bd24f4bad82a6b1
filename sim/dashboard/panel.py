"""The parameter panel: the scenario picker, every field of the schema as a slider and a box (its
bounds and description as help, an error in red under it), grouped and searchable, and the run's
size (users, days, replicates, seed).

Each field's element carries the CSS class ``knob--<path with dots as -->`` (for example
``knob--platforms--rednote--language_barrier``), so a page test can find it.
"""

from __future__ import annotations

from typing import Any

import solara

from sim.dashboard import state
from sim.dashboard.fields import RUN, Knob, groups
from sim.dashboard.tweaks import parse_value

MAX_FOUND = 40  # knobs listed for a search


def css_name(path: str) -> str:
    return "knob--" + path.replace(".", "--")


def current_value(session: state.Session, knob: Knob) -> Any:
    return session.tweaks.values.get(knob.path, knob.value)


def set_value(knob: Knob, value: Any) -> None:
    """A slider moved or a switch flipped (the value is of the right kind)."""
    now = state.session.value
    texts = {k: v for k, v in now.texts.items() if k != knob.path}
    state.apply(now, now.tweaks.set(knob.path, value, knob.value), texts)


def set_text(knob: Knob, text: str) -> None:
    """A value typed into a box: read as ``--set`` reads it; checked with the whole scenario."""
    now = state.session.value
    value = parse_value(knob.path, text) if text.strip() else knob.value
    if knob.kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    texts = {**now.texts, knob.path: text}
    state.apply(now, now.tweaks.set(knob.path, value, knob.value), texts)


def shown_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


@solara.component
def KnobRow(knob: Knob, value: Any, text: str | None, error: str):
    """One field: a slider (numbers), a switch (true/false) or a box, with help or error."""
    with solara.Div(classes=["knob", css_name(knob.path)]):
        if knob.kind == "switch" and isinstance(value, bool):
            solara.Checkbox(label=f"{knob.label}: {knob.help}", value=value,
                            on_value=lambda v: set_value(knob, bool(v)))
            if error:
                solara.Error(error, dense=True)
            return
        bounds = f" ({knob.bounds_text()})" if knob.kind in ("number", "integer") else ""
        solara.InputText(knob.label + bounds,
                         value=text if text is not None else shown_text(value),
                         on_value=lambda t: set_text(knob, t), error=error or False,
                         message=knob.help, classes=["knob-box"], dense=True)
        slider = knob.slider(value) if knob.group != RUN and not error else None
        if slider is not None and isinstance(value, int | float):
            Slider(knob, value, *slider)


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


@solara.component
def Picker():
    """Pick a shipped scenario or a scenario file."""
    typed = solara.use_reactive("")
    with solara.Card("Scenario", margin=0):
        now = state.session.value
        solara.Select("shipped or given", values=state.offered(),
                      value=now.tweaks.loaded.name if now and now.tweaks.loaded.name in
                      state.offered() else None, on_value=state.open_scenario)
        with solara.Row():
            solara.InputText("or a scenario file (path)", value=typed, dense=True,
                             continuous_update=True,
                             error=state.load_error.value or False)
            solara.Button("Open", on_click=lambda: state.open_scenario(typed.value),
                          disabled=not typed.value.strip(), small=True)
        if now is not None:
            solara.Text(now.tweaks.loaded.question or str(now.tweaks.base),
                        style={"font-size": "0.85em", "color": "#555"})


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
    if search.value.strip():
        found = [k for k in now.knobs if k.matches(search.value)]
        solara.Text(f"{len(found)} field(s)" + (f", the first {MAX_FOUND}"
                                                 if len(found) > MAX_FOUND else ""))
        for knob in found[:MAX_FOUND]:
            _row(now, knob, knob.group + ": ")
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
                _row(now, knob, "")


def _row(now: state.Session, knob: Knob, prefix: str) -> None:
    KnobRow(knob if not prefix else _prefixed(knob, prefix), current_value(now, knob),
            now.texts.get(knob.path), now.errors.get(knob.path, "")).key(knob.path)


def _prefixed(knob: Knob, prefix: str) -> Knob:
    from dataclasses import replace

    return replace(knob, label=prefix + knob.label)
