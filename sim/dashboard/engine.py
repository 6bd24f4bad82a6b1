"""Runs on one process pool shared by every browser session (a *lane*), each made once and kept by
what it computes, and the page's figures and summary table made of them by ``sim plot``'s code."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace

import matplotlib.pyplot as plt
import pandas as pd

from sim.analysis.outcomes import run_outcomes
from sim.analysis.trajectories import METRICS
from sim.experiments.runs import TABLES, import_run_code, replicate_seeds, tables_of
from sim.experiments.store import RUN_TABLES, Stored
from sim.model.migration import MigrationModel
from sim.report import drawing, figures
from sim.report.summary import as_markdown, summary_table
from sim.scenario.schema import Scenario

CHECK_DAYS = 5      # a run no longer wanted stops within this many days (about 20 ms)
SLOTS = 4096        # stop flags in shared memory, one per run in flight
KEPT_RUNS = 240     # finished runs kept for reuse (a run's tables are a few hundred kB)
PROGRESS_EVERY = 0.5  # seconds between progress reports (each draws the page again: 30-60 ms)
DPI = 80            # of the figures in the page
FLOWS = "flows"
CHOICES = {"daily users": "dau", "sign-ups": "signups", "share": "share", "accounts": "accounts",
           "going dormant": "churn", "flows": FLOWS}  # the metric by its button's words
WINDOWS = ("first weeks", "whole run")
_FLAGS = None       # a worker's view of the stop flags
_ENGINE: Engine | None = None  # the server's one (engine())
_ENGINE_LOCK = threading.Lock()


def _start_worker(flags, server: int) -> None:
    """Each worker: the stop flags, and a thread ending it within a second of the server's end."""
    global _FLAGS
    _FLAGS = flags

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(server, 0)
            except (ProcessLookupError, PermissionError):  # gone (or its pid taken by another)
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    import_run_code()


def replicate(scenario: Scenario, seed: int, slot: int):
    """One run's tables (as ``simulate`` returns them), then its outcomes; None: stopped."""
    model = MigrationModel(scenario, rng=seed)
    for day in range(scenario.simulation.days):
        if slot >= 0 and day % CHECK_DAYS == 0 and _FLAGS is not None and _FLAGS[slot]:
            return None
        model.step()
    tables = tables_of(model)
    return (*tables, run_outcomes(stored_of({scenario.name: (scenario, [tables])}, (seed,))))


def png(function: str, args: tuple) -> bytes:
    """``sim.report.figures.<function>(*args)`` as PNG bytes."""
    figure = getattr(figures, function)(*args)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    plt.close(figure)
    return buffer.getvalue()


def run_key(scenario: Scenario, seed: int) -> str:
    """What a run computes: the scenario's model inputs (not its name or words) and the seed."""
    inputs = scenario.model_dump(mode="json", exclude={"name", "question", "experiment", "targets"})
    return hashlib.sha256(json.dumps([inputs, int(seed)], sort_keys=True).encode()).hexdigest()


@dataclass
class _Run:
    future: Future
    slot: int  # its stop flag (-1: none free, it cannot be stopped early)
    lanes: set = field(default_factory=set)


class Engine:
    """The pool (by default a worker per core plus one: a change's three replicates share two
    cores), the runs in flight or kept, and which lanes want which."""

    def __init__(self, workers: int | None = None):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.dashboard.engine"])  # the model, figures, outcomes
        self._flags = context.RawArray("b", SLOTS)
        self._free = list(range(SLOTS))
        self._pool = ProcessPoolExecutor(workers or (os.cpu_count() or 1) + 1, mp_context=context,
                                         initializer=_start_worker,
                                         initargs=(self._flags, os.getpid()))
        self._runs: dict[str, _Run] = {}
        self._lock = threading.Lock()

    def want(self, lane: str, jobs: list[tuple[Scenario, int]]) -> list[Future]:
        """The runs ``lane`` wants now, as futures of what :func:`replicate` returns; the runs it
        wanted before that no lane wants any more are cancelled (none wanted: a lane closed)."""
        with self._lock:
            keys = [run_key(scenario, seed) for scenario, seed in jobs]
            for key, (scenario, seed) in zip(keys, jobs, strict=True):
                made = self._runs[key].future if key in self._runs else None
                if made is None or (made.done() and (made.cancelled() or made.exception()
                                                     or made.result() is None)):  # failed
                    self._runs[key] = self._submit(scenario, seed)
                self._runs[key].lanes.add(lane)
                self._runs[key] = self._runs.pop(key)  # the last wanted, the last dropped
            for key, run in list(self._runs.items()):
                if key not in keys and lane in run.lanes:
                    run.lanes.discard(lane)
                    if not run.lanes and not run.future.done():  # no lane wants it: stop it
                        if run.slot >= 0:
                            self._flags[run.slot] = 1
                        run.future.cancel()
                        del self._runs[key]
            done = [key for key, run in self._runs.items() if run.future.done() and not run.lanes]
            for key in done[: max(0, len(done) - KEPT_RUNS)]:
                del self._runs[key]
            return [self._runs[key].future for key in keys]

    def draw(self, jobs: list[tuple[str, str, tuple]]) -> list[Future]:
        """Figures as PNG bytes, drawn on the pool, of (caption, ``figures`` function, args)."""
        return [self._pool.submit(png, function, args) for _, function, args in jobs]

    def in_flight(self) -> int:
        return sum(not run.future.done() for run in list(self._runs.values()))

    def close(self) -> None:
        for lane in {lane for run in list(self._runs.values()) for lane in run.lanes}:
            self.want(lane, [])  # every run in flight has a lane
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, scenario: Scenario, seed: int) -> _Run:
        slot = self._free.pop() if self._free else -1
        if slot >= 0:
            self._flags[slot] = 0
        future = self._pool.submit(replicate, scenario, seed, slot)
        if slot >= 0:  # (a list's append and pop are atomic: no lock)
            future.add_done_callback(lambda _f: self._free.append(slot))
        return _Run(future, slot)


