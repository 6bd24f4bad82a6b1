"""The Python API of experiments and results folders: what ``sim run`` and ``sim plot`` do, for
notebooks and scripts (re-exported by :mod:`sim`; examples in docs/api.md).

One argument style: keyword arguments named as the command line's options, with its defaults;
scenarios are shipped names or files. Every call goes the command line's way: the same plan
(:func:`sim.experiments.launch.plan_of_run`), the same results folder, the same figures
(:mod:`sim.report.drawing`) and tables; a bad argument raises :class:`sim.errors.InputError`
with the command line's one-line message.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from sim.analysis.outcomes import run_outcomes
from sim.analysis.trajectories import metric_of
from sim.analysis.whatif import above_shares
from sim.errors import InputError, did_you_mean
from sim.experiments import launch
from sim.experiments.reading import RUN_OUTCOMES, write_run_outcomes
from sim.experiments.store import default_folder, read_results
from sim.report import summary
from sim.report.compare import baseline_of, check_platforms, plot_results
from sim.report.drawing import KINDS, draw, figure_jobs, slug
from sim.scenario.schema import Scenario


def run_experiment(scenarios: str | Path | Iterable[str | Path], *,
                   replicates: int | None = None,
                   sweep: Mapping[str, object] | Iterable[str] | str | None = None,
                   design: str | None = None, samples: int | None = None,
                   users: int | None = None, days: int | None = None, seed: int | None = None,
                   set: Mapping[str, object] | Iterable[str] | str | None = None,
                   posterior: str | Path | None = None, draws: int = 10,
                   workers: int | None = None, executor: str = "process",
                   scheduler: str | None = None, out: str | Path | None = None,
                   quiet: bool = False, plots: bool = True) -> Results:
    """Run scenarios as an experiment into a new results folder, as ``sim run`` does, and
    return it read.

    Args:
        scenarios: one or more shipped names (``"observed-2025"``) or scenario files.
        replicates, seed, users, days, design, samples, workers, executor, scheduler, quiet:
            as ``sim run``'s options of the same names, with the same defaults.
        sweep: swept fields: ``{"dynamics.buzz": [1, 2, 3]}``, ``{"dynamics.buzz": "1:4:7"}``
            or ``["dynamics.buzz=1:4:7"]`` (``--sweep``).
        set: overridden fields: ``{"platforms.rednote.appeal": 1.2}`` or
            ``["platforms.rednote.appeal=1.2"]`` (``--set``).
        posterior, draws: run at ``draws`` draws of a posterior file (``--posterior``).
        out: the results folder, new or empty (default ``results/<time>-<scenarios>``).
        plots: draw every figure and table into ``out/plots`` too, as ``sim run`` does.

    Raises:
        InputError: a bad scenario or argument (nothing is written).
    """
    names = [str(s) for s in ([scenarios] if isinstance(scenarios, str | Path) else scenarios)]
    plan = launch.plan_of_run(names, _settings(set), _sweeps(sweep), design, samples,
                              replicates, seed, users, days, posterior, draws)
    folder = Path(out) if out is not None else default_folder([Path(n).stem for n in names])
    _, runs = launch.start(plan, folder, launch.pool_options(workers, executor, scheduler), quiet)
    failed = int((runs["status"] != "ok").sum())
    if failed:
        warnings.warn(f"{failed} of {len(runs)} runs failed or are missing; see "
                      f"{folder / 'errors'} and finish them with: sim run --resume {folder}",
                      stacklevel=2)
    if plots and failed < len(runs):
        plot_results(folder)
    return Results(folder)


def open_results(folder: str | Path) -> Results:
    """A results folder made by ``sim run`` (or :func:`run_experiment`), read.

    Raises:
        InputError: not a results folder, unfinished, or without a successful run.
    """
    return Results(folder)


def _settings(given) -> list[str]:
    """``--set`` texts from a mapping of field -> value (a TOML value), a list or one text."""
    if given is None:
        return []
    if isinstance(given, str):
        return [given]
    if isinstance(given, Mapping):
        import tomli_w

        return [f"{k}={tomli_w.dumps({'v': v}).partition('=')[2].strip()}"
                for k, v in given.items()]
    return [str(text) for text in given]


def _sweeps(given) -> list[str]:
    """``--sweep`` texts from a mapping of field -> values (a list, or ``LOW:HIGH[:COUNT]``), a
    list or one text."""
    if isinstance(given, Mapping):
        return [f"{k}={v if isinstance(v, str) else ','.join(str(x) for x in v)}"
                for k, v in given.items()]
    return _settings(given)


class Results:
    """One results folder, read: its runs as tidy tables and its figures as matplotlib Figures.

    Attributes:
        folder: the results folder.
        scenarios: the names of its scenarios, in order.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._stored = read_results([self.folder])
        self.scenarios: list[str] = self._stored.scenario_names

    def __repr__(self) -> str:
        return (f"Results('{self.folder}': {', '.join(self.scenarios)}; "
                f"{len(self._stored.runs)} successful runs)")

    def scenario(self, name: str) -> Scenario:
        """One scenario as it was run (after ``extends`` and ``--set``)."""
        if name not in self._stored.scenarios:
            raise InputError("scenario", name, "not in these results"
                             + did_you_mean(name, self.scenarios))
        return self._stored.scenarios[name]

    def runs(self) -> pd.DataFrame:
        """The per-run table (``run_outcomes.parquet``): a row per run with its scenario, design
        point, replicate, seed, status, a column per swept field and the headline outcomes as
        ``PLATFORM.OUTCOME`` columns (shares 0..1, users in real-world numbers, dates)."""
        path = self.folder / f"{RUN_OUTCOMES}.parquet"
        if not path.is_file():  # a folder made before the table was written
            write_run_outcomes(self.folder)
        return pd.read_parquet(path)

    def timeseries(self) -> pd.DataFrame:
        """Every successful run's daily metrics, tidy: a row per run, day and platform, with the
        run's design (``design.parquet``: scenario, design point, replicate, seed, a column per
        swept field) and a column per metric, in real-world units."""
        design = pd.read_parquet(self.folder / "design.parquet")
        daily = self._stored.timeseries.drop(columns=["scenario", "point", "replicate"])
        return design.merge(daily, on="run_id", how="inner")

    def summary(self, wide: bool = False) -> pd.DataFrame:
        """The summary table (``plots/summary.csv``): a row per scenario, design point,
        platform and outcome, with its median and 90 % interval across replicates; ``wide``: as
        ``plots/summary.md`` shows it, a row per platform and outcome (in words), a column of
        text per scenario (or scenario at a design point)."""
        table = summary.summary_table(run_outcomes(self._stored), self._stored)
        return summary.wide(table, self._stored.swept) if wide else table

    def _swept(self, field: str | None) -> str:
        """A swept field of these results: ``field``, or the first (InputError if none is)."""
        swept = self._stored.swept
        if field is None and swept:
            return swept[0]
        if field not in swept:
            raise InputError("field", str(field), "not swept in these results" + (
                f"; one of {', '.join(swept)}{did_you_mean(str(field), swept)}" if swept else ""))
        return field

    def probabilities(self, baseline: str | None = None) -> pd.DataFrame:
        """Per scenario, platform and outcome: the share of draws (or of replicate pairs) in
        which it is above ``baseline`` (default ``baseline``, else the first scenario), as in
        ``plots/probabilities.csv``."""
        return above_shares(self._stored, baseline_of(self._stored, baseline))

    def figure(self, name: str = "trajectories", *, metric: str = "dau",
               platforms: list[str] | None = None, baseline: str | None = None,
               scenario: str | None = None, field: str | None = None, zoom: bool = False):
        """One of the figures ``sim plot`` draws, as a matplotlib Figure.

        Args:
            name: ``trajectories`` (every scenario), ``difference`` (each minus the baseline),
                ``fan`` (one scenario), ``flows`` (one scenario's main-app moves) or ``sweep``
                (outcomes against a swept field).
            metric: as ``sim compare --metric``: dau, share, accounts, signups or churn.
            platforms: the panels (default: every platform).
            baseline: for ``difference``: default ``baseline``, else the first scenario.
            scenario: for ``fan`` and ``flows`` (default: the first).
            field: for ``sweep`` (default: the first swept field).
            zoom: for ``trajectories`` and ``difference``: the first weeks only (a run too short
                for a zoom is drawn whole).
        """
        if name not in KINDS:
            raise InputError("figure", name, f"one of {', '.join(KINDS)}"
                             + did_you_mean(name, KINDS))
        stored = self._stored
        chosen = metric_of(metric).told(stored.scenarios[self.scenarios[0]].words())
        platforms = check_platforms(stored, list(platforms or []))
        reference = baseline_of(stored, baseline)
        key = "share" if chosen.name == "share" else chosen.column
        stem = f"{name}-{key}"
        if name in ("fan", "flows"):
            one = slug(self.scenario(scenario or self.scenarios[0]).name)
            stem = f"fan-{one}-{key}" if name == "fan" else f"flows-{one}"
        elif name == "sweep":
            stem = f"sweep-{slug(self._swept(field))}"
        made = {job.entry.stem: job for job in figure_jobs(stored, reference, [chosen],
                                                           platforms, (name,))}
        job = made.get(f"{stem}-zoom" if zoom else stem) or made.get(stem)  # short: no zoom
        if job is None:
            raise InputError("figure", name, "these results have none (" + (
                "one scenario: no difference" if name == "difference" else "no swept field")
                + ")")
        import matplotlib.pyplot as plt

        figure = draw(job)
        plt.close(figure)  # shown once where it is returned, not again by a notebook's backend
        return figure
