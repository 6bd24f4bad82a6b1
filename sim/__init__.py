"""Agent-based model of the January 2025 TikTok-refugee platform migration, on Mesa.

The public API for notebooks and scripts (more in docs/api.md): an experiment as ``sim run``
makes it, read back as tidy tables and figures::

    >>> import sim
    >>> results = sim.run_experiment(["observed-2025", "baseline"], replicates=2, users=2000,
    ...                              days=40, quiet=True)
    >>> results.scenarios
    ['observed-2025', 'baseline']
    >>> runs = results.runs()  # a row per run: scenario, seed, outcomes as columns
    >>> runs.groupby("scenario")["rednote.tried"].median().idxmax()
    'observed-2025'
    >>> daily = results.timeseries()  # a row per run, day and platform
    >>> figure = results.figure("trajectories", platforms=["tiktok", "rednote"])

The packages, each importing only those after it: ``sim.report`` (Markdown, tables and figures
for people, and the files they go in) → ``sim.experiments`` (everything that runs: designs, runs,
executors, the results folder, the calibration and posterior searches, sensitivity samples,
ablation variants) → ``sim.analysis`` (pure functions of tables: outcomes, targets, the fitted
point, indices, PRIM) → ``sim.model`` (users, ties, platforms, motives, rules, events, recorder)
→ ``sim.scenario`` (schema, files). ``sim.api`` (experiments and results, above them all) is where
``run_experiment``, ``open_results`` and ``Results`` live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["MigrationModel", "Results", "load_scenario", "open_results", "run",
           "run_experiment"]

if TYPE_CHECKING:
    from sim.api import Results, open_results, run_experiment
    from sim.model.migration import MigrationModel
    from sim.scenario.loading import load_scenario
    from sim.scenario.schema import Scenario


def run(scenario: str | Scenario, *overrides: str, seed: int | None = None) -> MigrationModel:
    """Build and run one replicate of a scenario: a shipped name, a file, or a loaded
    :class:`~sim.scenario.schema.Scenario`; ``overrides`` as ``--set`` takes them
    (``"simulation.users=2000"``); ``seed`` defaults to the scenario's ``simulation.seed``."""
    from sim.model.migration import MigrationModel
    from sim.scenario.loading import load_scenario

    if isinstance(scenario, str):
        scenario = load_scenario(scenario, list(overrides))
    elif overrides:
        raise TypeError("overrides apply to a scenario name or file, not a loaded Scenario")
    return MigrationModel(scenario, rng=seed).run()


def __getattr__(name: str):
    """The heavy names are imported when first used, so that ``sim --help`` starts fast."""
    if name == "MigrationModel":
        from sim.model.migration import MigrationModel

        return MigrationModel
    if name == "load_scenario":
        from sim.scenario.loading import load_scenario

        return load_scenario
    if name in ("run_experiment", "open_results", "Results"):
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
