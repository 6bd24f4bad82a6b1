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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import tables
from sim.analysis.periods import dark_days
from sim.analysis.trajectories import quantile_rows
from sim.experiments.store import Stored
from sim.model.recorder import RETENTION_DAYS, origin_of
from sim.scenario.schema import Scenario
from sim.units import human

WEEK = 7


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


def run_outcomes(stored: Stored) -> pd.DataFrame:
    """One row per run, platform and outcome: ``value`` (dates as day numbers from the start)."""
    ts, cohorts = stored.timeseries, stored.cohorts
    origins = {name: origin_of(s) for name, s in stored.scenarios.items()}
    parts = [_peaks(ts, origins), _tried(cohorts, stored), _retained(cohorts, stored, origins),
             _moves(ts, stored), _troughs(ts, stored, origins)]
    long = pd.concat(parts, ignore_index=True)
    runs = stored.runs[["run_id", "scenario", "point", "replicate", *stored.swept]]
    return runs.merge(long, on="run_id", how="inner")


def _long(series: pd.Series, outcome: str) -> pd.DataFrame:
    frame = series.rename("value").reset_index()
    frame["outcome"] = outcome
    return frame[["run_id", "platform", "outcome", "value"]]


def _peaks(ts: pd.DataFrame, origins: dict) -> pd.DataFrame:
    dest = ts[ts["platform"] != ts["scenario"].map(origins)]
    at = dest.loc[dest.groupby(["run_id", "platform"])["dau_us"].idxmax()]
    at = at.set_index(["run_id", "platform"])
    return pd.concat([_long(at["dau_us"], "peak_dau"),
                      _long(at["day"].astype(float), "peak_date")])


def _troughs(ts: pd.DataFrame, stored: Stored, origins: dict) -> pd.DataFrame:
    parts = []
    for name, scenario in stored.scenarios.items():
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


def _tried(cohorts: pd.DataFrame, stored: Stored) -> pd.DataFrame:
    real = {name: s.population.real_users for name, s in stored.scenarios.items()}
    signups = cohorts.groupby(["run_id", "platform"])["signups"].sum()
    scenario = cohorts.groupby(["run_id", "platform"])["scenario"].first()
    return _long(signups / scenario.map(real), "tried")


def _retained(cohorts: pd.DataFrame, stored: Stored, origins: dict) -> pd.DataFrame:
    """Newcomers still engaged k days after signing up, as a share of the sign-ups: a newcomer
    counts only if the platform is up on that day (a platform gone dark is forgotten only slowly,
    so its newcomers would otherwise still look engaged)."""
    dest = cohorts[cohorts["platform"] != cohorts["scenario"].map(origins)]
    parts = []
    for k in RETENTION_DAYS:
        known = dest[dest[f"retained_{k}"].notna()].copy()
        dark = _dark_after(known, stored, k)
        known.loc[dark, f"retained_{k}"] = 0.0
        grouped = known.groupby(["run_id", "platform"])
        share = grouped[f"retained_{k}"].sum() / grouped["signups"].sum().replace(0, np.nan)
        parts.append(_long(share, f"retained_{k}"))
    return pd.concat(parts)


def _dark_after(cohorts: pd.DataFrame, stored: Stored, k: int) -> np.ndarray:
    """Whether each cohort row's platform is dark k days after its sign-up day."""
    dark = np.zeros(len(cohorts), dtype=bool)
    for (name, platform), rows in cohorts.groupby(["scenario", "platform"]).indices.items():
        days = cohorts["day"].to_numpy()[rows] + k
        dark[rows] = _dark_on(stored.scenarios[name], platform, days)
    return dark


def _dark_on(scenario: Scenario, platform: str, days: np.ndarray) -> np.ndarray:
    """Whether the platform was dark on each of ``days`` (days past the scenario's end: as on
    its last day)."""
    dark = dark_days(scenario, platform)
    return dark[np.minimum(days, len(dark) - 1)]


def _moves(ts: pd.DataFrame, stored: Stored) -> pd.DataFrame:
    """On each run's last day: who chose to move their main app from the origin while it was up
    (a share of the real population), and of those, who had it back then and who came back at
    some point."""
    if "moved" not in ts:  # a results folder from before these were recorded
        return pd.DataFrame()
    real = {name: s.population.real_users for name, s in stored.scenarios.items()}
    last = ts[ts["day"] == ts.groupby("run_id")["day"].transform("max")]
    last = last.set_index(["run_id", "platform"])
    moved = last["moved"].replace(0, np.nan)
    return pd.concat([_long(last["moved"] / last["scenario"].map(real), "moved"),
                      _long(last["moved_back"] / moved, "returned"),
                      _long(last["ever_back"] / moved, "ever_returned")])


