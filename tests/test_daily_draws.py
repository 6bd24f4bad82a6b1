"""Runs of one seed draw their daily uniforms once per process: a run from kept draws is identical
to one that draws its own, a longer run extends them, and the memory budget holds."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from sim.model import daily_draws
from sim.model.migration import MigrationModel
from sim.scenario.loading import load_scenario

SIZE = ["simulation.users=1200", "simulation.days=15"]


@pytest.fixture(autouse=True)
def no_kept_draws():
    daily_draws.clear()
    yield
    daily_draws.clear()


def outputs(scenario, seed: int) -> pd.DataFrame:
    model = MigrationModel(scenario, rng=seed).run()
    return model.recorder.timeseries(model.config.simulation.dates)


def test_a_run_from_kept_draws_is_identical_to_one_drawing_its_own(monkeypatch):
    scenario = load_scenario("observed-2025", SIZE)
    other = load_scenario("observed-2025", [*SIZE, "dynamics.buzz=2.5", "motives.protest=0.5"])
    first, second = outputs(scenario, 4), outputs(other, 4)  # the second reads the first's
    assert len(daily_draws._streams) == 2  # transitions and primary, of one seed
    monkeypatch.setattr(daily_draws, "CACHE_BYTES", 0)  # every run draws its own
    daily_draws.clear()
    pd.testing.assert_frame_equal(first, outputs(scenario, 4))
    pd.testing.assert_frame_equal(second, outputs(other, 4))
    assert not first.equals(second)  # the parameters did change the run
    assert not daily_draws._streams


def test_a_longer_run_extends_the_kept_days_with_the_same_numbers():
    short, long = (daily_draws.stream(9, (50, 3), days) for days in (3, 6))
    assert short is long
    kept = [short.on(day).copy() for day in range(3)]
    own = daily_draws.Stream(9, (50, 3), kept=False)
    for day in range(6):
        drawn = long.on(day)
        np.testing.assert_array_equal(drawn, own.on(day))
        assert not drawn.flags.writeable  # shared by runs: read-only
        assert drawn.flags.f_contiguous
    for day in range(3):
        np.testing.assert_array_equal(kept[day], short.on(day))


def test_long_draws_are_drawn_every_day_and_old_streams_forgotten(monkeypatch):
    """A stream is kept if its days take at most a quarter of the budget; past the budget, the
    least recently used goes."""
    day_bytes = 100 * 2 * 4
    monkeypatch.setattr(daily_draws, "CACHE_BYTES", 40 * day_bytes)
    too_long = daily_draws.stream(1, (100, 2), days=11)
    assert not too_long.kept and not daily_draws._streams
    first = daily_draws.stream(2, (100, 2), days=10)
    for seed in (3, 4, 5):
        daily_draws.stream(seed, (100, 2), days=10)
    assert len(daily_draws._streams) == 4  # 40 days' worth: all kept
    daily_draws.stream(2, (100, 2), days=10)  # used again: now the most recent
    daily_draws.stream(6, (100, 2), days=10)  # the least recently used (3) is forgotten
    assert [key[0] for key in daily_draws._streams] == [4, 5, 2, 6]
    assert first.on(9).shape == (100, 2)


def test_two_threads_asking_for_one_stream_get_each_day_drawn_once():
    stream = daily_draws.stream(5, (40,), days=30)
    seen = [[], []]

    def ask(out):
        for day in range(30):
            out.append(stream.on(day))

    threads = [threading.Thread(target=ask, args=(out,)) for out in seen]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a is b for a, b in zip(*seen, strict=True))
    own = daily_draws.Stream(5, (40,), kept=False)
    for day in range(30):
        np.testing.assert_array_equal(seen[0][day], own.on(day))
