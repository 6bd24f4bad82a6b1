"""How sure a what-if answer is: the share of draws in which one scenario's outcome is above
another's.

Runs pair up across scenarios when they share a draw of the uncertain parameters and a seed
(``sim run --posterior``: member ``k`` of every scenario; otherwise replicate ``k``). Per draw, the
paired difference is taken as the median over its replicates; the share is of draws whose
difference is above zero (ties count half), so 97 % reads "above in 97 % of draws".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.outcomes import KIND, Results, run_outcomes
from sim.analysis.run_values import GAIN, gains, known


def above_shares(results: Results, baseline: str, outcomes: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """One row per scenario (other than ``baseline``), platform and outcome: ``above`` (share of
    draws in which the scenario's outcome is above the baseline's), ``draws`` (how many were
    compared) and the median paired difference."""
    outcomes = run_outcomes(results) if outcomes is None else outcomes
    if not (outcomes["outcome"] == GAIN).any():  # each destination's gain, from the timeseries
        added = gains(results.timeseries).merge(
            results.runs[["run_id", "scenario", "point", "replicate"]], on="run_id")
        outcomes = pd.concat([outcomes, added], ignore_index=True)
    shown = set(known(results.scenarios[baseline]))  # the summary table's outcomes and gains
    outcomes = outcomes[[f"{p}.{o}" in shown for p, o in zip(
        outcomes["platform"], outcomes["outcome"], strict=True)]]
    draw = results.runs.set_index("run_id")["draw"] if "draw" in results.runs else \
        results.runs.set_index("run_id")["replicate"]
    values = outcomes.assign(draw=outcomes["run_id"].map(draw))
    keys = ["point", "replicate", "platform", "outcome"]
    base = values[values["scenario"] == baseline].set_index(keys)["value"]
    rows = []
    for scenario, mine in values[values["scenario"] != baseline].groupby("scenario", sort=False):
        paired = mine.set_index(keys).assign(difference=lambda f, b=base: f["value"]
                                             - b.reindex(f.index))
        paired = paired.dropna(subset=["difference"]).reset_index()
        per_draw = paired.groupby(["platform", "outcome", "draw"])["difference"].median()
        for (platform, outcome), differences in per_draw.groupby(level=[0, 1], sort=False):
            d = differences.to_numpy(dtype=float)
            rows.append({"scenario": scenario, "baseline": baseline, "platform": platform,
                         "outcome": outcome, "draws": len(d),
                         "above": float(((d > 0).sum() + 0.5 * (d == 0).sum()) / len(d)),
                         "median_difference": float(np.median(d))})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    platforms = {name: i for i, name in enumerate(results.platforms)}
    keys = {name: i for i, name in enumerate([*KIND, GAIN])}
    order = sorted(range(len(table)), key=lambda i: (
        platforms.get(table["platform"].iloc[i], len(platforms)),
        keys.get(table["outcome"].iloc[i], len(keys))))
    return table.iloc[order].reset_index(drop=True)
