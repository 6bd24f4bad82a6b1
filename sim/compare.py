"""Figures and tables of results folders (``sim plot``, ``sim compare``).

Placeholder wiring: the trajectory figures of sim.plots until the comparison figures land.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.errors import InputError


def plot_results(folder: Path) -> list[Path]:
    """Draw every figure of one results folder into ``folder/plots``."""
    from sim.plots import plot_folder
    from sim.scenario import Scenario

    if not (folder / "manifest.json").is_file():
        raise InputError(str(folder), "", "not a results folder (no manifest.json)")
    import tomllib

    config = tomllib.loads((folder / "config.resolved.toml").read_text())["scenarios"]
    events = {name: Scenario.model_validate(raw).events for name, raw in config.items()}
    return plot_folder(folder, pd.read_parquet(folder / "summary.parquet"), events)


def compare_results(folders: list[Path], baseline: str | None, metric: str,
                    platforms: list[str], out: Path | None) -> Path:
    raise InputError("sim compare", "", "not built yet")
