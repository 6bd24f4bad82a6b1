"""Figures and tables of results folders: ``sim plot`` (one folder) and ``sim compare`` (several).

Both draw the same kinds of figures (see :mod:`sim.report.figures`) and the summary table
(:mod:`sim.report.summary`), then write ``index.md``: every figure, what it shows, and the
command that made it. Everything is validated before anything is written.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import re
import shlex
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.analysis.outcomes import run_outcomes
from sim.analysis.periods import flow_matrix, flow_names, flow_windows
from sim.analysis.trajectories import (
    METRICS,
    Metric,
    bands,
    daily,
    metric_of,
    paired_differences,
    unmatched_replicates,
    unpaired_seeds,
)
from sim.errors import InputError, did_you_mean
from sim.experiments.store import RESULTS_DIR, Stored, claim_folder, read_results
from sim.model.recorder import origin_of
from sim.report import figures, style
from sim.report.summary import as_markdown, as_text, summary_table, write_probabilities

PLOT_METRICS = ("dau", "signups")
MAX_DRAWING_WORKERS = 8
ZOOM_AFTER_DAYS = 10   # the zoomed panel ends this long after the last early event
EARLY_DAYS = 60        # events within this many days of the start make the zoom
SWEEP_PANELS = (  # (the episode's platform, outcome, words, kind)
    ("headline", "peak_dau", "{headline}: peak daily {market} users", "count"),
    ("headline", "tried", "Tried {headline}, % of {population}", "percent"),
    ("headline", "retained_30", "{headline} newcomers engaged after 30 days", "percent"),
    ("origin", "returned", "Chose to move their main app away from {origin}: main app {origin} "
     "again at the end, %", "percent"),
)


@dataclass
class Drawn:
    """What ``sim plot`` or ``sim compare`` made.

    Attributes:
        folder: where the figures and tables are.
        files: every file written.
        table: the summary table as plain text (for the terminal).
        notes: warnings and caveats (also in index.md).
    """

    folder: Path
    files: list[Path] = field(default_factory=list)
    table: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Entry:
    """A figure as index.md lists it."""

    stem: str
    title: str
    how_to_read: str


@dataclass
class Job:
    """A figure to draw: ``sim.report.figures.<function>(*args)``, saved under ``entry.stem``."""

    entry: Entry
    function: str
    args: tuple


def render(jobs: list[Job], out: Path) -> list[Path]:
    """Draw and save every figure, on several processes when there are several CPUs."""
    from sim.experiments.executors import default_workers

    workers = min(len(jobs), default_workers(), MAX_DRAWING_WORKERS)
    if workers <= 1 or "forkserver" not in multiprocessing.get_all_start_methods():  # Windows
        return [path for job in jobs for path in draw_one(job, out)]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.report.figures"])
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            saved = list(pool.map(draw_one, jobs, [out] * len(jobs)))
    except (OSError, BrokenProcessPool):  # no subprocesses here: draw them one by one
        saved = [draw_one(job, out) for job in jobs]
    return [path for paths in saved for path in paths]


def draw_one(job: Job, out: Path) -> list[Path]:
    figure = getattr(figures, job.function)(*job.args)
    return style.save(figure, out / job.entry.stem)


def plot_results(folder: Path) -> Drawn:
    """(Re)draw every figure and table of one results folder into ``folder/plots``."""
    folder = Path(folder)
    stored = read_results([folder])
    baseline = _baseline(stored, None)
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    words = stored.scenarios[stored.scenario_names[0]].words()
    drawn = _draw(stored, out, baseline, [METRICS[m].told(words) for m in PLOT_METRICS], [],
                  f"sim plot {shlex.quote(str(folder))}")
    _remove_stale(out, drawn.files)
    return drawn


def compare_results(folders: list[Path], baseline: str | None = None, metric: str = "dau",
                    platforms: list[str] | None = None, out: Path | None = None) -> Drawn:
    """Compare the scenarios of one or more results folders into a new folder ``out``.

    Raises:
        InputError: a folder is not a results folder, a name is unknown (with a "did you mean"),
            or ``out`` exists and is not empty.
    """
    chosen = metric_of(metric)
    stored = read_results([Path(f) for f in folders])
    chosen = chosen.told(stored.scenarios[stored.scenario_names[0]].words())
    reference = _baseline(stored, baseline)
    platforms = list(platforms or [])
    for name in platforms:
        if name not in stored.platforms:
            raise InputError("--platform", name, "no such platform in these results; one of "
                             + ", ".join(stored.platforms) + did_you_mean(name, stored.platforms))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = claim_folder(Path(out) if out is not None else RESULTS_DIR / f"compare-{stamp}")
    words = ["sim", "compare", *map(str, folders), "--baseline", reference, "--metric", metric,
             *[w for p in platforms for w in ("--platform", p)], "--out", str(target)]
    target.mkdir(parents=True, exist_ok=True)
    return _draw(stored, target, reference, [chosen], platforms, shlex.join(words), fans=False)


def _baseline(stored: Stored, name: str | None) -> str:
    """The scenario to difference against: the one named, else ``baseline``, else the first.
    A name found in several folders means its first folder's copy."""
    names = stored.scenario_names
    if name is None:
        return _baseline(stored, "baseline") if any(
            n == "baseline" or n.startswith("baseline (") for n in names) else names[0]
    if name in names:
        return name
    qualified = [n for n in names if n.startswith(f"{name} (")]
    if qualified:
        return qualified[0]
    raise InputError("--baseline", name, "no such scenario in these results; one of "
                     + ", ".join(names) + did_you_mean(name, names))


