"""The ``sim`` command line: a thin layer over the library (parse, call, print).

Exit status: 0 success, 2 bad input (one line on stderr naming the file and field, nothing
written), 1 internal failure.
"""

from __future__ import annotations

import errno
import os
import shlex
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from sim.errors import InputError, InterruptionError, did_you_mean

app = typer.Typer(
    help="Simulate the January 2025 TikTok-refugee migration (agent-based, on Mesa).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Scenarios = Annotated[list[str], typer.Argument(help="Scenario files or shipped names.")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a field: platforms.rednote.language_barrier=0.2"),
]
DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
_invoked: list[str] = []  # the arguments of this command line (main fills it in)
QuietOption = Annotated[bool, typer.Option(help="No progress output.")]
SeedOption = Annotated[int | None, typer.Option(min=0, help="Root seed of the experiment.")]
UsersOption = Annotated[int | None, typer.Option(min=100, help="Simulated users.")]
DaysOption = Annotated[int | None, typer.Option(min=1, help="Days to simulate.")]
OutOption = Annotated[Path | None, typer.Option(help="Results folder (must be new or empty).")]
WorkersOption = Annotated[int | None, typer.Option(min=1, help="Parallel runs.")]
ExecutorOption = Annotated[str, typer.Option(help="process (local) or dask.")]
SchedulerOption = Annotated[str | None, typer.Option(help="Dask scheduler, tcp://HOST:8786.")]


def _nothing_but_resume(resume: Path, given: list[tuple[str, object]]) -> None:
    """Refuse options that would change a planned experiment being resumed."""
    named = [name for name, value in given if value]
    if named:
        raise InputError("--resume", str(resume), f"takes no {', '.join(named)}: the folder's "
                         "experiment is finished as it was planned")


@app.command()
def run(
    scenarios: Annotated[list[str] | None, typer.Argument(
        help="Scenario files or shipped names (all go into one results folder).")] = None,
    replicates: Annotated[int | None, typer.Option(min=1, help="Replicates per scenario.")] = None,
    seed: SeedOption = None,
    users: UsersOption = None,
    days: DaysOption = None,
    overrides: SetOption = None,
    sweep: Annotated[list[str] | None, typer.Option(
        help="Sweep a field: FIELD=0.2,0.4 | FIELD=LOW:HIGH:COUNT | FIELD=LOW:HIGH (sampled).",
    )] = None,
    design: Annotated[str | None, typer.Option(help="grid (default), lhs or sobol.")] = None,
    samples: Annotated[int | None, typer.Option(help="Points of an lhs/sobol design.")] = None,
    out: OutOption = None,
    resume: Annotated[Path | None, typer.Option(
        help="Finish an interrupted experiment: re-run its missing or failed runs.")] = None,
    workers: WorkersOption = None,
    executor: ExecutorOption = "process",
    scheduler: SchedulerOption = None,
    quiet: QuietOption = False,
    posterior: Annotated[Path | None, typer.Option(
        help="Run at draws of a posterior file (sim calibrate --posterior): parameter and "
             "run-to-run uncertainty together.")] = None,
    draws: Annotated[int, typer.Option(
        min=1, help="With --posterior: draws (the same in every scenario).")] = 10,
) -> None:
    """Run scenarios as an experiment (replicates, sweeps, designs) and draw their plots."""
    from sim.experiments import start as launch
    from sim.experiments.design import DESIGNS
    from sim.experiments.executors import default_workers
    from sim.experiments.store import default_folder

    pool = {"kind": executor, "workers": workers or default_workers(), "scheduler": scheduler}
    if resume is not None:
        _nothing_but_resume(resume, [
            ("scenarios", scenarios), ("--set", overrides), ("--sweep", sweep), ("--out", out),
            ("--replicates", replicates), ("--seed", seed), ("--users", users), ("--days", days),
            ("--design", design), ("--samples", samples), ("--posterior", posterior)])
        built, runs = launch.resume(resume, pool, quiet)
        folder = resume
    else:
        if not scenarios:
            raise InputError("sim run", "SCENARIO", "give at least one scenario (or --resume)")
        if design is not None and design not in DESIGNS:
            raise InputError("--design", design, f"unknown design{did_you_mean(design, DESIGNS)}")
        if samples is not None and samples <= 0:
            raise InputError("--samples", str(samples), "must be a positive number of points")
        sets = list(overrides or [])
        sets += [f"simulation.{k}={v}" for k, v in (("users", users), ("days", days)) if v]
        plan = launch.plan_from_options(scenarios, sets, list(sweep or []), design, samples,
                                        replicates, seed)
        if posterior is not None:
            from sim.analysis.posterior import draws_as_design

            if sweep or design or samples:
                raise InputError("--posterior", str(posterior), "takes no --sweep, --design or "
                                 "--samples: the posterior draws are the design")
            plan.spec = draws_as_design(posterior, draws, plan.root_seed)
        names = [Path(s).stem for s in scenarios]
        folder = out if out is not None else default_folder(names)
        built, runs = launch.start(plan, folder, pool, quiet)
    _report(folder, built, runs)


