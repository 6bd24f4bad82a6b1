"""What the comparison page shows, made by ``sim plot``'s own functions: its trajectory figures and
summary table. :func:`compute` goes from a plan (scenarios and seeds) to them: runs wanted from the
engine, progress told, figures drawn on its pool while the summary is made here."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, CancelledError, wait
from dataclasses import dataclass, replace

import pandas as pd

from sim.analysis.outcomes import run_outcomes
from sim.analysis.trajectories import METRICS
from sim.dashboard.engine import run_key
from sim.experiments.runs import TABLES, replicate_seeds
from sim.experiments.store import RUN_TABLES, Stored
from sim.report import drawing
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
        return [(scenario, seed) for scenario in self.scenarios.values() for seed in self.seeds]

    @classmethod
    def of(cls, tweaked: Scenario, loaded: Scenario, baseline: Scenario | None) -> Plan:
        """The tweaked scenario, the one loaded and the baseline, all with the tweaked size."""
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
    """What the page shows for one plan."""

    figures: list[tuple[str, bytes]]  # (caption, PNG) in page order
    summary: str | None  # Markdown, as plots/summary.md (None while it is made)
    scenarios: list[str]
    replicates: int
    seconds: float  # from asking for the runs to everything made


def compute(engine, lane: str, plan: Plan, metric: str, window: str,
            current: Callable[[], bool] = lambda: True,
            progress: Callable[[int, int], None] = lambda done, total: None,
            drawn: Callable[[Shown], None] = lambda shown: None) -> Shown | None:
    """Runs, figures (handed to ``drawn`` when made) and summary table for a plan; None if it
    went stale (``current()`` false)."""
    started = time.perf_counter()
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
    runs = {name: (scenario, results[i * n:(i + 1) * n])
            for i, (name, scenario) in enumerate(plan.scenarios.items())}
    stored = stored_of(runs, plan.seeds)
    jobs = figure_jobs(stored, plan.baseline, metric, window)
    made = engine.draw([(function, args) for _, function, args in jobs])  # on the pool
    pictures = [(caption, future.result()) for (caption, _, _), future in zip(jobs, made,
                                                                               strict=True)]
    if not current():
        return None
    shown = Shown(pictures, None, list(plan.scenarios), len(plan.seeds),
                  time.perf_counter() - started)
    drawn(shown)
    return replace(shown, summary=summary_markdown(runs, plan.seeds, stored),
                   seconds=time.perf_counter() - started)


def stored_of(runs: dict[str, tuple[Scenario, list[tuple]]], seeds: tuple[int, ...]) -> Stored:
    """The runs as :class:`~sim.experiments.store.Stored` reads them from a results folder."""
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
    """(caption, function of ``sim.report.figures``, arguments), as ``sim plot`` makes them: a
    daily metric overlaid and its paired difference from the baseline, or each scenario's flows."""
    if metric == FLOWS:
        return [(job.entry.title, job.function, job.args)
                for job in drawing.figure_jobs(stored, baseline, [], [], (FLOWS,))]
    chosen = METRICS[metric].told(stored.scenarios[stored.scenario_names[0]].words())
    jobs = drawing.figure_jobs(stored, baseline, [chosen], [], ("trajectories", "difference"))
    zoomed = [job for job in jobs if job.entry.stem.endswith("-zoom")]  # none: no early events
    jobs = zoomed if window == WINDOWS[0] and zoomed else [j for j in jobs if j not in zoomed]
    captions = (chosen.title, f"{chosen.title}: difference from {baseline}")
    return [(caption, job.function, job.args) for caption, job in zip(captions, jobs, strict=True)]


def summary_markdown(runs: dict[str, tuple[Scenario, list[tuple]]], seeds: tuple[int, ...],
                     stored: Stored) -> str:
    """``plots/summary.md`` of these runs; each scenario's outcomes are kept by name and runs."""
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
