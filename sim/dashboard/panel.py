"""The comparison page's side panel and the browser session it edits (module-level reactives are
per session). CSS classes for the page tests: ``knob--<path, dots as -->``, ``event--<row>``,
``save-name``, ``save-button``, ``save-told``."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import solara
import solara.lab

from sim.dashboard import tweaks
from sim.dashboard.engine import CHOICES, WINDOWS, Plan, Shown, compute, engine, release
from sim.dashboard.tweaks import SAVED, Row, Tweaks, load, parse_date, parse_value, save
from sim.errors import InputError
from sim.scenario.loading import SCENARIO_DIR, load_scenario, resolve_path
from sim.scenario.schema import Scenario

MAX_FOUND = 40  # knobs listed for a search
COMMON = ("kind", "date", "at", "label")  # the fields every event has
SMALL = {"font-size": "0.85em"}


@dataclass(frozen=True)
class Session:
    """What this browser session works on."""

    tweaks: Tweaks  # the scenario loaded and the changes made to it
    knobs: list  # the fields of the panel of the scenario loaded
    valid: Scenario  # the last changed scenario that passed every check (shown or computed)
    errors: dict = field(default_factory=dict)  # path (events.<row>; "": the whole) -> message
    texts: dict = field(default_factory=dict)  # what was typed into fields not valid, as typed
    asked: int = 0  # how many plans were asked for (the page shows which one it shows)


session: solara.Reactive[Session | None] = solara.reactive(None)
shown: solara.Reactive[tuple[int, Shown] | None] = solara.reactive(None)  # (change, figures)
table: solara.Reactive[tuple[int, str] | None] = solara.reactive(None)  # (change, summary)
problem = solara.reactive("")  # a failure of the last computation, in one line
progress = solara.reactive((0, 0.0))  # (change, % made of the runs it asked for anew)
metric = solara.reactive(next(iter(CHOICES)))
window = solara.reactive(WINDOWS[0])
load_error = solara.reactive("")


def offered() -> list[str]:
    """Those given to ``sim dashboard``, then the shipped ones."""
    given = json.loads(os.environ.get("SIM_DASHBOARD_SCENARIOS", "[]")) or ["observed-2025"]
    return list(dict.fromkeys([*given, *sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))]))


def folder() -> Path:
    """This session's folder, where the changed scenario is written before it is read."""
    path = Path(tempfile.gettempdir()) / "sim-dashboard" / lane()
    path.mkdir(parents=True, exist_ok=True)
    return path


def lane() -> str:
    try:
        return solara.get_kernel_id()
    except Exception:  # outside a Solara session (tests): one lane per process
        return f"process-{os.getpid()}"


def open_scenario(name: str) -> None:
    """Load a scenario (a shipped name or a file) as the new base; a bad one keeps the old."""
    try:
        base = resolve_path(name.strip())
        loaded = load_scenario(base)
    except InputError as exc:
        load_error.set(str(exc))
        return
    load_error.set("")
    edited = Tweaks.of(base, loaded)
    change(edited, current=Session(edited, tweaks.knobs(loaded), loaded))


def change(edited: Tweaks, texts: dict | None = None, current: Session | None = None) -> None:
    """A change (to ``current``: just opened): computed if valid, else its message by its field."""
    current = current or session.value
    try:
        valid = load(edited, folder())
    except InputError as exc:
        session.set(replace(current, tweaks=edited, errors={edited.where(exc.field): exc.message},
                            texts=current.texts if texts is None else texts))
        return
    recompute(Session(edited, current.knobs, valid, asked=current.asked + 1))


def recompute(now: Session) -> None:
    """The plan against the shipped baseline (if of the same platforms), its runs asked for now."""
    try:
        baseline = load_scenario("baseline")
    except InputError:
        baseline = None
    same = baseline is not None and set(baseline.platforms) == set(now.valid.platforms)
    plan = Plan.of(now.valid, now.tweaks.loaded, baseline if same else None)
    engine().want(lane(), plan.jobs)
    session.set(now)
    update(now.asked, plan, CHOICES[metric.value], window.value)


def redraw(chosen: solara.Reactive, value: str) -> None:
    """The metric or window chosen: the same runs, drawn again."""
    chosen.set(value)
    if session.value is not None:
        recompute(replace(session.value, asked=session.value.asked + 1))


@solara.lab.task
def update(asked: int, plan: Plan, chosen_metric: str, chosen_window: str) -> None:
    """Runs, figures and table for one plan, each shown when made; a newer call makes it stale."""
    try:
        result = compute(engine(), lane(), plan, chosen_metric, chosen_window,
                         current=update.is_current,
                         progress=lambda done, total: progress.set((asked, 100.0 * done / total)),
                         drawn=lambda figures: shown.set((asked, figures)))
    except Exception as exc:  # shown in one line; what was shown stays
        if update.is_current():
            problem.set(f"could not compute this change: {type(exc).__name__}: {exc}")
        return
    if result is not None and update.is_current():
        problem.set("")
        shown.set((asked, result))
        table.set((asked, result.summary))


