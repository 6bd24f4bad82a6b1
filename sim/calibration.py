"""``sim calibrate``: fit free parameters to a scenario's targets by sequential ABC rejection.

Each candidate parameter set is run with the same replicate seeds (common random numbers); its
loss is the sum of squared target misses in units of tolerance (:func:`sim.targets.loss`), read
off the median over replicates. Round 1 samples the declared ranges (scrambled Sobol); round 2
samples again around the best tenth. The fitted value is the median of the accepted (best)
candidates and its uncertainty their spread, reported as a 95 % interval.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.design import ExperimentSpec, Sweep, as_overrides, points
from sim.errors import InputError
from sim.evaluate import evaluate, target_values
from sim.experiment import replicate_seeds
from sim.loading import load_scenario
from sim.targets import loss

ACCEPT = 0.1  # share of candidates kept as the approximate posterior
MIN_ACCEPTED = 5


@dataclass
class Fit:
    """The outcome of a calibration."""

    table: pd.DataFrame  # one row per parameter: fitted, low, high, start bounds
    candidates: pd.DataFrame  # every candidate: parameter values and loss
    best_loss: float


def parse_fit(text: str, scenario) -> Sweep:
    """``FIELD=LOW:HIGH``, or ``FIELD`` alone for half to double its current value."""
    name, sep, bounds = text.partition("=")
    if any(part.isdigit() for part in name.split(".")):
        raise InputError("--fit", name, "only fields of tables can be fitted, not list entries")
    if sep:
        parts = bounds.split(":")
        try:
            low, high = (float(p) for p in parts)
        except ValueError:
            raise InputError("--fit", name, f"cannot read '{bounds}': use FIELD=LOW:HIGH") from None
    else:
        current = _current(scenario, name)
        low, high = sorted((current * 0.5, current * 2.0)) if current else (-1.0, 1.0)
    if not low < high:
        raise InputError("--fit", name, f"empty range {low:g}:{high:g} (LOW must be below HIGH)")
    return Sweep(name, (), (low, high))


def _current(scenario, dotted: str) -> float:
    node = scenario.model_dump()
    for part in dotted.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise InputError("--fit", dotted, "no such field")
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise InputError("--fit", dotted, "is not a number")
    return float(node)


def calibrate(file: Path, overrides: list[str], fits: list[Sweep], budget: int,
              replicates: int, seed: int, workers: int) -> Fit:
    """Fit ``fits`` to the scenario's targets with about ``budget`` candidate parameter sets."""
    base = load_scenario(file, overrides)
    if not base.targets:
        raise InputError(str(file), "targets", "this scenario has no [[targets]] to fit")
    if budget < 2 * MIN_ACCEPTED:
        raise InputError("--budget", str(budget), f"needs at least {2 * MIN_ACCEPTED} candidates")
    seeds = replicate_seeds(seed, replicates)
    first = points(ExperimentSpec(fits, "sobol", budget // 2), seed)
    scored = _score(file, overrides, first, seeds, workers)
    accepted = _accepted(scored)
    narrowed = [Sweep(f.field, (), _around(accepted[f.field], f.bounds)) for f in fits]
    second = points(ExperimentSpec(narrowed, "sobol", budget - len(first)), seed + 1)
    scored = pd.concat([scored, _score(file, overrides, second, seeds, workers)],
                       ignore_index=True)
    accepted = _accepted(scored)
    table = pd.DataFrame([{
        "field": f.field, "fitted": float(accepted[f.field].median()),
        "low": float(accepted[f.field].quantile(0.025)),
        "high": float(accepted[f.field].quantile(0.975)),
        "sd": float(accepted[f.field].std()), "range": f"{f.bounds[0]:g}:{f.bounds[1]:g}",
    } for f in fits])
    return Fit(table, scored, float(scored["loss"].min()))


def _score(file, overrides, candidates: list[dict], seeds: list[int], workers: int):
    scenarios = [load_scenario(file, [*overrides, *as_overrides(c)]) for c in candidates]
    jobs = [(s, seed) for s in scenarios for seed in seeds]
    values = evaluate(target_values, jobs, workers)
    rows = []
    for i, (candidate, scenario) in enumerate(zip(candidates, scenarios, strict=True)):
        per_run = np.array(values[i * len(seeds):(i + 1) * len(seeds)], dtype=float)
        medians = pd.DataFrame({"median": np.nanmedian(per_run, axis=0)})
        rows.append({**candidate, "loss": loss(medians, scenario)})
    return pd.DataFrame(rows)


def _accepted(scored: pd.DataFrame) -> pd.DataFrame:
    keep = max(MIN_ACCEPTED, round(len(scored) * ACCEPT))
    return scored.nsmallest(keep, "loss")


def _around(values: pd.Series, bounds: tuple[float, float]) -> tuple[float, float]:
    spread = max(float(values.std()), (bounds[1] - bounds[0]) * 0.02)
    low = max(bounds[0], float(values.min()) - spread)
    high = min(bounds[1], float(values.max()) + spread)
    return (low, high) if low < high else bounds


def write_fitted(file: Path, fit: Fit, out: Path, command: str) -> Path:
    """A scenario file that ``extends`` the original with the fitted values."""
    if out.exists():
        raise InputError("--out", str(out), "exists; results are never overwritten")
    lines = [f"# Fitted by: {command}",
             f"# on {dt.date.today()}; loss {fit.best_loss:.3g} (sum of squared target misses"
             " in tolerances); value # 95 % interval of the accepted candidates",
             f'extends = "{_relative(file, out)}"', ""]
    tables: dict[str, list[str]] = {}
    for row in fit.table.itertuples():
        table, _, key = row.field.rpartition(".")
        tables.setdefault(table, []).append(
            f"{key} = {row.fitted:.6g}  # [{row.low:.4g}, {row.high:.4g}], searched {row.range}")
    for table, entries in tables.items():
        lines += [f"[{table}]" if table else "", *entries, ""]
    out.write_text("\n".join(lines))
    return out


def _relative(target: Path, out: Path) -> str:
    import os

    return os.path.relpath(target.resolve(), out.resolve().parent)
