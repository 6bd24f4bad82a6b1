"""What ``sim calibrate A B C`` (a joint fit) writes: ``fit.md`` (the shared fields, each
episode's own and how well each episode meets its targets), ``candidates.parquet`` (every
candidate scored) and one fitted scenario file per episode, extending it with the shared values
and its own."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim import tables
from sim.experiments.joint import JointFit
from sim.report.scenario_file import write_values
from sim.units import human

FILE = "fit.md"


def as_markdown(fit: JointFit, command: str) -> str:
    """The fit as Markdown: the shared fields, then per episode its targets met and its own."""
    lines = [f"Joint fit of {len(fit.loss)} episodes, loss {fit.total_loss:.3g} (the sum of the "
             "episodes' losses: squared target misses in tolerances, and the sources' priors).",
             "", "Shared by every episode:", "",
             _markdown(_fields(fit.shared.table)), "", "Per episode:", "",
             _markdown(_episodes(fit))]
    return "\n".join(lines) + "\n"


def _markdown(frame: pd.DataFrame) -> str:
    return tables.markdown(list(frame.columns), frame.itertuples(index=False))


def _fields(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "field": [f"`{f}`" for f in table["field"]],
        "fitted": [human(v) for v in table["fitted"]],
        "95 % interval": ["held" if r == "held" else f"[{human(lo)}, {human(hi)}]"
                          for lo, hi, r in zip(table["low"], table["high"], table["range"],
                                               strict=True)],
        "searched": table["range"],
    })


def _episodes(fit: JointFit) -> pd.DataFrame:
    rows = []
    for name, loss in fit.loss.items():
        own = fit.own.get(name)
        values = ("—" if own is None else ", ".join(
            f"`{row.field}` {human(row.fitted)}" for row in own.table.itertuples()))
        rows.append({"episode": name, "targets met": f"{fit.met[name]} of {fit.targets[name]}",
                     "loss": f"{loss:.3g}", "its own fields, fitted": values})
    return pd.DataFrame(rows)


def write(fit: JointFit, files: dict[str, Path], folder: Path, command: str) -> str:
    """Every file of a joint fit in ``folder`` (new or empty); returns the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    text = as_markdown(fit, command)
    (folder / FILE).write_text(text, encoding="utf-8")
    fit.candidates.to_parquet(folder / "candidates.parquet", index=False)
    for name, file in files.items():
        table = pd.concat([fit.shared.table, *([fit.own[name].table] if name in fit.own
                                               else [])], ignore_index=True)
        write_values(file, table, fit.loss[name], folder / f"{name}-fitted.toml", command)
    return text
