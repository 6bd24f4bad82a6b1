"""A posterior ensemble of fitted fields (``sim calibrate --posterior``) as weighted draws: its
credible intervals and weighted quantiles, and draws resampled by weight for what-ifs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis import priors

LEVEL = 0.90  # credible intervals: 5 % to 95 %


@dataclass
class Posterior:
    """Weighted draws of the fitted fields (``draws``: draw, weight, one column per field,
    ``distance`` and ``met_<target id>``) and how they were made (``meta``)."""

    draws: pd.DataFrame
    meta: dict

    @property
    def fields(self) -> list[str]:
        return [f["field"] for f in self.meta["fields"]]


def credible(posterior: Posterior, level: float = LEVEL) -> pd.DataFrame:
    """Per field: the prior range, and the posterior median and central ``level`` interval."""
    low_q, high_q = (1 - level) / 2, 1 - (1 - level) / 2
    weights = posterior.draws["weight"].to_numpy(dtype=float)
    rows = []
    for field in posterior.meta["fields"]:
        values = posterior.draws[field["field"]].to_numpy(dtype=float)
        q05, median, q95 = weighted_quantiles(values, weights, [low_q, 0.5, high_q])
        rows.append({"field": field["field"], "prior": priors.describe(
                         field.get("prior"), field["low"], field["high"]),
                     "prior_low": field["low"], "prior_high": field["high"], "median": median,
                     "low": q05, "high": q95,
                     "narrowing": (q95 - q05) / (field["high"] - field["low"])})
    return pd.DataFrame(rows)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles) -> list[float]:
    """Quantiles of weighted draws (the weighted empirical distribution, interpolated)."""
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return [float(np.interp(q, cumulative, values)) for q in quantiles]


def resampled(posterior: Posterior, draws: int, seed: int) -> list[dict[str, float]]:
    """``draws`` parameter sets drawn from the posterior by its weights (systematic
    resampling, so every draw stands for the same weight)."""
    weights = posterior.draws["weight"].to_numpy(dtype=float)
    cumulative = np.cumsum(weights / weights.sum())
    start = np.random.default_rng(seed).random() / draws
    picks = np.searchsorted(cumulative, start + np.arange(draws) / draws)
    picks = np.minimum(picks, len(weights) - 1)
    return [{f: float(posterior.draws[f].iloc[i]) for f in posterior.fields} for i in picks]
