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



FitEachOption = Annotated[list[str] | None, typer.Option(
    "--fit-each", help="A field fitted per episode: [EPISODE:]FIELD=LOW:HIGH; platforms.*.FIELD "
    "for each of an episode's platforms.")]
RoundsOption = Annotated[int, typer.Option(
    min=1, help="Several episodes: rounds of shared, then each episode's own fields.")]
BudgetEachOption = Annotated[int | None, typer.Option(
    min=12, help="Several episodes: candidates per episode and round for its own fields.")]
ReplicatesOption = Annotated[int, typer.Option(min=1, help="Replicates per candidate.")]
SeedOption = Annotated[int | None, typer.Option(min=0, help="Root seed.")]
WithoutOption = Annotated[list[str] | None, typer.Option(
    "--without", help="Several episodes: fit again with FIELD=VALUE held (a rule switched "
    "off): ablation.md compares the losses.")]
PolishOption = Annotated[bool, typer.Option(
    "--polish", help="Several episodes: start from the files' values and search boxes around "
    "them (a fit never worse than the files').")]
MarginOption = Annotated[float, typer.Option(
    min=0.0, max=0.9, help="Share of each tolerance or bound the fit must meet with to spare "
    "(robust to other seeds).")]


@options.app.command()
def calibrate(
    scenarios: Annotated[list[str], typer.Argument(
        help="Scenario files or shipped names with targets; several: one behaviour for all.")],
    fit: Annotated[list[str], typer.Option(help="Free parameter: FIELD=LOW:HIGH[:PRIOR].")],
    fit_each: FitEachOption = None,
    budget: Annotated[int, typer.Option(min=12, help="Candidate parameter sets to try.")] = 60,
    rounds: RoundsOption = 2,
    budget_each: BudgetEachOption = None,
    replicates: ReplicatesOption = 2,
    users: options.UsersOption = None,
    days: options.DaysOption = None,
    seed: SeedOption = None,
    overrides: options.SetOption = None,
    out: Annotated[Path | None, typer.Option(
        help="One scenario: the fitted scenario file to write; else the results folder.")] = None,
    workers: options.WorkersOption = None,
    quiet: options.QuietOption = False,
    margin: MarginOption = 0.0,
    polish: PolishOption = False,
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
    """Fit parameters to the scenarios' targets (several: shared by all, each keeping its
    --fit-each fields); write scenarios that extend them with the fitted values (or, with
    --posterior, a posterior ensemble of them)."""
    from sim.experiments.design import parse_fit
    from sim.scenario.loading import load_scenario, resolve_path

    files = [resolve_path(name) for name in scenarios]
    sets = list(overrides or [])
    sets += [f"simulation.{k}={v}" for k, v in (("users", users), ("days", days)) if v]
    base = load_scenario(files[0], sets)
    fits = [parse_fit(text, base) for text in fit]
    root = seed if seed is not None else base.simulation.seed
    command = "sim " + shlex.join(options.invoked or sys.argv[1:])
    if polish and (posterior is not None or (len(files) == 1 and not fit_each)):
        raise InputError("--polish", "", "polishes a joint fit: give several scenarios (or "
                         "--fit-each), without --posterior")
    if posterior is not None:
        if fit_each:
            raise InputError("--fit-each", fit_each[0], "not with --posterior: give each "
                             "episode's own values in its file (a joint fit writes them)")
        _posterior(files, sets, fits, posterior, replicates, root, generations, out,
                   options.pool(workers, executor, scheduler), quiet, command, resume)
    elif len(files) > 1 or fit_each:
        _joint(files, sets, fits, fit_each or [], budget, rounds, budget_each, replicates,
               root, workers, quiet, margin, out, command, polish)
    else:
        _single(files[0], sets, fits, budget, replicates, root, workers, quiet, margin, out,
                command)


def _single(file, sets, fits, budget, replicates, root, workers, quiet, margin, out,
            command) -> None:
    """One scenario: its fitted scenario file (``--out``, or in a new results folder)."""
    from sim.experiments import calibration
    from sim.experiments.executors import default_workers
    from sim.experiments.store import claim_folder, default_folder
    from sim.report.scenario_file import write_fitted

    if out is not None and out.exists():
        raise InputError("--out", str(out), "exists; results are never overwritten")
    result = calibration.calibrate(file, sets, fits, budget, replicates, root,
                                   workers or default_workers(), quiet, margin)
    typer.echo(result.table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    meets = "every target met" if result.met else (
        "some targets missed: run `sim check` on the fitted scenario to see which")
    typer.echo(f"best loss: {result.best_loss:.4g} ({meets})")
    if out is None:
        folder = claim_folder(default_folder(["calibrate", file.stem]))
        folder.mkdir(parents=True)
        out = folder / f"{file.stem}-fitted.toml"
    typer.echo(f"fitted scenario: {write_fitted(file, result, out, command)}")


def _held(text: str) -> tuple[str, float]:
    """``--without FIELD=VALUE``."""
    field, _, value = text.partition("=")
    try:
        return field, float(value)
    except ValueError:
        raise InputError("--without", text, "give FIELD=VALUE, the value that switches the "
                         "rule off (e.g. motives.expected_loss=0)") from None


def _joint(files, sets, fits, each, budget, rounds, budget_each, replicates, root, workers,
           quiet, margin, out, command, polish) -> None:
    """Several episodes (or fields of their own): one behaviour, in a new results folder."""
    from sim.experiments.executors import default_workers
    from sim.experiments.joint import joint_calibrate
    from sim.experiments.store import claim_folder, default_folder
    from sim.report import joint_fit

    folder = claim_folder(out if out is not None else default_folder(
        ["calibrate", *[f.stem for f in files]]))
    found = joint_calibrate(files, sets, fits, each, budget, replicates, root,
                            workers or default_workers(), rounds, budget_each, quiet, margin,
                            polish=polish)
    names = {name: file for name, file in zip(found.loss, files, strict=True)}
    typer.echo(joint_fit.write(found, names, folder, command))
    typer.echo(f"fitted scenarios: {folder}/*-fitted.toml ({joint_fit.FILE} beside them)")


def _posterior(files, sets, fits, size, replicates, root, generations, out, pool, quiet,
               command, resume) -> None:
    """A posterior ensemble of the fitted fields, of one scenario or jointly of several."""
    from sim.experiments.abc_smc import search
    from sim.experiments.store import default_folder
    from sim.report.posterior import write_credible

    if resume and out is None:
        raise InputError("--resume", "", "give the folder of the killed search with --out")
    folder = out if out is not None else default_folder(["posterior", *[f.stem for f in files]])
    found, path = search(files, sets, fits, size, replicates, root, generations, folder, pool,
                         quiet, command, resume)
    typer.echo(write_credible(found, folder))
    typer.echo(f"posterior: {path} (credible.md and plots/ beside it)")



@options.app.command()
def crossfit(
    scenarios: Annotated[list[str], typer.Argument(
        help="Two or more episodes (scenario files or shipped names with targets).")],
    fit: Annotated[list[str], typer.Option(help="Shared field: FIELD=LOW:HIGH.")],
    fit_each: FitEachOption = None,
    budget: Annotated[int, typer.Option(min=12, help="Candidates per fit, shared fields.")] = 60,
    rounds: RoundsOption = 2,
    budget_each: BudgetEachOption = None,
    replicates: ReplicatesOption = 2,
    users: options.UsersOption = None,
    seed: SeedOption = None,
    overrides: options.SetOption = None,
    out: Annotated[Path | None, typer.Option(help="Results folder (new or empty).")] = None,
    workers: options.WorkersOption = None,
    quiet: options.QuietOption = False,
    margin: MarginOption = 0.0,
) -> None:
    """Score each episode out of sample: the behaviour fitted to the others, only its own
    (--fit-each) fields fitted to it; beside its score fitted to every episode."""
    from sim.experiments.crossfit import leave_one_out
    from sim.experiments.design import parse_fit
    from sim.experiments.executors import default_workers
    from sim.experiments.store import claim_folder, default_folder
    from sim.report.crossfit import FILE, write
    from sim.scenario.loading import load_scenario, resolve_path

    files = [resolve_path(name) for name in scenarios]
    if len(files) < 2:
        raise InputError("SCENARIOS", " ".join(scenarios), "give two episodes or more")
    sets = [*(overrides or []), *([f"simulation.users={users}"] if users else [])]
    base = load_scenario(files[0], sets)
    fits = [parse_fit(text, base) for text in fit]
    folder = claim_folder(out if out is not None else default_folder(
        ["crossfit", *[f.stem for f in files]]))
    found = leave_one_out(files, sets, fits, fit_each or [], budget, replicates,
                  seed if seed is not None else base.simulation.seed,
                  workers or default_workers(), rounds, budget_each, quiet, margin)
    names = {name: file for name, file in zip(found.full.loss, files, strict=True)}
    command = "sim " + shlex.join(options.invoked or sys.argv[1:])
    typer.echo(write(found, names, folder, command))
    typer.echo(f"crossfit: {folder / FILE}")


@options.app.command()
def ablate(
    scenarios: Annotated[list[str], typer.Argument(
        help="Scenario file or shipped name; several episodes with --without.")],
    without: WithoutOption = None,
    fit: Annotated[list[str] | None, typer.Option(
        help="With --without: the shared fields fitted again, FIELD=LOW:HIGH.")] = None,
    fit_each: FitEachOption = None,
    budget: Annotated[int, typer.Option(min=12, help="With --without: candidates per fit, "
                                        "shared fields.")] = 60,
    rounds: RoundsOption = 1,
    budget_each: BudgetEachOption = None,
    replicates: Annotated[int | None, typer.Option(
        min=1, help="Replicates per variant (5) or candidate (2).")] = None,
    users: Annotated[int | None, typer.Option(min=100, help="Simulated users.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed.")] = None,
    overrides: options.SetOption = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the table (new or empty).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Parallel runs.")] = None,
    quiet: options.QuietOption = False,
) -> None:
    """Switch off one motive at a time and print the change in headline outcomes; or, with
    --without, switch off one rule at a time in several episodes, fit the behaviour again
    each time and compare the losses with the episodes as given."""
    from sim.experiments import variants
    from sim.experiments.executors import default_workers
    from sim.experiments.store import claim_folder, default_folder
    from sim.scenario.loading import load_scenario, resolve_path

    files = [resolve_path(name) for name in scenarios]
    sets = [*(overrides or []), *([f"simulation.users={users}"] if users else [])]
    base = load_scenario(files[0], sets)
    root = seed if seed is not None else base.simulation.seed
    if without:
        _without(files, sets, [_held(text) for text in without], fit or [], fit_each or [],
                 budget, rounds, budget_each, replicates or 2, root, workers, quiet, out)
        return
    if len(files) > 1 or fit or fit_each:
        raise InputError("SCENARIOS", " ".join(scenarios), "several episodes, --fit and "
                         "--fit-each go with --without FIELD=VALUE (a rule switched off)")
    from sim.report.ablation import write_ablation

    folder = claim_folder(out if out is not None else default_folder(["ablate", files[0].stem]))
    table = variants.ablate(files[0], sets, replicates or 5, root, workers or default_workers())
    typer.echo(write_ablation(table, folder))
    typer.echo(f"ablation: {folder / 'ablation.md'}")


def _held(text: str) -> tuple[str, float]:
    """``--without FIELD=VALUE``."""
    field, _, value = text.partition("=")
    try:
        return field, float(value)
    except ValueError:
        raise InputError("--without", text, "give FIELD=VALUE, the value that switches the "
                         "rule off (e.g. motives.expected_loss=0)") from None


def _without(files, sets, without, fit, each, budget, rounds, budget_each, replicates, root,
             workers, quiet, out) -> None:
    """Each rule of ``without`` switched off and the behaviour fitted again, against the
    episodes as given: ``ablation.md`` and each variant's fitted scenarios."""
    from sim.experiments.design import parse_fit
    from sim.experiments.executors import default_workers
    from sim.experiments.store import claim_folder, default_folder
    from sim.experiments.variants import without_rules
    from sim.report import joint_fit
    from sim.report.ablation import rules_markdown
    from sim.scenario.loading import load_scenario

    base = load_scenario(files[0], sets)
    fits = [parse_fit(text, base) for text in fit]
    for field, _ in without:
        if field not in {f.field for f in fits}:
            raise InputError("--without", field, "not one of the --fit fields")
    folder = claim_folder(out if out is not None else default_folder(
        ["ablate", *[f.stem for f in files]]))
    command = "sim " + shlex.join(options.invoked or sys.argv[1:])
    given, found = without_rules(files, sets, fits, each, without, budget, replicates, root,
                                 workers or default_workers(), rounds, budget_each, quiet)
    names = {name: file for name, file in zip(given.loss, files, strict=True)}
    for label, variant in found.items():
        joint_fit.write(variant, names, folder / "without" / label.split(" ")[0], command)
    table = rules_markdown(given, found)
    (folder / "ablation.md").write_text(table, encoding="utf-8")
    typer.echo(table)
    typer.echo(f"ablation: {folder / 'ablation.md'}")
