"""The results folder of one ``sim run``: manifest, resolved config, Parquet tables, plots.

Layout::

    results/<run-id>/
      manifest.json          what ran, with which code, seeds and options (first and last written)
      config.resolved.toml   every scenario as it was run (after extends and --set)
      design.parquet         one row per run: run_id, scenario, replicate, seed
      runs.parquet           one row per run: status, duration, worker, error
      timeseries/<run>.parquet  daily metrics per platform (real-world units)
      flows/<run>.parquet       primary-platform moves, from -> to, per day
      cohorts/<run>.parquet     newcomers per sign-up day and their retention at 7/30/90 days
      summary.parquet        quantiles (5, 25, 50, 75, 95) across replicates
      plots/                 PNG and SVG figures
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd

from sim.errors import InputError

RESULTS_DIR = Path("results")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "pydantic", "typer")


def default_folder(names: list[str]) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return RESULTS_DIR / f"{stamp}-{'+'.join(names)}"[:120]


def claim_folder(folder: Path, option: str = "--out") -> Path:
    """Check that ``folder`` can take new results: absent or empty. Creates nothing."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(option, str(folder),
                         "exists and is not empty; results are never overwritten (choose another)")
    if folder.exists() is False and folder.parent.exists() and not folder.parent.is_dir():
        raise InputError(option, str(folder), "its parent is not a folder")
    return folder


def write_json(path: Path, data: dict) -> None:
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(json.dumps(data, indent=2, default=str) + "\n")
    partial.replace(path)


def write_config(folder: Path, scenarios) -> None:
    import tomli_w

    doc = {"scenarios": {s.name: s.model_dump(mode="python", exclude_none=True) for s in scenarios}}
    (folder / "config.resolved.toml").write_text(tomli_w.dumps(doc))


def start_manifest(folder: Path, scenarios, files, options: dict) -> dict:
    """The manifest as known before any run: code, environment, inputs, seeds."""
    manifest = {
        "tool": "sim",
        "version": _version("tiktok-refugees-sim"),
        "git": _git_state(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "argv": sys.argv,
        "started": dt.datetime.now(dt.UTC).isoformat(),
        "finished": None,
        "scenarios": {
            s.name: {"file": str(f), "sha256": _sha256(f), "config_hash": s.config_hash()}
            for s, f in zip(scenarios, files, strict=True)
        },
        "seeding": "replicate k: k-th child of numpy.random.SeedSequence(root_seed), "
                   "same for every scenario (common random numbers)",
        **options,
    }
    write_json(folder / "manifest.json", manifest)
    return manifest


def finish_manifest(folder: Path, manifest: dict, runs: pd.DataFrame) -> None:
    manifest["finished"] = dt.datetime.now(dt.UTC).isoformat()
    manifest["runs"] = runs["status"].value_counts().to_dict()
    write_json(folder / "manifest.json", manifest)


def summarise(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Quantiles across replicates: one row per scenario, point, day, platform and metric."""
    keys = ["scenario", "point", "day", "date", "platform"]
    metrics = [c for c in timeseries.columns if c not in (*keys, "run_id", "replicate")]
    long = timeseries.melt(id_vars=keys, value_vars=metrics, var_name="metric")
    grouped = long.groupby([*keys, "metric"], observed=True, sort=False)
    summary = grouped["value"].quantile(list(QUANTILES)).unstack()
    summary.columns = [f"q{int(q * 100):02d}" for q in QUANTILES]
    summary["replicates"] = grouped["value"].size()
    return summary.reset_index()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def _git_state() -> dict:
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                             timeout=10, check=False)
        return out.stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD") or None,
                "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def _sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
