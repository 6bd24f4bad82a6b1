"""What ``sim calibrate --posterior`` writes beside the posterior file its search made
(:mod:`sim.experiments.abc_smc`): the credible intervals as Markdown and CSV, how much of the
posterior meets each target, marginal and pair plots.

Histogram bars carry a ``gid`` (``marginal:<field>``), the credible interval lines
``interval:<field>``, so tests can read the figure against the table.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from sim import tables
from sim.analysis.credible import Posterior, credible
from sim.report import style


def write_credible(found: Posterior, folder: Path) -> str:
    """``credible.md``, ``targets-met.md``, ``credible.csv`` and the marginal and pair plots of a
    posterior, in the folder of its search; returns the Markdown of the credible intervals."""
    table = credible(found)
    markdown = as_markdown(found, table)
    (folder / "credible.md").write_text(markdown)
    (folder / "targets-met.md").write_text(met_markdown(found))
    table.to_csv(folder / "credible.csv", index=False)
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    style.save(marginals(found, table), out / "posterior-marginals")
    style.save(pairs(found), out / "posterior-pairs")
    return markdown


def as_markdown(found: Posterior, table: pd.DataFrame) -> str:
    """The credible intervals, then how often the draws meet each target."""
    meta = found.meta
    uniform = table["prior"].str.startswith("uniform").all()  # the range says it all
    rows = [[f"`{r.field}`", r.prior.removeprefix("uniform ") if uniform else r.prior,
             f"{r.median:.3g}", f"[{r.low:.3g}, {r.high:.3g}]", f"{100 * r.narrowing:.0f} %"]
            for r in table.itertuples()]
    head = (f"{len(found.draws)} draws: ABC-SMC, {meta['generations']} generations, "
            f"{meta['candidates']} candidates × {meta['replicates']} replicate(s) of "
            f"{meta['users']:,} users, final threshold {meta['thresholds'][-1]:.3g}.\n\n")
    body = tables.markdown(["field", "prior (uniform)" if uniform else "prior", "posterior median",
                            "90 % credible interval", "interval / prior range"], rows)
    return head + body + "\n"


def met_markdown(found: Posterior) -> str:
    """How much of the posterior's weight meets each target (median over replicates)."""
    met = [c for c in found.draws.columns if c.startswith("met_")]
    weights = found.draws["weight"]
    shares = [[c.removeprefix("met_"), f"{100 * np.average(found.draws[c], weights=weights):.0f} %"]
              for c in met]
    return tables.markdown(["target", "share of the posterior meeting it"], shares) + "\n"


def marginals(found: Posterior, table: pd.DataFrame):
    """One panel per field: the weighted histogram of the draws over the prior range, with the
    median and the 90 % credible interval."""
    fields = found.fields
    figure, axes = style.small_multiples(len(fields), cols=min(4, len(fields)), legend=False)
    weights = found.draws["weight"].to_numpy(dtype=float)
    for ax, field in zip(axes, fields, strict=True):
        row = table.set_index("field").loc[field]
        values = found.draws[field].to_numpy(dtype=float)
        edges = np.linspace(row["prior_low"], row["prior_high"], 21)
        _, _, bars = ax.hist(values, bins=edges, weights=weights, color="#6baed6",
                             edgecolor="white", lw=0.4, zorder=2)
        for bar in bars:
            bar.set_gid(f"marginal:{field}")
        ax.axvspan(row["low"], row["high"], color="#fdae6b", alpha=0.3, lw=0, zorder=0,
                   gid=f"interval:{field}")
        ax.axvline(row["median"], color="#d94801", lw=1.4, gid=f"median:{field}")
        ax.set_xlim(row["prior_low"], row["prior_high"])
        ax.set_yticks([])
        ax.tick_params(axis="x", labelsize=8)
        ax.set_title(textwrap.fill(field, 30), loc="left", fontsize=9, fontweight="bold")
    style.titles(figure, f"Posterior of the fitted fields ({len(found.draws)} weighted draws)",
                 "bars: posterior weight over each field's prior range (the x-axis); line: "
                 "median; shading: 90 % credible interval")
    return figure


def pairs(found: Posterior):
    """Every pair of fields: the draws as points (size by weight) over the prior box."""
    import matplotlib.pyplot as plt

    fields = found.fields
    n = len(fields)
    side = 1.35 if n > 4 else 2.0
    figure, axes = plt.subplots(n, n, figsize=(side * n + 0.8, side * n + 1.0), squeeze=False)
    weights = found.draws["weight"].to_numpy(dtype=float)
    sizes = 4 + 60 * weights / weights.max()
    bounds = {f["field"]: (f["low"], f["high"]) for f in found.meta["fields"]}
    for i, y in enumerate(fields):
        for j, x in enumerate(fields):
            ax = axes[i][j]
            if i == j:
                ax.hist(found.draws[x], bins=15, range=bounds[x], weights=weights,
                        color="#6baed6")
                ax.set_yticks([])
            else:
                ax.scatter(found.draws[x], found.draws[y], s=sizes, color="#2171b5",
                           alpha=0.45, lw=0, gid=f"pair:{x}:{y}")
                ax.set_ylim(*bounds[y])
            ax.set_xlim(*bounds[x])
            ax.tick_params(labelsize=6)
            if i == n - 1:
                ax.set_xlabel(x.rsplit(".", 1)[-1], fontsize=7)
            else:
                ax.set_xticklabels([])
            if j == 0 and i != j:
                ax.set_ylabel(y.rsplit(".", 1)[-1], fontsize=7)
            elif i != j:
                ax.set_yticklabels([])
    figure.suptitle("Posterior draws, field against field (point size: weight)", fontsize=11,
                    fontweight="bold")
    figure.tight_layout(rect=(0, 0, 1, 0.97))
    return figure
