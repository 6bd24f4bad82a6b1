"""``sim calibrate A B C``: one behaviour fitted to several episodes at once.

The shared fields (``--fit``: the behaviour, ``[dynamics]`` and ``[motives]``) take one value in
every episode; each episode keeps its own fields (``--fit-each``: ``platforms.*.appeal`` is each
of its platforms' appeal; an ``EPISODE:`` prefix keeps a field to that episode) and its sources'
factors (fitted per set of runs, :func:`sim.analysis.sources.judge`). The loss is the sum of the
episodes' losses. Every candidate runs with the same replicate seeds (common random numbers).

Given the shared fields, the episodes' own fields are independent of each other, so the search
alternates. First each episode's own fields over their ranges (whatever its file says of them),
the shared ones as the first episode's file (and ``--set``) has them (round 0); then, for
``rounds`` rounds:

1. shared: a Sobol sample of the shared ranges (the first round; a box around the best in later
   ones), Nelder-Mead from the best, a Sobol sample around it; each episode's own fields held;
2. own: each episode's own fields, the same three stages in a box around their values, on the
   episode's loss alone, the shared fields held; the episodes search side by side on one pool.

Every stage but the first scores the values it starts from too, so that no stage leaves a
field worse off; the first does not, so that a fit does not depend on the own values the files
had before (a fit written into them and run again finds the same). A polish (``--polish``)
starts from the files' values instead: every stage scores them and samples a box around them,
so its fit is never worse than the files' (with the same seeds) and explores only near them.

The fit is the last round's: the shared fields' best, and each episode's own best with them. Each
field's uncertainty is read off its last stage's candidates (:func:`sim.analysis.fitted.fit_of`):
a likelihood-ratio region of the joint loss for the shared fields (the own ones held), of the
episode's own loss for its fields.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.fitted import Fit, fit_of
from sim.analysis.sources import judge
from sim.errors import InputError
from sim.experiments.calibration import MIN_BUDGET, box_around, polish, pool_of
from sim.experiments.design import ExperimentSpec, Sweep, as_overrides, parse_fit, points
from sim.experiments.evaluate import submit, target_values
from sim.experiments.progress import Progress
from sim.experiments.runs import replicate_seeds
from sim.scenario.loading import load_scenario

CHUNK = 8  # candidates queued on the pool at a time (the progress moves between chunks)


@dataclass
class Episode:
    """One episode of a joint fit: its scenario file, its own fields and their values so far."""

    file: Path
    name: str
    own: list[Sweep]
    values: dict[str, float] = field(default_factory=dict)


@dataclass
class JointFit:
    """A joint fit: the shared fields' fit, each episode's own fit, how well each episode meets
    its targets with them (``loss``; ``met`` of ``targets``), and every candidate scored."""

    shared: Fit
    own: dict[str, Fit]
    loss: dict[str, float]
    met: dict[str, int]
    targets: dict[str, int]
    candidates: pd.DataFrame

    @property
    def total_loss(self) -> float:
        return float(sum(self.loss.values()))

    def values(self, episode: str) -> dict[str, float]:
        """Every fitted value an episode runs with: the shared ones and its own."""
        tables = [self.shared.table, *([self.own[episode].table] if episode in self.own else [])]
        return {row.field: float(row.fitted) for table in tables for row in table.itertuples()}


def episodes_of(files: list[Path], overrides: list[str], each: list[str]) -> list[Episode]:
    """The episodes of a joint fit, with their own fields expanded from ``--fit-each``."""
    episodes = []
    for file in files:
        scenario = load_scenario(file, overrides)
        if not scenario.targets:
            raise InputError(str(file), "targets", "this scenario has no [[targets]] to fit")
        own = [sweep for text in each for sweep in expand_each(text, scenario, file)]
        episodes.append(Episode(file, scenario.name or file.stem, own,
                                {s.field: _value(scenario, s.field) for s in own}))
    names = [e.name for e in episodes]
    if len(set(names)) < len(names):
        raise InputError("SCENARIOS", ", ".join(names), "an episode is given twice")
    return episodes


def expand_each(text: str, scenario, file: Path) -> list[Sweep]:
    """``[EPISODE:]FIELD=LOW:HIGH`` as the scenario's own sweeps: ``*`` in a field stands for
    each of its platforms; an ``EPISODE:`` prefix keeps the field to that episode only."""
    target, sep, bounds = text.partition("=")
    episode, colon, dotted = target.rpartition(":")
    if colon and episode not in (scenario.name, file.stem):
        return []
    if "*" not in dotted:
        return [parse_fit(f"{dotted}{sep}{bounds}", scenario, "--fit-each")]
    parts = dotted.split(".")
    if len(parts) != 3 or parts[:2] != ["platforms", "*"]:
        raise InputError("--fit-each", dotted, "'*' stands for a platform: platforms.*.FIELD")
    return [parse_fit(f"platforms.{name}.{parts[2]}{sep}{bounds}", scenario, "--fit-each")
            for name in scenario.platforms]


def _value(scenario, dotted: str) -> float:
    node = scenario.model_dump()
    for part in dotted.split("."):
        node = node[part]
    return float(node)


class _Scores:
    """Scores sets of values per episode, every replicate of every set queued on the pool at
    once, and remembers every score."""

    def __init__(self, episodes: list[Episode], overrides, seeds, pool, margin: float):
        self.files = {e.name: e.file for e in episodes}
        self.overrides, self.seeds, self.pool, self.margin = overrides, seeds, pool, margin
        self.rows: list[dict] = []
        self._lock = threading.Lock()

    def __call__(self, asked: list[tuple[str, dict]], stage: str) -> list[dict]:
        """The score of each (episode, values) in ``asked``: its loss and targets met."""
        scenarios = [load_scenario(self.files[name], [*self.overrides, *as_overrides(values)])
                     for name, values in asked]
        found = list(submit(target_values, [(s, seed) for s in scenarios for seed in self.seeds],
                            self.pool))
        n, scored = len(self.seeds), []
        for i, ((name, values), scenario) in enumerate(zip(asked, scenarios, strict=True)):
            judged = judge(scenario, np.nanmedian(np.array(found[i * n:(i + 1) * n],
                                                           dtype=float), axis=0))
            met = judged.met(self.margin)
            scored.append({"stage": stage, "episode": name, **values, "loss": judged.loss,
                           "met": all(met), "targets_met": int(sum(met)),
                           "targets": len(met)})
        with self._lock:
            self.rows.extend(scored)
        return scored


class _Told:
    """The progress of a whole joint search, counted over every stage (thread-safe)."""

    def __init__(self, progress: Progress):
        self.progress, self.done, self._lock = progress, 0, threading.Lock()

    def __call__(self, count: int, stage: str, best: float) -> None:
        with self._lock:
            self.done += count
            self.progress.update(self.done, "calibrate", f"{stage}, best loss {best:.4g}")


class _Search:
    """The three stages of a search over ``fits`` (Sobol, Nelder-Mead, Sobol around the best)
    of ``loss(points) -> rows`` (a ``loss`` and ``met`` each), keeping every row."""

    def __init__(self, fits: list[Sweep], loss, seed: int, told: _Told, stage: str):
        self.fits, self.loss, self.seed, self.told, self.stage = fits, loss, seed, told, stage
        self.rows: list[dict] = []
        self.local, self.local_samples = list(fits), 0  # the box around the best, its samples

    def run(self, budget: int, start: dict | None, around: bool = False) -> dict:
        """The best point after about ``budget`` evaluations, ``start`` (the values so far; None:
        none) among them, so that a search never leaves a field worse than it found it
        (``around``: sample a box around ``start`` first instead of the whole ranges)."""
        first = [Sweep(f.field, (), box_around(start[f.field], f.bounds)) for f in self.fits] if (
            around) else self.fits
        known = [] if start is None else [
            {f.field: float(np.clip(start[f.field], *f.bounds)) for f in self.fits}]
        self._many([*known, *points(ExperimentSpec(first, "sobol", max(2, budget // 2)),
                                    self.seed)])
        self._polish(budget // 4)
        best = self.best()
        self.local = [Sweep(f.field, (), box_around(best[f.field], f.bounds)) for f in self.fits]
        self.local_samples = max(0, budget - len(self.rows))
        if self.local_samples:
            self._many(points(ExperimentSpec(self.local, "sobol", self.local_samples),
                              self.seed + 1))
        return self.best()

    def best(self) -> dict:
        return min(self.rows, key=lambda row: row["loss"])

    def fit(self) -> Fit:
        return fit_of(pd.DataFrame(self.rows), [(f.field, f.bounds) for f in self.fits],
                      [s.bounds for s in self.local], self.local_samples)

    def _many(self, candidates: list[dict]) -> None:
        for start in range(0, len(candidates), CHUNK):
            chunk = candidates[start:start + CHUNK]
            self.rows.extend(self.loss(chunk))
            self.told(len(chunk), self.stage, self.best()["loss"])

    def _polish(self, evaluations: int) -> None:
        """Nelder-Mead from the best candidate (:func:`~sim.experiments.calibration.polish`)."""

        def score(values: dict) -> float:
            row, = self.loss([values])
            self.rows.append(row)
            self.told(1, self.stage, self.best()["loss"])
            return row["loss"]

        polish(self.fits, self.best(), evaluations, score)


def joint_calibrate(files: list[Path], overrides: list[str], fits: list[Sweep],
                    each: list[str], budget: int, replicates: int, seed: int, workers: int,
                    rounds: int = 2, budget_each: int | None = None, quiet: bool = False,
                    margin: float = 0.0, held: dict[str, float] | None = None,
                    polish: bool = False) -> JointFit:
    """Fit ``fits`` (shared) and ``each`` (per episode) to the targets of every scenario of
    ``files``: about ``budget`` joint candidates for the shared fields in all, ``budget_each``
    per episode and round for its own. ``held``: the shared fields held at these values instead
    of fitted (a transfer: only the episodes' own fields are fitted). ``polish``: start from the
    files' values, every stage sampling a box around them and scoring them first (a fit made
    better, never worse: it finds what lies near the values the files have)."""
    episodes = episodes_of(files, overrides, each)
    _check(fits, budget, rounds)
    per_round = max(MIN_BUDGET, budget // rounds)
    own_budget = budget_each or max(MIN_BUDGET, per_round // 2)
    owning = [e for e in episodes if e.own]
    shared_fitted = held is None and bool(fits)
    total = rounds * per_round * shared_fitted + (
        (rounds if shared_fitted else 0) + 1) * own_budget * len(owning)
    shared = dict(held or {})
    with pool_of(workers) as pool, Progress(total, "candidates", "calibrate", quiet) as shown:
        scores = _Scores(episodes, overrides, replicate_seeds(seed, replicates), pool, margin)
        told, shared_search, own_searches = _Told(shown), None, {}
        if shared_fitted:  # the values so far: those of the first episode's file
            shared = {f.field: _value(load_scenario(files[0], overrides), f.field) for f in fits}
        own_searches = _own_searches(owning, shared, scores, seed + 5, told, own_budget, polish,
                                     "round 0, own")  # each episode's own, over its ranges
        for r in range(rounds if shared_fitted else 0):
            shared_search = _shared_search(episodes, fits, scores, seed + 10 * r, told,
                                           f"round {r + 1}, shared")
            best = shared_search.run(per_round, shared, around=r > 0 or polish)
            shared = {f.field: best[f.field] for f in fits}
            own_searches = _own_searches(owning, shared, scores, seed + 10 * r + 15, told,
                                         own_budget, True, f"round {r + 1}, own")
        final = scores([(e.name, {**shared, **e.values}) for e in episodes], "fitted")
    return JointFit(
        shared=shared_search.fit() if shared_search else _held(shared),
        own={name: search.fit() for name, search in own_searches.items()},
        loss={row["episode"]: row["loss"] for row in final},
        met={row["episode"]: row["targets_met"] for row in final},
        targets={row["episode"]: row["targets"] for row in final},
        candidates=pd.DataFrame(scores.rows))


def _check(fits: list[Sweep], budget: int, rounds: int) -> None:
    if budget < MIN_BUDGET * rounds:
        raise InputError("--budget", str(budget),
                         f"needs at least {MIN_BUDGET} candidates a round ({rounds} rounds)")
    for fit in fits:
        if fit.prior:  # the search samples ranges evenly: a prior shape would be ignored
            raise InputError("--fit", fit.field, "a prior shape is for --posterior; the search "
                             "takes FIELD=LOW:HIGH")


def _shared_search(episodes, fits, scores, seed, told, stage) -> _Search:
    """A search of the shared fields on the sum of the episodes' losses, their own held."""

    def loss(candidates: list[dict]) -> list[dict]:
        rows = scores([(e.name, {**c, **e.values}) for c in candidates for e in episodes], stage)
        k = len(episodes)
        return [{**c, "loss": sum(r["loss"] for r in rows[i * k:(i + 1) * k]),
                 "met": all(r["met"] for r in rows[i * k:(i + 1) * k])}
                for i, c in enumerate(candidates)]

    return _Search(fits, loss, seed, told, stage)


