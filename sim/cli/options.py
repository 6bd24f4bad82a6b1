"""The ``sim`` command line's Typer app, the options its commands share, and the command line
as invoked (``main`` fills it in)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.errors import PROJECT, InputError

app = typer.Typer(
    help="Simulate the January 2025 TikTok-refugee migration (agent-based, on Mesa).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        import sim

        typer.echo(f"{PROJECT} {sim.__version__}")
        raise typer.Exit()


@app.callback()
def _everywhere(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    """Options before the command (the app's help says what sim does)."""


Scenarios = Annotated[list[str], typer.Argument(help="Scenario files or shipped names.")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a field: platforms.rednote.language_barrier=0.2"),
]
invoked: list[str] = []  # the arguments of this command line (main fills it in)
QuietOption = Annotated[bool, typer.Option(help="No progress output.")]
SeedOption = Annotated[int | None, typer.Option(min=0, help="Root seed of the experiment.")]
UsersOption = Annotated[int | None, typer.Option(min=100, help="Simulated users.")]
DaysOption = Annotated[int | None, typer.Option(min=1, help="Days to simulate.")]
OutOption = Annotated[Path | None, typer.Option(help="Results folder (must be new or empty).")]
WorkersOption = Annotated[int | None, typer.Option(min=1, help="Parallel runs.")]
ExecutorOption = Annotated[str, typer.Option(help="process (local) or dask.")]
SchedulerOption = Annotated[str | None, typer.Option(help="Dask scheduler, tcp://HOST:8786.")]


def pool(workers: int | None, executor: str = "process", scheduler: str | None = None) -> dict:
    """Where a command's runs go: ``executor`` with ``workers`` (default: one per processor)."""
    from sim.experiments.launch import pool_options

    return pool_options(workers, executor, scheduler)


def nothing_but_resume(resume: Path, given: list[tuple[str, object]]) -> None:
    """Refuse options that would change a planned experiment being resumed."""
    named = [name for name, value in given if value]
    if named:
        raise InputError("--resume", str(resume), f"takes no {', '.join(named)}: the folder's "
                         "experiment is finished as it was planned")
