"""The dashboard (``sim dashboard``, ``make dashboard``): a scenario's parameters as sliders, its
trajectories against the scenario as loaded and the baseline, recomputed in the background as they
change; results folders; one run day by day in Mesa's own SolaraViz. Its modules, in the order
data flows, are listed in ``docs/dashboard.md`` (How it is built).

Only the command line imports this package, for :func:`serve`. The pages need the optional
``[dashboard]`` extra (Solara); this module does not, so that ``sim dashboard`` without it says so
in one line."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import warnings

from sim.errors import optional
from sim.scenario.loading import load_scenario, resolve_path

APP = "sim.dashboard.pages"


def serve(scenarios: list[str], host: str = "127.0.0.1", port: int = 8765) -> None:
    """Check the scenarios, print the address, then serve until Ctrl-C: Solara's server, its page
    assets from the ``solara-assets`` package (no CDN is reached), its telemetry off, and no look
    for a newer version of itself.

    Raises:
        InputError: a scenario that does not load, or Solara not installed.
    """
    files = [str(resolve_path(name).resolve()) for name in scenarios]
    for file in files:
        load_scenario(file)  # a bad file is said now, in one line, not in the page
    os.environ["SIM_DASHBOARD_SCENARIOS"] = json.dumps(files)
    for name, value in (("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false"),  # read on import
                        ("SOLARA_THEME_LOADER", "plain")):
        os.environ.setdefault(name, value)
    run = optional("solara.__main__", "sim dashboard").run
    warnings.filterwarnings("ignore", message="Cookies with samesite=none")
    if not port:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    address = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    print(f"dashboard: {address}  (Ctrl-C stops it)", flush=True)
    import click  # Solara's command line is click's

    with contextlib.suppress(KeyboardInterrupt, click.exceptions.Abort):  # Ctrl-C: it stopped
        run.main(args=[APP, "--host", host, "--port", str(port), "--production", "--no-open",
                       "--no-check-version", "--log-level-uvicorn", "warning", "--no-access-log"],
                 standalone_mode=False)
    print("dashboard stopped", flush=True)
