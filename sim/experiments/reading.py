"""Reading a finished experiment's runs back for analysis: each run's tables, every target as
simulated by each run, outcomes by name per run, and the per-run table of a folder (read a few
runs at a time)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from sim.analysis import run_values
from sim.analysis.run_table import outcome_names, run_table
from sim.analysis.targets import RunTables, measure
from sim.errors import InputError, did_you_mean
from sim.experiments.runs import write_atomically
from sim.experiments.store import Stored, read_results

CHUNK = 200  # runs read at a time: memory stays flat however many runs there are
RUN_OUTCOMES = "run_outcomes"  # the per-run table: run_outcomes.parquet and run_outcomes.csv


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
    return stored.runs.merge(_values(stored, names), on="run_id", how="left")


def _values(stored: Stored, names: list[str]) -> pd.DataFrame:
    """``run_id`` and one column per outcome name, one row per successful run, read a chunk of
    runs at a time."""
    parts = []
    for start in range(0, len(stored.runs), CHUNK):
        chunk = replace(stored, runs=stored.runs.iloc[start:start + CHUNK])
        parts.append(run_values.values(chunk, names))
    return pd.concat(parts, ignore_index=True)


def outcomes_of_folder(folder: Path) -> pd.DataFrame:
    """The per-run table of a finished results folder (:func:`sim.analysis.run_table.run_table`):
    every run of its design, successful or not, with its headline outcomes."""
    design = pd.read_parquet(folder / "design.parquet")
    status = pd.read_parquet(folder / "runs.parquet", columns=["run_id", "status"])
    if not (status["status"] == "ok").any():
        return run_table(design, status, pd.DataFrame({"run_id": pd.Series([], dtype=str)}), {})
    stored = read_results([folder])
    scenarios = {name: stored.scenarios[name] for name in stored.scenario_names}
    values = _values(stored, outcome_names(list(scenarios.values())))
    return run_table(design, status, values, scenarios)


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


def write_run_outcomes(folder: Path) -> list[Path]:
    """Write the per-run table of a finished results folder as ``run_outcomes.parquet`` and
    ``run_outcomes.csv`` (each atomically, replacing an earlier one)."""
    table = outcomes_of_folder(folder)
    parquet, csv = folder / f"{RUN_OUTCOMES}.parquet", folder / f"{RUN_OUTCOMES}.csv"
    write_atomically(table, parquet)
    partial = csv.with_suffix(".csv.partial")
    table.to_csv(partial, index=False)
    partial.replace(csv)
    return [parquet, csv]
