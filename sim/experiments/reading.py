"""Reading a finished experiment's runs back for analysis: each run's tables, and every target as
simulated by each run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.targets import RunTables, measure


def read_run(folder: Path, run: str) -> RunTables:
    """The tables of run ``run`` of a results folder."""
    return RunTables(*(pd.read_parquet(folder / table / f"{run}.parquet")
                       for table in ("timeseries", "cohorts", "profile")))


def read_runs(folder: Path, runs: pd.DataFrame, scenario: str) -> list[RunTables]:
    """The tables of every successful run of one scenario in a results folder."""
    ok = runs[(runs["status"] == "ok") & (runs["scenario"] == scenario)]
    return [read_run(folder, run) for run in sorted(ok["run_id"])]


def target_values_of_folder(folder: Path, built) -> dict[int, list[list[float]]]:
    """Every target as simulated by each successful run of a finished experiment of one
    scenario (``built``: what :func:`sim.experiments.launch.start` returned), by design point."""
    design = pd.read_parquet(folder / "design.parquet")
    status = pd.read_parquet(folder / "runs.parquet").set_index("run_id")["status"]
    values: dict[int, list[list[float]]] = {p: [] for p in sorted(set(design["point"]))}
    for run in design.itertuples():
        if status.get(run.run_id) != "ok":
            continue
        scenario = built.scenario_of[(run.scenario, run.point)]
        tables = read_run(folder, run.run_id)
        values[run.point].append([measure(t, tables, scenario) for t in scenario.targets])
    return values
