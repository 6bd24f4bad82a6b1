"""The app's three pages. For the page tests, ``dash-status`` has ``data-asked``, ``data-shown``,
``data-table`` (changes) and ``data-state``; ``dash-figure-<n>``, ``dash-table-<n>``: change n."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import solara
import solara.lab
from markdown_it import MarkdownIt
from mesa.visualization import SolaraViz, make_plot_component

from sim.dashboard import panel
from sim.dashboard.engine import CHOICES, WINDOWS, Plan
from sim.errors import InputError
from sim.experiments.store import RESULTS_DIR
from sim.model.migration import MigrationModel
from sim.report import drawing, style
from sim.report.compare import plot_results
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
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")  # raw HTML escaped
TABLES = ("summary.md", "scorecard.md", "ablation.md")  # of a results folder, in page order


@solara.component
def Markdown(text: str, classes: tuple[str, ...] = ()):
    """A Markdown table as HTML (Solara's Markdown loads KaTeX from a CDN, out of reach offline)."""
    solara.HTML(tag="div", unsafe_innerHTML=_MARKDOWN.render(text),
                classes=["dash-markdown", *classes],
                style={"font-size": "0.85em", "overflow-x": "auto"})


@solara.component
def ComparePage():
    solara.use_effect(panel.start, [])
    with solara.Sidebar():
        panel.Picker()
        if panel.session.value is not None:  # a scenario is loaded
            panel.Knobs(panel.session.value)
            panel.Events(panel.session.value)
            panel.Save(panel.session.value)
    with solara.Column(style={"padding": "0.5em"}):
        Status()
        Controls()
        Shown()


@solara.component
def Status():
    now, last = panel.session.value, panel.shown.value
    asked = now.asked if now else 0
    shown_number, table_number = (made[0] if made else 0 for made in (last, panel.table.value))
    # (not update.pending: a task's start and end would each draw the page again, 30-60 ms)
    running = now is None or not asked == shown_number == table_number
    failed = panel.problem.value or (now is None and panel.load_error.value)
    words = "Computing the scenario as loaded and the baseline…"
    if last is not None:
        words = (("Recomputing after the latest change… " if running else "")
                 + f"Showing {', '.join(last[1].scenarios)}: n = {last[1].replicates} replicates "
                 f"each, same seeds ({last[1].seconds:.1f} s).")
    solara.v.Html(tag="div", class_="dash-status", children=[words], attributes={
        "data-asked": str(asked), "data-shown": str(shown_number), "data-table": str(table_number),
        "data-state": "error" if failed else "running" if running else "ready"})
    # Always there, never animated: else the browser lays out the page again and again
    told = panel.progress.value
    solara.ProgressLinear(value=(told[1] if told[0] == asked else 0) if running else 100,
                          color="primary" if running else "#dddddd", classes=["dash-progress"])
    if panel.problem.value:
        solara.Error(panel.problem.value)
    if now is not None and now.errors:
        solara.Warning("A value is not valid (see the panel); the figures show the last valid "
                       "change.")
    changes = now.tweaks.changes if now else []
    solara.Text("Changes: " + ("; ".join(changes) or "none yet (tweaked = as loaded)"),
                classes=["dash-changes"], style={"font-size": "0.85em"})


@solara.component
def Controls():
    with solara.Row():
        for chosen, words in ((panel.metric, list(CHOICES)), (panel.window, list(WINDOWS))):
            solara.ToggleButtonsSingle(value=chosen.value, values=words, dense=True,
                                       on_value=partial(panel.redraw, chosen))


@solara.component
def Shown():
    """The figures of the change shown, then its summary table."""
    last = panel.shown.value
    if last is None:
        return
    with solara.Column(classes=["dash-captions"]):
        for caption, picture in last[1].figures:
            solara.Text(caption, style={"font-weight": "bold"})
            solara.Image(picture, width="100%", classes=["dash-figure", f"dash-figure-{last[0]}"])
    summary = panel.table.value
    if summary is not None:
        if summary[0] != last[0]:
            solara.Text("The summary table below is of an earlier change; its update follows.",
                        style={"font-size": "0.85em", "color": "#777"})
        Markdown(summary[1], ("dash-summary", f"dash-table-{summary[0]}"))


def made_by(folder: Path) -> str:
    """What made the folder: its scenarios, runs, commit, seed and command."""
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
    """A folder's figures drawn as ``sim plot`` draws them."""
    try:
        drawn = plot_results(Path(folder))
    except InputError as exc:
        return f"error: {exc}"
    return f"drew {len(drawn.files)} files into {drawn.folder}"


@solara.component
def ResultsPage():
    """A results folder: its figures (one at a time), tables and what made it."""
    typed = solara.use_reactive("")
    chosen = solara.use_reactive(None)
    figure = solara.use_reactive(None)
    found = RESULTS_DIR.iterdir() if RESULTS_DIR.is_dir() else []  # newest first: sim run's
    offered = sorted((str(p) for p in found if (p / "manifest.json").is_file()  # or compare's
                      or (p / "index.md").is_file()), reverse=True)
    with solara.Sidebar(), solara.Card("Results folder", margin=0, classes=["results-side"]):
        solara.Select("under results/", values=offered, value=chosen,
                      on_value=lambda _: figure.set(None))
        solara.InputText("or a folder (path)", value=typed, dense=True, continuous_update=True)
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
    plots = folder / "plots" if (folder / "manifest.json").is_file() else folder  # or compare's
    names = [p.name for p in sorted(sorted(plots.glob("*.png")), key=lambda p: next(
        (i for i, w in enumerate(drawing.KINDS) if p.name.startswith(w)), len(drawing.KINDS)))]
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
    """The model as SolaraViz steps it (and makes again on Reset): a day per step, to the last."""

    def __init__(self, config: Scenario, rng: int | None = None):
        super().__init__(config, rng=rng)

    def step(self) -> None:
        if self.steps <= self.config.simulation.days:  # Mesa counted this step already
            super().step()
        self.running = self.steps < self.config.simulation.days


@solara.component
def OneRun(scenario: Scenario, seed: int, changes: int):
    """SolaraViz on ``model.datacollector``: daily users per platform, and the ban threat."""
    model = solara.use_memo(lambda: DayByDay(scenario, rng=seed), [scenario.config_hash(), seed])
    palette = style.palette_for([], list(scenario.platforms))
    labels = [platform.label for platform in scenario.platforms.values()]

    def users_axis(ax) -> None:
        style.value_axis(ax, "count")
        ax.legend(ax.get_lines(), labels, fontsize=7, loc="upper right")
        ax.set_title("Daily active users of the simulated population (real-world units)",
                     fontsize=9)

    def threat_axis(ax) -> None:
        style.value_axis(ax, "percent")
        ax.set_title("Perceived probability that the ban sticks", fontsize=9)

    users = make_plot_component({f"dau_{name}": palette.platform(name)
                                 for name in scenario.platforms}, post_process=users_axis)
    solara.Text(f"One run of the tweaked scenario ({changes} change(s)), replicate 0 (seed "
                f"{seed}): press Step or Play.", classes=["single-intro"])
    SolaraViz(model, components=[users, make_plot_component("ban_threat",
                                                            post_process=threat_axis)],
              model_params={"config": scenario, "rng": seed}, name="Single run (Mesa SolaraViz)")


@solara.component
def SingleRunPage():
    """The tweaked scenario (its last valid change) with replicate 0's seed, in SolaraViz."""
    solara.use_effect(panel.start, [])
    now = panel.session.value
    if now is None:
        solara.Text("Loading the scenario…")
        return
    OneRun(now.valid, Plan.of(now.valid, now.tweaks.loaded, None).seeds[0], len(now.tweaks.changes))


@solara.component
def Layout(children=()):
    """Solara's app layout, with the pages as tabs named in words."""
    current, pages = solara.use_route()
    router = solara.use_router()
    tabs = solara.lab.Tabs(value=pages.index(current) if current in pages else 0,
                           on_value=lambda index: router.push("/" + pages[index].path.lstrip("/")),
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
