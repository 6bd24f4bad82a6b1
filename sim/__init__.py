"""Agent-based model of the January 2025 TikTok-refugee platform migration, on Mesa.

The public API for notebooks and scripts, three names::

    >>> from sim import load_scenario, run, MigrationModel
    >>> model = run("observed-2025", "simulation.users=2000", "simulation.days=20", seed=1)
    >>> isinstance(model, MigrationModel)
    True
    >>> daily = model.timeseries()  # one row per day and platform, real-world units
    >>> sorted(daily.platform.unique())[:3]
    ['douyin', 'instagram', 'lemon8']
    >>> bool(daily.query("platform == 'rednote'").dau_us.max() > 1e6)
    True

The packages, each importing only those after it: ``sim.report`` (Markdown, tables and figures
for people, and the files they go in) → ``sim.experiments`` (everything that runs: designs, runs,
executors, the results folder, the calibration and posterior searches, sensitivity samples,
ablation variants) → ``sim.analysis`` (pure functions of tables: outcomes, targets, the fitted
point, indices, PRIM) → ``sim.model`` (users, ties, platforms, motives, rules, events, recorder)
→ ``sim.scenario`` (schema, files).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["MigrationModel", "load_scenario", "run"]

if TYPE_CHECKING:
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
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
