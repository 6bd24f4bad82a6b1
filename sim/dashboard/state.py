"""One browser session's state, and what a change does: check it as ``sim run`` would, then
recompute in the background (a newer change makes the older one stale).

Module-level ``solara.reactive`` values belong to each session (Solara keeps one per kernel).
Nothing computed is dropped on a bad value: the last good results stay shown until a valid change
replaces them, and the bad value's message goes next to its field.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import solara
import solara.lab

from sim.dashboard.engine import engine, release
from sim.dashboard.fields import knobs
from sim.dashboard.tweaks import Tweaks, load
from sim.dashboard.views import WINDOWS, Plan, Shown, compute
from sim.errors import InputError
from sim.scenario.loading import SCENARIO_DIR, load_scenario, resolve_path
from sim.scenario.schema import Scenario

BASELINE = "baseline"
PROGRESS_EVERY = 0.5  # seconds between progress updates (each draws the page again: 30-60 ms)
DEFAULT = "observed-2025"


@dataclass(frozen=True)
class Session:
    """What this browser session works on."""

    tweaks: Tweaks  # the scenario loaded and the changes made to it
    knobs: list  # the fields of the panel of the scenario loaded
    valid: Scenario  # the last changed scenario that passed every check (shown or computed)
    errors: dict = field(default_factory=dict)  # path (events.<row>; "": the whole) -> message
    texts: dict = field(default_factory=dict)  # what was typed into fields not valid, as typed
    asked: int = 0  # how many plans were asked for (the page shows which one it shows)


session: solara.Reactive[Session | None] = solara.reactive(None)
shown: solara.Reactive[tuple[int, Shown] | None] = solara.reactive(None)  # (change, figures)
table: solara.Reactive[tuple[int, str] | None] = solara.reactive(None)  # (change, summary)
problem = solara.reactive("")  # a failure of the last computation, in one line
progress = solara.reactive((0, 0.0))  # (change, % made of the runs it asked for anew)
metric = solara.reactive("dau")
window = solara.reactive(WINDOWS[0])
load_error = solara.reactive("")


def offered() -> list[str]:
    """Scenarios to pick from: those given to ``sim dashboard``, then the shipped ones."""
    given = json.loads(os.environ.get("SIM_DASHBOARD_SCENARIOS", "[]")) or [DEFAULT]
    shipped = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
    return list(dict.fromkeys([*given, *shipped]))


def folder() -> Path:
    """This session's own folder, where the changed scenario is written before it is read."""
    path = Path(tempfile.gettempdir()) / "sim-dashboard" / lane()
    path.mkdir(parents=True, exist_ok=True)
    return path


def lane() -> str:
    """This session's name for the engine."""
    try:
        return solara.get_kernel_id()
    except Exception:  # outside a Solara session (tests): one lane per process
        return f"process-{os.getpid()}"


def open_scenario(name: str) -> None:
    """Load a scenario (a shipped name or a file) as the new base; a bad one keeps the old."""
    try:
        base = resolve_path(name.strip())
        loaded = load_scenario(base)
    except InputError as exc:
        load_error.set(str(exc))
        return
    load_error.set("")
    tweaks = Tweaks.of(base, loaded)
    change(tweaks, current=Session(tweaks, knobs(loaded), loaded))


def change(tweaks: Tweaks, texts: dict | None = None, current: Session | None = None
           ) -> None:
    """A change to the session's scenario (or to ``current``, one just opened): check it as
    ``sim run`` would; if it is good, recompute, else show why next to the field (``texts``: what
    was typed, shown as typed; default: as before) and keep what is shown."""
    current = current or session.value
    try:
        valid = load(tweaks, folder())
    except InputError as exc:
        session.set(replace(current, tweaks=tweaks, errors={tweaks.where(exc.field): exc.message},
                            texts=current.texts if texts is None else texts))
        return
    recompute(Session(tweaks, current.knobs, valid, asked=current.asked + 1))


def recompute(now: Session) -> None:
    """Ask for the plan of the session's valid scenario (or only new figures: the runs are kept).
    Its runs are asked for first, so that they start before the page is drawn again."""
    plan = Plan.of(now.valid, now.tweaks.loaded, _baseline(now.valid))
    engine().want(lane(), plan.jobs)
    session.set(now)
    update(now.asked, plan, metric.value, window.value)


def redraw() -> None:
    """The metric or window changed: the same runs, drawn again."""
    now = session.value
    if now is not None:
        recompute(replace(now, asked=now.asked + 1))


@solara.lab.task
def update(asked: int, plan: Plan, chosen_metric: str, chosen_window: str) -> int:
    """Runs and figures for one plan, in the background; a newer call makes this one stale.
    The figures are shown as soon as they are drawn, the summary table when it is made."""
    last = [-PROGRESS_EVERY]

    def told(done: int, total: int) -> None:  # each time told, the page is drawn again
        if time.monotonic() - last[0] >= PROGRESS_EVERY and update.is_current():
            last[0] = time.monotonic()
            progress.set((asked, 100.0 * done / total))

    def drawn(figures: Shown) -> None:
        if update.is_current():
            shown.set((asked, figures))

    try:
        result = compute(engine(), lane(), plan, chosen_metric, chosen_window,
                         current=update.is_current, progress=told, drawn=drawn)
    except Exception as exc:  # shown in one line; what was shown stays
        if update.is_current():
            problem.set(f"could not compute this change: {type(exc).__name__}: {exc}")
        return asked
    if result is not None and update.is_current():
        problem.set("")
        shown.set((asked, result))
        table.set((asked, result.summary))
    return asked


def _baseline(tweaked: Scenario) -> Scenario | None:
    """The shipped baseline, if it has the same platforms (else no baseline is drawn)."""
    try:
        baseline = load_scenario(BASELINE)
    except InputError:
        return None
    return baseline if set(baseline.platforms) == set(tweaked.platforms) else None


def start() -> None:
    """The first scenario of a new session."""
    if session.value is None:
        open_scenario(offered()[0])


@solara.lab.on_kernel_start
def _per_session():
    def closed() -> None:
        release(lane())
        shutil.rmtree(folder(), ignore_errors=True)

    return closed
