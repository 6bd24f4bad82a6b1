"""What ``sim crossfit`` writes: ``crossfit.md`` and ``crossfit.csv`` (per episode, its targets
met fitted with the others and left out of the fit), the behaviour each fold found, and each
fold's fitted scenario files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim import tables
from sim.experiments.crossfit import Crossfit
from sim.report import joint_fit
from sim.units import human

FILE = "crossfit.md"


def as_markdown(found: Crossfit) -> str:
    table = found.table()
    scores = pd.DataFrame({
        "episode": table["episode"],
        "in sample (fitted to every episode)": [_met(m, n) for m, n in
                                               zip(table["met in sample"], table["targets"],
                                                   strict=True)],
        "out of sample (left out of the fit)": [_met(m, n) for m, n in
                                                zip(table["met out of sample"],
                                                    table["targets"], strict=True)],
        "loss in / out": [f"{a:.3g} / {b:.3g}" for a, b in
                          zip(table["loss in sample"], table["loss out of sample"],
                              strict=True)],
    })
    behaviour = found.behaviour()
    shared = pd.DataFrame({"field": [f"`{f}`" for f in behaviour.index],
                           **{c: [human(v) for v in behaviour[c]] for c in behaviour.columns}})
    return "\n".join([
        "Targets met per episode: in sample, with the behaviour fitted to every episode; out of "
        "sample, with the behaviour fitted to the other episodes only (the episode's own fields "
        "fitted to it, the behaviour held).", "",
        tables.markdown(list(scores.columns), scores.itertuples(index=False)), "",
        "The shared behaviour as fitted to every episode and to all but one:", "",
        tables.markdown(list(shared.columns), shared.itertuples(index=False)), ""])


def _met(met: int, targets: int) -> str:
    return f"{met} of {targets} ({100 * met / targets:.0f} %)"


def write(found: Crossfit, files: dict[str, Path], folder: Path, command: str) -> str:
    """``crossfit.md``, ``crossfit.csv`` and every fit's files (the joint fit in ``all/``, each
    fold in ``without-EPISODE/``) in ``folder`` (new or empty); returns the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    text = as_markdown(found)
    (folder / FILE).write_text(text, encoding="utf-8")
    found.table().to_csv(folder / "crossfit.csv", index=False)
    joint_fit.write(found.full, files, folder / "all", command)
    for name, (others, carried) in found.folds.items():
        fold = folder / f"without-{name}"
        joint_fit.write(others, {n: f for n, f in files.items() if n != name}, fold / "fit",
                        command)
        joint_fit.write(carried, {name: files[name]}, fold / "carried", command)
    return text
