"""``sim validate``, ``sim dashboard``, ``sim scenarios`` and ``sim docs``."""

from __future__ import annotations

from typing import Annotated

import typer

from sim.cli import options
from sim.errors import InputError, did_you_mean


@options.app.command()
def validate(scenarios: options.Scenarios, overrides: options.SetOption = None) -> None:
    """Check scenario files (and overrides) without running them: everything `sim run` would
    refuse before running (the \\[experiment] table at every design point, memory) is refused."""
    from sim.experiments import launch
    from sim.scenario.loading import resolve_path

    built = launch.check(scenarios, list(overrides or []))
    files = [resolve_path(s) for s in scenarios]
    for scenario, file in zip(built.scenarios, files, strict=True):
        typer.echo(f"ok: {file} ({scenario.name}: {len(scenario.platforms)} platforms, "
                   f"{len(scenario.events)} events, {scenario.simulation.days} days)")



@options.app.command()
def dashboard(
    scenarios: Annotated[list[str] | None, typer.Argument(
        help="Scenario files or shipped names to offer first (default: observed-2025).")] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8765,
    host: Annotated[str, typer.Option(
        help="Address to listen on; only this machine unless you give another.")] = "127.0.0.1",
) -> None:
    """Open scenarios in the browser: sliders, live comparison with the baseline, results
    folders, one run in Mesa's SolaraViz (needs the dashboard extra: make dashboard)."""
    from sim.dashboard import serve

    serve(list(scenarios or []), host, port)



@options.app.command("scenarios")
def list_scenarios() -> None:
    """List the shipped scenarios and the question each answers."""
    from sim.scenario.loading import SCENARIO_DIR, load_scenario

    broken = []
    paths = sorted(SCENARIO_DIR.glob("*.toml"))
    width = max((len(path.stem) for path in paths), default=0) + 1
    for path in paths:
        try:
            question = load_scenario(path).question
        except InputError as exc:  # one broken file must not hide the others
            broken.append(f"error: {exc}")
            continue
        typer.echo(f"{path.stem:<{width}} {question}")
    for line in broken:
        typer.echo(line, err=True)



@options.app.command()
def docs(
    table: Annotated[str | None, typer.Option(
        help="Print one generated table: fields, events, targets, scenarios or api.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 3 naming each block that differs.")] = False,
    only: Annotated[str | None, typer.Option(
        help="Only the blocks whose marker (command → output) contains this text.")] = None,
    fits: Annotated[bool, typer.Option(
        "--fits", help="Also the fits of several episodes (hours: sim calibrate A B, sim "
        "crossfit).")] = False,
) -> None:
    """Rewrite the generated tables and figures of README.md and docs/ from their commands."""
    from sim.report.docs import ROOT, regenerate
    from sim.report.schema_tables import TABLES

    if table is not None:
        if table not in TABLES:
            raise InputError("--table", table, f"one of {', '.join(TABLES)}"
                             + did_you_mean(table, TABLES))
        typer.echo(TABLES[table]())
        return
    changed = regenerate(write=not check, quiet=False, only=only, fits=fits)
    for block in changed:
        typer.echo(f"{'differs' if check else 'rewritten'}: "
                   f"{block.page.relative_to(ROOT)}: {block.marker}")
    if check and changed:
        raise typer.Exit(3)
