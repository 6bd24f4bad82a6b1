"""The per-run table of a results folder: one row per run, with its design (scenario, design
point, replicate, seed, status, a column per swept field) and every headline outcome as a column
named as ``sim sensitivity --outcome`` takes it (``rednote.peak_dau``,
:mod:`sim.analysis.run_values`), dates as dates.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.outcomes import KIND
from sim.analysis.run_values import GAIN, known
from sim.scenario.schema import Scenario

IDENTITY = ("run_id", "scenario", "point", "replicate", "seed", "status")


def outcome_names(scenarios: list[Scenario]) -> list[str]:
    """Every outcome name of any of the scenarios, in the order of the first that has it."""
    return list(dict.fromkeys(name for s in scenarios for name in known(s)))


def kind_of(name: str) -> str:
    """``count``, ``percent`` (a 0..1 share) or ``date`` for an outcome name."""
    key = name.partition(".")[2]
    return "count" if key == GAIN else KIND[key]


def run_table(design: pd.DataFrame, status: pd.DataFrame, values: pd.DataFrame,
              scenarios: dict[str, Scenario]) -> pd.DataFrame:
    """One row per run of ``design`` (``design.parquet``: run_id, scenario, point, replicate,
    seed and the swept fields), its ``status`` (ok, failed or missing, from ``runs.parquet``)
    and the outcome columns of ``values`` (one row per successful run, dates as day numbers;
    a failed run's outcomes are empty). ``scenarios``: name -> scenario, for the dates."""
    swept = [c for c in design.columns if c not in IDENTITY]
    table = design.merge(status[["run_id", "status"]], on="run_id", how="left")
    table["status"] = table["status"].fillna("missing")
    table = table[[*IDENTITY, *swept]].merge(values, on="run_id", how="left")
    starts = pd.to_datetime(table["scenario"].map(
        {name: s.simulation.start for name, s in scenarios.items()}))
    for name in values.columns.drop("run_id"):
        if kind_of(name) == "date":
            days = pd.to_timedelta(table[name], unit="D")
            table[name] = (starts + days).dt.date.where(days.notna(), None)
    return table
