"""Fixtures shared by the test modules; the helpers they are built on are in ``small_runs.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from small_runs import SCENARIOS, make_folder, run


@pytest.fixture(scope="session")
def observed():
    """Three small replicates of the observed 2025 timeline (seeds 1, 2, 3)."""
    return [run("observed-2025", seed=s) for s in (1, 2, 3)]


@pytest.fixture(scope="session")
def baseline_runs():
    """Three small replicates of the baseline, with no ban threat (seeds 1, 2, 3)."""
    return [run("baseline", seed=s) for s in (1, 2, 3)]


@pytest.fixture(scope="session")
def three_scenarios(tmp_path_factory) -> Path:
    """A results folder of observed-2025, baseline and ban-enforced (800 users, 40 days,
    3 replicates), made once. Tests read it, and may draw into its ``plots/``, nothing else."""
    return make_folder(tmp_path_factory.mktemp("results") / "three", SCENARIOS)
