"""One run, day by day as it runs, in Mesa's own SolaraViz on the model's DataCollector: the
Step, Play and Reset buttons a Mesa user knows, drawing ``model.datacollector``'s series (daily
active users per platform, real-world units, and the ban threat).

The run is the comparison page's tweaked scenario (its last valid change) with replicate 0's
seed: the first replicate of what the comparison shows.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz, make_plot_component

from sim.dashboard import state
from sim.dashboard.views import Plan
from sim.model.migration import MigrationModel
from sim.report import style
from sim.scenario.schema import Scenario


class DayByDay(MigrationModel):
    """The migration model as SolaraViz steps it: one day per step, stopping on the last day
    (SolaraViz re-creates it with ``DayByDay(config=..., rng=...)`` on Reset)."""

    def __init__(self, config: Scenario, rng: int | None = None):
        super().__init__(config, rng=rng)

    def step(self) -> None:
        if self.steps > self.config.simulation.days:  # Mesa counted this step already
            self.running = False
            return
        super().step()
        self.running = self.steps < self.config.simulation.days


def plots(scenario: Scenario) -> list:
    """SolaraViz components: daily active users per platform (the platforms' colours and
    labels of ``sim plot``), and the ban threat."""
    names = list(scenario.platforms)
    palette = style.palette_for([], names)
    labels = [scenario.platforms[name].label for name in names]

    def users_axis(ax) -> None:
        style.value_axis(ax, "count")
        ax.legend(ax.get_lines(), labels, fontsize=7, loc="upper right")
        ax.set_title("Daily active users of the simulated population (real-world units)",
                     fontsize=9)

    def threat_axis(ax) -> None:
        style.value_axis(ax, "percent")
        ax.set_title("Perceived probability that the ban sticks", fontsize=9)

    users = make_plot_component({f"dau_{name}": palette.platform(name) for name in names},
                                post_process=users_axis)
    return [users, make_plot_component("ban_threat", post_process=threat_axis)]


@solara.component
def SingleRunPage():
    solara.use_effect(state.start, [])
    now = state.session.value
    if now is None:
        solara.Text("Loading the scenario…")
        return
    seed = Plan.of(now.valid, now.tweaks.loaded, None).seeds[0]
    OneRun(now.valid, seed, len(now.tweaks.changes))


@solara.component
def OneRun(scenario: Scenario, seed: int, changes: int):
    model = solara.use_memo(lambda: DayByDay(scenario, rng=seed), [scenario.config_hash(), seed])
    solara.Text(f"One run of the tweaked scenario ({changes} change(s)), replicate 0 (seed "
                f"{seed}): press Step or Play.", classes=["single-intro"])
    SolaraViz(model, components=plots(scenario), model_params={"config": scenario, "rng": seed},
              name="Single run (Mesa SolaraViz)")
