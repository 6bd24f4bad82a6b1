"""What the comparison page shows, made from the runs with the project's own functions: the
trajectory figures of ``sim plot`` (median lines, 50/90 % bands, event markers, the paired
difference against the baseline, the flows) and its summary table, in its colours, labels and
units.

:func:`compute` is the whole way from a plan (the scenarios and seeds to compare) to what is shown:
runs wanted from the :class:`~sim.dashboard.engine.Engine`, progress told, figures drawn on the
pool while the summary is computed here. A plan made stale by a newer one stops early.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, CancelledError, wait
from dataclasses import dataclass, replace

import pandas as pd

from sim.analysis.outcomes import run_outcomes
from sim.analysis.trajectories import METRICS, bands, daily, paired_differences
from sim.dashboard.engine import run_key
from sim.experiments.runs import TABLES, replicate_seeds
from sim.experiments.store import RUN_TABLES, Stored
from sim.report import style
from sim.report.drawing import _flow_figures, zoom_window
from sim.report.summary import as_markdown, summary_table
from sim.scenario.schema import Scenario

FLOWS = "flows"
CHOICES = {"dau": "daily users", "signups": "sign-ups", "share": "share", "accounts": "accounts",
           "churn": "going dormant", FLOWS: "flows"}
WINDOWS = ("first weeks", "whole run")
KEPT_OUTCOMES = 64  # scenarios' outcome tables kept for the summary
_OUTCOMES: OrderedDict = OrderedDict()
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Plan:
    """Scenarios to compare on the same seeds (common random numbers)."""

    scenarios: dict[str, Scenario]  # name shown -> scenario: the tweaked, as loaded, baseline
    baseline: str  # the name the paired differences are taken against
    seeds: tuple[int, ...]  # replicate k's seed, as sim run spawns them from the root seed

    @property
    def jobs(self) -> list[tuple[Scenario, int]]:
        """Every run: each scenario with each seed."""
        return [(scenario, seed) for scenario in self.scenarios.values() for seed in self.seeds]

    @classmethod
    def of(cls, tweaked: Scenario, loaded: Scenario, baseline: Scenario | None) -> Plan:
        """The tweaked scenario against the one loaded and the baseline, all three with the
        tweaked one's calendar, size and seeds (as ``sim run`` of the saved file would run it)."""
        same = {"simulation": tweaked.simulation}
        name = loaded.name if loaded.name != tweaked.name else f"{loaded.name} (as loaded)"
        loaded = loaded.model_copy(update={**same, "name": name})
        scenarios = {tweaked.name: tweaked, loaded.name: loaded}
        if baseline is not None and baseline.name not in scenarios:
            scenarios[baseline.name] = baseline.model_copy(update=same)
        reference = baseline.name if baseline is not None else loaded.name
        replicates = tweaked.experiment.replicates or tweaked.simulation.replicates
        return cls(scenarios, reference, tuple(replicate_seeds(tweaked.simulation.seed,
                                                               replicates)))


@dataclass(frozen=True)
class Shown:
    """What the page shows for one plan: the figures as (caption, PNG bytes) in page order, the
    summary table (Markdown, as ``plots/summary.md``; None while it is made), the names compared,
    replicates per scenario and the seconds from asking for the runs to everything drawn."""

    figures: list[tuple[str, bytes]]
    summary: str | None
    scenarios: list[str]
    replicates: int
    seconds: float


def compute(engine, lane: str, plan: Plan, metric: str, window: str,
            current: Callable[[], bool] = lambda: True,
            progress: Callable[[int, int], None] = lambda done, total: None,
            drawn: Callable[[Shown], None] = lambda shown: None) -> Shown | None:
    """Runs, figures and summary table for a plan; None if it went stale (``current()`` false).
    The figures are handed to ``drawn`` as soon as they are made (the summary table follows)."""
    started = time.perf_counter()
    runs = _runs(engine, lane, plan, current, progress)
    if runs is None:
        return None
    stored = stored_of(runs, plan.seeds)
    jobs = figure_jobs(stored, plan.baseline, metric, window)
    drawing = engine.draw([(function, args) for _, function, args in jobs])
    pictures = [(caption, future.result()) for (caption, _, _), future in zip(jobs, drawing,
                                                                               strict=True)]
    if not current():
        return None
    shown = Shown(pictures, None, list(plan.scenarios), len(plan.seeds),
                  time.perf_counter() - started)
    drawn(shown)
    return replace(shown, summary=summary_markdown(runs, plan.seeds, stored),
                   seconds=time.perf_counter() - started)


