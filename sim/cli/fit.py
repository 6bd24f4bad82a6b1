"""``sim check``, ``sim calibrate`` and ``sim ablate``: scenarios against their targets."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli import options
from sim.errors import InputError


@options.app.command()
def check(
    scenarios: options.Scenarios,
    replicates: Annotated[int | None, typer.Option(min=1, help="Replicates per scenario.")] = None,
    users: Annotated[int | None, typer.Option(min=100, help="Simulated users.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed of the experiment.")] = None,
    overrides: options.SetOption = None,
    out: Annotated[Path | None, typer.Option(help="Results folder (must be new or empty).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Parallel runs.")] = None,
    quiet: options.QuietOption = False,
) -> None:
    """Run scenarios and score them against their targets (exit 3 if any is missed)."""
    from sim.experiments import launch
    from sim.experiments.store import default_folder
    from sim.report.scorecard import TARGETS_MISSED, as_text, score_folder

    sets = [*(overrides or []), *([f"simulation.users={users}"] if users else [])]
    plan = launch.plan_from_options(scenarios, sets, [], None, None, replicates, seed)
    names = ["check", *[Path(s).stem for s in scenarios]]
    folder = out if out is not None else default_folder(names)
    pool = options.pool(workers)
    built, runs = launch.start(plan, folder, pool, quiet)
    card = score_folder(folder, built, runs)
    typer.echo(as_text(card, built.scenarios))
    typer.echo(f"scorecard: {folder / 'scorecard.md'}")
    if not card["met"].all():
        raise typer.Exit(TARGETS_MISSED)



@options.app.command()
def calibrate(
    scenario: Annotated[str, typer.Argument(help="Scenario file or shipped name with targets.")],
    fit: Annotated[list[str], typer.Option(help="Free parameter: FIELD=LOW:HIGH[:PRIOR].")],
    budget: Annotated[int, typer.Option(min=12, help="Candidate parameter sets to try.")] = 60,
    replicates: Annotated[int, typer.Option(min=1, help="Replicates per candidate.")] = 2,
    users: options.UsersOption = None,
    days: options.DaysOption = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed.")] = None,
    overrides: options.SetOption = None,
    out: Annotated[Path | None, typer.Option(
        help="Fitted scenario file to write (with --posterior: the results folder).")] = None,
    workers: options.WorkersOption = None,
    quiet: options.QuietOption = False,
    margin: Annotated[float, typer.Option(
        min=0.0, max=0.9, help="Share of each tolerance or bound the fit must meet with to "
        "spare (robust to other seeds).")] = 0.0,
    posterior: Annotated[int | None, typer.Option(
        min=10, help="Instead of one fitted point: N accepted posterior draws (ABC-SMC, "
        "pyabc); priors: the --fit ranges, uniform or :log or :normal:MEAN:SD.")] = None,
    generations: Annotated[int, typer.Option(
        min=1, help="With --posterior: ABC-SMC generations.")] = 4,
    executor: options.ExecutorOption = "process",
    scheduler: options.SchedulerOption = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="With --posterior: go on with the search killed in --out.")] = False,
) -> None:
    """Fit parameters to the scenario's targets; write a scenario that extends it with them
    (or, with --posterior, a posterior ensemble of them)."""
    from sim.experiments import calibration
    from sim.experiments.design import parse_fit
    from sim.experiments.executors import default_workers
    from sim.report.scenario_file import write_fitted
    from sim.scenario.loading import load_scenario, resolve_path

    file = resolve_path(scenario)
    sets = list(overrides or [])
    sets += [f"simulation.{k}={v}" for k, v in (("users", users), ("days", days)) if v]
    base = load_scenario(file, sets)
    fits = [parse_fit(text, base) for text in fit]
    root = seed if seed is not None else base.simulation.seed
    command = "sim " + shlex.join(options.invoked or sys.argv[1:])
    if posterior is not None:
        from sim.experiments.abc_smc import search
        from sim.experiments.store import default_folder
        from sim.report.posterior import write_credible

        if resume and out is None:
            raise InputError("--resume", "", "give the folder of the killed search with --out")
        folder = out if out is not None else default_folder(["posterior", file.stem])
        pool = options.pool(workers, executor, scheduler)
        found, path = search(file, sets, fits, posterior, replicates, root, generations, folder,
                             pool, quiet, command, resume)
        typer.echo(write_credible(found, folder))
        typer.echo(f"posterior: {path} (credible.md and plots/ beside it)")
        return
    target = out or Path(f"{file.stem}-fitted.toml")  # in the current folder, not scenarios/
    if target.exists():
        raise InputError("--out", str(target), "exists; results are never overwritten")
    result = calibration.calibrate(file, sets, fits, budget, replicates, root,
                                   workers or default_workers(), quiet, margin)
    typer.echo(result.table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    meets = "every target met" if result.met else (
        "some targets missed: run `sim check` on the fitted scenario to see which")
    typer.echo(f"best loss: {result.best_loss:.4g} ({meets})")
    written = write_fitted(file, result, target, command)
    typer.echo(f"fitted scenario: {written}")



@options.app.command()
def ablate(
    scenario: Annotated[str, typer.Argument(help="Scenario file or shipped name.")],
    replicates: Annotated[int, typer.Option(min=1, help="Replicates per variant.")] = 5,
    users: Annotated[int | None, typer.Option(min=100, help="Simulated users.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed.")] = None,
    overrides: options.SetOption = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the table (new or empty).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Parallel runs.")] = None,
) -> None:
    """Switch off one motive at a time; print the change in headline outcomes."""
    from sim.experiments import variants
    from sim.experiments.executors import default_workers
    from sim.experiments.store import claim_folder, default_folder
    from sim.report.ablation import write_ablation
    from sim.scenario.loading import load_scenario, resolve_path

    file = resolve_path(scenario)
    sets = [*(overrides or []), *([f"simulation.users={users}"] if users else [])]
    base = load_scenario(file, sets)
    folder = claim_folder(out if out is not None else default_folder(["ablate", file.stem]))
    table = variants.ablate(file, sets, replicates,
                            seed if seed is not None else base.simulation.seed,
                            workers or default_workers())
    typer.echo(write_ablation(table, folder))
    typer.echo(f"ablation: {folder / 'ablation.md'}")
