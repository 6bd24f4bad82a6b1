"""Helpers shared by the tests (not a test module): small runs of shipped scenarios, their daily
tables, and small results folders made through the library. Fixtures built on them are in
``conftest.py``."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.cli import main
from sim.experiments.launch import plan_from_options, start
from sim.model.migration import MigrationModel
from sim.scenario.loading import load_scenario

SMALL = ["simulation.users=4000", "simulation.days=45"]  # one run: through the surge and back
FOLDER_SIZE = ["simulation.users=800", "simulation.days=40"]  # a results folder's runs
INLINE = {"kind": "process", "workers": 1, "scheduler": None}  # runs in this process
SCENARIOS = ["observed-2025", "baseline", "ban-enforced"]


def run(name: str, *overrides: str, seed: int = 7) -> MigrationModel:
    """Run a shipped scenario (or a path) at a small size; extra ``--set`` overrides win."""
    scenario = load_scenario(name, [*SMALL, *overrides])
    return MigrationModel(scenario, rng=seed).run()


def daily(model: MigrationModel, metric: str) -> pd.DataFrame:
    """Days × platforms table of one metric (real-world units)."""
    frame = model.recorder.timeseries(model.config.simulation.dates)
    return frame.pivot(index="date", columns="platform", values=metric)


def total(models, metric: str, platform: str) -> float:
    """A metric summed over days and over several replicate runs."""
    return float(sum(daily(m, metric)[platform].sum() for m in models))


def make_folder(folder: Path, names: list[str], sweeps: list[str] = (), replicates: int = 3,
                seed: int | None = None, sets: list[str] = ()) -> Path:
    """A results folder of small runs, made in this process without drawing."""
    plan = plan_from_options(names, [*FOLDER_SIZE, *sets], list(sweeps), None, None, replicates,
                             seed)
    start(plan, folder, INLINE, quiet=True)
    return folder


def stored_runs(folder: Path, scenario: str, table: str = "timeseries") -> list[pd.DataFrame]:
    """The raw Parquet parts of one scenario, read straight from disk."""
    return [pd.read_parquet(p) for p in sorted((folder / table).glob(f"{scenario}-r*.parquet"))]


@dataclass
class Ran:
    """What a command line did: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def cli(*args: str) -> Ran:
    """``sim ARGS`` in this process (``sim.cli.main``, as the ``sim`` command calls it)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return Ran(status, out.getvalue(), err.getvalue())


def sim(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` in a process of its own, where the process is the point (killing
    it, limiting it; ``kwargs`` go to ``subprocess.run``); else :func:`cli`."""
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          timeout=600, check=False, **kwargs)


def assert_same_results(a: Path, b: Path) -> None:
    """Two results folders hold the same Parquet content: every run part (the same parts, and
    some), the summary and the design."""
    for table in ("timeseries", "flows", "cohorts", "profile"):
        names = sorted(p.name for p in (a / table).glob("*.parquet"))
        assert names and names == sorted(p.name for p in (b / table).glob("*.parquet"))
        for name in names:
            pd.testing.assert_frame_equal(pd.read_parquet(a / table / name),
                                          pd.read_parquet(b / table / name))
    for table in ("summary.parquet", "design.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / table), pd.read_parquet(b / table))
