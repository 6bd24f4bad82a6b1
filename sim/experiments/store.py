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

Written during a run (atomically, the manifest first and last); read back for figures and
tables by :class:`Stored` and :func:`read_results`: figures and tables meet the results only
there, as plain tables. Several folders can be read together; a scenario name found in more
than one folder is told apart by its folder (``baseline (run-a)``), and every run keeps a
unique ``run_id``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sys
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout
from pydantic import ValidationError

from sim.errors import InputError
from sim.experiments import environment
from sim.scenario.schema import Scenario

RESULTS_DIR = Path("results")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def default_folder(names: list[str]) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return RESULTS_DIR / f"{stamp}-{'+'.join(names)}"[:120]


def claim_folder(folder: Path, option: str = "--out") -> Path:
    """Check that ``folder`` can take new results: absent or empty. Creates nothing."""
    if is_locked(folder):
        raise InputError(option, str(folder), "another sim run is writing to this folder")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(option, str(folder),
                         "exists and is not empty; results are never overwritten (choose another)")
    if folder.exists() is False and folder.parent.exists() and not folder.parent.is_dir():
        raise InputError(option, str(folder), "its parent is not a folder")
    return folder


LOCK = ".lock"


@contextlib.contextmanager
def locked(folder: Path, option: str = "--out"):
    """Hold the results folder for this process while it writes (an operating-system file lock,
    released when the process ends, however it ends): a second ``sim run`` on it is refused."""
    lock = FileLock(folder / LOCK, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InputError(option, str(folder), "another sim run is writing to this folder"
                         ) from None
    try:
        yield folder
    finally:
        lock.release()


def is_locked(folder: Path) -> bool:
    """Whether another ``sim run`` holds the folder's lock (a folder never locked has no lock
    file, and asking makes none)."""
    if not (folder / LOCK).is_file():
        return False
    try:
        with FileLock(folder / LOCK, timeout=0):
            return False
    except Timeout:
        return True


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
        **environment.describe(),
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


def _sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


RUN_TABLES = ("timeseries", "flows", "cohorts")
DESIGN_COLUMNS = ("run_id", "scenario", "point", "replicate", "seed")


@dataclass
class Stored:
    """The successful runs of one or more results folders.

    Attributes:
        folders: the results folders, in the order given.
        manifests: each folder's manifest.json, in the same order.
        runs: one row per successful run: ``run_id`` (unique across folders), ``scenario`` (its
            label, unique across folders), ``point``, ``replicate``, ``seed``, ``folder``
            (index into ``folders``), ``file_run_id`` (its name inside its folder) and one column
            per swept field.
        scenarios: scenario label -> resolved :class:`~sim.scenario.schema.Scenario`.
        swept: names of the swept fields (design.parquet columns beyond the run's identity).
        notes: things a reader should know, e.g. failed runs or folders made by different code.
        ensemble: for runs at draws of uncertain parameters (``sim run --posterior``): how many
            draws and replicates; the draws are then read as one ensemble at point 0, member
            ``draw × replicates + replicate`` (the same draw and seed in every scenario), with
            the draw in a ``draw`` column.
    """

    folders: list[Path]
    manifests: list[dict]
    runs: pd.DataFrame
    scenarios: dict[str, Scenario]
    swept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ensemble: dict | None = None  # {"draws": K, "replicates": R, "fields": [...]} when pooled

    @property
    def scenario_names(self) -> list[str]:
        return list(dict.fromkeys(self.runs["scenario"]))

    @property
    def platforms(self) -> list[str]:
        """Every platform of every scenario, in the order of the first scenario that has it."""
        names: dict[str, None] = {}
        for scenario in self.scenarios.values():
            names.update(dict.fromkeys(scenario.platforms))
        return list(names)

    def platform_label(self, name: str) -> str:
        for scenario in self.scenarios.values():
            if name in scenario.platforms:
                return scenario.platforms[name].label
        return name

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        return self._read("timeseries")

    @cached_property
    def flows(self) -> pd.DataFrame:
        return self._read("flows")

    @cached_property
    def cohorts(self) -> pd.DataFrame:
        return self._read("cohorts")

    def _read(self, table: str) -> pd.DataFrame:
        """One run table of every successful run, with run ids and scenario labels made unique."""
        parts = []
        for run in self.runs.itertuples():
            part = pd.read_parquet(self.folders[run.folder] / table / f"{run.file_run_id}.parquet")
            part["run_id"] = run.run_id
            part["scenario"] = run.scenario
            if "point" in part:  # as read (an ensemble's draws are pooled at point 0)
                part["point"], part["replicate"] = run.point, run.replicate
            parts.append(part)
        frame = pd.concat(parts, ignore_index=True)
        if "platform" in frame:
            frame["platform"] = frame["platform"].astype(str)
        return frame

    def replicates(self, scenario: str | None = None, point: int = 0) -> int:
        """Successful replicates of one scenario (or the fewest of any scenario) at a point."""
        at = self.runs[self.runs["point"] == point]
        counts = at.groupby("scenario").size()
        if scenario is not None:
            return int(counts.get(scenario, 0))
        return int(counts.min()) if len(counts) else 0


def read_results(folders: list[Path]) -> Stored:
    """Read one or more results folders.

    Raises:
        InputError: a folder is not a results folder, is unfinished, or has no successful run.
    """
    if not folders:
        raise InputError("RESULTS_DIR", "", "give at least one results folder")
    folders = [Path(f) for f in folders]
    manifests, tables, configs, notes = [], [], [], []
    ensemble = None
    for i, folder in enumerate(folders):
        manifest, runs, config = _read_folder(folder)
        experiment = manifest.get("experiment") or {}
        if experiment.get("pooled"):
            ensemble = {"draws": int(runs["point"].nunique()),
                        "replicates": int(experiment["replicates"]),
                        "fields": [s["field"] for s in experiment.get("sweeps", [])]}
            runs = runs.assign(draw=runs["point"], point=0, replicate=runs["point"]
                               * ensemble["replicates"] + runs["replicate"])
        runs["folder"] = i
        manifests.append(manifest)
        tables.append(runs)
        configs.append(config)
        failed = int((runs["status"] != "ok").sum())
        if failed:
            notes.append(f"{folder}: {failed} of {len(runs)} runs failed or are missing; "
                         "figures and tables use the others")
    runs = pd.concat(tables, ignore_index=True)
    runs = runs[runs["status"] == "ok"].drop(columns="status").reset_index(drop=True)
    labels = _labels(folders, runs)
    runs["file_run_id"] = runs["run_id"]
    runs["scenario"] = [labels[(f, s)] for f, s in zip(runs["folder"], runs["scenario"],
                                                       strict=True)]
    if len(folders) > 1:
        runs["run_id"] = [f"{folders[f].name}#{f}/{r}" for f, r in zip(runs["folder"],
                                                                       runs["run_id"],
                                                                       strict=True)]
    scenarios = {labels[(i, name)]: _scenario(folders[i], name, raw)
                 for i, config in enumerate(configs) for name, raw in config.items()
                 if (i, name) in labels}
    drawn = {"draw", *ensemble["fields"]} if ensemble else set()
    swept = [c for c in runs.columns
             if c not in (*DESIGN_COLUMNS, "folder", "file_run_id") and c not in drawn]
    notes += provenance(folders, manifests) + users_notes(folders, labels, scenarios)
    return Stored(folders, manifests, runs, scenarios, swept, notes, ensemble)


def _read_folder(folder: Path) -> tuple[dict, pd.DataFrame, dict]:
    if not folder.is_dir() or not (folder / "manifest.json").is_file():
        raise InputError(str(folder), "", "not a results folder (no manifest.json)")
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except json.JSONDecodeError:
        raise InputError(str(folder / "manifest.json"), "", "unreadable manifest") from None
    for name in ("design.parquet", "config.resolved.toml"):
        if not (folder / name).is_file():
            raise InputError(str(folder), "", f"not a results folder (no {name})")
    if not (folder / "runs.parquet").is_file():
        raise InputError(str(folder), "", "unfinished experiment (no runs.parquet); "
                         f"finish it with: sim run --resume {folder}")
    design = pd.read_parquet(folder / "design.parquet")
    status = pd.read_parquet(folder / "runs.parquet")[["run_id", "status"]]
    runs = design.merge(status, on="run_id", how="left").fillna({"status": "missing"})
    if not (runs["status"] == "ok").any():
        raise InputError(str(folder), "", "no successful runs to draw")
    try:
        config = tomllib.loads((folder / "config.resolved.toml").read_text())["scenarios"]
    except (tomllib.TOMLDecodeError, KeyError):
        raise InputError(str(folder / "config.resolved.toml"), "", "unreadable resolved config"
                         ) from None
    return manifest, runs, config


def _scenario(folder: Path, name: str, raw: dict) -> Scenario:
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(str(folder / "config.resolved.toml"), name,
                         "this version of sim cannot read the scenario "
                         f"({exc.error_count()} problems; made by another version?)") from None


def _labels(folders: list[Path], runs: pd.DataFrame) -> dict[tuple[int, str], str]:
    """Scenario label per (folder, name): the name, or ``name (folder)`` where names repeat."""
    pairs = list(dict.fromkeys(zip(runs["folder"], runs["scenario"], strict=True)))
    names = [name for _, name in pairs]
    folder_names = [f.name for f in folders]
    labels = {}
    for i, name in pairs:
        if names.count(name) == 1:
            labels[(i, name)] = name
        elif folder_names.count(folder_names[i]) == 1:
            labels[(i, name)] = f"{name} ({folder_names[i]})"
        else:
            labels[(i, name)] = f"{name} (#{i + 1})"
    return labels


def provenance(folders: list[Path], manifests: list[dict]) -> list[str]:
    """Warnings when folders were made by different code or with different seeds."""
    if len(folders) < 2:
        return []
    notes = []
    versions = [(m.get("version"), (m.get("git") or {}).get("commit")) for m in manifests]
    if len(set(versions)) > 1:
        made = ", ".join(f"{f} (version {v}, commit {(c or 'unknown')[:9]})"
                         for f, (v, c) in zip(folders, versions, strict=True))
        notes.append(f"warning: the folders were made by different model versions: {made}; "
                     "differences between them may come from the code, not the scenarios")
    seeds = [(m.get("experiment") or {}).get("root_seed") for m in manifests]
    if len(set(seeds)) > 1:
        made = ", ".join(f"{f} (root seed {s})" for f, s in zip(folders, seeds, strict=True))
        notes.append(f"warning: the folders use different seeds: {made}; replicate k differs "
                     "between them, so paired differences across folders include seed noise")
    return notes


def users_notes(folders: list[Path], labels: dict, scenarios: dict) -> list[str]:
    """A warning when the folders simulated different numbers of users (simulation.users)."""
    if len(folders) < 2:
        return []
    users: dict[int, set[int]] = {}
    for (i, _), label in labels.items():
        users.setdefault(i, set()).add(scenarios[label].simulation.users)
    if len({frozenset(u) for u in users.values()}) < 2:
        return []
    made = ", ".join(f"{folders[i]} ({'/'.join(str(n) for n in sorted(u))} users)"
                     for i, u in sorted(users.items()))
    return [f"warning: the folders simulate different numbers of users: {made}; differences "
            "between them include the effect of the population size and its sampling noise"]
