"""What a scenario should reproduce: observed figures with their tolerance and source, and how
each kind of source relates to what the model calls true.

How a run is scored against them is in :mod:`sim.analysis.targets` and
:mod:`sim.analysis.sources`; this module only says what is valid.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.errors import did_you_mean
from sim.scenario.base import Strict
from sim.scenario.metrics import TARGET_METRICS
from sim.units import human

TARGET_STATS = ("on", "sum", "mean", "max", "rank", "ratio")
SOURCE_KINDS = ("panel", "installs", "statement", "hashtags")


class Source(Strict):
    """How one kind of source reports a count: reported = ``bias`` × the model's true count.

    A rank, a ratio of two windows of one source, or a share is reported as it is (a common
    factor cancels). With ``spread`` above 1 the bias is fitted to the scenario's targets of
    this kind, with a log-normal prior of median ``bias`` whose standard deviation is a factor
    ``spread``; with ``spread`` 1 it is fixed.
    """

    bias: float = Field(1.0, gt=0)
    """reported ÷ true: the prior's median, or the fixed factor when spread is 1"""
    spread: float = Field(1.0, ge=1)
    """the prior's standard deviation as a factor (1: fixed; 3: one sd is ×/÷ 3)"""
    why: str = ""
    """why this prior: what the source measures and how it can err"""


class Sources(Strict):
    """One observation model per kind of source (``kind`` of a target)."""

    panel: Source = Source()
    """a panel estimate of daily users (Similarweb): a sample of devices, scaled up"""
    installs: Source = Source()
    """an app-store install estimate (Appfigures, Sensor Tower): first downloads = sign-ups"""
    statement: Source = Source()
    """a company statement or a figure taken as reported"""
    hashtags: Source = Source()
    """a hashtag count read off the platform: posts carrying the tag"""


class Target(Strict):
    """A figure the scenario should reproduce, with its tolerance and its source.

    ``stat`` says how the metric is read: ``on`` its value on ``date``; ``sum``, ``mean`` or
    ``max`` over ``start``..``end``; ``rank`` the platform's worst daily rank (1 = most) among
    all platforms over the window; ``ratio`` the window's daily mean over the daily mean of
    ``reference_start``..``reference_end``. A target is met when the simulated median is within
    ``value`` ± ``tolerance``, or within the bounds ``at_least`` / ``at_most``.
    """

    id: str
    """short name in scorecards (C4a, F12, ...)"""
    description: str = ""
    """what the figure is, in words"""
    metric: str
    """a recorded daily metric or a derived one (see the list above)"""
    platform: str
    """the platform the figure is about"""
    stat: Literal["on", "sum", "mean", "max", "rank", "ratio"] = "on"
    """how the metric is read (see above)"""
    date: dt.date | None = None
    """the day of an 'on' target"""
    start: dt.date | None = None
    """first day of the window"""
    end: dt.date | None = None
    """last day of the window"""
    reference_start: dt.date | None = None
    """first day of a ratio's reference window"""
    reference_end: dt.date | None = None
    """last day of a ratio's reference window"""
    value: float | None = None
    """the observed figure"""
    tolerance: float | None = Field(None, ge=0)
    """how far the simulated median may be from value"""
    at_least: float | None = None
    """a lower bound instead of a value"""
    at_most: float | None = None
    """an upper bound instead of a value"""
    source: str
    """where the figure comes from (seed fact, article, data provider)"""
    kind: Literal["panel", "installs", "statement", "hashtags"] = "statement"
    """the kind of source, whose observation model (`[sources.KIND]`) turns true into reported"""

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in TARGET_METRICS:
            raise ValueError(f"unknown metric '{metric}'{did_you_mean(metric, TARGET_METRICS)}")
        return metric

    @model_validator(mode="after")
    def _complete(self) -> Target:
        for first, last in (("start", "end"), ("reference_start", "reference_end")):
            if getattr(self, first) and getattr(self, last) and getattr(self, first) > getattr(
                    self, last):
                raise ValueError(f"{first} {getattr(self, first)} is after {last} "
                                 f"{getattr(self, last)}")
        if self.stat == "on" and self.date is None:
            raise ValueError("stat 'on' needs a date")
        if self.stat != "on" and (self.start is None or self.end is None):
            raise ValueError(f"stat '{self.stat}' needs start and end")
        if self.stat == "ratio" and (self.reference_start is None or self.reference_end is None):
            raise ValueError("stat 'ratio' needs reference_start and reference_end")
        if (self.value is None) == (self.at_least is None and self.at_most is None):
            raise ValueError("give either value (with tolerance) or at_least/at_most")
        if self.value is not None and self.tolerance is None:
            raise ValueError("a value needs a tolerance")
        return self

    def met_by(self, simulated: float, margin: float = 0.0) -> bool:
        """Whether ``simulated`` meets the target with ``margin`` to spare (a share of the
        tolerance, or of the bound; none for ranks, which are whole numbers)."""
        if self.stat == "rank":
            margin = 0.0
        if self.value is not None:
            return abs(simulated - self.value) <= self.tolerance * (1.0 - margin)
        return ((self.at_least is None or simulated >= self.at_least * (1.0 + margin))
                and (self.at_most is None or simulated <= self.at_most * (1.0 - margin)))

    def wanted(self) -> str:
        """The observed figure as text: ``3.4M ± 1.7M``, ``≥ 700k``."""
        if self.value is not None:
            return f"{human(self.value)} ± {human(self.tolerance)}"
        parts = [f"≥ {human(self.at_least)}" if self.at_least is not None else "",
                 f"≤ {human(self.at_most)}" if self.at_most is not None else ""]
        return " and ".join(p for p in parts if p)
