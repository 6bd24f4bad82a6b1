"""Experiments: which runs to make (the design), and making one run into a Parquet part.

Seeds: one root seed per experiment; replicate k's seed is the k-th child of
``numpy.random.SeedSequence(root)``, and the same for every scenario (common random numbers), so
differences between scenarios are not noise.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario import Scenario


@dataclass(frozen=True)
class RunSpec:
    """One run of the experiment: a scenario, a replicate and its seed."""

    run_id: str
    scenario: str
    replicate: int
    seed: int


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Seeds of replicates 0..n-1, spawned from the root seed with numpy's SeedSequence."""
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [int(child.generate_state(1, dtype=np.uint64)[0]) for child in children]


def make_design(scenarios: list[Scenario], replicates: int, root_seed: int) -> list[RunSpec]:
    """Every scenario × replicate, replicate k with the same seed in every scenario."""
    seeds = replicate_seeds(root_seed, replicates)
    return [
        RunSpec(f"{scenario.name}-r{k:03d}", scenario.name, k, seeds[k])
        for scenario in scenarios
        for k in range(replicates)
    ]


def design_table(design: list[RunSpec]) -> pd.DataFrame:
    return pd.DataFrame([asdict(spec) for spec in design]).astype({"seed": "uint64"})


def simulate(scenario: Scenario, seed: int):
    """Run one scenario with one seed; return (timeseries, flows, cohorts) tables."""
    from sim.model import MigrationModel
    from sim.recorder import cohorts

    model = MigrationModel(scenario, rng=seed).run()
    dates = scenario.simulation.dates
    return (
        model.recorder.timeseries(dates),
        model.recorder.flow_table(dates),
        cohorts(model.users, model.platforms.names, scenario.simulation.days, model.scale),
    )


TABLES = ("timeseries", "flows", "cohorts")


def run_one(scenario: Scenario, spec: RunSpec, folder: str) -> dict:
    """Make one run and write its Parquet parts atomically; never raises.

    Returns:
        A status record: run_id, status (``ok`` or ``failed``), duration, worker, error.
    """
    started = time.perf_counter()
    record = {"run_id": spec.run_id, "status": "ok", "error": "",
              "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        for name, table in zip(TABLES, simulate(scenario, spec.seed), strict=True):
            table.insert(0, "replicate", np.int32(spec.replicate))
            table.insert(0, "scenario", spec.scenario)
            table.insert(0, "run_id", spec.run_id)
            write_atomically(table, Path(folder) / name / f"{spec.run_id}.parquet")
    except Exception as exc:  # a failed run is recorded; the others go on
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}")
        errors = Path(folder) / "errors"
        errors.mkdir(exist_ok=True)
        (errors / f"{spec.run_id}.txt").write_text(traceback.format_exc())
    record["duration_s"] = time.perf_counter() - started
    return record


def write_atomically(table: pd.DataFrame, path: Path) -> None:
    """Write Parquet under a temporary name, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".parquet.partial")
    table.to_parquet(partial, index=False)
    partial.replace(path)
