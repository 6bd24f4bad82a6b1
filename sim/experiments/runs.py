"""Experiments: which runs to make (the design), and making one run into a Parquet part.

Seeds: one root seed per experiment; replicate k's seed is the k-th child of
``numpy.random.SeedSequence(root)``, and the same for every scenario (common random numbers), so
differences between scenarios are not noise.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class RunSpec:
    """One run of the experiment: a scenario at one design point, a replicate and its seed."""

    run_id: str
    scenario: str
    point: int
    replicate: int
    seed: int


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Seeds of replicates 0..n-1, spawned from the root seed with numpy's SeedSequence."""
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [int(child.generate_state(1, dtype=np.uint64)[0]) for child in children]


def make_design(names: list[str], n_points: int, replicates: int, root_seed: int
                ) -> list[RunSpec]:
    """Every scenario × design point × replicate; replicate k has the same seed everywhere."""
    seeds = replicate_seeds(root_seed, replicates)
    return [
        RunSpec(run_id(name, p, k, n_points), name, p, k, seeds[k])
        for name in names
        for p in range(n_points)
        for k in range(replicates)
    ]


def run_id(scenario: str, point: int, replicate: int, n_points: int) -> str:
    point_part = f"-p{point:03d}" if n_points > 1 else ""
    return f"{scenario}{point_part}-r{replicate:03d}"


def design_table(design: list[RunSpec], points: list[dict[str, float]]) -> pd.DataFrame:
    """One row per run: run id, scenario, point, replicate, seed and the swept values."""
    table = pd.DataFrame([asdict(spec) for spec in design]).astype({"seed": "uint64"})
    for name in points[0] if points else {}:
        table[name] = [points[p][name] for p in table["point"]]
    return table


def import_run_code() -> None:
    """Import what making a run needs (the model, Mesa, Parquet writing), which takes longer
    than a small run: called once per worker process, before its first run."""
    import pyarrow.parquet  # noqa: F401

    import sim.model.migration  # noqa: F401


