"""The tables of ``sim plot`` and ``sim compare``: the summary table (median and 90 % interval of
each headline outcome across replicates, :mod:`sim.analysis.outcomes`) as CSV, Markdown and text
for a terminal, and ``probabilities.md``: per outcome, the share of draws in which each scenario is
above the baseline (:mod:`sim.analysis.whatif`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sim import tables
from sim.analysis import run_values, whatif
from sim.analysis.outcomes import DESTINATION, FEW_USERS, KIND, ORIGIN_OUTCOMES, Results
from sim.analysis.trajectories import quantile_rows
from sim.experiments.store import Stored
from sim.model.recorder import origin_of
from sim.scenario.schema import Scenario
from sim.units import human, signed


def summary_table(outcomes: pd.DataFrame, results: Results) -> pd.DataFrame:
    """Median and 90 % interval across replicates: one row per scenario, design point, platform
    and outcome, with the words (``label``), the ``kind`` (count, percent as a 0..1 share, or
    date as days from ``simulation.start``), ``n`` replicates, ``users`` (for a share of
    newcomers or movers: the simulated users it rests on, median across replicates) and a
    formatted ``text``, flagged when it rests on fewer than ``FEW_USERS`` of them."""
    rows = []
    keys = ["scenario", "point", *results.swept]
    for key, group in outcomes.groupby(keys, sort=False, dropna=False):
        values = dict(zip(keys, key, strict=True))
        scenario = results.scenarios[values["scenario"]]
        origin = origin_of(scenario)
        present = set(group["platform"])
        for platform in [p for p in _platform_order(scenario) if p in present]:
            mine = group[group["platform"] == platform]
            for outcome in ORIGIN_OUTCOMES if platform == origin else DESTINATION:
                rows_of = mine[mine["outcome"] == outcome.key]
                q = quantile_rows(rows_of["value"])
                users = _users(rows_of)
                rows.append({
                    **values, "platform": platform, "platform_label":
                    scenario.platforms[platform].label, "outcome": outcome.key,
                    "label": outcome.label.format(**scenario.words()),
                    "kind": outcome.kind, **q, "users": users,
                    "text": as_text_cell(q, outcome.kind, scenario.simulation.start, users)})
    return pd.DataFrame(rows)


def _users(rows: pd.DataFrame) -> float:
    """The simulated users a share rests on, median across the replicates that have it (NaN:
    not a share of newcomers or movers, or a folder from before ``users`` was recorded)."""
    if "users" not in rows:
        return float("nan")
    counted = rows.loc[rows["value"].notna(), "users"].dropna()  # the replicates with a share
    return float(counted.median()) if len(counted) else float("nan")


HEADLINE_ROWS = {  # what sim run prints: the main rows of the headline destination and the origin
    "headline": ("peak_dau", "peak_date", "tried", "retained_30"),
    "origin": ("trough_dau", "final_dau", "moved", "returned"),
}


def headline_rows(summary: pd.DataFrame, results: Results) -> pd.DataFrame:
    """The summary table's main rows (:data:`HEADLINE_ROWS`): those of each scenario's headline
    destination and origin."""
    keep = [any(row.platform == getattr(results.scenarios[row.scenario].episode, role)
                and row.outcome in outcomes for role, outcomes in HEADLINE_ROWS.items())
            for row in summary.itertuples()]
    return summary[keep]


def _platform_order(scenario: Scenario) -> list[str]:
    """The headline destination first, then the origin, then the others as configured."""
    names = list(scenario.platforms)
    first = [p for p in (scenario.episode.headline, origin_of(scenario)) if p in names]
    return list(dict.fromkeys([*first, *names]))


def as_text_cell(q: dict, kind: str, start: dt.date, users: float = float("nan")) -> str:
    """``25.1M [23.0M, 27.2M]``, ``41.0 % [38.2, 44.9]``, ``Jan 18 [Jan 17, Jan 19]``; a share
    resting on fewer than ``FEW_USERS`` simulated users says so: ``50.0 % [5.0, 95.0] (2 users)``.
    """
    if not q["n"]:
        return "n/a"
    few = f" ({users:.0f} user{'s' if round(users) != 1 else ''})" if users < FEW_USERS else ""

    def one(x: float) -> str:
        if kind == "percent":
            return f"{100 * x:.1f}"
        if kind == "date":
            day = start + dt.timedelta(days=round(float(x)))
            return f"{day:%b} {day.day}"
        return human(x)

    unit = " %" if kind == "percent" else ""
    if one(q["q05"]) == one(q["q95"]):
        return one(q["median"]) + unit + few
    return f"{one(q['median'])}{unit} [{one(q['q05'])}, {one(q['q95'])}]{few}"


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
    few = f"\n{_few(summary)}.\n" if _few(summary) else ""
    return f"Median across replicates [90 % interval]; {replicates}.\n\n{body}\n{few}"


def as_text(summary: pd.DataFrame, swept: list[str], replicates: str) -> str:
    """The same table for a terminal: side by side for a few scenarios, else one block each."""
    table = wide(summary, swept)
    few = f"\n{_few(summary)}" if _few(summary) else ""
    if len(table.columns) > 4:
        blocks = [f"{c}\n" + tables.text(_rows(table[[c]], "  ")) for c in table.columns]
        return f"median [90 % interval], {replicates}\n\n" + "\n\n".join(blocks) + few
    return (f"median [90 % interval], {replicates}\n"
            + tables.text(_rows(table, "  "), header=["", *table.columns]) + few)


def _few(summary: pd.DataFrame) -> str:
    """What a cell's ``(k users)`` means, when some cell has it."""
    if "users" not in summary or not ((summary["users"] < FEW_USERS) & (summary["n"] > 0)).any():
        return ""
    return (f"(k users): a share resting on only k simulated newcomers or movers (fewer than "
            f"{FEW_USERS}), too few to read; run more users")


