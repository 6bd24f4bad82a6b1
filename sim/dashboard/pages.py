"""The dashboard's pages, the Solara app that ``sim dashboard`` serves: compare a tweaked scenario
live, open a results folder, follow one run in Mesa's SolaraViz.

The comparison page's status line (CSS class ``dash-status``) says which change is shown: its
``data-asked`` is the number of the latest change, ``data-shown`` the number of the change the
figures show, ``data-table`` that of the summary table (made after the figures), ``data-state`` is
``running``, ``ready`` or ``error``. Each figure carries the class ``dash-figure-<number of its
change>``, the summary table ``dash-table-<number>``: the status line may reach the browser a
moment before them.
"""

from __future__ import annotations

import json
from pathlib import Path

import solara
import solara.lab
from markdown_it import MarkdownIt
from mesa.visualization import SolaraViz, make_plot_component

from sim.dashboard import panel, state
from sim.dashboard.views import CHOICES, WINDOWS, Plan
from sim.errors import InputError
from sim.experiments.store import RESULTS_DIR
from sim.model.migration import MigrationModel
from sim.report import style
from sim.scenario.schema import Scenario

TITLE = "TikTok refugees · scenario dashboard"
CSS = """
.dash-markdown table { border-collapse: collapse; margin: 0.5em 0; }
.dash-markdown th, .dash-markdown td { border-bottom: 1px solid #e0e0e0; padding: 2px 10px;
    text-align: left; vertical-align: top; }
.dash-markdown th { background: #f5f5f5; }
.dash-markdown strong { font-weight: 700; }
.knob { border-bottom: 1px solid #eeeeee; padding: 2px 0 6px 0; }
.dash-progress, .dash-progress * { transition: none !important; }
.results-side { max-width: 376px; }  /* the side panel's least width: long names are cut */
"""
# Rendered here (raw HTML escaped): Solara's Markdown loads KaTeX from a CDN, out of reach offline
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
TABLES = ("summary.md", "scorecard.md", "ablation.md")  # of a results folder, in page order
FIGURE_ORDER = ("trajectories", "difference", "fan", "flows", "sweep")


@solara.component
def Markdown(text: str, classes: tuple[str, ...] = ()):
    """The summary tables and scorecards (as ``plots/summary.md``), as an HTML table."""
    solara.HTML(tag="div", unsafe_innerHTML=_MARKDOWN.render(text),
                classes=["dash-markdown", *classes],
                style={"font-size": "0.85em", "overflow-x": "auto"})