def run_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes for runs: the run code is imported here first, so that
    forked workers inherit it, and by every worker that is not forked before its first run."""
    import_run_code()
    return ProcessPoolExecutor(max_workers=workers, initializer=import_run_code)


PROCESS_BYTES = 200e6  # Python with numpy, pandas and Mesa imported
BYTES_PER_USER = 110  # traits and ties of one simulated user
BYTES_PER_USER_PLATFORM = 120  # one user's state and kept sums on one platform


def run_memory(scenario: Scenario) -> float:
    """Peak memory of one run in bytes, estimated from measured runs (100,000 to 1,000,000
    users with 7 platforms: about 0.95 kB per user on top of the process)."""
    per_user = BYTES_PER_USER + BYTES_PER_USER_PLATFORM * len(scenario.platforms)
    return PROCESS_BYTES + scenario.simulation.users * per_user


def available_memory() -> float:
    """Memory the machine can give now without swapping (bytes), on any operating system."""
    return float(psutil.virtual_memory().available)


def simulate(scenario: Scenario, seed: int):
    """Run one scenario with one seed; return its tables, named as in ``TABLES``."""
    from sim.model.migration import MigrationModel

    return tables_of(MigrationModel(scenario, rng=seed).run())


def tables_of(model) -> tuple[pd.DataFrame, ...]:
    """The tables of a finished run (a model stepped through every day), named as in
    ``TABLES``."""
    from sim.model.recorder import cohorts

    simulation = model.config.simulation
    dates = simulation.dates
    return (
        model.recorder.timeseries(dates),
        model.recorder.flow_table(dates),
        cohorts(model.users, model.platforms.names, simulation.days, model.scale),
        newcomer_profile(model),
    )


TABLES = ("timeseries", "flows", "cohorts", "profile")
TOP_CREATORS = 0.01  # "top creators": the most-followed 1 % of creators (F8)


def newcomer_profile(model) -> pd.DataFrame:
    """Per platform, at the end of the run: who the newcomers were, and which top creators came.

    Columns: ``newcomers`` (real-world count), ``newcomer_share_<age group>``,
    ``newcomer_share_18_34`` (18-29 plus a quarter of 30-49, F7) and ``top_creator_accounts``.
    """
    from sim.model.users import AGE_GROUPS

    users = model.users
    followers = model.ties.followers
    creators = np.flatnonzero(users.is_creator)
    n_top = max(1, int(len(creators) * TOP_CREATORS))
    top = creators[np.argsort(followers[creators])[::-1][:n_top]]
    rows = []
    for j, name in enumerate(model.platforms.names):
        new = users.joined_day[:, j] >= 0
        ages = np.bincount(users.age_group[new], minlength=len(AGE_GROUPS)) / max(new.sum(), 1)
        row = {"platform": name, "newcomers": float(new.sum() * model.scale)}
        row.update({f"newcomer_share_{g}": float(a) for g, a in zip(AGE_GROUPS, ages, strict=True)})
        row["newcomer_share_18_34"] = float(ages[1] + 0.25 * ages[2])
        row["top_creator_accounts"] = float(users.account[top, j].mean()) if len(top) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def run_one(scenario: Scenario, spec: RunSpec, folder: str) -> dict:
    """Make one run and write its Parquet parts atomically; never raises.

    Returns:
        A status record: run_id, status (``ok`` or ``failed``), duration, worker, error.
    """
    started = time.perf_counter()
    record = {"run_id": spec.run_id, "status": "ok", "error": "",
              "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        parts = {}
        for name, table in zip(TABLES, simulate(scenario, spec.seed), strict=True):
            table.insert(0, "replicate", np.int32(spec.replicate))
            table.insert(0, "point", np.int32(spec.point))
            table.insert(0, "scenario", spec.scenario)
            table.insert(0, "run_id", spec.run_id)
            parts[name] = write_atomically(table, Path(folder) / name / f"{spec.run_id}.parquet")
        record["parts"] = parts
    except Exception as exc:  # a failed run is recorded; the others go on
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}")
        errors = Path(folder) / "errors"
        errors.mkdir(exist_ok=True)
        (errors / f"{spec.run_id}.txt").write_text(traceback.format_exc())
    record["duration_s"] = time.perf_counter() - started
    write_status(Path(folder), record)
    return record


def write_status(folder: Path, record: dict) -> None:
    """A run's status as a small JSON file, written atomically (the store's source of truth)."""
    status = folder / "status"
    status.mkdir(exist_ok=True)
    partial = status / f"{record['run_id']}.json.partial"
    partial.write_text(json.dumps(record))
    partial.replace(status / f"{record['run_id']}.json")


def is_complete(folder: Path, run: str) -> bool:
    """A run is done when its status says ok and every one of its parts is on disk with the
    checksum recorded when it was finished (a truncated or corrupted part makes it not done)."""
    status = folder / "status" / f"{run}.json"
    try:
        record = json.loads(status.read_text())
    except (OSError, ValueError):  # missing, or half-written by a full disk
        return False
    if record.get("status") != "ok":
        return False
    paths = {table: folder / table / f"{run}.parquet" for table in TABLES}
    if "parts" not in record:  # a folder written before checksums were recorded
        return all(path.exists() for path in paths.values())
    return all(path.exists() and checksum(path) == record["parts"].get(table)
               for table, path in paths.items())


def checksum(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_atomically(table: pd.DataFrame, path: Path) -> str:
    """Write Parquet under a temporary name, flushed to disk, then rename: readers never see
    half a file. Returns the file's checksum."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".parquet.partial")
    try:
        table.to_parquet(partial, index=False)
        with open(partial, "rb+") as file:
            os.fsync(file.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)  # nothing that could pass for a part
        raise
    digest = checksum(partial)
    partial.replace(path)
    return digest