def _rows(table: pd.DataFrame, indent: str = "") -> list:
    """A heading per platform, then a row per outcome: its words and one cell per column."""
    rows, current = [], None
    for (platform, label), cells in table.iterrows():
        if platform != current:
            rows.append(platform)
            current = platform
        rows.append([indent + label, *cells])
    return rows


def write_probabilities(stored: Stored, baseline: str, outcomes: pd.DataFrame, out: Path
                        ) -> list[Path]:
    """``probabilities.md`` and ``.csv``: per outcome, the share of draws (or of replicate
    pairs) in which each scenario is above the baseline."""
    shares = whatif.above_shares(stored, baseline, outcomes)
    what = "draws" if stored.ensemble else "replicate pairs"
    (out / "probabilities.csv").write_text(shares.to_csv(index=False))
    (out / "probabilities.md").write_text(probabilities_markdown(
        shares, lambda p, o: run_values.label(f"{p}.{o}", stored), what))
    return [out / "probabilities.csv", out / "probabilities.md"]


def probabilities_markdown(shares: pd.DataFrame, label, what: str) -> str:
    """A table: per outcome, the share of ``what`` (draws, replicate pairs) in which each
    scenario is above the baseline."""
    if shares.empty:
        return "No scenario to compare with the baseline.\n"
    counts = sorted(set(shares["draws"]))
    n = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
    rows: list = []
    for (scenario, baseline), group in shares.groupby(["scenario", "baseline"], sort=False):
        rows.append(f"{scenario} vs {baseline}")  # a heading row per pair of scenarios
        rows += [[label(r.platform, r.outcome), f"{100 * r.above:.0f} %",
                  _difference(r.median_difference, r.outcome)] for r in group.itertuples()]
    return tables.markdown(["outcome", f"above in (share of {n} {what})", "median difference"],
                           rows) + "\n"


def _difference(value: float, outcome: str) -> str:
    kind = KIND.get(outcome, "count")
    if kind == "percent":
        return f"{100 * value:+.1f} points"
    if kind == "date":
        return f"{value:+.0f} days"
    return signed(value)