@solara.component
def ComparePage():
    solara.use_effect(state.start, [])
    with solara.Sidebar():
        panel.Picker()
        panel.Knobs()
        panel.Events()
        panel.Save()
    with solara.Column(style={"padding": "0.5em"}):
        Status()
        Controls()
        Shown()


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
    words = "Computing the scenario as loaded and the baseline…"
    if last is not None:
        result = last[1]
        words = (("Recomputing after the latest change… " if running else "")
                 + f"Showing {', '.join(result.scenarios)}: n = {result.replicates} replicates "
                 f"each, same seeds ({result.seconds:.1f} s).")
    solara.v.Html(tag="div", class_="dash-status", attributes={
        "data-asked": str(asked), "data-shown": str(shown_number),
        "data-table": str(table_number),
        "data-state": "error" if failed else "running" if running else "ready"},
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
    changes = now.tweaks.changes if now else []
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
def Shown():
    """The figures of the change shown, then its summary table."""
    last = state.shown.value
    if last is None:
        return
    with solara.Column(classes=["dash-captions"]):
        for caption, picture in last[1].figures:
            solara.Text(caption, style={"font-weight": "bold"})
            solara.Image(picture, width="100%", classes=["dash-figure", f"dash-figure-{last[0]}"])
    summary = state.table.value
    if summary is not None:
        if summary[0] != last[0]:
            solara.Text("The summary table below is of an earlier change; its update follows.",
                        style={"font-size": "0.85em", "color": "#777"})
        Markdown(summary[1], ("dash-summary", f"dash-table-{summary[0]}"))


def folders(root: Path = RESULTS_DIR) -> list[str]:
    """Results folders under ``root`` (newest first): those of ``sim run`` and ``sim check``
    (a manifest) and of ``sim compare`` (an index of figures)."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and (
        (p / "manifest.json").is_file() or (p / "index.md").is_file())]
    return [str(p) for p in sorted(found, key=lambda p: p.name, reverse=True)]


def plots_of(folder: Path) -> Path:
    """Where a folder's figures are: ``plots/`` of a run, the folder itself for a compare."""
    return folder / "plots" if (folder / "manifest.json").is_file() else folder


def made_by(folder: Path) -> str:
    """One line on what made the folder: its command, scenarios, runs, commit and seed."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return ""
    argv = " ".join(manifest.get("argv") or [])
    commit = ((manifest.get("git") or {}).get("commit") or "unknown")[:9]
    seed = (manifest.get("experiment") or {}).get("root_seed")
    return (f"{', '.join(manifest.get('scenarios') or {})}; runs {manifest.get('runs') or {}}; "
            f"commit {commit}; root seed {seed}" + (f"; made by `{argv}`" if argv else ""))


@solara.lab.task
def draw(folder: str) -> str:
    """A folder's figures drawn as ``sim plot`` draws them, from the runs already in it."""
    from sim.report.compare import plot_results

    try:
        drawn = plot_results(Path(folder))
    except InputError as exc:
        return f"error: {exc}"
    return f"drew {len(drawn.files)} files into {drawn.folder}"


@solara.component
def ResultsPage():
    """A results folder of ``sim run``, ``sim check`` or ``sim compare``: its figures (one at a
    time, trajectories first), tables and what made it, nothing run again."""
    typed = solara.use_reactive("")
    chosen = solara.use_reactive(None)
    figure = solara.use_reactive(None)
    offered = folders()
    with solara.Sidebar(), solara.Card("Results folder", margin=0, classes=["results-side"]):
        solara.Select("under results/", values=offered, value=chosen,
                      on_value=lambda _: figure.set(None))
        solara.InputText("or a folder (path)", value=typed, dense=True,
                         continuous_update=True)
        solara.Button("Open", small=True, disabled=not typed.value.strip(),
                      on_click=lambda: (chosen.set(typed.value.strip()), figure.set(None)))
    if chosen.value is None:
        solara.Text("Pick a results folder made by sim run, sim check or sim compare "
                    f"({len(offered)} under {RESULTS_DIR}/). Nothing is run again.")
        return
    folder = Path(chosen.value).expanduser()
    if not folder.is_dir():
        solara.Error(f"{folder}: no such folder")
        return
    solara.Text(f"{folder} · {made_by(folder)}", classes=["results-made-by"])
    plots = plots_of(folder)
    names = [p.name for p in sorted(sorted(plots.glob("*.png")), key=lambda p: next(
        (i for i, w in enumerate(FIGURE_ORDER) if p.name.startswith(w)), len(FIGURE_ORDER)))]
    if names:
        current = figure.value if figure.value in names else names[0]
        solara.Select("figure", values=names, value=current, on_value=figure.set)
        solara.Image(plots / current, width="100%", classes=["results-figure"])
    else:
        solara.Warning("No figures in this folder yet.")
        if (folder / "manifest.json").is_file():
            solara.Button("Draw the figures (as sim plot does)", on_click=lambda: draw(str(folder)))
            if draw.value:
                solara.Text(draw.value)
    for name in TABLES:
        table = next((p for p in (plots / name, folder / name) if p.is_file()), None)
        if table is not None:
            Markdown(table.read_text(encoding="utf-8", errors="replace"),
                     (f"results-{name.removesuffix('.md')}",))


class DayByDay(MigrationModel):
    """The migration model as SolaraViz steps it: one day per step, stopping on the last day
    (SolaraViz re-creates it with ``DayByDay(config=..., rng=...)`` on Reset)."""

    def __init__(self, config: Scenario, rng: int | None = None):
        super().__init__(config, rng=rng)

    def step(self) -> None:
        if self.steps > self.config.simulation.days:  # Mesa counted this step already
            self.running = False
            return
        super().step()
        self.running = self.steps < self.config.simulation.days


def single_run_plots(scenario: Scenario) -> list:
    """SolaraViz components drawing ``model.datacollector``'s series: daily active users per
    platform (the platforms' colours and labels of ``sim plot``), and the ban threat."""
    names = list(scenario.platforms)
    palette = style.palette_for([], names)
    labels = [scenario.platforms[name].label for name in names]

    def users_axis(ax) -> None:
        style.value_axis(ax, "count")
        ax.legend(ax.get_lines(), labels, fontsize=7, loc="upper right")
        ax.set_title("Daily active users of the simulated population (real-world units)",
                     fontsize=9)

    def threat_axis(ax) -> None:
        style.value_axis(ax, "percent")
        ax.set_title("Perceived probability that the ban sticks", fontsize=9)

    users = make_plot_component({f"dau_{name}": palette.platform(name) for name in names},
                                post_process=users_axis)
    return [users, make_plot_component("ban_threat", post_process=threat_axis)]


@solara.component
def SingleRunPage():
    """The comparison page's tweaked scenario (its last valid change) with replicate 0's seed, in
    Mesa's own SolaraViz: Step, Play, Reset."""
    solara.use_effect(state.start, [])
    now = state.session.value
    if now is None:
        solara.Text("Loading the scenario…")
        return
    seed = Plan.of(now.valid, now.tweaks.loaded, None).seeds[0]
    OneRun(now.valid, seed, len(now.tweaks.changes))


@solara.component
def OneRun(scenario: Scenario, seed: int, changes: int):
    model = solara.use_memo(lambda: DayByDay(scenario, rng=seed), [scenario.config_hash(), seed])
    solara.Text(f"One run of the tweaked scenario ({changes} change(s)), replicate 0 (seed "
                f"{seed}): press Step or Play.", classes=["single-intro"])
    SolaraViz(model, components=single_run_plots(scenario),
              model_params={"config": scenario, "rng": seed}, name="Single run (Mesa SolaraViz)")


@solara.component
def Layout(children=()):
    """Solara's app layout, with the pages as tabs named in words."""
    current, pages = solara.use_route()
    router = solara.use_router()

    def go(index: int) -> None:
        path = pages[index].path
        router.push("/" if path == "/" else f"/{path}")

    tabs = solara.lab.Tabs(value=pages.index(current) if current in pages else 0, on_value=go,
                           align="center", background_color="primary", dark=True,
                           children=[solara.lab.Tab(page.label) for page in pages])
    with solara.AppLayout(children=list(children), title=TITLE), solara.AppBar():
        solara.display(tabs)
        solara.Style(CSS)


routes = [
    solara.Route(path="/", component=ComparePage, label="Compare scenarios", layout=Layout),
    solara.Route(path="results", component=ResultsPage, label="Open results"),
    solara.Route(path="run", component=SingleRunPage, label="One run (Mesa SolaraViz)"),
]
