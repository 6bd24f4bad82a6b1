"""Calibration targets: read each target's figure off one run, and score a set of runs.

A run is read through :class:`RunTables` (its timeseries, cohorts and profile). Besides every
recorded daily metric, targets may use these derived metrics:

- ``international_share``: the platform's US daily users over all its daily users (F6);
- ``motive_share_<motive>``: share of sign-ups whose strongest motive was ``<motive>`` (F9-F11);
- ``first_week_churn``: share of newcomers gone dormant within 7 days (F12; by sign-up window);
- ``newcomer_share_18_34``: share of newcomers aged 18-34 (F7; 18-29 plus a quarter of 30-49);
- ``top_creator_accounts``: share of the top 1 % of creators with an account there (F8).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.analysis.sources import judge, reported
from sim.scenario.observations import Target
from sim.scenario.schema import Scenario


@dataclass
class RunTables:
    """The tables of one run that targets read."""

    timeseries: pd.DataFrame
    cohorts: pd.DataFrame
    profile: pd.DataFrame
    _daily: dict = field(default_factory=dict, repr=False, compare=False)

    def daily(self, metric: str) -> pd.DataFrame:
        """Dates × platforms table of one recorded metric (made once per metric; read-only)."""
        if metric not in self._daily:
            self._daily[metric] = self.timeseries.pivot(index="date", columns="platform",
                                                        values=metric)
        return self._daily[metric]


def measure(target: Target, run: RunTables, scenario: Scenario) -> float:
    """The target's figure as simulated in one run."""
    if target.metric in ("newcomer_share_18_34", "top_creator_accounts"):
        return float(run.profile.set_index("platform").loc[target.platform, target.metric])
    if target.metric == "first_week_churn":
        return _first_week_churn(run.cohorts, target, scenario.simulation.start)
    series = _series(target, run, scenario)
    return _stat(target, series, run)


def _series(target: Target, run: RunTables, scenario: Scenario) -> pd.Series:
    platform = target.platform
    if target.metric == "international_share":
        us = run.daily("dau_us")[platform]
        return us / (us + scenario.platforms[platform].foreign_daily_users)
    if target.metric.startswith("motive_share_"):
        motive = target.metric.removeprefix("motive_share_")
        window = slice(pd.Timestamp(target.start), pd.Timestamp(target.end))
        signups = run.daily("signups")[platform].loc[window].sum()
        by_motive = run.daily(f"signups_{motive}")[platform].loc[window].sum()
        return pd.Series([by_motive / signups if signups else np.nan],
                         index=[pd.Timestamp(target.start)])
    return run.daily(target.metric)[platform]


def _stat(target: Target, series: pd.Series, run: RunTables) -> float:
    if target.stat == "on":
        return float(series.loc[pd.Timestamp(target.date)])
    window = series.loc[pd.Timestamp(target.start):pd.Timestamp(target.end)]
    if target.stat == "sum":
        return float(window.sum())
    if target.stat == "mean":
        return float(window.mean())
    if target.stat == "max":
        return float(window.max())
    if target.stat == "rank":
        table = run.daily(target.metric).loc[window.index]
        ranks = table.rank(axis=1, ascending=False, method="max")[target.platform]
        return float(ranks.max())
    reference = series.loc[pd.Timestamp(target.reference_start):pd.Timestamp(target.reference_end)]
    return float(window.mean() / reference.mean()) if reference.mean() > 0 else float("inf")


def _first_week_churn(cohorts: pd.DataFrame, target: Target, start) -> float:
    rows = cohorts[(cohorts.platform == target.platform) & cohorts.retained_7.notna()]
    first, last = (target.start - start).days, (target.end - start).days
    rows = rows[(rows.day >= first) & (rows.day <= last)]
    joined = rows.signups.sum()
    return float(1.0 - rows.retained_7.sum() / joined) if joined else float("nan")


def scorecard(scenario: Scenario, runs: list[RunTables]) -> pd.DataFrame:
    """One row per target: what was observed; the model's true median and 90 % interval, and
    what the target's kind of source would report of them (its fitted bias); met?"""
    after_end = {int(field.split(".")[1]) for field, _ in scenario.date_problems()}
    true = np.array([[measure(target, run, scenario) if i not in after_end else np.nan
                      for i, target in enumerate(scenario.targets)] for run in runs],
                    dtype=float).reshape(len(runs), len(scenario.targets))
    measured = np.isfinite(true).any(axis=0)
    median = np.full(len(scenario.targets), np.nan)
    low, high = median.copy(), median.copy()
    if measured.any():
        median[measured] = np.nanmedian(true[:, measured], axis=0)
        with np.errstate(invalid="ignore"):  # a ratio over an empty window is infinite
            low[measured], high[measured] = np.nanquantile(true[:, measured], [0.05, 0.95],
                                                           axis=0)
    judged = judge(scenario, median)
    rows = []
    for i, (target, met) in enumerate(zip(scenario.targets, judged.met(), strict=True)):
        bias = judged.biases[target.kind]
        rows.append({
            "scenario": scenario.name, "id": target.id, "description": target.description,
            "platform": target.platform, "metric": target.metric, "when": _when(target),
            "observed": target.wanted(), "kind": target.kind,
            "bias": bias,
            "median": judged.reported[i], "q05": reported(target, low[i], bias),
            "q95": reported(target, high[i], bias), "true": median[i], "true_q05": low[i],
            "true_q95": high[i], "met": met, "scored": i not in after_end,
            "source": target.source,
        })
    return pd.DataFrame(rows)


def _when(target: Target) -> str:
    if target.stat == "on":
        return f"{target.date:%Y-%m-%d}"
    text = f"{target.stat} {target.start:%m-%d}..{target.end:%m-%d}"
    if target.stat == "ratio":
        text += f" / {target.reference_start:%m-%d}..{target.reference_end:%m-%d}"
    return text
