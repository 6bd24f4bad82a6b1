"""The ``sim`` command line: a thin layer over the library (parse, call, print).

Exit status: 0 success, 2 bad input (one line on stderr naming the file and field, nothing
written), 1 internal failure.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

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


@app.command()
def run(
    scenarios: Scenarios,
    replicates: Annotated[int | None, typer.Option(min=1, help="Replicates per scenario.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed of the experiment.")] = None,
    users: Annotated[int | None, typer.Option(min=100, help="Simulated users.")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Days to simulate.")] = None,
    overrides: SetOption = None,
    out: Annotated[Path | None, typer.Option(help="Results folder (must be new or empty).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Parallel runs.")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress lines.")] = False,
) -> None:
    """Run scenarios (all into one results folder) and draw their plots."""
    from sim.batch import default_workers, run_experiment
    from sim.experiment import make_design
    from sim.plots import plot_folder
    from sim.results import claim_folder, default_folder, read_table, summarise

    sets = list(overrides or [])
    sets += [f"simulation.{k}={v}" for k, v in (("users", users), ("days", days)) if v is not None]
    loaded, files = _load_all(scenarios, sets)
    folder = claim_folder(out if out is not None else default_folder([s.name for s in loaded]))
    root_seed = seed if seed is not None else loaded[0].simulation.seed
    n = replicates if replicates is not None else loaded[0].simulation.replicates
    design = make_design(loaded, n, root_seed)
    options = {"root_seed": root_seed, "replicates": n, "overrides": sets,
               "executor": "process-pool" if (workers or default_workers()) > 1 else "in-process"}
    runs = run_experiment(loaded, files, design, folder, options,
                          workers=workers or default_workers(), quiet=quiet)
    failed = int((runs["status"] != "ok").sum())
    if failed < len(runs):
        summary = summarise(read_table(folder, "timeseries"))
        plot_folder(folder, summary, {s.name: s.events for s in loaded})
    typer.echo(f"results: {folder}")
    typer.echo(f"plots:   {folder / 'plots'}")
    if failed:
        typer.echo(f"{failed} of {len(runs)} runs failed; see {folder / 'errors'}", err=True)
        raise typer.Exit(1)


@app.command()
def validate(scenarios: Scenarios, overrides: SetOption = None) -> None:
    """Check scenario files (and overrides) without running them."""
    loaded, files = _load_all(scenarios, list(overrides or []))
    for scenario, file in zip(loaded, files, strict=True):
        typer.echo(f"ok: {file} ({scenario.name}: {len(scenario.platforms)} platforms, "
                   f"{len(scenario.events)} events, {scenario.simulation.days} days)")


@app.command("scenarios")
def list_scenarios() -> None:
    """List the shipped scenarios and the question each answers."""
    from sim.loading import SCENARIO_DIR, load_scenario

    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        typer.echo(f"{path.stem:<20} {load_scenario(path).question}")


def _load_all(names: list[str], overrides: list[str]):
    from sim.loading import load_scenario, resolve_path

    files = [resolve_path(name) for name in names]
    loaded = [load_scenario(path, overrides) for path in files]
    seen: set[str] = set()
    for scenario, file in zip(loaded, files, strict=True):
        if scenario.name in seen:
            from sim.errors import InputError

            raise InputError(str(file), "name", f"scenario name '{scenario.name}' given twice")
        seen.add(scenario.name)
    return loaded, files


def main(argv: list[str] | None = None) -> int:
    """Entry point: map errors to exit statuses and one-line messages."""
    try:
        import click
    except ImportError:  # newer typer vendors click
        from typer import _click as click

    from sim.errors import InputError

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
    except (typer.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        return 130
    except Exception as exc:  # internal failure: exit 1, traceback only on request
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("SIM_DEBUG"):
            traceback.print_exc()
        return 1
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
