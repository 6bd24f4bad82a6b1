"""The table of ``sim ablate``: per motive switched off, the change in each headline outcome
(:mod:`sim.analysis.headlines`), as ``ablation.md`` and ``ablation.csv``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim import tables
from sim.units import human, signed


def write_ablation(table: pd.DataFrame, folder: Path) -> str:
    """``ablation.csv`` and ``ablation.md`` in ``folder`` (made here); returns the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "ablation.csv", index=False)
    markdown = as_markdown(table)
    (folder / "ablation.md").write_text(markdown)
    return markdown


def as_markdown(table: pd.DataFrame) -> str:
    """Motives as rows, outcomes as columns: median change [90 % interval] when switched off."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    full = table.drop_duplicates("outcome").set_index("outcome")["full_median"]
    rows = [["*(full model, level)*", *(human(full[o]) for o in outcomes)]]
    for motive, changes in table.groupby("motive_off", sort=False):
        rows.append([motive, *(f"{signed(r.change_median)} [{signed(r.change_q05)}, "
                               f"{signed(r.change_q95)}]" for r in changes.itertuples())])
    labels = table.drop_duplicates("outcome").set_index("outcome")["label"]
    return tables.markdown(["motive switched off", *(labels[o] for o in outcomes)], rows) + "\n"


def rules_markdown(full, variants: dict) -> str:
    """Every rule on (the episodes as given: the joint fit) and each switched off and fitted
    again: the joint loss and each episode's targets met (``variants``: label -> a
    :class:`~sim.experiments.joint.JointFit`)."""
    names = list(full.loss)
    header = ["behaviour", "joint loss", *(f"{n}: targets met" for n in names)]
    rows = [[label, f"{fit.total_loss:.3g}", *(f"{fit.met[n]} of {fit.targets[n]}"
                                                for n in names)]
            for label, fit in {"every rule, as given (the joint fit)": full, **{
                f"fitted again with `{label}`": fit for label, fit in variants.items()}}.items()]
    return tables.markdown(header, rows) + "\n"