def _report(folder: Path, built, runs) -> None:
    from sim.report.compare import plot_results

    failed = int((runs["status"] != "ok").sum())
    if failed < len(runs):
        plot_results(folder)
    typer.echo(f"results: {folder}")
    typer.echo(f"plots:   {folder / 'plots'}")
    if failed:
        errors = runs.loc[runs["status"] != "ok", "error"].fillna("").str.split("\n").str[0]
        kinds = "; ".join(f"{n} × {error or 'missing'}" for error, n in
                          errors.value_counts().items())
        typer.echo(f"{failed} of {len(runs)} runs failed or are missing ({kinds}); the figures "
                   f"and summary rest on the {len(runs) - failed} others; see "
                   f"{folder / 'errors'} and finish them with: sim run --resume {folder}",
                   err=True)
        raise typer.Exit(1)


@app.command()
def plot(folder: Annotated[Path, typer.Argument(help="A results folder.")]) -> None:
    """(Re)draw every figure and the summary table of one results folder."""
    from sim.report.compare import plot_results

    drawn = plot_results(folder)
    typer.echo(drawn.table)
    for note in drawn.notes:
        typer.echo(note, err=True)
    typer.echo(f"plots:   {drawn.folder} ({len(drawn.files)} files; see index.md)")


@app.command()
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


@app.command()
def check(
    scenarios: Scenarios,
    replicates: Annotated[int | None, typer.Option(min=1, help="Replicates per scenario.")] = None,
    users: Annotated[int | None, typer.Option(min=100, help="Simulated users.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed of the experiment.")] = None,
    overrides: SetOption = None,
    out: Annotated[Path | None, typer.Option(help="Results folder (must be new or empty).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Parallel runs.")] = None,
    quiet: QuietOption = False,
) -> None:
    """Run scenarios and score them against their targets (exit 3 if any is missed)."""
    from sim.analysis.scorecard import TARGETS_MISSED, as_text, score_folder
    from sim.experiments import start as launch
    from sim.experiments.executors import default_workers
    from sim.experiments.store import default_folder

    sets = [*(overrides or []), *([f"simulation.users={users}"] if users else [])]
    plan = launch.plan_from_options(scenarios, sets, [], None, None, replicates, seed)
    names = ["check", *[Path(s).stem for s in scenarios]]
    folder = out if out is not None else default_folder(names)
    pool = {"kind": "process", "workers": workers or default_workers(), "scheduler": None}
    built, runs = launch.start(plan, folder, pool, quiet)
    card = score_folder(folder, built, runs)
    typer.echo(as_text(card))
    typer.echo(f"scorecard: {folder / 'scorecard.md'}")
    if not card["met"].all():
        raise typer.Exit(TARGETS_MISSED)


