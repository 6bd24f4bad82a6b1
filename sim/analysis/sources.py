"""Sources that disagree: what each kind of source would report, and how far that misses.

Each target names the kind of source its figure comes from (``kind``: panel, installs,
statement, hashtags). The observation model of a kind (``[sources.KIND]``) is one factor:
the source reports ``bias`` × the model's true count. A rank, a ratio of two windows of one
source, or a share is reported as it is, since a common factor cancels. A bias whose prior has
a ``spread`` above 1 is fitted: the one factor per kind that makes the kind's targets miss
least, counting the prior as one more miss (how many standard deviations the factor lies from
the prior's median). It is fitted afresh for every set of true figures, so it costs no runs.

The loss of a set of true figures is then the sum of squared misses in units of tolerance of
what the sources would report, plus each fitted bias's prior term: a χ² when tolerances are one
standard error and the priors log-normal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from sim.scenario.metrics import DERIVED
from sim.scenario.observations import SOURCE_KINDS, Source, Target

BOUND_TOLERANCE = 0.05  # a bound missed by 5 % of it costs as much as a value one tolerance off
NOT_MEASURED = 10.0  # the miss of a figure the run could not measure (NaN), in tolerances
PRIOR_WIDTH = 6.0  # a fitted bias is searched within its prior's median ×/÷ spread ** this


def scale_free(target: Target) -> bool:
    """Whether a common factor cancels out of the target's figure: a rank, a ratio of two
    windows, or a share."""
    return target.stat in ("rank", "ratio") or target.metric in DERIVED


def reported(target: Target, true: float, bias: float) -> float:
    """What a source of the target's kind reports when the model's figure is ``true``."""
    return true if scale_free(target) else bias * true


def miss(target: Target, figure: float) -> float:
    """How far a figure misses its target, in tolerances (0 inside a bound)."""
    if not np.isfinite(figure):
        return NOT_MEASURED
    if target.value is not None:
        return (figure - target.value) / max(target.tolerance, 1e-12)
    scale = max(abs(target.at_least or 0.0), abs(target.at_most or 0.0), 1e-12)
    if target.at_least is not None and figure < target.at_least:
        return (target.at_least - figure) / (scale * BOUND_TOLERANCE)
    if target.at_most is not None and figure > target.at_most:
        return (figure - target.at_most) / (scale * BOUND_TOLERANCE)
    return 0.0


def prior_miss(source: Source, bias: float) -> float:
    """How many of the prior's standard deviations a bias lies from its median (0 if fixed)."""
    if source.spread == 1.0:
        return 0.0
    return float(np.log(bias / source.bias) / np.log(source.spread))


@dataclass(frozen=True)
class Judgement:
    """A set of true figures as the sources would report them, and how far they miss."""

    targets: list[Target]
    biases: dict[str, float]  # the fitted (or fixed) factor per kind of source
    reported: np.ndarray  # what each target's source would report
    loss: float  # squared misses of the reported figures plus the fitted biases' prior terms

    def met(self, margin: float = 0.0) -> list[bool]:
        """Per target: whether the reported figure meets it with ``margin`` to spare."""
        return [bool(np.isfinite(r) and t.met_by(r, margin))
                for t, r in zip(self.targets, self.reported, strict=True)]


def judge(scenario, true) -> Judgement:
    """The scenario's targets against ``true`` (the model's figure per target, NaN where not
    scored): each kind's bias fitted, the reported figures, and the loss."""
    true = np.asarray(true, dtype=float)
    biases = {kind: fit_bias(scenario, kind, true) for kind in SOURCE_KINDS}
    shown = np.array([reported(t, v, biases[t.kind])
                      for t, v in zip(scenario.targets, true, strict=True)], dtype=float)
    total = sum(miss(t, r) ** 2 for t, r in zip(scenario.targets, shown, strict=True))
    total += sum(prior_miss(getattr(scenario.sources, kind), biases[kind]) ** 2
                 for kind in SOURCE_KINDS)
    return Judgement(list(scenario.targets), biases, shown, float(total))


def fit_bias(scenario, kind: str, true: np.ndarray) -> float:
    """The factor of one kind of source that makes its targets and its prior miss least."""
    source = getattr(scenario.sources, kind)
    counted = [(t, v) for t, v in zip(scenario.targets, true, strict=True)
               if t.kind == kind and not scale_free(t) and np.isfinite(v)]
    if source.spread == 1.0 or not counted:
        return source.bias

    def cost(log_bias: float) -> float:
        bias = float(np.exp(log_bias))
        return (sum(miss(t, bias * v) ** 2 for t, v in counted)
                + prior_miss(source, bias) ** 2)

    centre, reach = np.log(source.bias), PRIOR_WIDTH * np.log(source.spread)
    grid = np.linspace(centre - reach, centre + reach, 241)  # the cost may have flat stretches
    costs = [cost(u) for u in grid]
    best, step = int(np.argmin(costs)), grid[1] - grid[0]
    found = minimize_scalar(cost, bounds=(grid[best] - step, grid[best] + step), method="bounded")
    return float(np.exp(found.x if found.fun <= costs[best] else grid[best]))
