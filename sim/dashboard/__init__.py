"""``sim dashboard`` (``docs/dashboard.md``): :func:`serve` needs no Solara to say it is missing."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import warnings

from sim.errors import optional
from sim.scenario.loading import load_scenario, resolve_path


def serve(scenarios: list[str], host: str = "127.0.0.1", port: int = 8765) -> None:
    """Check the scenarios, then serve until Ctrl-C; InputError: a bad scenario, no Solara."""
    files = [str(resolve_path(name).resolve()) for name in scenarios]
    for file in files:
        load_scenario(file)  # a bad file is said now, in one line, not in the page
    os.environ["SIM_DASHBOARD_SCENARIOS"] = json.dumps(files)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")  # read on import
    os.environ.setdefault("SOLARA_THEME_LOADER", "plain")
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
        run.main(args=["sim.dashboard.pages", "--host", host, "--port", str(port), "--production",
                       "--no-open", "--no-check-version", "--log-level-uvicorn", "warning",
                       "--no-access-log"], standalone_mode=False)
    print("dashboard stopped", flush=True)
