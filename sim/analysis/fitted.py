"""The outcome of a calibration search (``sim calibrate``), read off the table of the scored
candidates: the fitted point and the uncertainty of each fitted field.

The fitted value is the best candidate that meets every target, with ``margin`` to spare (a
share of each tolerance or bound, so that the fit holds for other seeds), or the best of all if
none does; its uncertainty is the range of every candidate whose loss is within the 95 % Δχ²
threshold of the best (a likelihood-ratio confidence region), widened by the typical spacing of
the local sample (the resolution of the search: where the loss is sharp, the optimum can lie up
to about one spacing from the nearest candidate tried).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class Fit:
    """The outcome of a calibration."""

    table: pd.DataFrame  # one row per parameter: fitted, low, high, start bounds
    candidates: pd.DataFrame  # every candidate: parameter values and loss
    best_loss: float
    met: bool = False  # whether the fitted candidate meets every target


def fit_of(scored: pd.DataFrame, searched: list[tuple[str, tuple[float, float]]],
           local: list[tuple[float, float]], local_samples: int) -> Fit:
    """The fit from every scored candidate (``scored``: one row each, a column per field,
    ``loss`` and ``met``): ``searched`` names each field and its range, ``local`` the box of the
    local stage around the optimum for each, sampled with ``local_samples`` candidates."""
    region = confidence_region(scored, len(searched))
    best = fitted(scored)
    rows = []
    for (field, bounds), box in zip(searched, local, strict=True):
        spacing = resolution(box, local_samples, len(searched))
        rows.append({"field": field, "fitted": float(best[field]),
                     "low": max(bounds[0], float(region[field].min()) - spacing),
                     "high": min(bounds[1], float(region[field].max()) + spacing),
                     "range": f"{bounds[0]:g}:{bounds[1]:g}"})
    return Fit(pd.DataFrame(rows), scored, float(best["loss"]), bool(best["met"]))


def fitted(scored: pd.DataFrame) -> pd.Series:
    """The lowest-loss candidate that meets every target, or the lowest-loss one if none does
    (a bound target can be missed by a hair at the lowest loss: the scorecard would say MISS)."""
    meeting = scored[scored["met"]]
    return (meeting if len(meeting) else scored).sort_values("loss", kind="stable").iloc[0]


def resolution(box: tuple[float, float], samples: int, fields: int) -> float:
    """The typical spacing of the local sample (``samples`` candidates in ``box`` over
    ``fields`` fields): how finely the search saw the optimum."""
    width = box[1] - box[0]
    return width / max(samples, 1) ** (1 / fields)


def confidence_region(scored: pd.DataFrame, n_parameters: int) -> pd.DataFrame:
    """Candidates whose loss is within the 95 % Δχ² threshold of the best."""
    from scipy.stats import chi2

    threshold = scored["loss"].min() + chi2.ppf(0.95, n_parameters)
    return scored[scored["loss"] <= threshold]
