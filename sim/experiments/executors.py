"""Run an experiment's design through a ``concurrent.futures`` executor into a results store.

Each run writes its own Parquet parts and a status file, atomically, so that the store on disk is
always consistent: a killed experiment loses at most the runs in flight, and ``--resume`` makes
only what is missing or failed. Memory stays flat: only small status records come back.
"""

from __future__ import annotations

import contextlib
import json
import os
from concurrent.futures import Executor, Future, as_completed
from pathlib import Path

import pandas as pd

from sim.errors import InputError, InterruptionError, optional
from sim.experiments.dictionary import write_datapackage
from sim.experiments.progress import Progress
from sim.experiments.reading import write_run_outcomes
from sim.experiments.runs import RunSpec, is_complete, run_one, run_pool, write_status
from sim.experiments.store import finish_manifest, summarise

EXECUTORS = ("process", "dask")
_kept: dict | None = None  # within kept_pools(): the open process pools, by number of workers


def default_workers() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class InlineExecutor(Executor):
    """Runs each task at once in this process (``--workers 1``): no pool, same interface."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to the caller through the future (not Ctrl-C)
            future.set_exception(exc)
        return future


@contextlib.contextmanager
def open_executor(kind: str, workers: int, scheduler: str | None = None):
    """The executor to run on: a local process pool, inline, or a Dask cluster.

    Raises:
        InputError: for an unknown executor, a missing Dask extra or an unreachable scheduler.
    """
    if kind == "process":
        keep = _kept is not None and workers > 1
        if workers <= 1:
            executor = InlineExecutor()
        else:  # within kept_pools(), the pool the last experiment left open if there is one
            executor = (_kept.pop(workers, None) if keep else None) or run_pool(workers)
        try:
            yield executor
        except BaseException:  # interrupted or failed: stop the workers now, not after their runs
            _stop(executor)
            raise
        if keep:
            _kept[workers] = executor
        else:
            executor.shutdown()
        return
    if kind != "dask":
        raise InputError("--executor", kind, f"unknown executor (one of: {', '.join(EXECUTORS)})")
    client = _dask_client(scheduler)
    try:
        yield client.get_executor()
    finally:
        client.close()


@contextlib.contextmanager
def kept_pools():
    """Within: a process pool that :func:`open_executor` opens stays open for the next
    experiment with as many workers (a search that runs batch after batch), so that its workers
    keep what they imported and cached (the population built for each seed); shut down at the
    end."""
    global _kept
    outer, _kept = _kept, {} if _kept is None else _kept
    try:
        yield
    finally:
        if outer is None:
            for executor in _kept.values():
                executor.shutdown()
            _kept = None


def _stop(executor: Executor) -> None:
    """Shut a pool down at once: queued runs cancelled, running workers ended (their half-written
    parts stay ``.partial`` and are removed by ``--resume``)."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def _dask_client(scheduler: str | None):
    if not scheduler:
        raise InputError("--scheduler", "", "--executor dask needs --scheduler tcp://HOST:8786")
    distributed = optional("distributed", "--executor dask")
    try:
        return distributed.Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError("--scheduler", scheduler, f"cannot reach the Dask scheduler ({exc})"
                         ) from None


def pending_runs(folder: Path, design: list[RunSpec]) -> list[RunSpec]:
    """Runs of the design that are missing or failed; stale partial files are removed."""
    for stale in folder.rglob("*.partial"):
        stale.unlink()
    return [spec for spec in design if not is_complete(folder, spec.run_id)]


def execute(executor: Executor, scenario_of: dict, runs: list[RunSpec], folder: Path,
            quiet: bool = False) -> None:
    """Submit every run; gather only their small status records. A run whose worker was lost
    (killed, out of memory, a Dask worker gone) is recorded as failed and the others go on.

    Raises:
        InterruptionError: on Ctrl-C, once the pool is stopped.
    """
    done = failed = 0
    with Progress(len(runs), "runs", "experiment", quiet) as progress:
        try:
            spec_of = {executor.submit(run_one, scenario_of[(s.scenario, s.point)], s,
                                       str(folder)): s for s in runs}
            for future in as_completed(spec_of):
                record = _record(future, spec_of[future], folder)
                done, failed = done + 1, failed + (record["status"] != "ok")
                progress.update(done, f"run {record['run_id']} {record['status']} in "
                                f"{record['duration_s']:.1f}s", f"{failed} failed")
        except KeyboardInterrupt:
            finished = sum(is_complete(folder, spec.run_id) for spec in runs)
            raise InterruptionError(folder, finished, len(runs)) from None


def _record(future: Future, spec: RunSpec, folder: Path) -> dict:
    """The run's status record; for a run whose worker was lost, a failed one, written down."""
    try:
        return future.result()
    except Exception as exc:  # the worker process died, or could not write its status
        record = {"run_id": spec.run_id, "status": "failed", "worker": "",
                  "error": f"worker lost: {type(exc).__name__}: {exc}", "duration_s": float("nan")}
        with contextlib.suppress(OSError):
            write_status(folder, record)
        return record


def finalize(folder: Path, design: list[RunSpec], manifest: dict) -> pd.DataFrame:
    """Assemble runs.parquet, summary.parquet, the per-run table and the data dictionary
    (datapackage.json) from the store, and complete the manifest."""
    runs = runs_table(folder, design)
    runs.to_parquet(folder / "runs.parquet", index=False)
    ok = runs[runs["status"] == "ok"]
    if len(ok):
        summary_of(folder, ok).to_parquet(folder / "summary.parquet", index=False)
    write_run_outcomes(folder)
    write_datapackage(folder)
    finish_manifest(folder, manifest, runs)
    return runs


def runs_table(folder: Path, design: list[RunSpec]) -> pd.DataFrame:
    rows = []
    for spec in design:
        path = folder / "status" / f"{spec.run_id}.json"
        record = json.loads(path.read_text()) if path.exists() else {
            "run_id": spec.run_id, "status": "missing", "error": "", "worker": "",
            "duration_s": float("nan")}
        if record["status"] == "ok" and not is_complete(folder, spec.run_id):
            record["status"] = "missing"
        rows.append({**record, "scenario": spec.scenario, "point": spec.point,
                     "replicate": spec.replicate})
    return pd.DataFrame(rows)


def summary_of(folder: Path, ok_runs: pd.DataFrame) -> pd.DataFrame:
    """Quantiles across replicates, one scenario and design point at a time (flat memory)."""
    parts = []
    for _, group in ok_runs.groupby(["scenario", "point"], sort=True):
        frames = [pd.read_parquet(folder / "timeseries" / f"{run}.parquet")
                  for run in sorted(group["run_id"])]
        parts.append(summarise(pd.concat(frames, ignore_index=True)))
    return pd.concat(parts, ignore_index=True)