def _draw(stored: Stored, out: Path, baseline: str, metrics: list[Metric],
          platforms: list[str], command: str, fans: bool = True) -> Drawn:
    palette = style.palette_for(stored.scenario_names, stored.platforms)
    labels = {p: stored.platform_label(p) for p in stored.platforms}
    events = {name: stored.scenarios[name].events for name in stored.scenario_names}
    markers = style.markers_of(events)
    timeseries = stored.timeseries[stored.timeseries["point"] == 0]
    if platforms:
        timeseries = timeseries[timeseries["platform"].isin(platforms)]
    dates = pd.to_datetime(timeseries["date"])
    full = (dates.min(), dates.max())
    zoom = zoom_window(full, markers)
    real = {name: s.population.real_users for name, s in stored.scenarios.items()}
    notes = list(stored.notes)
    unpaired = unpaired_seeds(stored.runs, baseline)
    if unpaired:
        notes.append(f"warning: {', '.join(unpaired)} did not run on the same seeds as "
                     f"{baseline}; their paired differences include seed noise")
    unmatched = unmatched_replicates(stored.runs, baseline)
    if unmatched:
        notes.append("note: " + ", ".join(f"{s} ({n} runs)" for s, n in unmatched.items())
                     + f" have replicates or design points that {baseline} lacks; the paired "
                     "differences leave those runs out")
    if stored.swept:
        notes.append("the trajectory and flow figures show design point 0 ("
                     + _point_words(stored) + "); the sweep figures show every point")
    jobs: list[Job] = []

    def keep(entry: Entry, function: str, *args) -> None:
        jobs.append(Job(entry, function, args))

    for i, metric in enumerate(metrics):
        values = daily(timeseries, metric, real)
        table = bands(values)
        table.attrs["ensemble"] = stored.ensemble
        key = "share" if metric.name == "share" else metric.column
        windows = [(full, "")] + ([(zoom, "-zoom")] if zoom else [])
        for window, suffix in windows:
            keep(Entry(f"trajectories-{key}{suffix}", f"{metric.title} by scenario"
                       + _span(window, suffix), _OVERLAY.format(what=_phrase(metric))),
                 "overlay", table, metric, markers, palette, labels, window)
        if len(stored.scenario_names) > 1 and i == 0:
            diff = bands(paired_differences(values, baseline))
            diff.attrs["ensemble"] = stored.ensemble
            for window, suffix in windows:
                keep(Entry(f"difference-{key}{suffix}", f"{metric.title}: difference from "
                           f"{baseline}" + _span(window, suffix),
                           _DIFFERENCE.format(baseline=baseline, what=_phrase(metric))),
                     "difference_chart", diff, baseline, metric, markers, palette, labels,
                     window)
        if i == 0 and fans:
            fan_table, fan_metric, fan_key = table, metric, key
    if fans:
        for scenario in stored.scenario_names:
            keep(Entry(f"fan-{_slug(scenario)}-{fan_key}", f"{scenario}: {fan_metric.title}",
                       _FAN.format(scenario=scenario, what=_phrase(fan_metric))),
                 "fan_chart", fan_table, scenario, fan_metric, markers, palette, labels, full)
    _flow_figures(stored, palette, labels, keep)
    _sweep_figures(stored, palette, keep)
    files = render(jobs, out)
    entries = [job.entry for job in jobs]
    outcomes = run_outcomes(stored)
    if platforms:
        outcomes = outcomes[outcomes["platform"].isin(platforms)]
    summary = summary_table(outcomes, stored)
    counts = _replicate_words(stored)
    (out / "summary.csv").write_text(summary.to_csv(index=False))
    markdown = as_markdown(summary, stored.swept, counts)
    (out / "summary.md").write_text(markdown)
    files += [out / "summary.csv", out / "summary.md"]
    if len(stored.scenario_names) > 1:
        files += write_probabilities(stored, baseline, outcomes, out)
    index = _index(stored, command, baseline, notes, markdown, entries)
    (out / "index.md").write_text(index)
    files.append(out / "index.md")
    return Drawn(out, files, as_text(summary, stored.swept, counts), notes)


