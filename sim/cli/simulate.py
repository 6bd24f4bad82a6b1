"""``sim run``, ``sim plot`` and ``sim compare``: run experiments and draw them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli import options


@options.app.command()
def run(
    scenarios: Annotated[list[str] | None, typer.Argument(
        help="Scenario files or shipped names (all go into one results folder).")] = None,
    replicates: Annotated[int | None, typer.Option(min=1, help="Replicates per scenario.")] = None,
    seed: options.SeedOption = None,
    users: options.UsersOption = None,
    days: options.DaysOption = None,
    overrides: options.SetOption = None,
    sweep: Annotated[list[str] | None, typer.Option(
        help="Sweep a field: FIELD=0.2,0.4 | FIELD=LOW:HIGH:COUNT | FIELD=LOW:HIGH (sampled).",
    )] = None,
    design: Annotated[str | None, typer.Option(help="grid (default), lhs or sobol.")] = None,
    samples: Annotated[int | None, typer.Option(help="Points of an lhs/sobol design.")] = None,
    out: options.OutOption = None,
    resume: Annotated[Path | None, typer.Option(
        help="Finish an interrupted experiment: re-run its missing or failed runs.")] = None,
    workers: options.WorkersOption = None,
    executor: options.ExecutorOption = "process",
    scheduler: options.SchedulerOption = None,
    quiet: options.QuietOption = False,
    posterior: Annotated[Path | None, typer.Option(
        help="Run at draws of a posterior file (sim calibrate --posterior): parameter and "
             "run-to-run uncertainty together.")] = None,
    draws: Annotated[int, typer.Option(
        min=1, help="With --posterior: draws (the same in every scenario).")] = 10,
) -> None:
    """Run scenarios as an experiment (replicates, sweeps, designs) and draw their plots."""
    from sim.experiments import launch
    from sim.experiments.store import default_folder

    pool = options.pool(workers, executor, scheduler)
    if resume is not None:
        options.nothing_but_resume(resume, [
            ("scenarios", scenarios), ("--set", overrides), ("--sweep", sweep), ("--out", out),
            ("--replicates", replicates), ("--seed", seed), ("--users", users), ("--days", days),
            ("--design", design), ("--samples", samples), ("--posterior", posterior)])
        built, runs = launch.resume(resume, pool, quiet)
        folder = resume
    else:
        plan = launch.plan_of_run(list(scenarios or []), list(overrides or []), list(sweep or []),
                                  design, samples, replicates, seed, users, days, posterior,
                                  draws)
        folder = out if out is not None else default_folder([Path(s).stem for s in scenarios])
        built, runs = launch.start(plan, folder, pool, quiet)
    _report(folder, built, runs)



def _report(folder: Path, built, runs) -> None:
    from sim.report.compare import plot_results

    failed = int((runs["status"] != "ok").sum())
    if failed < len(runs):
        typer.echo(plot_results(folder).headline + "\n")
    typer.echo(f"results: {folder}")
    typer.echo(f"plots:   {folder / 'plots'}")
    typer.echo("in them: run_outcomes.csv (a row per run), datapackage.json (every column), "
               "plots/summary.md (every outcome), plots/index.md (every figure)")
    if failed:
        errors = runs.loc[runs["status"] != "ok", "error"].fillna("").str.split("\n").str[0]
        kinds = "; ".join(f"{n} × {error or 'missing'}" for error, n in
                          errors.value_counts().items())
        typer.echo(f"{failed} of {len(runs)} runs failed or are missing ({kinds}); the figures "
                   f"and summary rest on the {len(runs) - failed} others; see "
                   f"{folder / 'errors'} and finish them with: sim run --resume {folder}",
                   err=True)
        raise typer.Exit(1)



@options.app.command()
def plot(folder: Annotated[Path, typer.Argument(help="A results folder.")]) -> None:
    """(Re)draw every figure and the summary table of one results folder."""
    from sim.report.compare import plot_results

    drawn = plot_results(folder)
    typer.echo(drawn.table)
    for note in drawn.notes:
        typer.echo(note, err=True)
    typer.echo(f"plots:   {drawn.folder} ({len(drawn.files)} files; see index.md)")



@options.app.command()
def compare(
    folders: Annotated[list[Path], typer.Argument(help="One or more results folders.")],
    baseline: Annotated[str | None, typer.Option(
        help="Scenario to difference against (default: baseline, else the first).")] = None,
    metric: Annotated[str, typer.Option(
        help="dau (daily active US users) | share (of US TikTok users active that day) | "
             "accounts | signups | churn (users going dormant).")] = "dau",
    platform: Annotated[list[str] | None, typer.Option(help="Platforms to show (repeat).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="New folder for figures and tables (default: results/compare-<time>).")] = None,
) -> None:
    """Compare scenarios from one or more results folders: figures and a summary table."""
    from sim.report.compare import compare_results

    drawn = compare_results(folders, baseline=baseline, metric=metric,
                            platforms=list(platform or []), out=out)
    typer.echo(drawn.table)
    for note in drawn.notes:
        typer.echo(note, err=True)
    typer.echo(f"compare: {drawn.folder} ({len(drawn.files)} files; see index.md)")
    if (drawn.folder / "probabilities.md").exists():
        typer.echo(f"how often each scenario is above {baseline or 'the baseline'}, per outcome: "
                   f"{drawn.folder / 'probabilities.md'}")