def start() -> None:
    """The first scenario of a new session."""
    if session.value is None:
        open_scenario(offered()[0])


@solara.lab.on_kernel_start
def _per_session():
    def closed() -> None:
        release(lane())
        shutil.rmtree(folder(), ignore_errors=True)

    return closed


@solara.component
def Picker():
    """Pick a shipped scenario or a scenario file."""
    typed = solara.use_reactive("")
    now, names = session.value, offered()
    with solara.Card("Scenario", margin=0):
        name = now.tweaks.loaded.name if now else None
        solara.Select("shipped or given", values=names, value=name if name in names else None,
                      on_value=open_scenario)
        with solara.Row():
            solara.InputText("or a scenario file (path)", value=typed, dense=True,
                             continuous_update=True, error=load_error.value or False)
            solara.Button("Open", on_click=lambda: open_scenario(typed.value),
                          disabled=not typed.value.strip(), small=True)
        if now is not None:
            solara.Text(now.tweaks.loaded.question or str(now.tweaks.base),
                        style={**SMALL, "color": "#555"})


@solara.component
def Knobs(now: Session):
    """The fields: a group per table, opened on demand, or those a search finds."""
    search = solara.use_reactive("")
    opened = solara.use_reactive(frozenset({tweaks.RUN}))
    solara.InputText("search the fields (name or help text)", value=search,
                     continuous_update=True, dense=True)
    if now.errors.get(""):
        solara.Error(now.errors[""])
    notes = tweaks.set_by_events(now.valid)
    if search.value.strip():
        found = [k for k in now.knobs if k.matches(search.value)]
        solara.Text(f"{len(found)} field(s)" + (f", the first {MAX_FOUND}"
                                                 if len(found) > MAX_FOUND else ""))
        for knob in found[:MAX_FOUND]:
            KnobRow(now, replace(knob, label=f"{knob.group}: {knob.label}"), notes).key(knob.path)
        return
    for group, members in tweaks.groups(now.knobs).items():
        changed = sum(k.path in now.tweaks.values for k in members)
        bad = sum(k.path in now.errors for k in members)
        title = group + (f" · {changed} changed" if changed else "") + (
            f" · {bad} error" if bad else "")
        is_open = group in opened.value or bad > 0
        solara.Button(("▾ " if is_open else "▸ ") + title, text=True, classes=["group-toggle"],
                      on_click=lambda group=group, is_open=is_open: opened.set(
                          opened.value - {group} if is_open else opened.value | {group}),
                      style={"text-transform": "none", "justify-content": "flex-start"})
        for knob in members if is_open else []:
            KnobRow(now, knob, notes).key(knob.path)


@solara.component
def KnobRow(now: Session, knob: tweaks.Knob, notes: dict[str, str]):
    """One field: a box and slider, or a switch; its help or error; the events that set it."""
    value, text = now.tweaks.values.get(knob.path, knob.value), now.texts.get(knob.path)
    error, events = now.errors.get(knob.path, ""), notes.get(knob.path, "")
    with solara.Div(classes=["knob", "knob--" + knob.path.replace(".", "--")]):
        if knob.kind == "switch" and isinstance(value, bool):
            solara.Checkbox(label=f"{knob.label}: {knob.help}", value=value,
                            on_value=lambda on: set_value(knob, bool(on)))
            if error:
                solara.Error(error, dense=True)
        else:
            number = knob.kind in ("number", "integer")
            solara.InputText(knob.label + (f" ({knob.bounds_text()})" if number else ""),
                             value=text if text is not None else tweaks.value_text(value),
                             on_value=lambda t: set_value(knob, None, t), error=error or False,
                             message=knob.help, classes=["knob-box"], dense=True)
            if number and knob.group != tweaks.RUN and not error and isinstance(value, int | float):
                Slider(knob, value, *knob.slider(value))
        if events:
            solara.Text(f"Overridden by dated events, from their date on: {events}",
                        classes=["knob-events"], style={**SMALL, "color": "#b26a00"})


@solara.component
def Slider(knob: tweaks.Knob, value: float, low: float, high: float, step: float):
    """A slider that reports its value when let go (or moved with the keys), not while dragged."""
    widget = solara.v.Slider(v_model=value, min=low, max=high, step=step, thumb_label=True,
                             hide_details=True, dense=True, class_="knob-slider")
    solara.v.use_event(widget, "change", lambda _widget, _event, data: set_value(
        knob, round(float(data)) if knob.kind == "integer" else float(data)))
    return widget


