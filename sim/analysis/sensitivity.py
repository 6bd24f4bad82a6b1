"""``sim sensitivity``: which uncertain fields move which outcomes (global sensitivity, SALib).

The fields to vary are given as ``FIELD=LOW:HIGH`` (the syntax of ``--fit``). SALib makes the
sample: Saltelli's scheme for Sobol indices (``N × (D + 2)`` points for ``D`` fields, first- and
total-order indices) or Morris trajectories (``N × (D + 1)`` points, μ* and σ screening). The
points run as an experiment (:mod:`sim.experiments.launch`: process pool or Dask, Parquet parts,
``--resume``), every point on the same replicate seeds; each outcome is averaged over the
replicates of a point, and SALib computes the indices with bootstrap confidence intervals.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim import tables
from sim.analysis import run_values
from sim.errors import InputError
from sim.experiments.design import ExperimentSpec, Sweep, as_overrides, parse_fit
from sim.experiments.launch import Plan
from sim.experiments.store import read_results
from sim.scenario.loading import load_scenario, resolve_path

METHODS = ("sobol", "morris")
CONFIDENCE = 0.95
RESAMPLES = 200
MORRIS_LEVELS = 4


@dataclass
class Analysis:
    """What a sensitivity analysis asks: the varied fields, the outcomes, the method and size."""

    varied: list[Sweep]
    outcomes: list[str]
    method: str = "sobol"
    samples: int = 64
    seed: int = 0

    def as_dict(self) -> dict:
        return {"varied": [{"field": s.field, "bounds": list(s.bounds)} for s in self.varied],
                "outcomes": self.outcomes, "method": self.method, "samples": self.samples,
                "seed": self.seed}

    @classmethod
    def from_dict(cls, data: dict) -> Analysis:
        return cls([Sweep(v["field"], (), tuple(v["bounds"])) for v in data["varied"]],
                   list(data["outcomes"]), data["method"], int(data["samples"]),
                   int(data["seed"]))


@dataclass
class Indices:
    """The result: one row per outcome and field (``table``), and what could not be computed."""

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def from_options(name: str, overrides: list[str], vary: list[str], outcomes: list[str],
                 method: str | None, samples: int | None, seed: int | None
                 ) -> tuple[Path, Analysis, int]:
    """The scenario file, the analysis and the root seed from command-line options, which win
    over the scenario's ``[sensitivity]`` table. Every varied field is checked at both ends of
    its range, so a bad bound is refused before anything runs."""
    file = resolve_path(name)
    base = load_scenario(file, overrides)
    table = getattr(base, "sensitivity", None)
    option = "--vary" if vary or table is None else f"{file}: sensitivity.vary"
    texts = vary or (list(table.vary) if table is not None else [])
    varied = [parse_fit(text, base, option) for text in texts]
    for sweep in varied:
        if sweep.prior:  # a Sobol or Morris sample covers the range evenly
            raise InputError(option, sweep.field, "a prior shape is for sim calibrate "
                             "--posterior; give FIELD=LOW:HIGH")
        for end in sweep.bounds:
            try:
                load_scenario(file, [*overrides, *as_overrides({sweep.field: end})])
            except InputError as exc:
                raise InputError(option, sweep.field, f"{end:g} is not allowed: {exc.message}"
                                 ) from None
    wanted = outcomes or (list(table.outcomes) if table is not None else [])
    analysis = Analysis(
        varied, run_values.check(wanted or run_values.default(base), base),
        method or (table.method if table is not None else "sobol"),
        samples or (table.samples if table is not None else 64),
        base.simulation.seed if seed is None else seed)
    check(analysis)
    return file, analysis, analysis.seed


def problem(varied: list[Sweep]) -> dict:
    """The fields as SALib's problem dictionary."""
    names = [s.field for s in varied]
    if len(set(names)) != len(names):
        raise InputError("--vary", next(n for n in names if names.count(n) > 1),
                         "the same field is varied twice")
    return {"num_vars": len(varied), "names": names,
            "bounds": [list(s.bounds) for s in varied]}


