"""Shared helpers: small, fast runs of shipped scenarios."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.model.migration import MigrationModel
from sim.scenario.loading import load_scenario

SMALL = ["simulation.users=4000", "simulation.days=45"]


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


@pytest.fixture(scope="session")
def observed():
    return [run("observed-2025", seed=s) for s in (1, 2, 3)]