def _flow_figures(stored: Stored, palette, labels, keep) -> None:
    flows = stored.flows[stored.flows["point"] == 0]
    runs = stored.runs[stored.runs["point"] == 0]
    for name in stored.scenario_names:
        scenario = stored.scenarios[name]
        origin = origin_of(scenario)
        run_ids = list(runs.loc[runs["scenario"] == name, "run_id"])
        names = flow_names(list(scenario.platforms))
        mine = flows[flows["scenario"] == name]
        matrices = [(w, flow_matrix(mine, run_ids, w, names))
                    for w in flow_windows(scenario, origin)]
        keep(Entry(f"flows-{_slug(name)}", f"{name}: who moved their main app where",
                   _FLOWS.format(windows=", ".join(w.label for w, _ in matrices),
                                 origin=scenario.words()["origin"])),
             "flow_chart", matrices, name, scenario.simulation.start, len(run_ids), palette,
             labels)


def _sweep_figures(stored: Stored, palette, keep) -> None:
    if not stored.swept:
        return
    outcomes = run_outcomes(stored)
    scenario = stored.scenarios[stored.scenario_names[0]]
    words = scenario.words()
    panels = [(getattr(scenario.episode, role), key, label.format(**words), kind)
              for role, key, label, kind in SWEEP_PANELS]
    panels = [p for p in panels if (outcomes["platform"] == p[0]).any()]
    for swept in stored.swept:
        keep(Entry(f"sweep-{_slug(swept)}", f"Outcomes against {swept}",
                   _SWEEP.format(field=swept)),
             "sweep_chart", outcomes, swept, panels, palette, len(stored.swept) > 1)


def zoom_window(full, markers) -> tuple | None:
    """From the start to a little after the last event of the first weeks, if that is much
    shorter than the whole run."""
    early = [m.date for m in markers
             if full[0] <= m.date <= full[0] + pd.Timedelta(days=EARLY_DAYS)]
    if not early:
        return None
    end = min(full[1], max(early) + pd.Timedelta(days=ZOOM_AFTER_DAYS))
    return (full[0], end) if (full[1] - end).days >= 30 else None


