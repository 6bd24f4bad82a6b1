"""Scenario discovery (``sim discover``): the boxes of parameter space where an outcome happens,
found by PRIM (the EMA Workbench's ``Prim(x, y)``).

The cases are the runs of a results folder made over uncertain fields (a sampled design, a
sensitivity analysis, or ``sim run --posterior``); each case is the run's field values and
whether the outcome is above (or below) a threshold. PRIM peels the box of all cases a little at
a time, keeping the cases of interest, and records the trajectory: coverage (the share of all
cases of interest inside the box) against density (the share of the box's cases that are of
interest). The box chosen is the densest whose coverage is at least ``--coverage``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

from sim.errors import InputError, optional

PEEL = 0.05  # share of the cases peeled off at each step


@dataclass
class Discovery:
    """PRIM's result: the ``trajectory`` (coverage, density, mass, restricted fields per step),
    the chosen step, the ``box`` (one row per field: low, high, restricted) and the cases."""

    trajectory: pd.DataFrame
    chosen: int
    box: pd.DataFrame
    cases: pd.DataFrame
    outcome: str
    rule: str


def discover(cases: pd.DataFrame, outcome: str, above: float | None, below: float | None,
             coverage: float = 0.5) -> Discovery:
    """PRIM on the cases where the outcome is above ``above`` (or below ``below``)."""
    if (above is None) == (below is None):
        raise InputError("--above", "", "give exactly one of --above X or --below X")
    rule = f"{outcome} > {above:g}" if above is not None else f"{outcome} < {below:g}"
    y = (cases[outcome] > above) if above is not None else (cases[outcome] < below)
    if not y.any() or y.all():
        share = "no" if not y.any() else "every"
        raise InputError("--above" if above is not None else "--below", outcome,
                         f"{share} run has {rule}: nothing to tell apart")
    x = cases.drop(columns=[outcome]).astype(float)
    with warnings.catch_warnings():  # the Workbench warns of optional parts it lacks
        warnings.simplefilter("ignore")
        prim = optional("ema_workbench.analysis.prim", "sim discover")
        found = prim.Prim(x, y.to_numpy(), peel_alpha=PEEL, mass_min=0.05).find_box()
    trajectory = found.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].copy()
    trajectory["restricted"] = [", ".join(_restricted(found.box_lims[0], limits))
                                for limits in found.box_lims]
    eligible = trajectory[trajectory["coverage"] >= coverage]
    chosen = int(eligible.sort_values(["density", "coverage"], ascending=False).index[0])
    first, limits = found.box_lims[0], found.box_lims[chosen]
    box = pd.DataFrame({"field": list(x.columns), "low": limits.iloc[0].to_numpy(float),
                        "high": limits.iloc[1].to_numpy(float),
                        "range_low": first.iloc[0].to_numpy(float),
                        "range_high": first.iloc[1].to_numpy(float)})
    box["restricted"] = (box["low"] > box["range_low"]) | (box["high"] < box["range_high"])
    return Discovery(trajectory.reset_index(drop=True), chosen, box, cases.assign(of_interest=y),
                     outcome, rule)


def _restricted(first: pd.DataFrame, limits: pd.DataFrame) -> list[str]:
    return [c for c in first.columns
            if limits[c].iloc[0] > first[c].iloc[0] or limits[c].iloc[1] < first[c].iloc[1]]
