"""The scorecard of ``sim check``: every scenario's runs scored against its ``[[targets]]``
(:func:`sim.analysis.targets.scorecard`), saved as ``scorecard.md`` and ``scorecard.csv`` in the
results folder and printed as text. ``sim check`` exits 0 when every target is met and
``TARGETS_MISSED`` (3) otherwise."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim import tables
from sim.analysis.targets import scorecard
from sim.errors import InputError
from sim.experiments.reading import read_runs
from sim.units import human

TARGETS_MISSED = 3


def score_folder(folder: Path, built, runs: pd.DataFrame) -> pd.DataFrame:
    """Scorecards of every scenario of a finished experiment, saved next to its results."""
    cards = []
    for scenario in built.scenarios:
        if not scenario.targets:
            raise InputError(str(scenario.name), "targets", "this scenario has no [[targets]]")
        cards.append(scorecard(scenario, read_runs(folder, runs, scenario.name)))
    card = pd.concat(cards, ignore_index=True)
    card.to_csv(folder / "scorecard.csv", index=False)
    (folder / "scorecard.md").write_text(
        as_markdown(card, runs, built.scenarios))
    return card


def as_markdown(card: pd.DataFrame, runs: pd.DataFrame | None = None,
                scenarios: list | None = None) -> str:
    """A Markdown table per scenario: target, kind of source, observed, what the source would
    report [90 % interval], the model's true figure, met, source; then the sources' factors
    (``scenarios``: the scored scenarios, for their priors)."""
    parts = []
    for scenario, rows in card.groupby("scenario", sort=False):
        n = int(((runs["scenario"] == scenario) & (runs["status"] == "ok")).sum()) if (
            runs is not None) else "?"
        met = int(rows["met"].sum())
        table = tables.markdown(
            ["id", "figure", "when", "kind", "observed", "reported median [90 % interval]",
             "true median", "met", "source"],
            [[row.id, f"{row.description or row.metric} ({row.platform})", row.when, row.kind,
              row.observed, _simulated(row), _true(row), _met(row, "yes", "**no**"),
              row.source]
             for row in rows.itertuples()])
        factors = _factors(rows, scenarios)
        parts.append(f"### {scenario}: {met} of {len(rows)} targets met{_unscored(rows)} "
                     f"(n = {n} replicates)\n\n"
                     f"{table}\n" + (f"\n{factors}\n" if factors else ""))
    return "\n".join(parts)


def _factors(rows: pd.DataFrame, scenarios: list | None) -> str:
    """The factor (reported ÷ true) of each kind of source one scenario's targets (``rows``)
    use, fitted or fixed, with the prior of its scenario (one of ``scenarios``)."""
    scenario = next((s for s in scenarios or () if s.name == rows["scenario"].iloc[0]), None)
    if scenario is None:
        return ""
    words = []
    for kind, group in rows.groupby("kind", sort=False):
        bias, prior = float(group["bias"].iloc[0]), getattr(scenario.sources, kind, None)
        if prior is None or (bias == 1.0 and prior.spread == 1.0):
            continue
        how = (f"fitted, prior {human(prior.bias)} ×/÷ {human(prior.spread)}"
               if prior.spread > 1 else "fixed")
        words.append(f"{kind} ×{human(bias)} ({how})")
    return ("Reported ÷ true, per kind of source: " + "; ".join(words) + ".") if words else ""


def as_text(card: pd.DataFrame, scenarios: list | None = None) -> str:
    """A plain table for the terminal, then how many targets each scenario meets and the
    factors of its kinds of source (``scenarios``: the scored scenarios, for their priors)."""
    table = tables.text(
        [[_met(row, "ok", "MISS"), row.scenario, row.id, row.description or row.metric,
          row.kind, row.observed, _simulated(row), _true(row)] for row in card.itertuples()],
        header=["", "scenario", "id", "target", "kind", "observed",
                "reported median [90 % interval]", "true"])
    totals = []
    for scenario, rows in card.groupby("scenario", sort=False):
        factors = _factors(rows, scenarios)
        totals.append(f"{scenario}: {int(rows['met'].sum())} of {len(rows)} targets met"
                      f"{_unscored(rows)}" + (f". {factors}" if factors else ""))
    return "\n".join([table, *totals])


def _met(row, yes: str, no: str) -> str:
    return "n/a" if not getattr(row, "scored", True) else yes if row.met else no


def _unscored(rows: pd.DataFrame) -> str:
    """Targets after the end of a run shorter than the file's (not scored), if any."""
    late = int((~rows["scored"]).sum()) if "scored" in rows else 0
    return f" ({late} after the end of this shorter run, not scored)" if late else ""


def _simulated(row) -> str:
    if not getattr(row, "scored", True):
        return "after the run ends"
    return f"{human(row.median)} [{human(row.q05)}, {human(row.q95)}]"


def _true(row) -> str:
    """The model's own figure, where the source's factor makes it differ from the reported."""
    if not getattr(row, "scored", True):
        return ""
    return "same" if row.median == row.true else human(row.true)
