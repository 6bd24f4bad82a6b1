"""Reading a finished experiment's runs back for analysis: each run's tables, every target as
simulated by each run, and outcomes by name per run (read a few runs at a time)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from sim.analysis import run_values
from sim.analysis.targets import RunTables, measure
from sim.errors import InputError, did_you_mean
from sim.experiments.store import Stored

CHUNK = 200  # runs read at a time: memory stays flat however many runs there are


def read_run(folder: Path, run: str) -> RunTables:
    """The tables of run ``run`` of a results folder."""
    return RunTables(*(pd.read_parquet(folder / table / f"{run}.parquet")
                       for table in ("timeseries", "cohorts", "profile")))


def read_runs(folder: Path, runs: pd.DataFrame, scenario: str) -> list[RunTables]:
    """The tables of every successful run of one scenario in a results folder."""
    ok = runs[(runs["status"] == "ok") & (runs["scenario"] == scenario)]
    return [read_run(folder, run) for run in sorted(ok["run_id"])]


def target_values_of_folder(folder: Path, built) -> dict[tuple[str, int], list[list[float]]]:
    """Every target as simulated by each successful run of a finished experiment (``built``:
    what :func:`sim.experiments.launch.start` returned), by scenario and design point."""
    design = pd.read_parquet(folder / "design.parquet")
    status = pd.read_parquet(folder / "runs.parquet").set_index("run_id")["status"]
    values: dict[tuple[str, int], list[list[float]]] = {
        key: [] for key in sorted(set(zip(design["scenario"], design["point"], strict=True)))}
    for run in design.itertuples():
        if status.get(run.run_id) != "ok":
            continue
        scenario = built.scenario_of[(run.scenario, run.point)]
        tables = read_run(folder, run.run_id)
        values[(run.scenario, run.point)].append([measure(t, tables, scenario)
                                                  for t in scenario.targets])
    return values


def per_run(stored: Stored, names: list[str]) -> pd.DataFrame:
    """One row per successful run (its identity and design values) and one column per outcome
    name (:mod:`sim.analysis.run_values`)."""
    parts = []
    for start in range(0, len(stored.runs), CHUNK):
        chunk = replace(stored, runs=stored.runs.iloc[start:start + CHUNK])
        parts.append(run_values.values(chunk, names))
    wide = pd.concat(parts, ignore_index=True)
    return stored.runs.merge(wide, on="run_id", how="left")


def cases_of(stored: Stored, outcome: str, scenario: str | None = None) -> pd.DataFrame:
    """One row per run of one scenario: the uncertain fields and the outcome's value."""
    names = stored.scenario_names
    name = scenario or names[0]
    if name not in names:
        raise InputError("--scenario", name, "not in these results" + did_you_mean(name, names))
    fields = stored.ensemble["fields"] if stored.ensemble else stored.swept
    if not fields:
        raise InputError("RESULTS", str(stored.folders[0]), "its runs do not vary any field (make "
                         "it with --sweep, --design, sim sensitivity or --posterior)")
    run_values.check([outcome], stored.scenarios[name])
    mine = replace(stored, runs=stored.runs[stored.runs["scenario"] == name].reset_index(drop=True))
    values = per_run(mine, [outcome])
    return values[[*fields, outcome]].dropna().reset_index(drop=True)
