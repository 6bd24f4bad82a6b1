"""``sim discover`` from a results folder to files: PRIM's trajectory and box
(:mod:`sim.analysis.prim`) as Markdown and CSV, the peeling trajectory (coverage against
density, the chosen box marked) and the box drawn over the runs of its two most restricted
fields.

Artists carry a ``gid``: ``step:<i>`` for each point of the trajectory, ``chosen`` for the chosen
box's point, ``box`` for its rectangle.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim import tables
from sim.analysis.prim import Discovery, discover
from sim.experiments.reading import cases_of
from sim.experiments.store import claim_folder, read_results
from sim.report import style


def write_discovery(folder: Path, outcome: str, above: float | None, below: float | None,
                    coverage: float, scenario: str | None, out: Path) -> tuple[str, list[Path]]:
    """Discover where ``outcome`` is above or below a threshold; write into the new ``out``."""
    stored = read_results([folder])
    cases = cases_of(stored, outcome, scenario)
    found = discover(cases, outcome, above, below, coverage)
    claim_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    markdown = as_markdown(found)
    (out / "discovery.md").write_text(markdown)
    found.trajectory.to_csv(out / "trajectory.csv", index_label="step")
    found.box.to_csv(out / "box.csv", index=False)
    files = [out / "discovery.md", out / "trajectory.csv", out / "box.csv"]
    files += style.save(trajectory_chart(found), out / "peeling-trajectory")
    files += style.save(box_chart(found), out / "box")
    return markdown, files


def as_markdown(found: Discovery) -> str:
    """The chosen box (its restricted fields), its coverage and density, and the trajectory."""
    step = found.trajectory.loc[found.chosen]
    cases = found.cases
    inside = np.ones(len(cases), dtype=bool)
    for row in found.box.itertuples():
        inside &= (cases[row.field] >= row.low) & (cases[row.field] <= row.high)
    head = (f"Where {found.rule}: {int(cases['of_interest'].sum())} of {len(cases)} runs. "
            f"Chosen box (step {found.chosen}): coverage {100 * step['coverage']:.0f} % (of those "
            f"runs, the share inside), density {100 * step['density']:.0f} % (of the runs "
            f"inside, the share where it happens), {int(inside.sum())} runs inside.\n\n")
    restricted = found.box[found.box["restricted"]]
    rows = [[f"`{r.field}`", f"{r.low:.3g} – {r.high:.3g}", f"{r.range_low:.3g} – "
             f"{r.range_high:.3g}"] for r in restricted.itertuples()]
    box = (tables.markdown(["field", "box", "all runs"], rows) if rows
           else "The box restricts no field.")
    steps = [[i, f"{100 * r.coverage:.0f} %", f"{100 * r.density:.0f} %", int(r.res_dim),
              r.restricted] for i, r in found.trajectory.iterrows()]
    return (head + box + "\n\nPeeling trajectory:\n\n"
            + tables.markdown(["step", "coverage", "density", "fields restricted", "which"],
                              steps) + "\n")


def trajectory_chart(found):
    """Coverage against density at each peeling step, coloured by the fields restricted."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(6.4, 4.6))
    steps = found.trajectory
    points = ax.scatter(steps["coverage"], steps["density"], c=steps["res_dim"], cmap="viridis",
                        s=22, zorder=3)
    for i, row in steps.iterrows():
        ax.plot([row["coverage"]], [row["density"]], ls="none", gid=f"step:{i}")
    chosen = steps.loc[found.chosen]
    ax.plot([chosen["coverage"]], [chosen["density"]], "o", ms=13, mfc="none", mec="#d94801",
            mew=2, gid="chosen", zorder=4)
    ax.set_xlabel("coverage: share of the runs where it happens that are in the box")
    ax.set_ylabel("density: share of the box's runs where it happens")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    figure.colorbar(points, ax=ax, label="fields restricted")
    ax.set_title(f"PRIM peeling trajectory: where {found.rule}\n(circled: the chosen box)",
                 fontsize=10)
    figure.tight_layout()
    return figure


def box_chart(found):
    """The runs over the two most restricted fields (of interest in colour) and the box."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    box = found.box.assign(share=(found.box["high"] - found.box["low"])
                           / (found.box["range_high"] - found.box["range_low"]))
    shown = box.sort_values("share").head(2)
    figure, ax = plt.subplots(figsize=(6.0, 4.8))
    cases = found.cases
    x = shown.iloc[0]
    y = shown.iloc[1] if len(shown) > 1 else None
    ys = cases[y["field"]] if y is not None else cases["of_interest"].astype(float)
    colours = ["#d94801" if hit else "#bdbdbd" for hit in cases["of_interest"]]
    ax.scatter(cases[x["field"]], ys, c=colours, s=14, lw=0)
    low_y, high_y = (y["low"], y["high"]) if y is not None else (-0.1, 1.1)
    ax.add_patch(Rectangle((x["low"], low_y), x["high"] - x["low"], high_y - low_y, fill=False,
                           ec="#2171b5", lw=2, gid="box"))
    ax.set_xlabel(x["field"])
    ax.set_ylabel(y["field"] if y is not None else "of interest")
    ax.set_title(f"Runs where {found.rule} (orange) and the chosen box (blue)", fontsize=10)
    figure.tight_layout()
    return figure
