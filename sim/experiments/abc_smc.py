"""``sim calibrate --posterior N``: a posterior ensemble of the fitted fields by approximate
Bayesian computation (pyabc's ABC-SMC), of one scenario or jointly of several (the fields
shared by every episode; each keeps the rest of its file, e.g. the values a joint fit gave it).

Priors are the ``--fit`` ranges, uniform unless the option says otherwise
(:mod:`sim.analysis.priors`: log-uniform, truncated normal). A candidate's distance is the
square root of the calibration loss (:func:`sim.analysis.sources.judge`: squared target misses in
units of their tolerances, of what each kind of source would report, read off the median over
replicates; of several scenarios, the sum of their losses), so the observed targets and their
tolerances set the scale. Each generation accepts
``N`` particles within a threshold that falls generation by
generation (the median of the last generation's distances).

pyabc proposes candidates; the runs go through the batch machinery (:mod:`sim.experiments.launch`:
process pool or Dask, Parquet parts, progress). A sampler of our own (:func:`batch_sampler`, on
pyabc's ``Sampler`` interface) asks pyabc for a batch of proposals, runs the whole batch as one
experiment, then replays pyabc's random stream to hand it the results in order: the search is
the same for any number of workers, and a killed search started again with ``--resume`` finds
every batch it had run on disk and goes on from there.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import priors
from sim.analysis.credible import Posterior, resampled
from sim.analysis.sources import judge
from sim.errors import InputError, optional
from sim.experiments import launch
from sim.experiments.design import ExperimentSpec, Sweep
from sim.experiments.executors import kept_pools
from sim.experiments.reading import target_values_of_folder
from sim.experiments.store import claim_folder
from sim.scenario.loading import load_scenario

FILE = "posterior.parquet"
META = b"sim.posterior"
SPEC = "abc.json"
NEEDED_BY = "sim calibrate --posterior"  # what pyabc's absence is said of


def search(files: list[Path], overrides: list[str], fits: list[Sweep], size: int,
           replicates: int, seed: int, generations: int, folder: Path, executor: dict,
           quiet: bool, command: str, resume: bool = False) -> tuple[Posterior, Path]:
    """The posterior of ``fits`` in a new results folder (or, with ``resume``, going on with the
    search killed in ``folder``), written there as the posterior file, and its path."""
    optional("pyabc", NEEDED_BY)  # missing: said before anything is written
    spec = {"scenario": str(files[0]) if len(files) == 1 else [str(f) for f in files],
            "overrides": overrides, "fits": [[f.field, *f.bounds] for f in fits], "size": size,
            "replicates": replicates, "seed": seed, "generations": generations}
    if resume:
        known = folder / SPEC
        if not known.is_file() or json.loads(known.read_text()) != spec:
            raise InputError("--resume", str(folder), "not a posterior search made by this same "
                             "command (its abc.json differs or is missing)")
    else:
        claim_folder(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SPEC).write_text(json.dumps(spec, indent=2) + "\n")
    found = run(files, overrides, fits, size, replicates, seed, generations, folder, executor,
                quiet, command)
    return found, write(found, folder)


def batch_sampler(evaluate, model, batch: int):
    """A pyabc sampler that evaluates ``batch`` proposals at a time with ``evaluate`` (see the
    module docstring); ``model`` is the :func:`_model` pyabc calls."""
    class BatchSampler(optional("pyabc.sampler", NEEDED_BY).Sampler):
        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            sample, made = self._create_empty_sample(), 0
            while sample.n_accepted < n and made < max_eval:
                state = np.random.get_state()
                model.proposed = []  # pass 1: pyabc proposes, nothing runs
                for _ in range(batch):
                    simulate_one()
                model.results = iter(evaluate(model.proposed, t))
                model.proposed = None
                np.random.set_state(state)  # pass 2: the same proposals, with their results
                for _ in range(batch):
                    sample.append(simulate_one())
                    made += 1
                    if sample.n_accepted >= n:
                        break
            self.nr_evaluations_ = made
            sample.ok = sample.n_accepted >= n
            return sample

    return BatchSampler()


def _model():
    """pyabc's model: records proposals (pass 1), then returns their results (pass 2)."""
    class Replay(optional("pyabc", NEEDED_BY).Model):
        proposed: list | None = None
        results = iter(())

        def sample(self, pars):
            if self.proposed is not None:
                self.proposed.append(dict(pars))
                return {"loss": np.inf}
            return next(self.results)

    return Replay()


class _Batches:
    """Runs a batch of proposals as one experiment of every scenario (``FOLDER/batches/NNNN``),
    or reads it back; a proposal's loss is the sum of the scenarios' losses."""

    def __init__(self, files: list[Path], overrides: list[str], fits: list[Sweep],
                 replicates: int, seed: int, folder: Path, executor: dict, quiet: bool):
        self.files, self.overrides, self.fits = files, overrides, fits
        self.replicates, self.seed, self.folder = replicates, seed, folder
        self.executor, self.quiet = executor, quiet
        self.count, self.seen = 0, {}

    def __call__(self, proposed: list[dict], generation: int) -> list[dict]:
        points = [{f.field: float(p[f"p{i}"]) for i, f in enumerate(self.fits)}
                  for p in proposed]
        where = self.folder / "batches" / f"{self.count:04d}"
        self.count += 1
        if where.exists() and not (where / "manifest.json").is_file():
            shutil.rmtree(where)  # killed before it had started: nothing to keep
        if where.exists():
            built, _ = launch.resume(where, self.executor, self.quiet)
        else:
            plan = launch.Plan(self.files, self.overrides,
                               ExperimentSpec.of_points(points, "abc"), self.replicates,
                               self.seed)
            built, _ = launch.start(plan, where, self.executor, self.quiet)
        per_run = target_values_of_folder(where, built)
        results = []
        for p, point in enumerate(points):
            judged = [judge(built.scenario_of[(s.name, p)], np.nanmedian(
                np.array(per_run[(s.name, p)], dtype=float), axis=0)) for s in built.scenarios]
            met = [m for one in judged for m in one.met()]
            reported = [r for one in judged for r in one.reported]
            result = {"loss": sum(one.loss for one in judged),
                      **{f"t{j}": float(r) for j, r in enumerate(reported)}}
            self.seen[tuple(point.values())] = (result, met)
            results.append(result)
        return results


