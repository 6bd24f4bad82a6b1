"""``sim sensitivity`` and ``sim discover``: what moves the outcomes, and where they happen."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli import options
from sim.errors import InputError


@options.app.command()
def sensitivity(
    scenario: Annotated[str | None, typer.Argument(help="Scenario file or shipped name.")] = None,
    vary: Annotated[list[str] | None, typer.Option(
        help="An uncertain field: FIELD=LOW:HIGH (repeat; the syntax of --fit).")] = None,
    outcome: Annotated[list[str] | None, typer.Option(
        help="PLATFORM.OUTCOME, e.g. rednote.peak_dau or instagram.gain (repeat; default: the "
             "headline ones).")] = None,
    method: Annotated[str | None, typer.Option(help="sobol (default) or morris.")] = None,
    samples: Annotated[int | None, typer.Option(
        help="Base samples N: sobol runs N × (fields + 2) points (N a power of two), morris "
             "N × (fields + 1).")] = None,
    replicates: Annotated[int, typer.Option(min=1, help="Replicates per point.")] = 1,
    seed: options.SeedOption = None,
    users: options.UsersOption = None,
    days: options.DaysOption = None,
    overrides: options.SetOption = None,
    out: options.OutOption = None,
    resume: Annotated[Path | None, typer.Option(
        help="Finish an interrupted analysis: its missing runs, then the indices.")] = None,
    workers: options.WorkersOption = None,
    executor: options.ExecutorOption = "process",
    scheduler: options.SchedulerOption = None,
    quiet: options.QuietOption = False,
) -> None:
    """Global sensitivity (SALib): Sobol indices or Morris screening of outcomes to fields."""
    from sim.experiments import sampling
    from sim.experiments.store import default_folder
    from sim.report.sensitivity import write_indices

    pool = options.pool(workers, executor, scheduler)
    if resume is not None:
        options.nothing_but_resume(resume, [
            ("SCENARIO", scenario), ("--vary", vary), ("--outcome", outcome), ("--set", overrides),
            ("--method", method), ("--samples", samples), ("--out", out), ("--seed", seed),
            ("--users", users), ("--days", days)])
        analysis, runs = sampling.resume(resume, pool, quiet)
        folder = resume
    else:
        if scenario is None:
            raise InputError("sim sensitivity", "SCENARIO", "give a scenario (or --resume)")
        sets = list(overrides or [])
        sets += [f"simulation.{k}={v}" for k, v in (("users", users), ("days", days)) if v]
        file, analysis, root = sampling.from_options(scenario, sets, list(vary or []),
                                                     list(outcome or []), method, samples, seed)
        folder = out if out is not None else default_folder(["sensitivity", file.stem])
        runs = sampling.run([file], sets, analysis, replicates, root, folder, pool, quiet)
    table, _ = write_indices(folder, analysis, runs)
    typer.echo(table)
    typer.echo(f"sensitivity: {folder / 'sensitivity.md'} (figures in {folder / 'plots'})")



@options.app.command()
def discover(
    folder: Annotated[Path, typer.Argument(help="A results folder whose runs vary fields.")],
    outcome: Annotated[str, typer.Option(help="PLATFORM.OUTCOME, e.g. rednote.peak_dau.")],
    above: Annotated[float | None, typer.Option(help="Cases: the outcome above X.")] = None,
    below: Annotated[float | None, typer.Option(help="Cases: the outcome below X.")] = None,
    coverage: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="The chosen box keeps at least this share of the cases.")] = 0.5,
    scenario: Annotated[str | None, typer.Option(help="Scenario (default: the first).")] = None,
    out: Annotated[Path | None, typer.Option(help="New folder for the tables and figures.")
                   ] = None,
) -> None:
    """Scenario discovery (PRIM): the boxes of parameter space where an outcome happens."""
    from sim.experiments.store import default_folder
    from sim.report.discovery import write_discovery

    where = out if out is not None else default_folder(["discover", outcome])
    table, _ = write_discovery(folder, outcome, above, below, coverage, scenario, where)
    typer.echo(table)
    typer.echo(f"discovery: {where / 'discovery.md'} (peeling-trajectory.png, box.png)")
