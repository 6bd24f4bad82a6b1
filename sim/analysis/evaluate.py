"""Many small in-memory runs, in parallel, returning small results (calibration, ablation)."""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

import pandas as pd

from sim.analysis.targets import RunTables, measure
from sim.experiments.runs import run_pool, simulate
from sim.scenario.schema import Scenario


def run_tables(scenario: Scenario, seed: int) -> RunTables:
    """Run once and keep the tables that targets and headline outcomes read."""
    timeseries, _flows, cohorts, profile = simulate(scenario, seed)
    return RunTables(timeseries, cohorts, profile)


def target_values(scenario: Scenario, seed: int) -> list[float]:
    """Every target of the scenario as simulated by one run."""
    run = run_tables(scenario, seed)
    return [measure(target, run, scenario) for target in scenario.targets]


def evaluate(function, jobs: list[tuple], workers: int, pool: Executor | None = None) -> list:
    """``function(*job)`` for every job, in job order, on ``pool`` if given, else on ``workers``
    processes (a pool started for this call)."""
    if pool is not None:
        return list(pool.map(function, *zip(*jobs, strict=True)))
    if workers <= 1:
        return [function(*job) for job in jobs]
    with run_pool(workers) as own:
        return list(own.map(function, *zip(*jobs, strict=True), chunksize=1))


def target_values_of_folder(folder: Path, built) -> dict[int, list[list[float]]]:
    """Every target as simulated by each successful run of a finished experiment of one
    scenario (``built``: what :func:`sim.experiments.start.start` returned), by design point."""
    design = pd.read_parquet(folder / "design.parquet")
    status = pd.read_parquet(folder / "runs.parquet").set_index("run_id")["status"]
    values: dict[int, list[list[float]]] = {p: [] for p in sorted(set(design["point"]))}
    for run in design.itertuples():
        if status.get(run.run_id) != "ok":
            continue
        scenario = built.scenario_of[(run.scenario, run.point)]
        tables = RunTables.read(folder, run.run_id)
        values[run.point].append([measure(t, tables, scenario) for t in scenario.targets])
    return values
