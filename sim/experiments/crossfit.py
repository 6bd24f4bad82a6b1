"""``sim crossfit A B C``: each episode judged out of sample.

For each episode, one behaviour is fitted to all the others (a joint fit,
:func:`sim.experiments.joint.joint_calibrate`); then the episode left out gets only its own
fields fitted (``--fit-each``: its platforms), the behaviour held as the others gave it, and is
scored: nothing of the behaviour was learnt from its targets. The joint fit of every episode gives
the in-sample scores beside them. Every fit starts from the middle of each ``--fit`` range, not
from the values in the files (which may have been fitted to the episode left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.experiments.design import Sweep
from sim.experiments.joint import JointFit, joint_calibrate


@dataclass
class Crossfit:
    """The joint fit of every episode, and per episode left out: the fit of the others and the
    behaviour they gave carried to it (its own fields fitted)."""

    full: JointFit
    folds: dict[str, tuple[JointFit, JointFit]]

    def table(self) -> pd.DataFrame:
        """Per episode: targets, met in sample (fitted to all) and out of sample (left out)."""
        rows = []
        for name, (_, carried) in self.folds.items():
            rows.append({"episode": name, "targets": self.full.targets[name],
                         "met in sample": self.full.met[name],
                         "met out of sample": carried.met[name],
                         "loss in sample": self.full.loss[name],
                         "loss out of sample": carried.loss[name]})
        return pd.DataFrame(rows)

    def behaviour(self) -> pd.DataFrame:
        """The shared fields as fitted to all the episodes and without each one (columns)."""
        frame = {"all": _shared(self.full)}
        for name, (others, _) in self.folds.items():
            frame[f"without {name}"] = _shared(others)
        return pd.DataFrame(frame)


def _shared(fit: JointFit) -> pd.Series:
    return fit.shared.table.set_index("field")["fitted"]


def leave_one_out(files: list[Path], overrides: list[str], fits: list[Sweep],
                  each: list[str], budget: int, replicates: int, seed: int, workers: int,
                  rounds: int = 2, budget_each: int | None = None, quiet: bool = False,
                  margin: float = 0.0) -> Crossfit:
    """The joint fit of ``files`` and one fold per episode left out (the same search each time:
    ``budget`` candidates for the shared fields, ``budget_each`` per episode and round)."""
    middle = [f"{f.field}={(f.bounds[0] + f.bounds[1]) / 2!r}" for f in fits]

    def fit(on: list[Path], held: dict | None = None) -> JointFit:
        return joint_calibrate(on, [*overrides, *middle], fits, each, budget, replicates, seed,
                               workers, rounds, budget_each, quiet, margin, held)

    full, folds = fit(files), {}
    for name, file in zip(full.loss, files, strict=True):
        others = fit([f for f in files if f != file])
        folds[name] = (others, fit([file], _shared(others).to_dict()))
    return Crossfit(full, folds)