@app.command()
def calibrate(
    scenario: Annotated[str, typer.Argument(help="Scenario file or shipped name with targets.")],
    fit: Annotated[list[str], typer.Option(help="Free parameter: FIELD=LOW:HIGH[:PRIOR].")],
    budget: Annotated[int, typer.Option(min=12, help="Candidate parameter sets to try.")] = 60,
    replicates: Annotated[int, typer.Option(min=1, help="Replicates per candidate.")] = 2,
    users: UsersOption = None,
    days: DaysOption = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed.")] = None,
    overrides: SetOption = None,
    out: Annotated[Path | None, typer.Option(
        help="Fitted scenario file to write (with --posterior: the results folder).")] = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    margin: Annotated[float, typer.Option(
        min=0.0, max=0.9, help="Share of each tolerance or bound the fit must meet with to "
        "spare (robust to other seeds).")] = 0.0,
    posterior: Annotated[int | None, typer.Option(
        min=10, help="Instead of one fitted point: N accepted posterior draws (ABC-SMC, "
        "pyabc); priors: the --fit ranges, uniform or :log or :normal:MEAN:SD.")] = None,
    generations: Annotated[int, typer.Option(
        min=1, help="With --posterior: ABC-SMC generations.")] = 4,
    executor: ExecutorOption = "process",
    scheduler: SchedulerOption = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="With --posterior: go on with the search killed in --out.")] = False,
) -> None:
    """Fit parameters to the scenario's targets; write a scenario that extends it with them
    (or, with --posterior, a posterior ensemble of them)."""
    from sim.analysis.calibration import calibrate as fit_parameters
    from sim.analysis.calibration import parse_fit, write_fitted
    from sim.experiments.executors import default_workers
    from sim.scenario.loading import load_scenario, resolve_path

    file = resolve_path(scenario)
    sets = list(overrides or [])
    sets += [f"simulation.{k}={v}" for k, v in (("users", users), ("days", days)) if v]
    base = load_scenario(file, sets)
    fits = [parse_fit(text, base) for text in fit]
    root = seed if seed is not None else base.simulation.seed
    command = "sim " + shlex.join(_invoked or sys.argv[1:])
    if posterior is not None:
        from sim.experiments.store import default_folder
        from sim.report import posterior_report

        if resume and out is None:
            raise InputError("--resume", "", "give the folder of the killed search with --out")
        folder = out if out is not None else default_folder(["posterior", file.stem])
        pool = {"kind": executor, "workers": workers or default_workers(),
                "scheduler": scheduler}
        table, path = posterior_report.run(file, sets, fits, posterior, replicates, root,
                                           generations, folder, pool, quiet, command, resume)
        typer.echo(table)
        typer.echo(f"posterior: {path} (credible.md and plots/ beside it)")
        return
    target = out or Path(f"{file.stem}-fitted.toml")  # in the current folder, not scenarios/
    if target.exists():
        raise InputError("--out", str(target), "exists; results are never overwritten")
    result = fit_parameters(file, sets, fits, budget, replicates, root,
                            workers or default_workers(), quiet, margin)
    typer.echo(result.table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    meets = "every target met" if result.met else (
        "some targets missed: run `sim check` on the fitted scenario to see which")
    typer.echo(f"best loss: {result.best_loss:.4g} ({meets})")
    written = write_fitted(file, result, target, command)
    typer.echo(f"fitted scenario: {written}")


@app.command()
def ablate(
    scenario: Annotated[str, typer.Argument(help="Scenario file or shipped name.")],
    replicates: Annotated[int, typer.Option(min=1, help="Replicates per variant.")] = 5,
    users: Annotated[int | None, typer.Option(min=100, help="Simulated users.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed.")] = None,
    overrides: SetOption = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the table (new or empty).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Parallel runs.")] = None,
) -> None:
    """Switch off one motive at a time; print the change in headline outcomes."""
    from sim.analysis.ablation import ablate as run_ablation
    from sim.analysis.ablation import as_markdown
    from sim.experiments.executors import default_workers
    from sim.experiments.store import claim_folder, default_folder
    from sim.scenario.loading import load_scenario, resolve_path

    file = resolve_path(scenario)
    sets = [*(overrides or []), *([f"simulation.users={users}"] if users else [])]
    base = load_scenario(file, sets)
    folder = claim_folder(out if out is not None else default_folder(["ablate", file.stem]))
    table = run_ablation(file, sets, replicates,
                         seed if seed is not None else base.simulation.seed,
                         workers or default_workers())
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "ablation.csv", index=False)
    (folder / "ablation.md").write_text(as_markdown(table))
    typer.echo(as_markdown(table))
    typer.echo(f"ablation: {folder / 'ablation.md'}")


@app.command()
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
    seed: SeedOption = None,
    users: UsersOption = None,
    days: DaysOption = None,
    overrides: SetOption = None,
    out: OutOption = None,
    resume: Annotated[Path | None, typer.Option(
        help="Finish an interrupted analysis: its missing runs, then the indices.")] = None,
    workers: WorkersOption = None,
    executor: ExecutorOption = "process",
    scheduler: SchedulerOption = None,
    quiet: QuietOption = False,
) -> None:
    """Global sensitivity (SALib): Sobol indices or Morris screening of outcomes to fields."""
    from sim.analysis.sensitivity import from_options
    from sim.experiments.executors import default_workers
    from sim.experiments.store import default_folder
    from sim.report import sensitivity_report as report

    pool = {"kind": executor, "workers": workers or default_workers(), "scheduler": scheduler}
    if resume is not None:
        _nothing_but_resume(resume, [
            ("SCENARIO", scenario), ("--vary", vary), ("--outcome", outcome), ("--set", overrides),
            ("--method", method), ("--samples", samples), ("--out", out), ("--seed", seed),
            ("--users", users), ("--days", days)])
        table, _ = report.resume(resume, pool, quiet)
        folder = resume
    else:
        if scenario is None:
            raise InputError("sim sensitivity", "SCENARIO", "give a scenario (or --resume)")
        sets = list(overrides or [])
        sets += [f"simulation.{k}={v}" for k, v in (("users", users), ("days", days)) if v]
        file, analysis, root = from_options(scenario, sets, list(vary or []),
                                            list(outcome or []), method, samples, seed)
        folder = out if out is not None else default_folder(["sensitivity", file.stem])
        table, _ = report.run([file], sets, analysis, replicates, root, folder, pool, quiet)
    typer.echo(table)
    typer.echo(f"sensitivity: {folder / 'sensitivity.md'} (figures in {folder / 'plots'})")


