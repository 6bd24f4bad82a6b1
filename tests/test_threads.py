"""Threads and blocks of users change how fast a run goes, never what it gives."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import blocks
from sim.model.migration import MigrationModel
from sim.scenario.loading import load_scenario

STATE = ("account", "engaged", "active", "joined_day", "left_day", "primary")


def outcome(model: MigrationModel) -> dict[str, np.ndarray]:
    """Everything a run records or leaves behind in its users' arrays."""
    return {"metrics": model.recorder.values, "flows": model.recorder.flows,
            "friends_engaged": model.tie_counts.friends,
            **{name: getattr(model.users, name) for name in STATE}}


@pytest.mark.parametrize("scenario", ["observed-2025", "ban-enforced"])
def test_threads_and_blocks_give_the_same_run(scenario, monkeypatch):
    config = load_scenario(scenario, ["simulation.users=6001", "simulation.days=40"])
    expected = outcome(MigrationModel(config, rng=3, threads=1).run())
    monkeypatch.setattr(blocks, "BLOCK", 1000)  # several blocks, the last one odd-sized
    for threads in (1, 2):
        got = outcome(MigrationModel(config, rng=3, threads=threads).run())
        for name, array in expected.items():
            np.testing.assert_array_equal(got[name], array, err_msg=f"{name}, {threads} thread(s)")
