"""``sim sensitivity``: which uncertain fields move which outcomes (global sensitivity, SALib).

The fields to vary are given as ``FIELD=LOW:HIGH`` (the syntax of ``--fit``). SALib makes the
sample: Saltelli's scheme for Sobol indices (``N × (D + 2)`` points for ``D`` fields, first- and
total-order indices) or Morris trajectories (``N × (D + 1)`` points, μ* and σ screening). The
points run as an experiment (:mod:`sim.experiments.launch`: process pool or Dask, Parquet parts,
``--resume``), every point on the same replicate seeds; each outcome is averaged over the
replicates of a point, and SALib computes the indices with bootstrap confidence intervals
(:mod:`sim.analysis.indices`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis import run_values
from sim.analysis.indices import MORRIS_LEVELS, Analysis, Indices, analyse, check, problem
from sim.errors import InputError, optional
from sim.experiments import launch
from sim.experiments.design import ExperimentSpec, as_overrides, parse_fit
from sim.experiments.reading import per_run
from sim.experiments.store import Stored, read_results
from sim.scenario.loading import load_scenario, resolve_path

NEEDED_BY = "sim sensitivity"  # what SALib's absence is said of


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
        [(sweep.field, sweep.bounds) for sweep in varied],
        run_values.check(wanted or run_values.default(base), base),
        method or (table.method if table is not None else "sobol"),
        samples or (table.samples if table is not None else 64),
        base.simulation.seed if seed is None else seed)
    check(analysis)
    return file, analysis, analysis.seed


def sample(analysis: Analysis) -> list[dict[str, float]]:
    """The design points SALib asks for, in its order."""
    optional("SALib", NEEDED_BY)
    from SALib.sample import morris, sobol

    spec = problem(analysis.varied)
    if analysis.method == "sobol":
        unit = sobol.sample(spec, analysis.samples, calc_second_order=False, seed=analysis.seed)
    else:
        unit = morris.sample(spec, analysis.samples, num_levels=MORRIS_LEVELS,
                             seed=analysis.seed)
    return [dict(zip(spec["names"], map(float, row), strict=True)) for row in unit]


def plan(files: list[Path], overrides: list[str], analysis: Analysis, replicates: int,
         seed: int) -> launch.Plan:
    """The experiment that runs the sample (points recorded as given, for ``--resume``)."""
    check(analysis)
    spec = ExperimentSpec.of_points(sample(analysis), f"{analysis.method} (SALib)")
    return launch.Plan(files, overrides, spec, replicates, seed)


def run(files: list[Path], overrides: list[str], analysis: Analysis, replicates: int, seed: int,
        folder: Path, executor: dict, quiet: bool = False) -> pd.DataFrame:
    """Run the analysis's sample into a new results folder; the status of every run."""
    made = plan(files, overrides, analysis, replicates, seed)
    _, runs = launch.start(made, folder, executor, quiet, {"sensitivity": analysis.as_dict()})
    return runs


def resume(folder: Path, executor: dict, quiet: bool = False) -> tuple[Analysis, pd.DataFrame]:
    """Make the missing runs of a sensitivity analysis: the analysis, the status of every run."""
    manifest = launch.read_manifest(folder)
    if "sensitivity" not in manifest:
        raise InputError("--resume", str(folder), "not a sensitivity analysis (a plain "
                         "experiment resumes with sim run --resume)")
    analysis = Analysis.from_dict(manifest["sensitivity"])
    _, runs = launch.resume(folder, executor, quiet)
    return analysis, runs


def indices_of_folder(folder: Path, analysis: Analysis) -> tuple[Indices, Stored]:
    """Read a finished sensitivity experiment and compute its indices (and the stored runs)."""
    stored = read_results([folder])
    values = per_run(stored, analysis.outcomes)
    expected = len(sample(analysis))
    means = run_values.per_point(values, analysis.outcomes).reindex(range(expected))
    points = stored.runs.drop_duplicates("point").set_index("point").reindex(range(expected))
    if points[analysis.fields].isna().any().any():
        raise InputError(str(folder), "", "some design points have no successful run; "
                         f"finish them with: sim sensitivity --resume {folder}")
    return analyse(analysis, points, means), stored