def set_value(knob: tweaks.Knob, value: Any, text: str | None = None) -> None:
    """A slider moved, a switch flipped, or ``text`` typed (read as ``--set`` reads it)."""
    if text is not None:
        value = parse_value(knob.path, text) if text.strip() else knob.value
        if knob.kind == "number" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
    texts = {k: v for k, v in session.value.texts.items() if k != knob.path}
    change(session.value.tweaks.set(knob.path, value, knob.value),
           texts if text is None else {**texts, knob.path: text})


@solara.component
def Events(now: Session):
    """Every event of the scenario, then a form to add one."""
    with solara.Card("Events", margin=0):
        solara.Text("Untick to switch an event off; type another date to move it.", style=SMALL)
        for index, row in enumerate(now.tweaks.rows):
            EventRow(index, row, now.errors.get(f"events.{index}", "")).key(f"event-{index}")
        NewEvent(now.tweaks.loaded.simulation.start)


@solara.component
def EventRow(index: int, row: Row, error: str):
    def change_row(*changed: Row) -> None:  # none: removed
        change(session.value.tweaks.with_row(index, *changed))

    with solara.Row(classes=["event-row", f"event--{index}"], style={"align-items": "center"}):
        solara.Checkbox(label="", value=row.on,
                        on_value=lambda on: change_row(replace(row, on=bool(on))))
        solara.InputText("date", value=tweaks.moment_text(row.when), dense=True,
                         on_value=lambda text: change_row(row.redated(parse_date(text))),
                         error=error or False, style={"max-width": "11em"})
        values = " ".join(f"{v}" for k, v in row.event.items() if k not in COMMON)
        solara.Text(" · ".join(part for part in (f"{row.event.get('kind')} {values}".strip(),
                                                 row.event.get("label") or "") if part)
                    + (" (added)" if row.added else ""), style=SMALL)  # kind values · label
        if row.added:
            solara.Button("remove", text=True, small=True, on_click=change_row)


@solara.component
def NewEvent(start: dt.date):
    """Add an event: its kind, date, label and the kind's own fields."""
    kind = solara.use_reactive("ban_threat")
    date = solara.use_reactive(str(start + dt.timedelta(days=30)))
    label = solara.use_reactive("")
    values = solara.use_reactive({})
    schema = tweaks.event_kinds()
    chosen = schema[kind.value]
    with solara.Details("Add an event", expand=False):
        solara.Select("kind", values=list(schema), value=kind, on_value=lambda _: values.set({}))
        solara.Text((chosen.__doc__ or "").strip().splitlines()[0], style=SMALL)
        solara.InputText("date (YYYY-MM-DD)", value=date, dense=True)
        solara.InputText("label (shown in the figures' key)", value=label, dense=True)
        own = {name: info for name, info in chosen.model_fields.items() if name not in COMMON}
        for name, info in own.items():
            hint = info.description or ("optional" if not info.is_required() else "required")
            solara.InputText(name, value=values.value.get(name, ""), dense=True, message=hint,
                             on_value=lambda t, name=name: values.set(values.value | {name: t}))

        def add() -> None:
            event = {"kind": kind.value, "date": parse_date(date.value)}
            if label.value.strip():
                event["label"] = label.value.strip()
            event |= {name: parse_value(name, text) for name, text in values.value.items()
                      if text.strip()}
            edited = session.value.tweaks
            change(edited.with_row(len(edited.rows), Row(event, added=True)))

        solara.Button("Add", on_click=add, color="primary", small=True)


@solara.component
def Save(now: Session):
    """Save the changes as a scenario file that extends the one loaded."""
    where = solara.use_reactive(str(Path.cwd() / SAVED))
    name = solara.use_reactive("")
    said = solara.use_reactive(("", ""))  # (what was saved, why it could not be)
    default = f"{now.tweaks.loaded.name}-what-if"

    def write() -> None:
        try:
            path = save(now.tweaks, Path(where.value), name.value or default)
        except (InputError, OSError) as exc:
            said.set(("", str(exc)))
            return
        said.set((f"saved {path}; run it with: sim run {path}", ""))

    with solara.Card("Save as scenario", margin=0):
        solara.InputText("folder", value=where, dense=True)
        solara.InputText("file name", value=name, dense=True, classes=["save-name"],
                         message=f"default {default}.toml", error=said.value[1] or False)
        solara.Button("Save as scenario", on_click=write, color="primary", small=True,
                      disabled=bool(now.errors), classes=["save-button"])
        if said.value[0]:
            solara.Success(said.value[0], classes=["save-told"])
