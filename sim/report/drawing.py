"""The figures of results: which ones a results folder has (:func:`figure_jobs`, named by
:data:`KINDS`), and drawing them as matplotlib Figures (:func:`draw`) or into files, on several
processes (:func:`render`). ``sim plot``, ``sim compare``, the dashboard and
:meth:`sim.api.Results.figure` all draw them from here.
"""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.analysis.outcomes import run_outcomes
from sim.analysis.periods import flow_matrix, flow_names, flow_windows
from sim.analysis.trajectories import Metric, bands, daily, paired_differences
from sim.experiments.store import Stored
from sim.model.recorder import origin_of
from sim.report import figures, style

KINDS = ("trajectories", "difference", "fan", "flows", "sweep")  # the figures, as named
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
    return style.save(draw(job), out / job.entry.stem)


def draw(job: Job):
    """The job's figure, a matplotlib Figure."""
    return getattr(figures, job.function)(*job.args)


def figure_jobs(stored: Stored, baseline: str, metrics: list[Metric], platforms: list[str],
                kinds: tuple[str, ...] = KINDS) -> list[Job]:
    """The figures of ``kinds`` (:data:`KINDS`) for these results, to draw: trajectories and
    differences of each metric (differences and fans of the first only), one fan and one flows
    figure per scenario, one sweep figure per swept field."""
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
    jobs: list[Job] = []
    fans: list[Job] = []

    def keep(entry: Entry, function: str, *args) -> None:
        (fans if function == "fan_chart" else jobs).append(Job(entry, function, args))

    for i, metric in enumerate(metrics if {"trajectories", "difference", "fan"} & set(kinds)
                               else []):
        values = daily(timeseries, metric, real)
        table = bands(values)
        table.attrs["ensemble"] = stored.ensemble
        key = "share" if metric.name == "share" else metric.column
        windows = [(full, "")] + ([(zoom, "-zoom")] if zoom else [])
        for window, suffix in windows if "trajectories" in kinds else []:
            keep(Entry(f"trajectories-{key}{suffix}", f"{metric.title} by scenario"
                       + _span(window, suffix), _OVERLAY.format(what=_phrase(metric))),
                 "overlay", table, metric, markers, palette, labels, window)
        if len(stored.scenario_names) > 1 and i == 0 and "difference" in kinds:
            diff = bands(paired_differences(values, baseline))
            diff.attrs["ensemble"] = stored.ensemble
            for window, suffix in windows:
                keep(Entry(f"difference-{key}{suffix}", f"{metric.title}: difference from "
                           f"{baseline}" + _span(window, suffix),
                           _DIFFERENCE.format(baseline=baseline, what=_phrase(metric))),
                     "difference_chart", diff, baseline, metric, markers, palette, labels,
                     window)
        for scenario in stored.scenario_names if i == 0 and "fan" in kinds else []:
            keep(Entry(f"fan-{slug(scenario)}-{key}", f"{scenario}: {metric.title}",
                       _FAN.format(scenario=scenario, what=_phrase(metric))),
                 "fan_chart", table, scenario, metric, markers, palette, labels, full)
    jobs += fans
    if "flows" in kinds:
        _flow_figures(stored, palette, labels, keep)
    if "sweep" in kinds:
        _sweep_figures(stored, palette, keep)
    return jobs


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
        keep(Entry(f"flows-{slug(name)}", f"{name}: who moved their main app where",
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
        keep(Entry(f"sweep-{slug(swept)}", f"Outcomes against {swept}",
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


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")


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