def _phrase(metric: Metric) -> str:
    """The metric's title inside a sentence: ``daily active US users`` (in 2025's words)."""
    return metric.title[0].lower() + metric.title[1:]


def _span(window, suffix: str) -> str:
    return f" ({window[0]:%b} {window[0].day}–{window[1]:%b} {window[1].day})" if suffix else ""


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")


def _point_words(stored: Stored) -> str:
    first = stored.runs[stored.runs["point"] == 0].iloc[0]
    return ", ".join(f"{f}={first[f]:g}" for f in stored.swept)


def _replicate_words(stored: Stored) -> str:
    if stored.ensemble:
        return (f"n = {stored.ensemble['draws']} posterior draws × "
                f"{stored.ensemble['replicates']} replicates per scenario, the same in every "
                "scenario (parameter and run-to-run uncertainty)")
    counts = stored.runs.groupby(["scenario", "point"]).size()
    low, high = int(counts.min()), int(counts.max())
    return f"n = {low if low == high else f'{low}–{high}'} replicates per scenario"


def _remove_stale(out: Path, written: list[Path]) -> None:
    """Drop figures and tables of an earlier drawing that this one did not make again."""
    keep = set(written)
    for path in out.iterdir():
        if path.suffix in (".png", ".svg", ".csv", ".md") and path not in keep:
            path.unlink()


def _index(stored: Stored, command: str, baseline: str, notes: list[str], summary: str,
           entries: list[Entry]) -> str:
    made = [f"- made by: `{command}`"]
    for folder, manifest in zip(stored.folders, stored.manifests, strict=True):
        git = manifest.get("git") or {}
        argv = " ".join(shlex.quote(a) for a in (manifest.get("argv") or []))
        dirty = " + uncommitted changes" if git.get("dirty") else ""
        seed = (manifest.get("experiment") or {}).get("root_seed")
        made.append(f"- results: `{folder}` (sim {manifest.get('version')}, commit "
                    f"{(git.get('commit') or 'unknown')[:9]}{dirty}, root seed {seed})"
                    + (f", made by `{argv}`" if argv else ""))
    made.append(f"- scenarios: {', '.join(stored.scenario_names)}; differences against "
                f"`{baseline}`")
    lines = ["# Figures and tables", "", *made, ""]
    if notes:
        lines += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    lines += ["## Summary table", "", "[CSV](summary.csv) · [Markdown](summary.md)", "",
              summary, "## Figures", ""]
    for entry in entries:
        lines += [f"### {entry.title}", "", f"![{entry.title}]({entry.stem}.png)", "",
                  entry.how_to_read, "",
                  f"Files: [{entry.stem}.png]({entry.stem}.png), [{entry.stem}.svg]"
                  f"({entry.stem}.svg). Made by `{command}`.", ""]
    return "\n".join(lines)


_FAN = ("One panel per platform, in the platform's colour: the median of {what} across "
        "{scenario}'s replicates, with the middle 50 % and 90 % of replicates shaded. Dashed "
        "lines are the scenario's events, numbered at the top and listed underneath.")
_OVERLAY = ("One panel per platform; each scenario in its own colour (the same in every "
            "figure that compares scenarios; the one-scenario fan charts use the platforms' "
            "colours instead). Where two scenarios' bands do not overlap, the difference is "
            "larger than the run-to-run noise of {what}.")
_DIFFERENCE = ("Each scenario minus {baseline}, replicate by replicate: replicate k of both "
               "ran on the same seed, so most of the noise cancels and small effects on {what} "
               "show. The line is the median difference, the shading the middle 50 % and 90 % "
               "of the paired differences; 0 means no effect.")
_FLOWS = ("Heatmaps of main-app moves (rows: from, columns: to), one per window ({windows}), "
          "median over replicates, on a log colour scale. The windows come from the scenario's "
          "events: before {origin} went dark, while it was dark, after it came back.")
_SWEEP = ("Headline outcomes against {field}: per scenario, the median over replicates at each "
          "swept value (dots) with the middle 50 % and 90 % shaded.")
