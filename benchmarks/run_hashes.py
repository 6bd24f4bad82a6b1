"""Hashes of run outputs: the committed baseline of results, and the proof that a change of
structure changed no behaviour.

The baseline (``tests/baseline.json``, checked by ``tests/test_baselines.py``) is every shipped
scenario at 1,000 users over its whole calendar, 2 replicates (side by side on 2 processes), and
the plain-Mesa reference model at 300 users x 30 days: one sha256 per output, of the daily
timeseries and cohorts (their data, not the Parquet bytes, which carry library versions) and of
the reference model's DataCollector table. Equal hashes mean bit-identical runs.

    python benchmarks/run_hashes.py           # compare with the baseline (exit 1 if not equal)
    python benchmarks/run_hashes.py --update  # a behaviour change on purpose: write it
    python benchmarks/run_hashes.py --users 20000 --days 60  # print hashes of larger runs
                                              # (through `sim run`, 2 workers)

``make baseline`` is the second command. A commit that changes behaviour on purpose updates the
baseline in a commit of its own that says why.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "baseline.json"
BASELINE_SIZE = ["simulation.users=1000"]  # each scenario's whole calendar
BASELINE_REPLICATES = 2
REFERENCE_SIZE = ["simulation.users=300", "simulation.days=30"]
# Libraries whose numerics decide the bits: hashes made with other versions may differ.
NUMERIC_LIBRARIES = ("numpy", "scipy", "pandas", "mesa")


def frame_hash(frame: pd.DataFrame) -> str:
    """sha256 of a table's values, columns and index, in a stable order."""
    frame = frame.reset_index(drop=True)
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def folder_hashes(folder: Path) -> dict[str, str]:
    """Hashes of a results folder's daily timeseries and cohorts (whatever the parts)."""
    hashes = {}
    for name in ("timeseries", "cohorts"):
        parts = sorted((folder / name).rglob("*.parquet"))
        if parts:
            frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
            keys = [c for c in ("run_id", "day", "platform", "cohort") if c in frame.columns]
            hashes[name] = frame_hash(frame.sort_values(keys, kind="stable"))
    return hashes


def reference_hash() -> str:
    """Hash of the plain-Mesa reference model's DataCollector table (observed-2025, small)."""
    from sim.model.reference import ReferenceModel
    from sim.scenario.loading import load_scenario

    scenario = load_scenario("observed-2025", REFERENCE_SIZE)
    model = ReferenceModel(scenario, rng=11).run()
    return frame_hash(model.datacollector.get_model_vars_dataframe())


def shipped_scenarios() -> list[str]:
    return sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))


def baseline_hashes() -> dict[str, str]:
    """Every shipped scenario at the baseline's size, and the reference model: ``{"scenario
    table": hash}``. Each scenario's replicates run side by side on one pool of processes, kept
    for every scenario (the results are the same for any number of workers)."""
    from sim.experiments.executors import kept_pools
    from sim.experiments.launch import plan_from_options, start

    hashes = {}
    pool = {"kind": "process", "workers": BASELINE_REPLICATES, "scheduler": None}
    with tempfile.TemporaryDirectory() as tmp, kept_pools():
        for name in shipped_scenarios():
            plan = plan_from_options([name], BASELINE_SIZE, [], None, None,
                                     BASELINE_REPLICATES, None)
            _, runs = start(plan, Path(tmp) / name, pool, quiet=True)
            failed = runs[runs["status"] != "ok"]
            if len(failed):
                raise RuntimeError(f"{name}: {failed['error'].iloc[0]}")
            for table, digest in folder_hashes(Path(tmp) / name).items():
                hashes[f"{name} {table}"] = digest
    hashes["reference-mesa collector"] = reference_hash()
    return hashes


def libraries() -> dict[str, str]:
    return {name: version(name) for name in NUMERIC_LIBRARIES}


def read_baseline() -> dict:
    return json.loads(BASELINE.read_text())


def differences(expected: dict[str, str], found: dict[str, str]) -> list[str]:
    """One line per output whose hash is not the baseline's (or that is new or gone)."""
    return [f"{key}: baseline {expected.get(key, '(none)')}, now {found.get(key, '(none)')}"
            for key in sorted(set(expected) | set(found)) if expected.get(key) != found.get(key)]


def write_baseline(hashes: dict[str, str]) -> None:
    document = {"size": BASELINE_SIZE, "replicates": BASELINE_REPLICATES,
                "reference": REFERENCE_SIZE, "libraries": libraries(), "hashes": hashes}
    BASELINE.write_text(json.dumps(document, indent=2) + "\n")


def _larger_runs(users: int, days: int) -> None:
    """Print the hashes of every shipped scenario through ``sim run`` (2 workers)."""
    sim = Path(sys.executable).with_name("sim")
    with tempfile.TemporaryDirectory() as tmp:
        for name in shipped_scenarios():
            out = Path(tmp) / name
            subprocess.run([str(sim), "run", name, "--users", str(users), "--days", str(days),
                            "--replicates", "2", "--workers", "2", "--quiet", "--out", str(out)],
                           check=True, stdout=subprocess.DEVNULL)
            for table, digest in folder_hashes(out).items():
                print(f"{name:22s} {table:11s} {digest}")
    print(f"{'reference-mesa':22s} {'collector':11s} {reference_hash()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="write tests/baseline.json (a behaviour change on purpose)")
    parser.add_argument("--users", type=int, help="print hashes of runs of this size instead")
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    if args.users:
        _larger_runs(args.users, args.days)
        return 0
    found = baseline_hashes()
    if args.update:
        write_baseline(found)
        print(f"wrote {BASELINE.relative_to(ROOT)}: {len(found)} hashes")
        return 0
    changed = differences(read_baseline()["hashes"], found)
    print("\n".join(changed) if changed else f"same as the baseline: {len(found)} hashes")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
