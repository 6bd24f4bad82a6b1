"""What ``sim sensitivity`` writes once its sample has run (:mod:`sim.experiments.sampling`):
the indices as Parquet, CSV and Markdown, and drawn as bars with intervals.

Bars carry a ``gid`` naming what they show (``S1:<outcome>:<field>``, ``ST:...``, ``mu_star:...``)
and their height is the index, so tests read the figure against the table.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from sim import tables
from sim.analysis import run_values
from sim.analysis.indices import Analysis, Indices
from sim.experiments.sampling import indices_of_folder
from sim.report import style

COLOURS = {"S1": "#9ecae1", "ST": "#2171b5", "mu_star": "#2171b5"}
WORDS = {"S1": "first order (alone)", "ST": "total (with interactions)",
         "mu_star": "μ* (mean absolute elementary effect)"}


def indices_chart(table: pd.DataFrame, outcomes: list[str], label, subtitle: str):
    """One panel per outcome: a horizontal bar per varied field, with its 95 % interval."""
    from matplotlib.patches import Patch

    sobol = table["method"].iloc[0] == "sobol"
    kinds = ("S1", "ST") if sobol else ("mu_star",)
    fields = list(dict.fromkeys(table["field"]))
    cols = min(3, len(outcomes))
    figure, axes = style.small_multiples(len(outcomes), cols=cols, legend=True)
    for ax, outcome in zip(axes, outcomes, strict=True):
        rows = table[table["outcome"] == outcome].set_index("field").reindex(fields)
        y = np.arange(len(fields))
        height = 0.8 / len(kinds)
        for k, kind in enumerate(kinds):
            values = rows[kind].to_numpy(dtype=float)
            half = rows[f"{kind}_conf"].to_numpy(dtype=float)
            at = y + (k - (len(kinds) - 1) / 2) * height
            bars = ax.barh(at, values, height=height, color=COLOURS[kind],
                           xerr=half, error_kw={"lw": 0.8, "capsize": 2, "ecolor": "#444444"})
            for bar, name in zip(bars, fields, strict=True):
                bar.set_gid(f"{kind}:{outcome}:{name}")
        ax.set_yticks(y, [_short(f) for f in fields], fontsize=7.5)
        ax.invert_yaxis()
        ax.axvline(0, color="#222222", lw=0.8)
        if sobol:
            ax.set_xlim(min(-0.05, ax.get_xlim()[0]), max(1.0, ax.get_xlim()[1]))
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.25, lw=0.6)
        ax.set_title(textwrap.fill(label(outcome), 32), loc="left", fontsize=9,
                     fontweight="bold")
    for ax in axes:  # field names are long: room on the left of every panel
        ax.tick_params(axis="y", pad=1)
    figure.subplots_adjust(left=0.12, right=0.97, wspace=0.7)
    method = "Sobol indices" if sobol else "Morris screening"
    style.titles(figure, f"What moves each outcome: {method}", subtitle)
    handles = [Patch(color=COLOURS[k]) for k in kinds]
    style.bottom_key(figure, [], handles, [WORDS[k] + " [95 % interval]" for k in kinds])
    return figure


def _short(field: str) -> str:
    """``platforms.rednote.appeal`` → ``rednote.appeal``; ``dynamics.buzz`` → ``buzz``."""
    parts = field.split(".")
    return ".".join(parts[1:]) if len(parts) > 1 else field


def save_all(table: pd.DataFrame, outcomes: list[str], label, subtitle: str, out: Path
             ) -> list[Path]:
    """``sensitivity.png`` (every outcome) and ``sensitivity-<outcome>.png`` (one each)."""
    out.mkdir(parents=True, exist_ok=True)
    moved = table[(table.filter(regex="^(ST|mu_star)$") != 0).any(axis=1)] if len(table) else table
    shown = [o for o in outcomes if (moved["outcome"] == o).any()] if len(moved) else []
    if not shown:
        return []
    files = style.save(indices_chart(table, shown, label, subtitle), out / "sensitivity")
    for outcome in shown:
        files += style.save(indices_chart(table, [outcome], label, subtitle),
                            out / f"sensitivity-{outcome.replace('.', '-')}")
    return files


def as_markdown(indices: Indices, label) -> str:
    """One table: per outcome and field, the indices with their 95 % intervals."""
    table = indices.table
    if table.empty:
        return "No indices (see the notes).\n"
    sobol = table["method"].iloc[0] == "sobol"
    header = (["outcome", "field", "first-order S1 [95 % CI]", "total ST [95 % CI]"] if sobol
              else ["outcome", "field", "μ* [95 % CI]", "σ"])
    rows = []
    for outcome, group in table.groupby("outcome", sort=False):
        order = group.sort_values("ST" if sobol else "mu_star", ascending=False)
        for i, row in enumerate(order.itertuples()):
            name = label(outcome) if i == 0 else ""
            rows.append([name, f"`{row.field}`",
                         *( [_ci(row.S1, row.S1_conf), _ci(row.ST, row.ST_conf)] if sobol else
                            [_ci(row.mu_star, row.mu_star_conf, g=True), f"{row.sigma:.3g}"])])
    notes = "".join(f"\n- {n}" for n in indices.notes)
    return tables.markdown(header, rows) + ("\n" + notes.strip("\n") + "\n" if notes else "\n")


def _ci(value: float, half: float, g: bool = False) -> str:
    if g:
        return f"{value:.3g} [{value - half:.3g}, {value + half:.3g}]"
    return f"{value:.2f} [{value - half:.2f}, {value + half:.2f}]"


def write_indices(folder: Path, analysis: Analysis, runs: pd.DataFrame) -> tuple[str, list[Path]]:
    """The indices of a finished sensitivity experiment (``runs``: the status of its runs),
    written in its folder as Parquet, CSV and Markdown and drawn in ``plots/``; returns the
    Markdown and the files written."""
    failed = int((runs["status"] != "ok").sum())
    indices, stored = indices_of_folder(folder, analysis)
    table = indices.table
    table.to_parquet(folder / "sensitivity.parquet", index=False)
    table.to_csv(folder / "sensitivity.csv", index=False)

    def label(name: str) -> str:
        return run_values.label(name, stored)

    markdown = as_markdown(indices, label)
    (folder / "sensitivity.md").write_text(markdown)
    points = int(stored.runs["point"].nunique())
    replicates = int(stored.runs.groupby("point").size().max())
    users = next(iter(stored.scenarios.values())).simulation.users
    subtitle = (f"{analysis.method.capitalize()} ({analysis.samples} base samples): {points} "
                f"parameter sets × {replicates} replicate(s) of {users:,} users, each outcome "
                "averaged over the replicates; bars: the index, whiskers: its 95 % bootstrap "
                "interval")
    files = save_all(table, analysis.outcomes, label, subtitle, folder / "plots")
    if failed:
        markdown += f"\n{failed} runs failed; finish them with sim sensitivity --resume {folder}\n"
    return markdown, [folder / "sensitivity.md", *files]
