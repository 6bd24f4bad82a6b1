"""Hashes of run outputs, to prove that a change of structure changed no behaviour.

Runs every shipped scenario through ``sim run`` (20,000 users x 60 days, 2 replicates, 2 workers)
and the plain-Mesa reference model at 300 users x 30 days, and prints one sha256 per output:
the daily timeseries and cohorts of each results folder (their data, not the Parquet bytes, which
carry library versions) and the reference model's DataCollector table. Equal hashes before and
after a change mean bit-identical runs.

    python benchmarks/run_hashes.py [--users N] [--days N]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def frame_hash(frame: pd.DataFrame) -> str:
    """sha256 of a table's values, columns and index, in a stable order."""
    frame = frame.reset_index(drop=True)
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def folder_hashes(folder: Path) -> dict[str, str]:
    hashes = {}
    for name in ("timeseries", "cohorts"):
        parts = sorted((folder / name).rglob("*.parquet"))
        if parts:
            frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
            keys = [c for c in ("run_id", "day", "platform", "cohort") if c in frame.columns]
            hashes[name] = frame_hash(frame.sort_values(keys, kind="stable"))
    return hashes


def reference_hash() -> str:
    try:
        from sim.model.reference import ReferenceModel
        from sim.scenario.loading import load_scenario
    except ImportError:  # the layout before subpackages
        from sim.loading import load_scenario
        from sim.reference import ReferenceModel
    scenario = load_scenario("observed-2025", ["simulation.users=300", "simulation.days=30"])
    model = ReferenceModel(scenario, rng=11).run()
    return frame_hash(model.datacollector.get_model_vars_dataframe())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    sim = Path(sys.executable).with_name("sim")
    scenarios = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    with tempfile.TemporaryDirectory() as tmp:
        for name in scenarios:
            out = Path(tmp) / name
            subprocess.run([str(sim), "run", name, "--users", str(args.users), "--days",
                            str(args.days), "--replicates", "2", "--workers", "2", "--quiet",
                            "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
            for table, digest in folder_hashes(out).items():
                print(f"{name:20s} {table:11s} {digest}")
    print(f"{'reference-mesa':20s} {'collector':11s} {reference_hash()}")


if __name__ == "__main__":
    main()
