"""Many small in-memory runs, in parallel, returning small results (calibration, ablation)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.targets import RunTables, measure
from sim.experiments.runs import newcomer_profile, run_pool, simulate
from sim.scenario.metrics import FROM_MOVES, FROM_OPENING
from sim.scenario.schema import Scenario

PROFILE_METRICS = {"newcomer_share_18_34", "top_creator_accounts"}  # read off the profile
COHORT_METRICS = {"first_week_churn"}  # read off the cohorts
OPENING_METRICS = {*FROM_OPENING, "international_share"}  # read who opened which app


def run_tables(scenario: Scenario, seed: int) -> RunTables:
    """Run once and keep the tables that targets and headline outcomes read."""
    timeseries, _flows, cohorts, profile = simulate(scenario, seed)
    return RunTables(timeseries, cohorts, profile)


def target_values(scenario: Scenario, seed: int) -> list[float]:
    """Every target of the scenario as simulated by one run (the same figures as measuring the
    full run's tables, :func:`run_tables`, at less cost: :func:`target_tables`)."""
    run = target_tables(scenario, seed)
    return [measure(target, run, scenario) for target in scenario.targets]


def target_tables(scenario: Scenario, seed: int) -> RunTables:
    """The tables of one run as far as the targets read them: the days up to the last one a
    target reads (:func:`days_read`; the later ones stay zeros), sign-ups counted by motive, the
    main-app moves and the cohorts and profile only if a target reads them (else zeros and empty
    tables), who opened what only on the platforms a target reads it of
    (:func:`platforms_opened`), no Mesa DataCollector, and the daily metrics read off the
    recorder (:class:`Recorded`). A day's figures depend only on the
    days before it, so every target comes out as from the full run."""
    from sim.model.migration import MigrationModel
    from sim.model.recorder import cohorts

    simulation, metrics = scenario.simulation, {t.metric for t in scenario.targets}
    model = MigrationModel(scenario, rng=seed)
    model.counts_motives = any(m.startswith(("signups_", "motive_share_")) for m in metrics)
    model.opening = platforms_opened(scenario)
    model.follows_moves = bool(metrics & set(FROM_MOVES))
    model.collects = False  # (targets read the recorder)
    for _ in range(days_read(scenario)):
        model.step()
    ends = (cohorts(model.users, model.platforms.names, simulation.days, model.scale)
            if metrics & COHORT_METRICS else pd.DataFrame(),
            newcomer_profile(model) if metrics & PROFILE_METRICS else pd.DataFrame())
    return Recorded(pd.DataFrame(), *ends, model=model)


@dataclass
class Recorded(RunTables):
    """The tables of a run still in memory: each recorded metric's dates × platforms table
    straight off the recorder, the same as the timeseries pivoted, without making the
    timeseries (left empty); every target reads its daily figures through :meth:`daily`."""

    model: object = None

    def daily(self, metric: str) -> pd.DataFrame:
        if metric not in self._daily:
            self._daily[metric] = self.model.recorder.daily(metric,
                                                            self.model.config.simulation.dates)
        return self._daily[metric]


def platforms_opened(scenario: Scenario) -> np.ndarray:
    """Which platforms' daily users the targets read (P bool): a target on who opened an app
    reads its platform's, or every platform's if it ranks them."""
    names = list(scenario.platforms)
    read = np.zeros(len(names), dtype=bool)
    for target in scenario.targets:
        if target.metric in OPENING_METRICS:
            read[slice(None) if target.stat == "rank" else names.index(target.platform)] = True
    return read


def days_read(scenario: Scenario) -> int:
    """How many days of a run its targets read: through the last date any target names, or
    every day if a target reads the end of the run (the cohorts or the profile)."""
    days, targets = scenario.simulation.days, scenario.targets
    if not targets or any(t.metric in PROFILE_METRICS | COHORT_METRICS for t in targets):
        return days
    last = max(day for t in targets for day in (t.date, t.end, t.reference_end) if day)
    return max(1, min(days, (last - scenario.simulation.start).days + 1))


def submit(function, jobs: list[tuple], pool: Executor | None) -> Iterator:
    """``function(*job)`` for every job, in job order: queued on ``pool`` now (its results to
    come), or without one made in this process as they are read."""
    if pool is not None:
        return pool.map(function, *zip(*jobs, strict=True))
    return (function(*job) for job in jobs)


def evaluate(function, jobs: list[tuple], workers: int, pool: Executor | None = None) -> list:
    """``function(*job)`` for every job, in job order, on ``pool`` if given, else on ``workers``
    processes (a pool started for this call)."""
    if pool is not None or workers <= 1:
        return list(submit(function, jobs, pool))
    with run_pool(workers) as own:
        return list(own.map(function, *zip(*jobs, strict=True), chunksize=1))