def _own_searches(episodes, shared, scores, seed, told, budget, around, stage):
    """Each episode's own fields searched on its own loss, the shared ones held: the episodes
    side by side (threads waiting on the same pool); each is left at its best."""
    searches = {}
    for episode in episodes:
        def loss(candidates, episode=episode):
            rows = scores([(episode.name, {**shared, **c}) for c in candidates],
                          f"{stage} {episode.name}")
            return [{**c, "loss": r["loss"], "met": r["met"]}
                    for c, r in zip(candidates, rows, strict=True)]
        searches[episode.name] = _Search(episode.own, loss, seed, told, stage)

    def search(episode: Episode) -> None:  # the first time from its ranges alone, not its file
        best = searches[episode.name].run(budget, episode.values if around else None, around)
        episode.values = {f.field: best[f.field] for f in episode.own}

    with ThreadPoolExecutor(max(1, len(episodes))) as threads:
        list(threads.map(search, episodes))  # (an error in one is raised here)
    return searches


def _held(values: dict[str, float]) -> Fit:
    """Shared fields held, as a fit table (no interval: they were not fitted here)."""
    table = pd.DataFrame([{"field": k, "fitted": v, "low": np.nan, "high": np.nan,
                           "range": "held"} for k, v in values.items()],
                         columns=["field", "fitted", "low", "high", "range"])
    return Fit(table, pd.DataFrame(), float("nan"), False)
