"""``sim check``: run scenarios and score them against their ``[[targets]]``.

The scorecard is printed and saved as ``scorecard.md`` and ``scorecard.csv`` in the results
folder. ``sim check`` exits 0 when every target is met and ``TARGETS_MISSED`` (3) otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.targets import RunTables, scorecard
from sim.errors import InputError
from sim.units import human

TARGETS_MISSED = 3


def read_runs(folder: Path, runs: pd.DataFrame, scenario: str) -> list[RunTables]:
    """The tables of every successful run of one scenario in a results folder."""
    ok = runs[(runs["status"] == "ok") & (runs["scenario"] == scenario)]
    return [
        RunTables(*(pd.read_parquet(folder / table / f"{run}.parquet")
                    for table in ("timeseries", "cohorts", "profile")))
        for run in sorted(ok["run_id"])
    ]


def score_folder(folder: Path, built, runs: pd.DataFrame) -> pd.DataFrame:
    """Scorecards of every scenario of a finished experiment, saved next to its results."""
    cards = []
    for scenario in built.scenarios:
        if not scenario.targets:
            raise InputError(str(scenario.name), "targets", "this scenario has no [[targets]]")
        cards.append(scorecard(scenario, read_runs(folder, runs, scenario.name)))
    card = pd.concat(cards, ignore_index=True)
    card.to_csv(folder / "scorecard.csv", index=False)
    (folder / "scorecard.md").write_text(as_markdown(card, runs))
    return card


def as_markdown(card: pd.DataFrame, runs: pd.DataFrame | None = None) -> str:
    """A Markdown table: target, observed, simulated median [90 % interval], met, source."""
    lines = []
    for scenario, rows in card.groupby("scenario", sort=False):
        n = int(((runs["scenario"] == scenario) & (runs["status"] == "ok")).sum()) if (
            runs is not None) else "?"
        met = int(rows["met"].sum())
        lines += [f"### {scenario}: {met} of {len(rows)} targets met (n = {n} replicates)", "",
                  "| id | figure | when | observed | simulated median [90 % interval] | met |"
                  " source |", "|---|---|---|---|---|---|---|"]
        for row in rows.itertuples():
            simulated = f"{human(row.median)} [{human(row.q05)}, {human(row.q95)}]"
            lines.append(f"| {row.id} | {row.description or row.metric} ({row.platform}) | "
                         f"{row.when} | {row.observed} | {simulated} | "
                         f"{'yes' if row.met else '**no**'} | {row.source} |")
        lines.append("")
    return "\n".join(lines)


def as_text(card: pd.DataFrame) -> str:
    """A plain table for the terminal."""
    width = max(len(str(d)) for d in card["description"]) if len(card) else 10
    lines = []
    for row in card.itertuples():
        simulated = f"{human(row.median)} [{human(row.q05)}, {human(row.q95)}]"
        lines.append(f"{'ok  ' if row.met else 'MISS'} {row.scenario:<14} {row.id:<5} "
                     f"{row.description:<{width}}  want {row.observed:<18} got {simulated}")
    for scenario, rows in card.groupby("scenario", sort=False):
        lines.append(f"{scenario}: {int(rows['met'].sum())} of {len(rows)} targets met")
    return "\n".join(lines)