def _runs(engine, lane: str, plan: Plan, current, progress) -> dict | None:
    """Every run of the plan, as name -> (scenario, tables of each replicate)."""
    futures = engine.want(lane, plan.jobs)
    _, pending = wait(futures, timeout=0)
    kept = len(futures) - len(pending)  # made before: the progress counts the others
    while pending:
        if not current():
            return None
        _, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
        made = len(futures) - len(pending) - kept
        if made and pending:  # (none made: 0 %; all made: the figures follow at once)
            progress(made, len(futures) - kept)
    try:
        results = [future.result() for future in futures]
    except CancelledError:
        return None
    if any(result is None for result in results) or not current():
        return None
    n = len(plan.seeds)
    return {name: (scenario, results[i * n:(i + 1) * n])
            for i, (name, scenario) in enumerate(plan.scenarios.items())}


def stored_of(runs: dict[str, tuple[Scenario, list[tuple]]], seeds: tuple[int, ...]) -> Stored:
    """The runs as :class:`~sim.experiments.store.Stored` reads them from a results folder (the
    same columns), so that the summary and figures are made exactly as ``sim plot`` makes them."""
    rows, parts = [], {name: [] for name in RUN_TABLES}
    for name, (_, replicates) in runs.items():
        for k, tables in enumerate(replicates):
            run_id = f"{name}-r{k:03d}"
            rows.append({"run_id": run_id, "scenario": name, "point": 0, "replicate": k,
                         "seed": seeds[k]})
            for table_name, table in zip(TABLES, tables, strict=True):
                if table_name in parts:
                    parts[table_name].append(table.assign(run_id=run_id, scenario=name,
                                                          point=0, replicate=k))
    stored = Stored([], [], pd.DataFrame(rows), {n: s for n, (s, _) in runs.items()})
    for name, tables in parts.items():  # what Stored would read from the run tables' files
        frame = pd.concat(tables, ignore_index=True)
        if "platform" in frame:
            frame["platform"] = frame["platform"].astype(str)
        stored.__dict__[name] = frame
    return stored


def figure_jobs(stored: Stored, baseline: str, metric: str, window: str
                ) -> list[tuple[str, str, tuple]]:
    """The figures of the page: (caption, function of ``sim.report.figures``, its arguments).
    For a daily metric the scenarios overlaid and their paired difference against the baseline;
    for ``flows`` each scenario's flows of main apps."""
    names = stored.scenario_names
    palette = style.palette_for(names, stored.platforms)
    labels = {p: stored.platform_label(p) for p in stored.platforms}
    if metric == FLOWS:
        jobs: list = []
        _flow_figures(stored, palette, labels,
                      lambda entry, function, *args: jobs.append((entry.title, function, args)))
        return jobs
    first = stored.scenarios[names[0]]
    chosen = METRICS[metric].told(first.words())
    markers = style.markers_of({name: stored.scenarios[name].events for name in names})
    real = {name: s.population.real_users for name, s in stored.scenarios.items()}
    values = daily(stored.timeseries, chosen, real)
    dates = pd.to_datetime(values["date"])
    span = (dates.min(), dates.max())
    if window == WINDOWS[0]:
        span = zoom_window(span, markers) or span
    return [(chosen.title, "overlay", (bands(values), chosen, markers, palette, labels, span)),
            (f"{chosen.title}: difference from {baseline}", "difference_chart",
             (bands(paired_differences(values, baseline)), baseline, chosen, markers, palette,
              labels, span))]


def summary_markdown(runs: dict[str, tuple[Scenario, list[tuple]]], seeds: tuple[int, ...],
                     stored: Stored) -> str:
    """The summary table of ``sim plot`` (``plots/summary.md``) for these runs (``stored``: as
    :func:`stored_of` made them). Each scenario's outcomes are kept by its name and runs: after a
    change only the changed scenario's are computed again."""
    parts = []
    for name, (scenario, replicates) in runs.items():
        key = (name, tuple(run_key(scenario, seed) for seed in seeds))
        with _LOCK:
            outcomes = _OUTCOMES.get(key)
        if outcomes is None:
            outcomes = run_outcomes(stored_of({name: (scenario, replicates)}, seeds))
            with _LOCK:
                _OUTCOMES[key] = outcomes
                while len(_OUTCOMES) > KEPT_OUTCOMES:
                    _OUTCOMES.popitem(last=False)
        parts.append(outcomes)
    summary = summary_table(pd.concat(parts, ignore_index=True), stored)
    return as_markdown(summary, [], f"n = {stored.replicates()} replicates per scenario")