@app.command()
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
    from sim.report import discovery_report

    where = out if out is not None else default_folder(["discover", outcome])
    table, _ = discovery_report.run(folder, outcome, above, below, coverage, scenario, where)
    typer.echo(table)
    typer.echo(f"discovery: {where / 'discovery.md'} (peeling-trajectory.png, box.png)")


@app.command()
def validate(scenarios: Scenarios, overrides: SetOption = None) -> None:
    """Check scenario files (and overrides) without running them: everything `sim run` would
    refuse before running (the [experiment] table at every design point, memory) is refused."""
    from sim.experiments import start
    from sim.scenario.loading import resolve_path

    built = start.check(scenarios, list(overrides or []))
    files = [resolve_path(s) for s in scenarios]
    for scenario, file in zip(built.scenarios, files, strict=True):
        typer.echo(f"ok: {file} ({scenario.name}: {len(scenario.platforms)} platforms, "
                   f"{len(scenario.events)} events, {scenario.simulation.days} days)")


@app.command()
def dashboard(
    scenarios: Annotated[list[str] | None, typer.Argument(
        help="Scenario files or shipped names to offer first (default: observed-2025).")] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8765,
    host: Annotated[str, typer.Option(
        help="Address to listen on; only this machine unless you give another.")] = "127.0.0.1",
) -> None:
    """Open scenarios in the browser: sliders, live comparison with the baseline, results
    folders, one run in Mesa's SolaraViz (needs the dashboard extra: make dashboard)."""
    from sim.dashboard.serve import serve

    serve(list(scenarios or []), host, port)


@app.command("scenarios")
def list_scenarios() -> None:
    """List the shipped scenarios and the question each answers."""
    from sim.scenario.loading import SCENARIO_DIR, load_scenario

    broken = []
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        try:
            question = load_scenario(path).question
        except InputError as exc:  # one broken file must not hide the others
            broken.append(f"error: {exc}")
            continue
        typer.echo(f"{path.stem:<20} {question}")
    for line in broken:
        typer.echo(line, err=True)


@app.command()
def docs(
    table: Annotated[str | None, typer.Option(
        help="Print one generated table: fields, events, targets, scenarios or api.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 3 naming each block that differs.")] = False,
    only: Annotated[str | None, typer.Option(
        help="Only the blocks whose marker (command → output) contains this text.")] = None,
) -> None:
    """Rewrite the generated tables and figures of README.md and docs/ from their commands."""
    from sim.report import docs as pages
    from sim.report.schema_tables import TABLES

    if table is not None:
        if table not in TABLES:
            raise InputError("--table", table, f"one of {', '.join(TABLES)}"
                             + did_you_mean(table, TABLES))
        typer.echo(TABLES[table]())
        return
    changed = pages.regenerate(write=not check, quiet=False, only=only)
    for block in changed:
        typer.echo(f"{'differs' if check else 'rewritten'}: "
                   f"{block.page.relative_to(pages.ROOT)}: {block.marker}")
    if check and changed:
        raise typer.Exit(3)


def main(argv: list[str] | None = None) -> int:
    """Entry point: map errors to exit statuses and one-line messages."""
    try:  # newer typer vendors click and raises its own exceptions
        from typer import _click as click
    except ImportError:
        import click

    _invoked[:] = argv if argv is not None else sys.argv[1:]
    try:
        status = app(args=argv, prog_name="sim", standalone_mode=False)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except click.exceptions.NoArgsIsHelpError as exc:
        print(exc.format_message())
        return 2
    except click.exceptions.UsageError as exc:
        where = f"sim {exc.ctx.command.name}: " if exc.ctx and exc.ctx.command.name else "sim: "
        print(f"error: {where}{exc.format_message()}", file=sys.stderr)
        return 2
    except InterruptionError as exc:
        print(f"{exc}; finish with: sim run --resume {exc.folder}", file=sys.stderr)
        return 130
    except (typer.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno not in DISK_FULL:
            return _internal(exc)
        print(f"error: cannot write {exc.filename or 'the results'}: {exc.strerror}; free some "
              "space, then finish an experiment with sim run --resume FOLDER", file=sys.stderr)
        return 1
    except Exception as exc:  # internal failure: exit 1, traceback only on request
        return _internal(exc)
    return status if isinstance(status, int) else 0


def _internal(exc: Exception) -> int:
    print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    if os.environ.get("SIM_DEBUG"):
        traceback.print_exception(exc)
    return 1


if __name__ == "__main__":
    sys.exit(main())
