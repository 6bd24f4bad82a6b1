"""``sim calibrate``: fit free parameters to a scenario's targets.

Each candidate parameter set is run with the same replicate seeds (common random numbers), so
the loss is a deterministic function of the parameters: the sum of squared target misses in
units of tolerance, of what each target's kind of source would report, plus the prior terms of
fitted source factors (:func:`sim.analysis.sources.judge`), read off the median over replicates:
a χ² when tolerances are one standard error. The search has three stages sharing the ``--budget``:

1. global: a scrambled Sobol sample of the declared ranges (half the budget);
2. polish: Nelder-Mead (scipy) from the best candidate (a quarter);
3. local: a Sobol sample around the optimum (the rest).

The fitted value is the best candidate that meets every target, with ``margin`` to spare (a
share of each tolerance or bound, so that the fit holds for other seeds), or the best of all if
none does; its uncertainty is the range of every candidate whose loss is within the 95 % Δχ²
threshold of the best (a likelihood-ratio confidence region), widened by the typical spacing of
the local sample (the resolution of the search: where the loss is sharp, the optimum can lie up
to about one spacing from the nearest candidate tried).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import priors
from sim.analysis.sources import judge
from sim.errors import InputError, did_you_mean
from sim.experiments.design import ExperimentSpec, Sweep, as_overrides, points
from sim.experiments.evaluate import submit, target_values
from sim.experiments.progress import Progress
from sim.experiments.runs import replicate_seeds, run_pool
from sim.scenario.loading import load_scenario

MIN_BUDGET = 12
LOCAL_BOX = 0.15  # the local stage samples the optimum ± this share of each range
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # not allowed in a TOML comment


@dataclass
class Fit:
    """The outcome of a calibration."""

    table: pd.DataFrame  # one row per parameter: fitted, low, high, start bounds
    candidates: pd.DataFrame  # every candidate: parameter values and loss
    best_loss: float
    met: bool = False  # whether the fitted candidate meets every target


def parse_fit(text: str, scenario, option: str = "--fit") -> Sweep:
    """``FIELD=LOW:HIGH``, or ``FIELD`` alone for half to double its current value (``option``:
    where it was given, for the error message); a prior may follow the range
    (``FIELD=LOW:HIGH:log``, ``...:normal:MEAN:SD``: :mod:`sim.analysis.priors`)."""
    name, sep, bounds = text.partition("=")
    if any(part.isdigit() for part in name.split(".")):
        raise InputError(option, name, "only fields of tables can be fitted, not list entries")
    current = _current(scenario, name, option)  # the field must exist and be a number
    shape: list[str] = []
    if sep:
        parts = bounds.split(":")
        try:
            low, high = (float(p) for p in parts[:2])
        except ValueError:
            raise InputError(option, name, f"cannot read '{bounds}': use FIELD=LOW:HIGH") from None
        shape = parts[2:]
    else:
        low, high = sorted((current * 0.5, current * 2.0)) if current else (-1.0, 1.0)
    if not (np.isfinite(low) and np.isfinite(high)):
        raise InputError(option, name, f"bounds must be finite numbers, not {low:g}:{high:g}")
    if not low < high:
        raise InputError(option, name, f"empty range {low:g}:{high:g} (LOW must be below HIGH)")
    return Sweep(name, (), (low, high), prior=priors.parse(option, name, shape, low, high))


def _current(scenario, dotted: str, option: str = "--fit") -> float:
    node = scenario.model_dump()
    for part in dotted.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            choices = node.keys() if isinstance(node, dict) else ()
            raise InputError(option, dotted, "unknown field" + did_you_mean(part, choices))
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise InputError(option, dotted, "is not a number")
    return float(node)


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
    with _pool(workers) as pool, Progress(budget, "candidates", "calibrate", quiet) as shown:
        objective = _Objective(file, overrides, fits, replicate_seeds(seed, replicates), pool,
                               _Report(budget, shown), margin)
        objective.many(points(ExperimentSpec(fits, "sobol", budget // 2), seed), "global")
        objective.polish(budget // 4)
        best = objective.best()
        local = [Sweep(f.field, (), _box(best[f.field], f.bounds)) for f in fits]
        remaining = budget - len(objective.rows)
        if remaining > 0:
            objective.many(points(ExperimentSpec(local, "sobol", remaining), seed + 1), "local")
    scored = pd.DataFrame(objective.rows)
    region = _confidence_region(scored, len(fits))
    best = _fitted(scored)
    table = pd.DataFrame([{
        "field": f.field, "fitted": float(best[f.field]),
        "low": max(f.bounds[0], float(region[f.field].min()) - _resolution(s, remaining, fits)),
        "high": min(f.bounds[1], float(region[f.field].max()) + _resolution(s, remaining, fits)),
        "range": f"{f.bounds[0]:g}:{f.bounds[1]:g}",
    } for f, s in zip(fits, local, strict=True)])
    return Fit(table, scored, float(best["loss"]), bool(best["met"]))


def _fitted(scored: pd.DataFrame) -> pd.Series:
    """The lowest-loss candidate that meets every target, or the lowest-loss one if none does
    (a bound target can be missed by a hair at the lowest loss: the scorecard would say MISS)."""
    meeting = scored[scored["met"]]
    return (meeting if len(meeting) else scored).sort_values("loss", kind="stable").iloc[0]


def _pool(workers: int):
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
        """Nelder-Mead from the best candidate, in units of each range, within the bounds."""
        from scipy.optimize import minimize

        low = np.array([f.bounds[0] for f in self.fits])
        width = np.array([f.bounds[1] - f.bounds[0] for f in self.fits])
        start = (np.array([self.best()[f.field] for f in self.fits]) - low) / width

        def at(unit: np.ndarray) -> float:
            values = low + np.clip(unit, 0.0, 1.0) * width
            self._score([{f.field: float(v) for f, v in zip(self.fits, values, strict=True)}])
            if len(self.rows) % self.report.every == 0:
                self.report(self.rows, "Nelder-Mead")
            return self.rows[-1]["loss"]

        if evaluations > 0:
            simplex = np.vstack([start, start + 0.05 * np.eye(len(start))])
            minimize(at, start, method="Nelder-Mead",
                     options={"maxfev": evaluations, "initial_simplex": simplex})


def _box(centre: float, bounds: tuple[float, float]) -> tuple[float, float]:
    half = (bounds[1] - bounds[0]) * LOCAL_BOX
    return max(bounds[0], centre - half), min(bounds[1], centre + half)


def _resolution(local: Sweep, samples: int, fits: list) -> float:
    """The typical spacing of the local sample: how finely the search saw the optimum."""
    width = local.bounds[1] - local.bounds[0]
    return width / max(samples, 1) ** (1 / len(fits))


def _confidence_region(scored: pd.DataFrame, n_parameters: int) -> pd.DataFrame:
    """Candidates whose loss is within the 95 % Δχ² threshold of the best."""
    from scipy.stats import chi2

    threshold = scored["loss"].min() + chi2.ppf(0.95, n_parameters)
    return scored[scored["loss"] <= threshold]


def write_fitted(file: Path, fit: Fit, out: Path, command: str) -> Path:
    """A scenario file that ``extends`` the original with the fitted values (written with
    ``tomli_w``, so that any path or name is quoted correctly); the search is told in comments."""
    import tomli_w

    if out.exists():
        raise InputError("--out", str(out), "exists; results are never overwritten")
    notes = [f"Fitted by: {command}",
             f"on {dt.date.today()}; loss {fit.best_loss:.3g} (sum of squared target misses in "
             "tolerances); each value with the 95 % interval of the accepted candidates:"]
    doc: dict = {"extends": _relative(file, out)}
    for row in fit.table.itertuples():
        *tables, key = row.field.split(".")
        node = doc
        for table in tables:
            node = node.setdefault(table, {})
        node[key] = float(f"{row.fitted:.6g}")
        notes.append(f"  {row.field} = {row.fitted:.6g} [{row.low:.4g}, {row.high:.4g}], "
                     f"searched {row.range}")
    header = "".join(f"# {_CONTROL.sub(' ', note)}\n" for note in notes)  # one line each
    out.write_text(header + tomli_w.dumps(doc), encoding="utf-8")
    return out


def _relative(target: Path, out: Path) -> str:
    return os.path.relpath(target.resolve(), out.resolve().parent)
