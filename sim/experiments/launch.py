"""Start or resume an experiment: scenarios × design points × replicates into one results folder.

Everything is validated (scenarios, overrides, sweeps, the executor) before anything is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.errors import InputError, did_you_mean
from sim.experiments.design import (
    DESIGNS,
    ExperimentSpec,
    Sweep,
    as_overrides,
    parse_sweep,
    points,
)
from sim.experiments.executors import (
    default_workers,
    execute,
    finalize,
    open_executor,
    pending_runs,
)
from sim.experiments.runs import available_memory, design_table, make_design, run_memory
from sim.experiments.store import (
    LOCK,
    claim_folder,
    locked,
    start_manifest,
    write_config,
    write_json,
)
from sim.scenario.loading import load_scenario, resolve_path


@dataclass
class Plan:
    """Everything that defines an experiment's runs, as recorded in its manifest."""

    files: list[Path]
    overrides: list[str] = field(default_factory=list)
    spec: ExperimentSpec = field(default_factory=ExperimentSpec)
    replicates: int = 1
    root_seed: int = 0

    def as_dict(self) -> dict:
        return {"files": [str(f) for f in self.files], "overrides": self.overrides,
                "replicates": self.replicates, "root_seed": self.root_seed,
                **self.spec.as_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> Plan:
        return cls([Path(f) for f in data["files"]], list(data["overrides"]),
                   ExperimentSpec.from_dict(data), int(data["replicates"]), int(data["root_seed"]))


@dataclass
class Built:
    """A plan made concrete: validated scenarios, one per (name, point), and the run design."""

    scenarios: list
    scenario_of: dict
    points: list[dict]
    design: list


def plan_from_options(names: list[str], overrides: list[str], sweeps: list[str],
                      design: str | None, samples: int | None, replicates: int | None,
                      seed: int | None) -> Plan:
    """Combine command-line options with the first scenario's ``[experiment]`` table."""
    files = [resolve_path(name).resolve() for name in names]
    first = load_scenario(files[0], overrides)
    table = first.experiment
    swept = {name: _table_sweep(name, value, files[0]) for name, value in table.sweep.items()}
    for text in sweeps:
        sweep = parse_sweep(text)
        swept[sweep.field] = sweep
    spec = ExperimentSpec(list(swept.values()), design or table.design,
                          samples if samples is not None else table.samples)
    if spec.design != "grid" and spec.samples is None:
        raise InputError("--samples", "", f"the {spec.design} design needs --samples N (N > 0)")
    n = replicates or table.replicates or first.simulation.replicates
    return Plan(files, overrides, spec, n, seed if seed is not None else first.simulation.seed)


def plan_of_run(scenarios: list[str], sets: list[str] = (), sweeps: list[str] = (),
                design: str | None = None, samples: int | None = None,
                replicates: int | None = None, seed: int | None = None, users: int | None = None,
                days: int | None = None, posterior: Path | None = None, draws: int = 10) -> Plan:
    """The experiment ``sim run`` (and :func:`sim.run_experiment`) plans from its options,
    named as on the command line (``sets``: ``--set``; ``users``, ``days``: shorthands for
    ``simulation.users`` and ``.days``; ``posterior``: runs at ``draws`` draws of a posterior
    file, as the design).

    Raises:
        InputError: for any bad option or scenario, naming it.
    """
    if not scenarios:
        raise InputError("sim run", "SCENARIO", "give at least one scenario (or --resume)")
    if design is not None and design not in DESIGNS:
        raise InputError("--design", design, f"unknown design{did_you_mean(design, DESIGNS)}")
    for option, value, least in (("--samples", samples, 1), ("--replicates", replicates, 1),
                                 ("--draws", draws, 1)):
        if value is not None and value < least:
            raise InputError(option, str(value), f"must be at least {least}")
    sets = [*sets, *(f"simulation.{k}={v}" for k, v in (("users", users), ("days", days)) if v)]
    plan = plan_from_options(scenarios, sets, list(sweeps), design, samples, replicates, seed)
    if posterior is not None:
        from sim.experiments.abc_smc import draws_as_design

        if sweeps or design or samples:
            raise InputError("--posterior", str(posterior), "takes no --sweep, --design or "
                             "--samples: the posterior draws are the design")
        plan.spec = draws_as_design(Path(posterior), draws, plan.root_seed)
    return plan


def pool_options(workers: int | None = None, executor: str = "process",
                 scheduler: str | None = None) -> dict:
    """Where an experiment's runs go: ``executor`` with ``workers`` (default: one per
    processor)."""
    if workers is not None and workers < 1:
        raise InputError("--workers", str(workers), "must be at least 1")
    return {"kind": executor, "workers": workers or default_workers(), "scheduler": scheduler}


def _table_sweep(name: str, value, file: Path) -> Sweep:
    source = f"{file}: experiment.sweep"
    if isinstance(value, list):
        if not value:
            raise InputError(source, name, "empty list of values")
        return Sweep(name, tuple(float(v) for v in value), source=source)
    text = f"{name}={value.low}:{value.high}" + (f":{value.count}" if value.count else "")
    return parse_sweep(text, source)


def build(plan: Plan) -> Built:
    """Validate every scenario at every design point; raises InputError for any bad one."""
    design_points = points(plan.spec, plan.root_seed)
    scenarios = [load_scenario(f, plan.overrides) for f in plan.files]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError(str(plan.files[names.index(_first_duplicate(names))]), "name",
                         "the same scenario is given twice")
    scenario_of = {}
    for file, scenario in zip(plan.files, scenarios, strict=True):
        for p, point in enumerate(design_points):
            scenario_of[(scenario.name, p)] = _at_point(file, plan.overrides, point,
                                                        plan.spec.sweeps)
    design = make_design(names, len(design_points), plan.replicates, plan.root_seed)
    return Built(scenarios, scenario_of, design_points, design)


def check(names: list[str], overrides: list[str], workers: int = 1) -> Built:
    """Everything ``sim run`` checks before it writes anything (``sim validate``): the scenarios
    and overrides, their ``[experiment]`` tables at every design point, and the memory."""
    built = build(plan_from_options(names, overrides, [], None, None, None, None))
    check_memory(built, workers)
    return built


def check_memory(built: Built, workers: int) -> None:
    """Refuse up front an experiment whose runs at once need more memory than the machine has."""
    largest = max(run_memory(s) for s in built.scenario_of.values())
    at_once = max(1, min(workers, len(built.design)))
    have = available_memory()
    if largest * at_once > 0.9 * have:
        users = max(s.simulation.users for s in built.scenario_of.values())
        name = max(built.scenario_of.values(), key=run_memory).name
        raise InputError(name, "simulation.users",
                         f"{users:,} users need about {largest * at_once / 1e9:.1f} GB "
                         f"({at_once} run(s) at once, {largest / 1e9:.1f} GB each) but this "
                         f"machine has "
                         f"{have / 1e9:.1f} GB available: use fewer users or --workers")


def _at_point(file: Path, overrides: list[str], point: dict, sweeps: list[Sweep]):
    try:
        return load_scenario(file, [*overrides, *as_overrides(point)])
    except InputError as exc:
        swept = [s for s in sweeps if exc.field == s.field or s.field.startswith(exc.field + ".")
                 or exc.field.startswith(s.field)]
        if exc.source == "--set" and swept:
            raise InputError(swept[0].source, exc.field, exc.message) from None
        raise


def _first_duplicate(names: list[str]) -> str:
    return next(n for n in names if names.count(n) > 1)


def start(plan: Plan, folder: Path, executor: dict, quiet: bool = False,
          analysis: dict | None = None):
    """Run a new experiment into ``folder`` (which must be absent or empty). ``analysis``: what
    an analysis made of the runs will ask (recorded in the manifest, for ``--resume``)."""
    built = build(plan)
    check_memory(built, executor.get("workers", 1) if executor.get("kind") != "dask" else 1)
    claim_folder(folder)
    with open_executor(**executor) as pool, _created(folder), locked(folder):
        if any(p.name != LOCK for p in folder.iterdir()):  # another run got here first
            raise InputError("--out", str(folder), "another sim run is writing to this folder")
        manifest = start_manifest(folder, built.scenarios, plan.files,
                                  {"experiment": plan.as_dict(), "executor": executor,
                                   **(analysis or {})})
        write_config(folder, built.scenarios)
        design_table(built.design, built.points).to_parquet(folder / "design.parquet",
                                                            index=False)
        execute(pool, built.scenario_of, built.design, folder, quiet)
        return built, finalize(folder, built.design, manifest)


@contextlib.contextmanager
def _created(folder: Path):
    """Make the results folder (once the executor is up: a bad executor leaves nothing)."""
    folder.mkdir(parents=True, exist_ok=True)
    yield folder


def resume(folder: Path, executor: dict, quiet: bool = False):
    """Make the missing or failed runs of an experiment, after checking nothing changed."""
    manifest = read_manifest(folder)
    for name in ("design.parquet", "config.resolved.toml"):
        if not (folder / name).is_file():
            raise InputError(str(folder), "", f"not a results folder (no {name})")
    plan = Plan.from_dict(manifest["experiment"])
    built = build(plan)
    for scenario in built.scenarios:
        recorded = manifest["scenarios"].get(scenario.name, {}).get("config_hash")
        if recorded != scenario.config_hash():
            raise InputError("--resume", str(folder), f"scenario '{scenario.name}' has changed "
                             "since this experiment started (config hash differs)")
    recorded_ids = pd.read_parquet(folder / "design.parquet")["run_id"].tolist()
    if recorded_ids != [spec.run_id for spec in built.design]:
        raise InputError("--resume", str(folder), "the design no longer matches design.parquet")
    with locked(folder, "--resume"), open_executor(**executor) as pool:
        todo = pending_runs(folder, built.design)
        manifest.setdefault("resumed", []).append(
            {"at": dt.datetime.now(dt.UTC).isoformat(), "runs": len(todo), "executor": executor})
        write_json(folder / "manifest.json", manifest)
        execute(pool, built.scenario_of, todo, folder, quiet)
        return built, finalize(folder, built.design, manifest)


def read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise InputError(str(folder), "", "not a results folder (no manifest.json)")
    try:
        manifest = json.loads(path.read_text())
        manifest["experiment"]["files"]
        if not isinstance(manifest["scenarios"], dict):
            raise TypeError
    except (json.JSONDecodeError, KeyError, TypeError):
        raise InputError(str(path), "experiment", "unreadable or incomplete manifest") from None
    return manifest
