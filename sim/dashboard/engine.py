"""Runs for the dashboard on one process pool shared by every browser session (a *lane*): each
run made once, kept by what it computes; a run no lane wants any more is cancelled, or stopped by
its flag in shared memory within :data:`CHECK_DAYS` days; figures drawn on the same pool."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

from sim.experiments.runs import import_run_code, tables_of
from sim.scenario.schema import Scenario

CHECK_DAYS = 5      # a run no longer wanted stops within this many days (about 20 ms)
SLOTS = 4096        # stop flags in shared memory, one per run in flight
KEPT_RUNS = 240     # finished runs kept for reuse (a run's tables are a few hundred kB)
DPI = 80            # of the figures in the page
_FLAGS = None       # a worker's view of the stop flags


def _start_worker(flags, server: int) -> None:
    """Each worker: the stop flags, the run and figure code imported, and a thread that ends it
    within a second of the server however the server ends (a pool's workers are not told)."""
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
    import sim.report.figures  # noqa: F401


def replicate(scenario: Scenario, seed: int, slot: int):
    """One run's tables (as ``simulate`` returns them), or None if its stop flag was raised."""
    from sim.model.migration import MigrationModel

    model = MigrationModel(scenario, rng=seed)
    for day in range(scenario.simulation.days):
        if slot >= 0 and day % CHECK_DAYS == 0 and _FLAGS is not None and _FLAGS[slot]:
            return None
        model.step()
    return tables_of(model)


def png(function: str, args: tuple) -> bytes:
    """``sim.report.figures.<function>(*args)`` as PNG bytes."""
    import matplotlib.pyplot as plt

    from sim.report import figures

    figure = getattr(figures, function)(*args)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    plt.close(figure)
    return buffer.getvalue()


def run_key(scenario: Scenario, seed: int) -> str:
    """What a run computes: the scenario's model inputs (not its name or words) and the seed."""
    inputs = scenario.model_dump(mode="json", exclude={"name", "question", "experiment",
                                                       "targets"})
    return hashlib.sha256(json.dumps([inputs, int(seed)], sort_keys=True).encode()).hexdigest()


@dataclass
class _Run:
    future: Future
    slot: int  # its stop flag (-1: none free, it cannot be stopped early)
    lanes: set = field(default_factory=set)


class Engine:
    """The process pool (``workers``, default one per core plus one, so that a change's three
    replicates share two cores at once), the runs in flight or kept, and which lanes want which."""

    def __init__(self, workers: int | None = None):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.experiments.runs", "sim.model.migration",
                                        "sim.report.figures"])
        self._flags = context.RawArray("b", SLOTS)
        self._free = list(range(SLOTS))
        self._pool = ProcessPoolExecutor(workers or (os.cpu_count() or 1) + 1, mp_context=context,
                                         initializer=_start_worker,
                                         initargs=(self._flags, os.getpid()))
        self._runs: OrderedDict[str, _Run] = OrderedDict()
        self._lock = threading.RLock()  # a cancelled future calls _release at once

    def want(self, lane: str, jobs: list[tuple[Scenario, int]]) -> list[Future]:
        """The runs ``lane`` wants now, as futures of their tables (None: stopped); the runs it
        wanted before that no lane wants any more are cancelled (none wanted: a lane closed)."""
        with self._lock:
            keys = [run_key(scenario, seed) for scenario, seed in jobs]
            for key, (scenario, seed) in zip(keys, jobs, strict=True):
                run = self._runs.get(key)
                made = run.future if run is not None else None
                if made is None or (made.done() and (made.cancelled() or made.exception() is not
                                                     None or made.result() is None)):  # failed
                    run = self._runs[key] = self._submit(scenario, seed)
                run.lanes.add(lane)
                self._runs.move_to_end(key)
            for key, run in list(self._runs.items()):
                if key not in keys and lane in run.lanes:
                    run.lanes.discard(lane)
                    if not run.lanes and not run.future.done():
                        self._cancel(key, run)
            done = [key for key, run in self._runs.items() if run.future.done() and not run.lanes]
            for key in done[: max(0, len(done) - KEPT_RUNS)]:
                del self._runs[key]
            return [self._runs[key].future for key in keys]

    def draw(self, jobs: list[tuple[str, tuple]]) -> list[Future]:
        """Figures as PNG bytes, drawn on the pool: (function of sim.report.figures, args)."""
        return [self._pool.submit(png, function, args) for function, args in jobs]

    def in_flight(self) -> int:
        with self._lock:
            return sum(not run.future.done() for run in self._runs.values())

    def close(self) -> None:
        with self._lock:
            for key, run in list(self._runs.items()):
                if not run.future.done():
                    self._cancel(key, run)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, scenario: Scenario, seed: int) -> _Run:
        slot = self._free.pop() if self._free else -1
        if slot >= 0:
            self._flags[slot] = 0
        future = self._pool.submit(replicate, scenario, seed, slot)
        future.add_done_callback(lambda _f: self._release(slot))
        return _Run(future, slot)

    def _release(self, slot: int) -> None:
        if slot >= 0:
            with self._lock:
                self._free.append(slot)

    def _cancel(self, key: str, run: _Run) -> None:
        if run.slot >= 0:
            self._flags[run.slot] = 1
        run.future.cancel()
        del self._runs[key]


_ENGINE: Engine | None = None
_ENGINE_LOCK = threading.Lock()


def engine() -> Engine:
    """The server's one engine, made on first use (workers: ``SIM_DASHBOARD_WORKERS``)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            workers = os.environ.get("SIM_DASHBOARD_WORKERS")
            _ENGINE = Engine(int(workers) if workers else None)
        return _ENGINE


def release(lane: str) -> None:
    """A session closed: stop the runs only it wanted (if the engine was ever started)."""
    if _ENGINE is not None:
        _ENGINE.want(lane, [])