def check(analysis: Analysis) -> None:
    """Refuse what SALib cannot do, naming the option."""
    if analysis.method not in METHODS:
        raise InputError("--method", analysis.method, f"one of {', '.join(METHODS)}")
    if not analysis.varied:
        raise InputError("--vary", "", "give at least one FIELD=LOW:HIGH to vary")
    if len(analysis.varied) < 2 and analysis.method == "sobol":
        raise InputError("--vary", analysis.varied[0].field, "Sobol indices need at least two "
                         "varied fields")
    least = 2 if analysis.method == "morris" else 8
    if analysis.samples < least or (analysis.method == "sobol"
                                    and analysis.samples & (analysis.samples - 1)):
        what = "a power of two, at least 8" if analysis.method == "sobol" else "at least 2"
        raise InputError("--samples", str(analysis.samples), f"{analysis.method} needs {what}")


def sample(analysis: Analysis) -> list[dict[str, float]]:
    """The design points SALib asks for, in its order."""
    from SALib.sample import morris, sobol

    spec = problem(analysis.varied)
    if analysis.method == "sobol":
        unit = sobol.sample(spec, analysis.samples, calc_second_order=False, seed=analysis.seed)
    else:
        unit = morris.sample(spec, analysis.samples, num_levels=MORRIS_LEVELS,
                             seed=analysis.seed)
    return [dict(zip(spec["names"], map(float, row), strict=True)) for row in unit]


def plan(files: list[Path], overrides: list[str], analysis: Analysis, replicates: int,
         seed: int) -> Plan:
    """The experiment that runs the sample (points recorded as given, for ``--resume``)."""
    check(analysis)
    spec = ExperimentSpec.of_points(sample(analysis), f"{analysis.method} (SALib)")
    return Plan(files, overrides, spec, replicates, seed)


def analyse(analysis: Analysis, points: pd.DataFrame, values: pd.DataFrame) -> Indices:
    """Indices of every outcome: ``points`` has one row per design point (the varied fields, in
    sample order) and ``values`` one column per outcome (the mean over replicates)."""
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


def indices_of_folder(folder: Path, analysis: Analysis) -> tuple[Indices, object]:
    """Read a finished sensitivity experiment and compute its indices (and the stored runs)."""
    stored = read_results([folder])
    values = run_values.per_run(stored, analysis.outcomes)
    expected = len(sample(analysis))
    means = run_values.per_point(values, analysis.outcomes).reindex(range(expected))
    points = stored.runs.drop_duplicates("point").set_index("point").reindex(range(expected))
    if points[[s.field for s in analysis.varied]].isna().any().any():
        raise InputError(str(folder), "", "some design points have no successful run; "
                         f"finish them with: sim sensitivity --resume {folder}")
    return analyse(analysis, points, means), stored


def as_markdown(indices: Indices, label) -> str:
    """One table: per outcome and field, the indices with their 95 % intervals."""
    table = indices.table
    if table.empty:
        return "No indices (see the notes).\n"
    sobol = table["method"].iloc[0] == "sobol"
    header = (["outcome", "field", "first-order S1 [95 % CI]", "total ST [95 % CI]"] if sobol
              else ["outcome", "field", "μ* [95 % CI]", "σ"])
    rows = []
    for outcome, group in table.groupby("outcome", sort=False):
        order = group.sort_values("ST" if sobol else "mu_star", ascending=False)
        for i, row in enumerate(order.itertuples()):
            name = label(outcome) if i == 0 else ""
            rows.append([name, f"`{row.field}`",
                         *( [_ci(row.S1, row.S1_conf), _ci(row.ST, row.ST_conf)] if sobol else
                            [_ci(row.mu_star, row.mu_star_conf, g=True), f"{row.sigma:.3g}"])])
    notes = "".join(f"\n- {n}" for n in indices.notes)
    return tables.markdown(header, rows) + ("\n" + notes.strip("\n") + "\n" if notes else "\n")


def _ci(value: float, half: float, g: bool = False) -> str:
    if g:
        return f"{value:.3g} [{value - half:.3g}, {value + half:.3g}]"
    return f"{value:.2f} [{value - half:.2f}, {value + half:.2f}]"
