"""Hours in the timeline: an outage of some hours darkens that share of the days it touches."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.migration import MigrationModel
from sim.scenario.loading import load_scenario
from sim.scenario.timeline import darkness

SMALL = ["simulation.users=6000", "simulation.days=14"]


def _with_outage(start: str | None, end: str | None, *extra: str):
    overrides = [*SMALL, *extra]
    if start is not None:
        event = f'{{kind = "outage", platform = "tiktok", date = {start}, end = {end}}}'
        overrides.append(f"events=[{event}]")
    return load_scenario("baseline", overrides)


def _daily_users(scenario, seed=4):
    model = MigrationModel(scenario, rng=seed).run()
    return model.timeseries().pivot(index="day", columns="platform", values="dau")


def test_the_real_outage_darkens_an_hour_and_a_half_of_the_18th_and_half_the_19th():
    scenario = load_scenario("observed-2025", ["simulation.days=25"])
    shares = darkness(scenario)["tiktok"]
    assert shares[17] == pytest.approx(1.5 / 24) and shares[18] == pytest.approx(0.5)
    assert shares[16] == 0 and shares[19] == 0


def test_a_moment_in_another_time_zone_falls_in_the_simulations_days():
    """03:30 UTC on Jan 19 is 22:30 on Jan 18 in New York: the same darkness."""
    eastern = _with_outage("2025-01-10T22:30:00-05:00", "2025-01-11T12:00:00-05:00")
    utc = _with_outage("2025-01-11T03:30:00Z", "2025-01-11T17:00:00Z")
    assert darkness(eastern)["tiktok"] == pytest.approx(darkness(utc)["tiktok"])
    kolkata = _with_outage("2025-01-10T22:30:00-05:00", "2025-01-11T12:00:00-05:00",
                           'simulation.timezone="Asia/Kolkata"')
    assert darkness(kolkata)["tiktok"] != pytest.approx(darkness(eastern)["tiktok"])


@pytest.mark.parametrize("hours", [3, 6, 12, 18])
def test_an_outage_of_h_hours_removes_about_h_over_24_of_the_days_opens(hours):
    end = f"2025-01-06T{hours:02d}:00:00-05:00"
    dark = _daily_users(_with_outage("2025-01-06T00:00:00-05:00", end))
    lit = _daily_users(_with_outage(None, None))
    kept = dark.loc[5, "tiktok"] / lit.loc[5, "tiktok"]
    assert kept == pytest.approx(1 - hours / 24, abs=0.03)
    assert dark.loc[4, "tiktok"] == lit.loc[4, "tiktok"]  # the day before is untouched


def test_a_zero_length_outage_changes_nothing():
    nothing = _with_outage("2025-01-06T09:00:00-05:00", "2025-01-06T09:00:00-05:00")
    assert max(darkness(nothing)["tiktok"]) == 0
    assert _daily_users(nothing).equals(_daily_users(_with_outage(None, None)))


def test_a_day_dark_for_some_hours_is_not_a_dark_day_for_the_ones_who_stay():
    """Half a dark day: users who stay still open it that day, and fewer forget it than on a
    whole dark day."""
    half = _daily_users(_with_outage("2025-01-06T00:00:00-05:00", "2025-01-06T12:00:00-05:00"))
    whole = _daily_users(_with_outage("2025-01-06T00:00:00-05:00", "2025-01-07T00:00:00-05:00"))
    assert whole.loc[5, "tiktok"] == 0 < half.loc[5, "tiktok"]
    assert half.loc[8, "tiktok"] > whole.loc[8, "tiktok"]


def test_an_outage_ending_before_it_starts_is_refused(capsys):
    from sim.cli import main

    event = ('{kind = "outage", platform = "tiktok", date = 2025-01-06T12:00:00-05:00, '
             'end = 2025-01-06T09:00:00-05:00}')
    assert main(["validate", "baseline", "--set", f"events=[{event}]"]) == 2
    assert "end must not be before the outage starts" in capsys.readouterr().err


def test_partly_dark_is_the_usual_hazard_when_up_and_forgetting_when_dark():
    from sim.model import rules

    rates = load_scenario("baseline").dynamics
    hazard = np.array([0.01, 0.2], dtype=np.float32)
    assert np.array_equal(rules.partly_dark(rates, hazard, 0.0), hazard)
    assert rules.partly_dark(rates, hazard, 1.0) == pytest.approx(rates.dark_forget_rate)
    assert rules.partly_dark(rates, hazard, 0.5) == pytest.approx(
        0.5 * hazard + 0.5 * rates.dark_forget_rate)
