"""Headline outcomes of each run, and the summary table across replicates with 90 % intervals.

Per destination platform: its peak daily US users and the date, the share of US TikTok users who
tried it (signed up during the run), retention of its newcomers after 7, 30 and 90 days (cohort
tables; a newcomer counts as retained only if the platform is up on that day, since a platform gone
dark is forgotten only slowly), and, counted in people from the per-user records of the run (the
recorder's ``moved``, ``moved_back`` and ``ever_back``): the share of US TikTok users who chose to
move their main app there from TikTok (on a day TikTok was up: a main app that changes because
TikTok is dark does not count), and of those, the share whose main app was TikTok again on the last
day and the share who came back to it at some point. For the origin (TikTok): its lowest daily
users on days it was up and the date, its last week against its first, and the same three
per-person figures for everyone who chose to move their main app away from it (to any platform or
to none). Results folders made before these were recorded show n/a for them.

A share of newcomers or of movers rests on however many simulated users signed up or moved: each
row says how many (``users``, simulated users, the median across replicates in the summary), and
the summary table flags the shares resting on fewer than :data:`FEW_USERS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from sim.analysis.periods import dark_days
from sim.model.recorder import RETENTION_DAYS, origin_of
from sim.scenario.schema import Scenario

WEEK = 7
FEW_USERS = 30
"""Fewer simulated users than this behind a share (newcomers still engaged, movers back on the
origin) and the share is flagged: its binomial standard error can reach √(0.25 / 30) ≈ 9
percentage points, as large as the differences the table is read for, whatever the number of
real people those users stand for."""


class Results(Protocol):
    """Runs as outcomes are read off them: ``runs`` (one row per run: ``run_id``, ``scenario``,
    ``point``, ``replicate`` and a column per swept field), their ``timeseries`` and ``cohorts``
    (rows tagged with ``run_id`` and ``scenario``), ``scenarios`` (label -> scenario), ``swept``
    (the swept fields' names) and ``platforms`` (every platform of every scenario, in order). A
    results folder as read (:class:`sim.experiments.store.Stored`) is one; so are runs kept in
    memory."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    cohorts: pd.DataFrame
    scenarios: dict[str, Scenario]
    swept: list[str]

    @property
    def platforms(self) -> list[str]: ...


@dataclass(frozen=True)
class Outcome:
    """One headline outcome: its key, its words (the episode's words, ``{origin}``,
    ``{population}``, ``{market}``, are filled in) and its kind."""

    key: str
    label: str
    kind: str  # "count", "date" or "percent"


DESTINATION = (
    Outcome("peak_dau", "peak daily {market} users", "count"),
    Outcome("peak_date", "date of the peak", "date"),
    Outcome("tried", "tried it (signed up), % of {population}", "percent"),
    *(Outcome(f"retained_{k}", f"newcomers still engaged after {k} days", "percent")
      for k in RETENTION_DAYS),
    Outcome("moved", "moved their main app here from {origin} by choice (while {origin} was up), "
            "% of {population}", "percent"),
    Outcome("returned", "of those, main app {origin} again at the end, %", "percent"),
    Outcome("ever_returned", "of those, back on {origin} at some point, %", "percent"),
)
ORIGIN_OUTCOMES = (
    Outcome("trough_dau", "lowest daily {market} users on days it was up", "count"),
    Outcome("trough_date", "date of that low", "date"),
    Outcome("final_dau", "daily users in the last week, % of the first week", "percent"),
    Outcome("moved", "moved their main app away from it by choice (while it was up), "
            "% of {population}", "percent"),
    Outcome("returned", "of those, main app {origin} again at the end, %", "percent"),
    Outcome("ever_returned", "of those, back on {origin} at some point, %", "percent"),
)
KIND = {o.key: o.kind for o in (*DESTINATION, *ORIGIN_OUTCOMES)}


def run_outcomes(results: Results) -> pd.DataFrame:
    """One row per run, platform and outcome: ``value`` (dates as day numbers from the start)
    and, for a share of newcomers or of movers, ``users``: the simulated users it rests on (NaN
    for the others)."""
    ts, cohorts = results.timeseries, results.cohorts
    origins = {name: origin_of(s) for name, s in results.scenarios.items()}
    parts = [_peaks(ts, origins), _tried(cohorts, results), _retained(cohorts, results, origins),
             _moves(ts, results), _troughs(ts, results, origins)]
    long = pd.concat(parts, ignore_index=True)
    runs = results.runs[["run_id", "scenario", "point", "replicate", *results.swept]]
    return runs.merge(long, on="run_id", how="inner")


def _long(series: pd.Series, outcome: str, users: pd.Series | None = None) -> pd.DataFrame:
    """One outcome's rows; ``users``: the simulated users each value rests on (same index)."""
    frame = series.rename("value").reset_index()
    frame["outcome"] = outcome
    frame["users"] = np.nan if users is None else users.reindex(series.index).to_numpy()
    return frame[["run_id", "platform", "outcome", "value", "users"]]


def _simulated(real: pd.Series, scenario: pd.Series, results: Results) -> pd.Series:
    """Real-world counts as the simulated users they were counted from (``scenario``: each
    row's scenario)."""
    scale = {name: s.population.real_users / s.simulation.users
             for name, s in results.scenarios.items()}
    return real / scenario.map(scale).astype(float)


def _peaks(ts: pd.DataFrame, origins: dict) -> pd.DataFrame:
    dest = ts[ts["platform"] != ts["scenario"].map(origins)]
    at = dest.loc[dest.groupby(["run_id", "platform"])["dau_us"].idxmax()]
    at = at.set_index(["run_id", "platform"])
    return pd.concat([_long(at["dau_us"], "peak_dau"),
                      _long(at["day"].astype(float), "peak_date")])


def _troughs(ts: pd.DataFrame, results: Results, origins: dict) -> pd.DataFrame:
    parts = []
    for name, scenario in results.scenarios.items():
        origin = origins[name]
        own = ts[(ts["scenario"] == name) & (ts["platform"] == origin)]
        if own.empty:
            continue
        days = own["day"].to_numpy()
        usable = own[~_dark_on(scenario, origin, days)]
        by_run = own.groupby(["run_id", "platform"])
        first = own[days < WEEK].groupby(["run_id", "platform"])["dau_us"].mean()
        last_day = by_run["day"].transform("max")
        last = own[own["day"] > last_day - WEEK].groupby(["run_id", "platform"])["dau_us"].mean()
        parts.append(_long(last / first.replace(0, np.nan), "final_dau"))
        if usable.empty:
            continue
        at = usable.loc[usable.groupby(["run_id", "platform"])["dau_us"].idxmin()]
        at = at.set_index(["run_id", "platform"])
        parts += [_long(at["dau_us"], "trough_dau"), _long(at["day"].astype(float), "trough_date")]
    return pd.concat(parts) if parts else pd.DataFrame()


def _tried(cohorts: pd.DataFrame, results: Results) -> pd.DataFrame:
    real = {name: s.population.real_users for name, s in results.scenarios.items()}
    signups = cohorts.groupby(["run_id", "platform"])["signups"].sum()
    scenario = cohorts.groupby(["run_id", "platform"])["scenario"].first()
    return _long(signups / scenario.map(real), "tried")


def _retained(cohorts: pd.DataFrame, results: Results, origins: dict) -> pd.DataFrame:
    """Newcomers still engaged k days after signing up, as a share of the sign-ups: a newcomer
    counts only if the platform is up on that day (a platform gone dark is forgotten only slowly,
    so its newcomers would otherwise still look engaged)."""
    dest = cohorts[cohorts["platform"] != cohorts["scenario"].map(origins)]
    parts = []
    for k in RETENTION_DAYS:
        known = dest[dest[f"retained_{k}"].notna()].copy()
        dark = _dark_after(known, results, k)
        known.loc[dark, f"retained_{k}"] = 0.0
        grouped = known.groupby(["run_id", "platform"])
        signups = grouped["signups"].sum()
        share = grouped[f"retained_{k}"].sum() / signups.replace(0, np.nan)
        users = _simulated(signups, grouped["scenario"].first(), results)
        parts.append(_long(share, f"retained_{k}", users))
    return pd.concat(parts)


def _dark_after(cohorts: pd.DataFrame, results: Results, k: int) -> np.ndarray:
    """Whether each cohort row's platform is dark k days after its sign-up day."""
    dark = np.zeros(len(cohorts), dtype=bool)
    for (name, platform), rows in cohorts.groupby(["scenario", "platform"]).indices.items():
        days = cohorts["day"].to_numpy()[rows] + k
        dark[rows] = _dark_on(results.scenarios[name], platform, days)
    return dark


def _dark_on(scenario: Scenario, platform: str, days: np.ndarray) -> np.ndarray:
    """Whether the platform was dark on each of ``days`` (days past the scenario's end: as on
    its last day)."""
    dark = dark_days(scenario, platform)
    return dark[np.minimum(days, len(dark) - 1)]


def _moves(ts: pd.DataFrame, results: Results) -> pd.DataFrame:
    """On each run's last day: who chose to move their main app from the origin while it was up
    (a share of the real population), and of those, who had it back then and who came back at
    some point."""
    if "moved" not in ts:  # a results folder from before these were recorded
        return pd.DataFrame()
    real = {name: s.population.real_users for name, s in results.scenarios.items()}
    last = ts[ts["day"] == ts.groupby("run_id")["day"].transform("max")]
    last = last.set_index(["run_id", "platform"])
    moved = last["moved"].replace(0, np.nan)
    movers = _simulated(last["moved"], last["scenario"], results)
    return pd.concat([_long(last["moved"] / last["scenario"].map(real), "moved"),
                      _long(last["moved_back"] / moved, "returned", movers),
                      _long(last["ever_back"] / moved, "ever_returned", movers)])
