"""The committed baseline of results (``tests/baseline.json``), as Covasim's test_baselines: every
shipped scenario at a small size, hashed; the test fails when any output drifts.

A change of structure must leave every hash as it is. A change of behaviour on purpose updates
the baseline with ``make baseline`` (``python benchmarks/run_hashes.py --update``), in a commit
of its own that says why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import run_hashes


def test_every_shipped_scenario_and_the_reference_give_the_committed_hashes():
    baseline = run_hashes.read_baseline()
    found = run_hashes.baseline_hashes()
    changed = run_hashes.differences(baseline["hashes"], found)
    if changed and baseline["libraries"] != run_hashes.libraries():
        pytest.skip(f"numeric libraries differ from the baseline's ({baseline['libraries']} vs "
                    f"{run_hashes.libraries()}): run `make baseline` to remake it with these")
    assert not changed, ("results drifted from tests/baseline.json (a behaviour change on "
                         "purpose? then `make baseline`, in a commit that says why):\n"
                         + "\n".join(changed))


def test_the_baseline_covers_every_shipped_scenario():
    keys = run_hashes.read_baseline()["hashes"]
    for name in run_hashes.shipped_scenarios():
        assert f"{name} timeseries" in keys and f"{name} cohorts" in keys, name
    assert "reference-mesa collector" in keys
