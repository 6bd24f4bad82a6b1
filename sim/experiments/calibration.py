"""``sim calibrate``: fit free parameters to a scenario's targets.

Each candidate parameter set is run with the same replicate seeds (common random numbers), so
the loss is a deterministic function of the parameters: the sum of squared target misses in
units of tolerance, of what each target's kind of source would report, plus the prior terms of
fitted source factors (:func:`sim.analysis.sources.judge`), read off the median over replicates:
a χ² when tolerances are one standard error. The search has three stages sharing the ``--budget``:

1. global: a scrambled Sobol sample of the declared ranges (half the budget);
2. polish: Nelder-Mead (scipy) from the best candidate (a quarter);
3. local: a Sobol sample around the optimum (the rest).

The fitted value and its uncertainty are read off the scored candidates by
:func:`sim.analysis.fitted.fit_of`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.fitted import Fit, fit_of
from sim.analysis.sources import judge
from sim.errors import InputError
from sim.experiments.design import ExperimentSpec, Sweep, as_overrides, points
from sim.experiments.evaluate import submit, target_values
from sim.experiments.progress import Progress
from sim.experiments.runs import replicate_seeds, run_pool
from sim.scenario.loading import load_scenario

MIN_BUDGET = 12
LOCAL_BOX = 0.15  # the local stage samples the optimum ± this share of each range


def calibrate(file: Path, overrides: list[str], fits: list[Sweep], budget: int,
              replicates: int, seed: int, workers: int, quiet: bool = False,
              margin: float = 0.0) -> Fit:
    """Fit ``fits`` to the scenario's targets with about ``budget`` candidate parameter sets."""
    base = load_scenario(file, overrides)
    if not base.targets:
        raise InputError(str(file), "targets", "this scenario has no [[targets]] to fit")
    if budget < MIN_BUDGET:
        raise InputError("--budget", str(budget), f"needs at least {MIN_BUDGET} candidates")
    for fit in fits:
        if fit.prior:  # the search samples ranges evenly: a prior shape would be ignored
            raise InputError("--fit", fit.field, "a prior shape is for --posterior; the search "
                             "takes FIELD=LOW:HIGH")
    with pool_of(workers) as pool, Progress(budget, "candidates", "calibrate", quiet) as shown:
        objective = _Objective(file, overrides, fits, replicate_seeds(seed, replicates), pool,
                               _Report(budget, shown), margin)
        objective.many(points(ExperimentSpec(fits, "sobol", budget // 2), seed), "global")
        objective.polish(budget // 4)
        best = objective.best()
        local = [Sweep(f.field, (), box_around(best[f.field], f.bounds)) for f in fits]
        remaining = budget - len(objective.rows)
        if remaining > 0:
            objective.many(points(ExperimentSpec(local, "sobol", remaining), seed + 1), "local")
    return fit_of(pd.DataFrame(objective.rows), [(f.field, f.bounds) for f in fits],
                  [s.bounds for s in local], remaining)


def pool_of(workers: int):
    """One process pool for the whole search (``None``: run in this process)."""
    return run_pool(workers) if workers > 1 else nullcontext(None)


class _Report:
    """Progress about every twentieth of the budget: candidates tried, the stage, the best loss."""

    def __init__(self, budget: int, progress: Progress):
        self.every, self.progress = max(1, budget // 20), progress

    def chunks(self, candidates: list[dict]) -> list[list[dict]]:
        return [candidates[i:i + self.every] for i in range(0, len(candidates), self.every)]

    def __call__(self, rows: list[dict], stage: str) -> None:
        best = min(row["loss"] for row in rows)
        self.progress.update(len(rows), "calibrate", f"{stage}, best loss {best:.4g}")


class _Objective:
    """The loss of parameter sets, remembering every evaluation."""

    def __init__(self, file, overrides, fits, seeds, pool, report: _Report, margin: float):
        self.file, self.overrides, self.fits = file, overrides, fits
        self.seeds, self.pool, self.report, self.margin = seeds, pool, report, margin
        self.rows: list[dict] = []

    def many(self, candidates: list[dict], stage: str) -> None:
        """Score ``candidates``, reporting progress after each chunk of them; the runs of the
        next chunk are queued before a chunk is scored, so that the workers do not wait."""
        chunks = self.report.chunks(candidates)
        queued = self._submit(chunks[0]) if chunks else None
        for i, chunk in enumerate(chunks):
            scoring, queued = queued, self._submit(chunks[i + 1]) if i + 1 < len(chunks) else None
            self._score(chunk, scoring)
            self.report(self.rows, stage)

    def _submit(self, candidates: list[dict]) -> tuple[list, Iterator]:
        """The scenarios of ``candidates`` and their target values (every replicate of each, in
        order), to come: the runs are queued on the pool now."""
        scenarios = [load_scenario(self.file, [*self.overrides, *as_overrides(c)])
                     for c in candidates]
        jobs = [(s, seed) for s in scenarios for seed in self.seeds]
        return scenarios, submit(target_values, jobs, self.pool)

    def _score(self, candidates: list[dict], submitted: tuple | None = None) -> None:
        scenarios, values = submitted or self._submit(candidates)
        values = list(values)
        n = len(self.seeds)
        for i, (candidate, scenario) in enumerate(zip(candidates, scenarios, strict=True)):
            per_run = np.array(values[i * n:(i + 1) * n], dtype=float)
            judged = judge(scenario, np.nanmedian(per_run, axis=0))
            met = all(judged.met(self.margin))  # NaN (not measurable) meets nothing
            self.rows.append({**candidate, "loss": judged.loss, "met": met})

    def best(self) -> dict:
        return min(self.rows, key=lambda row: row["loss"])

    def polish(self, evaluations: int) -> None:
        """Nelder-Mead from the best candidate (:func:`polish`)."""

        def score(values: dict) -> float:
            self._score([values])
            if len(self.rows) % self.report.every == 0:
                self.report(self.rows, "Nelder-Mead")
            return self.rows[-1]["loss"]

        polish(self.fits, self.best(), evaluations, score)


def polish(fits: list[Sweep], start: dict, evaluations: int, score) -> None:
    """Nelder-Mead (scipy) from ``start`` for ``evaluations`` points at most, in units of each
    range and within the bounds; ``score(values)`` is the loss of one point."""
    from scipy.optimize import minimize

    if evaluations <= 0:
        return
    low = np.array([f.bounds[0] for f in fits])
    width = np.array([f.bounds[1] - f.bounds[0] for f in fits])
    unit = (np.array([start[f.field] for f in fits]) - low) / width

    def at(point: np.ndarray) -> float:
        values = low + np.clip(point, 0.0, 1.0) * width
        return score({f.field: float(v) for f, v in zip(fits, values, strict=True)})

    simplex = np.vstack([unit, unit + 0.05 * np.eye(len(unit))])
    minimize(at, unit, method="Nelder-Mead",
             options={"maxfev": evaluations, "initial_simplex": simplex})


def box_around(centre: float, bounds: tuple[float, float]) -> tuple[float, float]:
    """The local stage's box: ``centre`` ± ``LOCAL_BOX`` of the range, within it."""
    half = (bounds[1] - bounds[0]) * LOCAL_BOX
    return max(bounds[0], centre - half), min(bounds[1], centre + half)