def run(files: list[Path], overrides: list[str], fits: list[Sweep], size: int, replicates: int,
        seed: int, generations: int, folder: Path, executor: dict, quiet: bool,
        command: str) -> Posterior:
    """ABC-SMC of ``fits`` against the scenarios' targets; ``size`` accepted draws."""
    pyabc = optional("pyabc", NEEDED_BY)
    bases = [load_scenario(file, overrides) for file in files]
    for file, base in zip(files, bases, strict=True):
        if not base.targets:
            raise InputError(str(file), "targets", "this scenario has no [[targets]] to fit")
    for name in ("ABC", "ABC.Distance", "ABC.Epsilon", "ABC.History", "ABC.Sampler",
                 "ABC.Transition", "ABC.Acceptor", "ABC.Population"):
        logging.getLogger(name).setLevel(logging.WARNING)
    batches = _Batches(files, overrides, fits, replicates, seed, folder, executor, quiet)
    model = _model()
    abc = pyabc.ABCSMC(model, priors.distribution(fits), lambda x, _x0: float(np.sqrt(x["loss"])),
                       population_size=size, sampler=batch_sampler(batches, model, size),
                       eps=pyabc.MedianEpsilon())
    np.random.seed(seed % 2**32)
    abc.new("sqlite://", {"loss": 0.0})  # each batch of runs shows its own progress
    with kept_pools():  # one pool for every batch: its workers keep the populations they built
        history = abc.run(max_nr_populations=generations)
    table, weights = history.get_distribution(m=0, t=history.max_t)
    populations = history.get_all_populations()
    ids = target_ids(bases)
    rows = []
    for k, (values, weight) in enumerate(zip(table[[f"p{i}" for i in range(len(fits))]]
                                             .to_numpy(dtype=float), weights, strict=True)):
        result, met = batches.seen.get(tuple(map(float, values)), ({"loss": np.nan}, []))
        rows.append({"draw": k, "weight": float(weight),
                     **{f.field: float(v) for f, v in zip(fits, values, strict=True)},
                     "distance": float(np.sqrt(result["loss"])),
                     **{f"met_{i}": m for i, m in zip(ids, met, strict=False)}})
    draws = pd.DataFrame(rows)
    draws["weight"] /= draws["weight"].sum()
    shown = [str(_shown(file)) for file in files]
    meta = {"command": command, "seed": seed,
            "scenario": shown[0] if len(shown) == 1 else shown, "overrides": overrides,
            "fields": [{"field": f.field, "low": f.bounds[0], "high": f.bounds[1],
                        "prior": list(f.prior)} for f in fits],
            "replicates": replicates, "size": size, "generations": int(history.max_t + 1),
            "thresholds": [float(e) for e in populations["epsilon"] if np.isfinite(e)],
            "candidates": int(history.total_nr_simulations),
            "targets": ids, "users": bases[0].simulation.users,
            "days": bases[0].simulation.days}
    return Posterior(draws, meta)


def target_ids(scenarios) -> list[str]:
    """The targets' ids, each with its scenario's name when there are several scenarios."""
    if len(scenarios) == 1:
        return [t.id for t in scenarios[0].targets]
    return [f"{s.name}:{t.id}" for s in scenarios for t in s.targets]


def _shown(file: Path) -> Path:
    here = Path.cwd().resolve()
    return file.resolve().relative_to(here) if file.resolve().is_relative_to(here) else file


def write(posterior: Posterior, folder: Path) -> Path:
    """The posterior file: the draws as Parquet, how they were made in its metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(posterior.draws, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           META: json.dumps(posterior.meta).encode()})
    path = folder / FILE
    partial = path.with_suffix(".parquet.partial")
    pq.write_table(table, partial)
    partial.replace(path)
    posterior.draws.to_csv(folder / "posterior.csv", index=False)
    return path


def read(path: Path, option: str = "--posterior") -> Posterior:
    """A posterior file (or a folder holding one)."""
    import pyarrow.parquet as pq

    path = Path(path)
    path = path / FILE if path.is_dir() else path
    try:
        table = pq.read_table(path)
        meta = json.loads(table.schema.metadata[META])
    except (OSError, KeyError, TypeError, ValueError):
        raise InputError(option, str(path), "not a posterior file (made by sim calibrate "
                         "--posterior)") from None
    return Posterior(table.to_pandas(), meta)


def draws_as_design(path: Path, draws: int, seed: int) -> ExperimentSpec:
    """``draws`` resampled draws of a posterior file as an experiment's design points, read as
    one pooled ensemble (the same draws, and seeds, in every scenario of the experiment)."""
    found = read(path)
    return ExperimentSpec.of_points(resampled(found, draws, seed), "posterior draws",
                                    pooled=True, source="--posterior")
