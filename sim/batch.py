"""Run an experiment's design through a ``concurrent.futures`` executor into a results folder."""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from pathlib import Path

import pandas as pd

from sim.experiment import RunSpec, design_table, run_one
from sim.results import (
    finish_manifest,
    read_table,
    start_manifest,
    summarise,
    write_config,
)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def run_experiment(scenarios, files, design: list[RunSpec], folder: Path, options: dict,
                   workers: int = 1, quiet: bool = False) -> pd.DataFrame:
    """Make every run of the design and write the whole results folder; returns runs table."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = start_manifest(folder, scenarios, files, {**options, "workers": workers})
    write_config(folder, scenarios)
    design_table(design).to_parquet(folder / "design.parquet", index=False)
    by_name = {s.name: s for s in scenarios}
    records = _execute(by_name, design, folder, workers, quiet)
    runs = pd.DataFrame(records).sort_values("run_id", ignore_index=True)
    runs.to_parquet(folder / "runs.parquet", index=False)
    if (runs["status"] == "ok").any():
        summarise(read_table(folder, "timeseries")).to_parquet(folder / "summary.parquet",
                                                               index=False)
    finish_manifest(folder, manifest, runs)
    return runs


def _execute(by_name: dict, design: list[RunSpec], folder: Path, workers: int,
             quiet: bool) -> list[dict]:
    progress = Progress(len(design), quiet)
    if workers <= 1:
        records = []
        for spec in design:
            records.append(run_one(by_name[spec.scenario], spec, str(folder)))
            progress.update(records[-1])
        return records
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return _gather(pool, by_name, design, folder, progress)


def _gather(executor: Executor, by_name, design, folder, progress) -> list[dict]:
    futures = [executor.submit(run_one, by_name[s.scenario], s, str(folder)) for s in design]
    records = []
    for future in as_completed(futures):
        records.append(future.result())
        progress.update(records[-1])
    return records


class Progress:
    """Runs done, failed, rate and ETA: one line per run on stderr (unless quiet)."""

    def __init__(self, total: int, quiet: bool):
        self.total, self.quiet = total, quiet
        self.done = self.failed = 0
        self.started = time.perf_counter()

    def update(self, record: dict) -> None:
        self.done += 1
        self.failed += record["status"] != "ok"
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate else 0.0
        line = (f"[{self.done}/{self.total}] {record['run_id']} {record['status']}"
                f" ({record['duration_s']:.1f}s) failed={self.failed}"
                f" rate={rate * 60:.1f}/min eta={eta:.0f}s")
        end = "\r" if sys.stderr.isatty() and self.done < self.total else "\n"
        print(line.ljust(100) if end == "\r" else line, end=end, file=sys.stderr, flush=True)