def engine() -> Engine:
    """The server's one engine, made on first use (workers: ``SIM_DASHBOARD_WORKERS``)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = Engine(int(os.environ.get("SIM_DASHBOARD_WORKERS") or 0) or None)
        return _ENGINE


def release(lane: str) -> None:
    """A session closed: stop the runs only it wanted (if the engine was ever started)."""
    if _ENGINE is not None:
        _ENGINE.want(lane, [])


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
        seeds = replicate_seeds(tweaked.simulation.seed, tweaked.experiment.replicates
                                or tweaked.simulation.replicates)
        return cls(scenarios, reference, tuple(seeds))


@dataclass(frozen=True)
class Shown:
    """What the page shows for one plan."""

    figures: list[tuple[str, bytes]]  # (caption, PNG) in page order
    summary: str | None  # Markdown, as plots/summary.md (None while it is made)
    scenarios: list[str]
    replicates: int
    seconds: float  # from asking for the runs to everything made


def compute(pool: Engine, lane: str, plan: Plan, metric: str, window: str,
            current: Callable[[], bool] = lambda: True, progress: Callable = lambda *_: None,
            drawn: Callable[[Shown], None] = lambda shown: None) -> Shown | None:
    """Runs, figures (handed to ``drawn`` when made) and summary table for a plan; None if it
    went stale (``current()`` false); ``progress(made, total)`` and ``drawn`` told only while so."""
    started, told = time.perf_counter(), float("-inf")  # told: when progress last was
    futures = pool.want(lane, plan.jobs)
    _, pending = wait(futures, timeout=0)
    kept = len(futures) - len(pending)  # made before: the progress counts the others
    while pending:
        if not current():
            return None
        _, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
        made = len(futures) - len(pending) - kept
        # (none made: 0 %; all made: the figures follow at once; each time told, a page render)
        if made and pending and time.perf_counter() - told >= PROGRESS_EVERY and current():
            told = time.perf_counter()
            progress(made, len(futures) - kept)
    if any(future.cancelled() or future.result() is None for future in futures) or not current():
        return None
    results, n = [future.result() for future in futures], len(plan.seeds)
    runs = {name: (scenario, results[i * n:(i + 1) * n])
            for i, (name, scenario) in enumerate(plan.scenarios.items())}
    stored = stored_of(runs, plan.seeds)
    jobs = figure_jobs(stored, plan.baseline, metric, window)
    pictures = [(caption, future.result())  # drawn on the pool
                for (caption, _, _), future in zip(jobs, pool.draw(jobs), strict=True)]
    if not current():
        return None
    shown = Shown(pictures, None, list(plan.scenarios), n, time.perf_counter() - started)
    drawn(shown)
    outcomes = [made[-1].assign(scenario=name) for name, (_, replicates) in runs.items()
                for made in replicates]  # each run's, made with it
    summary = summary_table(pd.concat(outcomes, ignore_index=True), stored)
    return replace(shown, summary=as_markdown(summary, [], f"n = {n} replicates per scenario"),
                   seconds=time.perf_counter() - started)


def stored_of(runs: dict[str, tuple[Scenario, list[tuple]]], seeds: tuple[int, ...]) -> Stored:
    """The runs as :class:`~sim.experiments.store.Stored` reads them from a results folder."""
    ids = [{"run_id": f"{name}-r{k:03d}", "scenario": name, "point": 0, "replicate": k}
           for name, (_, replicates) in runs.items() for k in range(len(replicates))]
    made = [out for _, replicates in runs.values() for out in replicates]
    stored = Stored([], [], pd.DataFrame([{**run, "seed": seeds[run["replicate"]]} for run in ids]),
                    {name: scenario for name, (scenario, _) in runs.items()})
    for name in RUN_TABLES:  # what Stored would read from the run tables' files
        parts = [out[TABLES.index(name)].assign(**run) for run, out in zip(ids, made, strict=True)]
        frame = pd.concat(parts, ignore_index=True)
        if "platform" in frame:
            frame["platform"] = frame["platform"].astype(str)
        stored.__dict__[name] = frame
    return stored


def figure_jobs(stored: Stored, baseline: str, metric: str, window: str
                ) -> list[tuple[str, str, tuple]]:
    """(caption, ``figures`` function, args) as ``sim plot`` makes them: a metric, or flows."""
    if metric == FLOWS:
        return [(job.entry.title, job.function, job.args)
                for job in drawing.figure_jobs(stored, baseline, [], [], (FLOWS,))]
    chosen = METRICS[metric].told(stored.scenarios[stored.scenario_names[0]].words())
    jobs = drawing.figure_jobs(stored, baseline, [chosen], [], ("trajectories", "difference"))
    zoomed = [job for job in jobs if job.entry.stem.endswith("-zoom")]  # none: no early events
    jobs = zoomed if window == WINDOWS[0] and zoomed else [j for j in jobs if j not in zoomed]
    captions = (chosen.title, f"{chosen.title}: difference from {baseline}")
    return [(caption, job.function, job.args) for caption, job in zip(captions, jobs, strict=True)]
