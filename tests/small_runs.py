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

import numpy as np
import pandas as pd

from sim.analysis.targets import measure
from sim.cli import main
from sim.experiments.evaluate import run_tables
from sim.experiments.launch import plan_from_options, start
from sim.experiments.runs import replicate_seeds
from sim.model.migration import MigrationModel
from sim.scenario.loading import SCENARIO_DIR, load_scenario

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


FIT_SIZE = ["simulation.users=6000", "simulation.days=30"]  # a calibration's candidates
SYNTHETIC = [  # targets a fit can read: sign-ups and daily users around the 2025 wave
    ("rednote", "signups", "sum", "start = 2025-01-01\nend = 2025-01-09"),
    ("rednote", "dau_us", "on", "date = 2025-01-14"),
    ("rednote", "signups", "sum", "start = 2025-01-08\nend = 2025-01-16"),
    ("rednote", "signups", "sum", "start = 2025-01-17\nend = 2025-01-25"),
    ("lemon8", "signups", "sum", "start = 2025-01-08\nend = 2025-01-18"),
]


def synthetic_episode(folder: Path, name: str, parent: str, truth: dict[str, float]) -> Path:
    """A scenario ``name`` (extending the shipped ``parent``) whose targets are the model's own
    output at the fields' values ``truth`` (2 replicates at ``FIT_SIZE``; tolerance 10 %)."""
    body = "".join(
        f'[[targets]]\nid = "{name[0].upper()}{i}"\nmetric = "{metric}"\n'
        f'platform = "{platform}"\nstat = "{stat}"\n{when}\nvalue = 1.0\ntolerance = 1.0\n'
        f'source = "synthetic"\n' for i, (platform, metric, stat, when) in enumerate(SYNTHETIC))
    head = f'extends = "{SCENARIO_DIR / parent}.toml"\nname = "{name}"\n'
    draft = folder / f"{name}-draft.toml"
    draft.write_text(head + body)
    exact = load_scenario(draft, [*FIT_SIZE, *(f"{k}={v}" for k, v in truth.items())])
    runs = [run_tables(exact, seed) for seed in replicate_seeds(5, 2)]
    values = [np.median([measure(t, one, exact) for one in runs]) for t in exact.targets]
    lines = body.split("\n")
    for value in values:
        index = lines.index("value = 1.0")
        lines[index] = f"value = {float(value)!r}"
        lines[index + 1] = f"tolerance = {max(0.1 * float(value), 1.0)!r}"
    path = folder / f"{name}.toml"
    path.write_text(head + "\n".join(lines))
    return path
