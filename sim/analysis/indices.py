"""Global sensitivity indices (``sim sensitivity``) from a sample and its outputs: SALib's
analysis, Sobol first- and total-order indices or Morris μ* and σ, with bootstrap confidence
intervals. The sample itself and its runs are :mod:`sim.experiments.sampling`'s.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.errors import InputError, optional

METHODS = ("sobol", "morris")
CONFIDENCE = 0.95
RESAMPLES = 200
MORRIS_LEVELS = 4


@dataclass
class Analysis:
    """What a sensitivity analysis asks: the varied fields with their ranges (``(field, (low,
    high))``, in order), the outcomes, the method and size."""

    varied: list[tuple[str, tuple[float, float]]]
    outcomes: list[str]
    method: str = "sobol"
    samples: int = 64
    seed: int = 0

    def as_dict(self) -> dict:
        return {"varied": [{"field": name, "bounds": list(bounds)} for name, bounds in self.varied],
                "outcomes": self.outcomes, "method": self.method, "samples": self.samples,
                "seed": self.seed}

    @classmethod
    def from_dict(cls, data: dict) -> Analysis:
        return cls([(v["field"], tuple(v["bounds"])) for v in data["varied"]],
                   list(data["outcomes"]), data["method"], int(data["samples"]),
                   int(data["seed"]))

    @property
    def fields(self) -> list[str]:
        return [name for name, _ in self.varied]


@dataclass
class Indices:
    """The result: one row per outcome and field (``table``), and what could not be computed."""

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def problem(varied: list[tuple[str, tuple[float, float]]]) -> dict:
    """The varied fields as SALib's problem dictionary."""
    names = [name for name, _ in varied]
    if len(set(names)) != len(names):
        raise InputError("--vary", next(n for n in names if names.count(n) > 1),
                         "the same field is varied twice")
    return {"num_vars": len(varied), "names": names,
            "bounds": [list(bounds) for _, bounds in varied]}


def check(analysis: Analysis) -> None:
    """Refuse what SALib cannot do, naming the option."""
    if analysis.method not in METHODS:
        raise InputError("--method", analysis.method, f"one of {', '.join(METHODS)}")
    if not analysis.varied:
        raise InputError("--vary", "", "give at least one FIELD=LOW:HIGH to vary")
    if len(analysis.varied) < 2 and analysis.method == "sobol":
        raise InputError("--vary", analysis.varied[0][0], "Sobol indices need at least two "
                         "varied fields")
    least = 2 if analysis.method == "morris" else 8
    if analysis.samples < least or (analysis.method == "sobol"
                                    and analysis.samples & (analysis.samples - 1)):
        what = "a power of two, at least 8" if analysis.method == "sobol" else "at least 2"
        raise InputError("--samples", str(analysis.samples), f"{analysis.method} needs {what}")


def analyse(analysis: Analysis, points: pd.DataFrame, values: pd.DataFrame) -> Indices:
    """Indices of every outcome: ``points`` has one row per design point (the varied fields, in
    sample order) and ``values`` one column per outcome (the mean over replicates)."""
    optional("SALib", "sim sensitivity")
    from SALib.analyze import morris, sobol

    spec = problem(analysis.varied)
    inputs = points[spec["names"]].to_numpy(dtype=float)
    rows, notes = [], []
    for outcome in analysis.outcomes:
        y = values[outcome].to_numpy(dtype=float)
        missing = int((~np.isfinite(y)).sum())
        if missing:
            notes.append(f"{outcome}: not defined at {missing} of {len(y)} points (e.g. a share "
                         "of nobody); no indices")
            continue
        if np.ptp(y) == 0:
            notes.append(f"{outcome}: the same at every point; no field moves it")
            rows += [_row(outcome, f, analysis.method, 0.0, 0.0, 0.0, 0.0) for f in spec["names"]]
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if analysis.method == "sobol":
                found = sobol.analyze(spec, y, calc_second_order=False, num_resamples=RESAMPLES,
                                      conf_level=CONFIDENCE, seed=analysis.seed)
                rows += [_row(outcome, f, "sobol", *map(float, numbers)) for f, *numbers in zip(
                    spec["names"], found["S1"], found["S1_conf"], found["ST"], found["ST_conf"],
                    strict=True)]
            else:
                found = morris.analyze(spec, inputs, y, num_resamples=RESAMPLES,
                                       conf_level=CONFIDENCE, num_levels=MORRIS_LEVELS,
                                       seed=analysis.seed)
                rows += [_row(outcome, f, "morris", *map(float, numbers)) for f, *numbers in zip(
                    spec["names"], found["mu_star"], found["mu_star_conf"], found["sigma"],
                    found["mu"], strict=True)]
    return Indices(pd.DataFrame(rows), notes)


def _row(outcome: str, name: str, method: str, a: float, a_conf: float, b: float, b_conf: float
         ) -> dict:
    """Sobol: (S1, S1_conf, ST, ST_conf); Morris: (mu_star, mu_star_conf, sigma, mu)."""
    if method == "sobol":
        return {"outcome": outcome, "field": name, "method": method, "S1": a, "S1_conf": a_conf,
                "ST": b, "ST_conf": b_conf}
    return {"outcome": outcome, "field": name, "method": method, "mu_star": a,
            "mu_star_conf": a_conf, "sigma": b, "mu": b_conf}
