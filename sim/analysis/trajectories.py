"""Daily trajectories across replicates: the metric people ask for, its bands, paired differences.

The command line's metric names map onto recorded columns (see :data:`METRICS`); ``share`` is
computed here. Every function takes and returns plain tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sim.errors import InputError, did_you_mean

QUANTILES = {"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95}
KEYS = ["scenario", "point", "day", "date", "platform"]


@dataclass(frozen=True)
class Metric:
    """A daily metric as shown to people.

    Attributes:
        name: the command line's name (``dau``, ``share``, ...).
        column: the recorded timeseries column it reads.
        title: what the figures call it.
        note: how it is counted, said once under the figures.
        percent: whether it is a share, shown in %.
    """

    name: str
    column: str
    title: str
    note: str
    percent: bool = False

    def told(self, words: dict[str, str]) -> Metric:
        """The metric in an episode's words (``{market}``, ``{population}`` filled in)."""
        return replace(self, title=self.title.format(**words), note=self.note.format(**words))


METRICS = {
    "dau": Metric("dau", "dau_us", "Daily active {market} users",
                  "daily active users: the simulated {population} plus each platform's other "
                  "{market} users (recorded as dau_us)"),
    "share": Metric("share", "dau", "Share of {population} active that day",
                    "daily active users among the simulated {population} (recorded as dau) / "
                    "population.real_users", percent=True),
    "accounts": Metric("accounts", "accounts", "Accounts held by {population}",
                       "accounts held by the simulated {population} (dormant ones included)"),
    "signups": Metric("signups", "signups", "New accounts per day",
                      "accounts made that day by {population}"),
    "churn": Metric("churn", "churn", "Users going dormant per day",
                    "users who stopped using the platform that day (they may come back)"),
}


def metric_of(name: str) -> Metric:
    """The metric called ``name`` on the command line.

    Raises:
        InputError: for an unknown name, with a "did you mean".
    """
    if name not in METRICS:
        raise InputError("--metric", name, "unknown metric; one of " + ", ".join(METRICS)
                         + did_you_mean(name, METRICS))
    return METRICS[name]


def daily(timeseries: pd.DataFrame, metric: Metric, real_users: dict[str, float]) -> pd.DataFrame:
    """One row per run, day and platform: the metric's ``value`` (a share for ``share``).

    Args:
        timeseries: the recorded timeseries of the runs.
        metric: what to read.
        real_users: real population size per scenario, for shares.
    """
    frame = timeseries[["run_id", "replicate", *KEYS]].copy()
    frame["value"] = timeseries[metric.column].to_numpy(dtype=float)
    if metric.name == "share":
        frame["value"] /= frame["scenario"].map(real_users).to_numpy(dtype=float)
    return frame


def bands(values: pd.DataFrame) -> pd.DataFrame:
    """Quantiles of ``value`` across replicates: one row per scenario, point, day and platform,
    with columns q05, q25, q50 (the median), q75, q95 and ``n`` (replicates)."""
    grouped = values.groupby(KEYS, sort=False, observed=True)["value"]
    table = grouped.quantile(list(QUANTILES.values())).unstack()
    table.columns = list(QUANTILES)
    table["n"] = grouped.size()
    return table.reset_index()


def paired_differences(values: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each scenario minus the baseline, replicate by replicate (same seed: common random
    numbers). One row per scenario (the baseline included: all zeros), point, replicate, day and
    platform; ``value`` is the difference. Days and replicates missing on either side drop out.
    """
    keys = ["point", "replicate", "day", "platform"]
    reference = values[values["scenario"] == baseline][[*keys, "value"]]
    paired = values.merge(reference, on=keys, suffixes=("", "_baseline"), how="inner")
    paired["value"] = paired["value"] - paired["value_baseline"]
    return paired.drop(columns="value_baseline")


def unpaired_seeds(runs: pd.DataFrame, baseline: str) -> list[str]:
    """Scenarios whose replicate k ran on another seed than the baseline's replicate k.

    Only replicates (and design points) present on both sides count: one missing on either side
    is not a seed mismatch (see :func:`unmatched_replicates`).
    """
    seeds = runs.pivot_table(index=["point", "replicate"], columns="scenario", values="seed",
                             aggfunc="first")
    if baseline not in seeds:
        return []
    reference = seeds[baseline]
    both = seeds.notna().mul(reference.notna(), axis=0)
    return [s for s in seeds.columns if s != baseline
            and (seeds.loc[both[s], s] != reference[both[s]]).any()]


def unmatched_replicates(runs: pd.DataFrame, baseline: str) -> dict[str, int]:
    """Scenario -> how many of its (design point, replicate) runs have no baseline partner.

    Those runs drop out of the paired differences; scenarios fully paired are left out.
    """
    pairs = runs[["scenario", "point", "replicate"]].drop_duplicates()
    reference = pairs[pairs["scenario"] == baseline][["point", "replicate"]]
    if reference.empty:
        return {}
    merged = pairs.merge(reference, on=["point", "replicate"], how="left", indicator=True)
    alone = merged[(merged["_merge"] == "left_only") & (merged["scenario"] != baseline)]
    return {str(k): int(v) for k, v in alone.groupby("scenario").size().items()}


def quantile_rows(values: pd.Series) -> dict[str, float]:
    """Median and 90 % interval of a set of replicate values (NaN ignored)."""
    finite = values.dropna().to_numpy(dtype=float)
    if not len(finite):
        return {"median": np.nan, "q05": np.nan, "q95": np.nan, "n": 0}
    low, mid, high = np.quantile(finite, [0.05, 0.5, 0.95])
    return {"median": mid, "q05": low, "q95": high, "n": len(finite)}
