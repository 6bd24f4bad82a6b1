"""The vectorised model and a plain Mesa model (one agent per user) tell the same story.

Both make the same daily decisions from the same motives, but with different random draws, so
they agree in distribution only: the plain Mesa model's daily active shares must lie within the
replicate noise of the vectorised model's.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.migration import MigrationModel
from sim.model.reference import ReferenceModel
from sim.scenario.loading import load_scenario

pytestmark = pytest.mark.slow  # 19 plain-Mesa and vectorised runs

PLATFORMS = ("tiktok", "rednote", "instagram")
SETTINGS = ["simulation.users=800", "simulation.days=40"]  # through the RedNote surge and back
VECTORISED_SEEDS = range(100, 116)
REFERENCE_SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def daily_active_shares():
    """Days × platforms daily active shares of every run: (vectorised runs, plain Mesa runs)."""
    scenario = load_scenario("observed-2025", SETTINGS)
    columns = [list(scenario.platforms).index(name) for name in PLATFORMS]
    n = scenario.simulation.users
    vectorised = np.array([
        MigrationModel(scenario, rng=seed).run().recorder.values[:, columns, 0] / n
        for seed in VECTORISED_SEEDS
    ])
    reference = np.array([
        ReferenceModel(scenario, rng=seed).run().datacollector.get_model_vars_dataframe()[
            [f"dau_{name}" for name in PLATFORMS]].to_numpy()
        for seed in REFERENCE_SEEDS
    ])
    return vectorised, reference, n


@pytest.mark.parametrize("k", range(len(PLATFORMS)), ids=PLATFORMS)
def test_plain_mesa_daily_active_share_matches_over_the_run(daily_active_shares, k):
    vectorised, reference, _ = daily_active_shares
    runs = vectorised[:, :, k].mean(axis=1)  # each run's share averaged over days
    spread = runs.std(ddof=1) * np.sqrt(1 / len(runs) + 1 / len(reference))
    assert abs(reference[:, :, k].mean() - runs.mean()) <= 4 * spread + 1e-9


@pytest.mark.parametrize("k", range(len(PLATFORMS)), ids=PLATFORMS)
def test_plain_mesa_daily_active_share_matches_day_by_day(daily_active_shares, k):
    vectorised, reference, n = daily_active_shares
    # medians over seeds; the median of 3 runs varies about 0.45 times a run's variance
    noise = np.maximum(vectorised[:, :, k].std(axis=0, ddof=1), 1 / n)
    noise *= np.sqrt(1.57 / len(vectorised) + 0.45)
    difference = np.median(reference[:, :, k], axis=0) - np.median(vectorised[:, :, k], axis=0)
    z = np.abs(difference) / noise
    # 40 days that follow each other, through a surge whose size has heavy tails: no day far
    # off, and most days close (a bias of a few per cent would move most days at once)
    assert (z <= 5).all() and np.mean(z <= 2) >= 0.85, np.round(difference / noise, 1)