def summary_table(outcomes: pd.DataFrame, stored: Stored) -> pd.DataFrame:
    """Median and 90 % interval across replicates: one row per scenario, design point, platform
    and outcome, with the words (``label``), the ``kind`` (count, percent as a 0..1 share, or
    date as days from ``simulation.start``), ``n`` replicates and a formatted ``text``."""
    rows = []
    keys = ["scenario", "point", *stored.swept]
    for key, group in outcomes.groupby(keys, sort=False, dropna=False):
        values = dict(zip(keys, key, strict=True))
        scenario = stored.scenarios[values["scenario"]]
        origin = origin_of(scenario)
        present = set(group["platform"])
        for platform in [p for p in _platform_order(scenario) if p in present]:
            mine = group[group["platform"] == platform]
            for outcome in ORIGIN_OUTCOMES if platform == origin else DESTINATION:
                q = quantile_rows(mine.loc[mine["outcome"] == outcome.key, "value"])
                rows.append({
                    **values, "platform": platform, "platform_label":
                    scenario.platforms[platform].label, "outcome": outcome.key,
                    "label": outcome.label.format(**scenario.words()),
                    "kind": outcome.kind, **q,
                    "text": as_text_cell(q, outcome.kind, scenario.simulation.start)})
    return pd.DataFrame(rows)


def _platform_order(scenario: Scenario) -> list[str]:
    """The headline destination first, then the origin, then the others as configured."""
    names = list(scenario.platforms)
    first = [p for p in (scenario.episode.headline, origin_of(scenario)) if p in names]
    return list(dict.fromkeys([*first, *names]))


def as_text_cell(q: dict, kind: str, start: dt.date) -> str:
    """``25.1M [23.0M, 27.2M]``, ``41.0 % [38.2, 44.9]``, ``Jan 18 [Jan 17, Jan 19]``."""
    if not q["n"]:
        return "n/a"

    def one(x: float) -> str:
        if kind == "percent":
            return f"{100 * x:.1f}"
        if kind == "date":
            day = start + dt.timedelta(days=round(float(x)))
            return f"{day:%b} {day.day}"
        return human(x)

    unit = " %" if kind == "percent" else ""
    if one(q["q05"]) == one(q["q95"]):
        return one(q["median"]) + unit
    return f"{one(q['median'])}{unit} [{one(q['q05'])}, {one(q['q95'])}]"


def variant(row, swept: list[str]) -> str:
    """A column name for a scenario at a design point: ``observed-2025 · buzz=2``."""
    if not swept:
        return str(row["scenario"])
    values = ", ".join(f"{f.rsplit('.', 1)[-1]}={row[f]:g}" for f in swept if pd.notna(row[f]))
    return f"{row['scenario']} · {values}" if values else str(row["scenario"])


def wide(summary: pd.DataFrame, swept: list[str]) -> pd.DataFrame:
    """Rows (platform label, outcome label), one column per scenario (or scenario at a point)."""
    table = summary.assign(variant=[variant(r, swept) for _, r in summary.iterrows()])
    order = list(dict.fromkeys(zip(table["platform_label"], table["label"], strict=True)))
    out = table.pivot_table(index=["platform_label", "label"], columns="variant",
                            values="text", aggfunc="first", sort=False)
    out = out.reindex(index=pd.MultiIndex.from_tuples(order),
                      columns=list(dict.fromkeys(table["variant"])))
    return out.fillna("")


def as_markdown(summary: pd.DataFrame, swept: list[str], replicates: str) -> str:
    """One Markdown table: a bold row per platform, then its outcomes, one column per scenario."""
    table = wide(summary, swept)
    body = tables.markdown(["outcome", *table.columns], _rows(table))
    return f"Median across replicates [90 % interval]; {replicates}.\n\n{body}\n"


def as_text(summary: pd.DataFrame, swept: list[str], replicates: str) -> str:
    """The same table for a terminal: side by side for a few scenarios, else one block each."""
    table = wide(summary, swept)
    if len(table.columns) > 4:
        blocks = [f"{c}\n" + tables.text(_rows(table[[c]], "  ")) for c in table.columns]
        return f"median [90 % interval], {replicates}\n\n" + "\n\n".join(blocks)
    return (f"median [90 % interval], {replicates}\n"
            + tables.text(_rows(table, "  "), header=["", *table.columns]))


def _rows(table: pd.DataFrame, indent: str = "") -> list:
    """A heading per platform, then a row per outcome: its words and one cell per column."""
    rows, current = [], None
    for (platform, label), cells in table.iterrows():
        if platform != current:
            rows.append(platform)
            current = platform
        rows.append([indent + label, *cells])
    return rows
