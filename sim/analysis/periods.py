"""Periods read off a scenario's events: when a platform was dark, and the windows of the flows.

Time as in :mod:`sim.model.events`: an event dated on day ``d`` (counted from ``simulation.start``)
takes effect before day ``d`` is simulated; events before the start apply from day 0.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.recorder import NONE
from sim.scenario.schema import Scenario
from sim.scenario.timeline import MOSTLY_DARK, darkness


@dataclass(frozen=True)
class Window:
    """A run of days, both ends included.

    Attributes:
        label: what happened then, e.g. ``before the ban``.
        first: first day (0 = ``simulation.start``).
        last: last day.
    """

    label: str
    first: int
    last: int

    def dates(self, start: dt.date) -> str:
        """``Jan 1–Jan 18``, or one date for a one-day window."""
        a = start + dt.timedelta(days=self.first)
        b = start + dt.timedelta(days=self.last)
        return f"{a:%b} {a.day}" if a == b else f"{a:%b} {a.day}–{b:%b} {b.day}"


def dark_days(scenario: Scenario, platform: str) -> np.ndarray:
    """Whether the platform was dark for most of each simulated day (outages, owner bans,
    restorations, launches; :func:`sim.scenario.timeline.darkness`)."""
    return np.asarray(darkness(scenario)[platform]) >= MOSTLY_DARK


def flow_windows(scenario: Scenario, origin: str) -> list[Window]:
    """Windows between the origin platform's going dark and coming back: ``before the ban``,
    ``<Origin> dark``, ``after restoration`` (one window, ``whole run``, if it never went dark)."""
    dark = dark_days(scenario, origin)
    name = scenario.platforms[origin].label
    changes = np.flatnonzero(np.diff(dark.astype(np.int8))) + 1
    edges = [0, *changes.tolist(), len(dark)]
    windows, restorations = [], 0
    for first, end in itertools.pairwise(edges):
        if dark[first]:
            label = f"{name} dark"
        elif first == 0:
            label = "before the ban" if dark.any() else "whole run"
        else:
            restorations += 1
            label = "after restoration" + (f" {restorations}" if restorations > 1 else "")
        windows.append(Window(label, first, end - 1))
    return windows


def flow_matrix(flows: pd.DataFrame, run_ids: list[str], window: Window,
                names: list[str]) -> pd.DataFrame:
    """Users whose main app changed from (rows) -> to (columns) during the window: the median
    over runs of each run's total. ``names`` orders rows and columns (``none`` first)."""
    inside = flows[(flows["day"] >= window.first) & (flows["day"] <= window.last)]
    totals = inside.groupby(["run_id", "from", "to"])["users"].sum()
    index = pd.MultiIndex.from_product([run_ids, names, names], names=["run_id", "from", "to"])
    totals = totals.reindex(index, fill_value=0.0)
    median = totals.groupby(level=["from", "to"]).median()
    return median.unstack("to").reindex(index=names, columns=names)


def flow_names(platforms: list[str]) -> list[str]:
    """Rows and columns of a flow matrix: no main app, then the platforms."""
    return [NONE, *platforms]
