"""Open a results folder made by ``sim run``, ``sim check`` or ``sim compare``: its figures, its
summary table and scorecard, and what made it, without running anything again.

A folder whose figures were never drawn (a run stopped before its plots) can have them drawn, as
``sim plot`` draws them, from the runs already in it.
"""

from __future__ import annotations

import json
from pathlib import Path

import solara
import solara.lab

from sim.dashboard.html import Markdown
from sim.errors import InputError
from sim.experiments.store import RESULTS_DIR

TABLES = ("summary.md", "scorecard.md", "ablation.md")


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


def figures(folder: Path) -> list[Path]:
    """The folder's PNG figures, trajectories first, as ``index.md`` lists them."""
    order = ("trajectories", "difference", "fan", "flows", "sweep")
    found = sorted(plots_of(folder).glob("*.png"))
    return sorted(found, key=lambda p: next((i for i, w in enumerate(order)
                                             if p.name.startswith(w)), len(order)))


def made_by(folder: Path) -> str:
    """One line on what made the folder: its command, scenarios, runs, commit and seed."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return ""
    argv = " ".join(manifest.get("argv") or [])
    runs = manifest.get("runs") or {}
    commit = ((manifest.get("git") or {}).get("commit") or "unknown")[:9]
    seed = (manifest.get("experiment") or {}).get("root_seed")
    return (f"{', '.join(manifest.get('scenarios') or {})}; runs {runs}; commit {commit}; "
            f"root seed {seed}" + (f"; made by `{argv}`" if argv else ""))


@solara.lab.task
def draw(folder: str) -> str:
    from sim.report.compare import plot_results

    try:
        drawn = plot_results(Path(folder))
    except InputError as exc:
        return f"error: {exc}"
    return f"drew {len(drawn.files)} files into {drawn.folder}"


@solara.component
def ResultsPage():
    typed = solara.use_reactive("")
    chosen = solara.use_reactive(None)
    figure = solara.use_reactive(None)
    offered = folders()
    with solara.Sidebar(), solara.Card("Results folder", margin=0):
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
    pictures = figures(folder)
    if not pictures:
        solara.Warning("No figures in this folder yet.")
        if (folder / "manifest.json").is_file():
            solara.Button("Draw the figures (as sim plot does)", on_click=lambda: draw(str(folder)))
            if draw.value:
                solara.Text(draw.value)
    else:
        names = [p.name for p in pictures]
        current = figure.value if figure.value in names else names[0]
        solara.Select("figure", values=names, value=current, on_value=figure.set)
        solara.Image(plots_of(folder) / current, width="100%", classes=["results-figure"])
    for name in TABLES:
        table = plots_of(folder) / name
        if not table.is_file():
            table = folder / name
        if table.is_file():
            Markdown(table.read_text(encoding="utf-8", errors="replace"),
                     (f"results-{name.removesuffix('.md')}",))
