"""The comparison page: the panel on the left; on the right what the runs show, the tweaked
scenario against the scenario as loaded and the baseline (the figures and summary table of
``sim plot``), recomputed in the background after every change, with its progress.

The status line (CSS class ``dash-status``) says which change is shown: its ``data-asked`` is the
number of the latest change, ``data-shown`` the number of the change the figures show,
``data-table`` that of the summary table (made after the figures), ``data-state`` is ``running``,
``ready`` or ``error``. Each figure carries the class ``dash-figure-<number of its change>``, the
summary table ``dash-table-<number>``: the status line may reach the browser a moment before them.
"""

from __future__ import annotations

from pathlib import Path

import solara

from sim.dashboard import panel, state, timeline
from sim.dashboard.html import Markdown
from sim.dashboard.tweaks import save
from sim.dashboard.views import CHOICES, WINDOWS
from sim.errors import InputError


@solara.component
def Status():
    now = state.session.value
    last = state.shown.value
    asked = now.asked if now else 0
    shown_number = last[0] if last else 0
    table_number = state.table.value[0] if state.table.value else 0
    # (not update.pending: a task's start and end would each draw the page again, 30-60 ms of
    # the server's time; before the first scenario is loaded, nothing is ready)
    running = now is None or not asked == shown_number == table_number
    failed = state.problem.value or (now is None and state.load_error.value)
    condition = "error" if failed else "running" if running else "ready"
    changes = now.tweaks.changes if now else []
    if last is not None:
        result = last[1]
        words = (f"Showing {', '.join(result.scenarios)}: n = {result.replicates} replicates "
                 f"each, same seeds ({result.seconds:.1f} s).")
    else:
        words = "Computing the scenario as loaded and the baseline…"
    if running and last is not None:
        words = "Recomputing after the latest change… " + words
    solara.v.Html(tag="div", class_="dash-status", attributes={
        "data-asked": str(asked), "data-shown": str(shown_number),
        "data-table": str(table_number), "data-state": condition},
        children=[words])
    # Always there, never indeterminate: a bar that comes and goes, or an endless animation,
    # makes the browser lay out and paint the page again and again (half its work per change).
    told = state.progress.value
    solara.ProgressLinear(value=(told[1] if told[0] == asked else 0) if running else 100,
                          color="primary" if running else "#dddddd", classes=["dash-progress"])
    if state.problem.value:
        solara.Error(state.problem.value)
    if now is not None and now.errors:
        solara.Warning("A value is not valid (see the panel); the figures show the last valid "
                       "change.")
    solara.Text("Changes: " + ("; ".join(changes) if changes else "none yet (tweaked = as "
                                                                  "loaded)"),
                classes=["dash-changes"], style={"font-size": "0.85em"})


@solara.component
def Controls():
    def pick(label: str) -> None:
        state.metric.set(next(k for k, v in CHOICES.items() if v == label))
        state.redraw()

    def pick_window(label: str) -> None:
        state.window.set(label)
        state.redraw()

    with solara.Row():
        solara.ToggleButtonsSingle(value=CHOICES[state.metric.value], values=list(
            CHOICES.values()), on_value=pick, dense=True)
        solara.ToggleButtonsSingle(value=state.window.value, values=list(WINDOWS),
                                   on_value=pick_window, dense=True)


@solara.component
def Results():
    last = state.shown.value
    if last is None:
        return
    result = last[1]
    with solara.Column(classes=["dash-captions"]):
        for caption, picture in result.figures:
            solara.Text(caption, style={"font-weight": "bold"})
            solara.Image(picture, width="100%", classes=["dash-figure", f"dash-figure-{last[0]}"])
    summary = state.table.value
    if summary is not None:
        if summary[0] != last[0]:
            solara.Text("The summary table below is of an earlier change; its update follows.",
                        style={"font-size": "0.85em", "color": "#777"})
        Markdown(summary[1], ("dash-summary", f"dash-table-{summary[0]}"))


@solara.component
def Save():
    """Save the changes as a scenario file that extends the one loaded."""
    where = solara.use_reactive(str(Path.cwd()))
    name = solara.use_reactive("")
    told = solara.use_reactive("")
    error = solara.use_reactive("")
    now = state.session.value
    if now is None:
        return

    def write() -> None:
        try:
            path = save(now.tweaks, Path(where.value), name.value or f"{now.tweaks.loaded.name}"
                        "-what-if")
        except (InputError, OSError) as exc:
            error.set(str(exc))
            told.set("")
            return
        error.set("")
        told.set(f"saved {path}; run it with: sim run {path}")

    with solara.Card("Save as scenario", margin=0):
        solara.InputText("folder", value=where, dense=True)
        solara.InputText("file name", value=name, dense=True, classes=["save-name"],
                         message=f"default {now.tweaks.loaded.name}-what-if.toml",
                         error=error.value or False)
        solara.Button("Save as scenario", on_click=write, color="primary", small=True,
                      disabled=bool(now.errors), classes=["save-button"])
        if told.value:
            solara.Success(told.value, classes=["save-told"])


@solara.component
def ComparePage():
    solara.use_effect(state.start, [])
    with solara.Sidebar():
        panel.Picker()
        panel.Knobs()
        timeline.Events()
        Save()
    with solara.Column(style={"padding": "0.5em"}):
        Status()
        Controls()
        Results()
