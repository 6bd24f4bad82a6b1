"""Runs that differ only in behaviour reuse the population built for their seed, and a run from
the cache is identical to one built from scratch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model import population_cache
from sim.model.migration import MigrationModel
from sim.scenario.loading import load_scenario

SIZE = ["simulation.users=1500", "simulation.days=25"]


@pytest.fixture(autouse=True)
def empty_cache():
    population_cache.clear()
    yield
    population_cache.clear()


def outputs(model: MigrationModel) -> pd.DataFrame:
    return model.recorder.timeseries(model.config.simulation.dates)


def test_a_run_from_the_cache_is_identical_to_one_built_from_scratch():
    scenario = load_scenario("observed-2025", SIZE)
    fresh = outputs(MigrationModel(scenario, rng=11).run())
    assert len(population_cache._cache) == 1
    cached = outputs(MigrationModel(scenario, rng=11).run())
    pd.testing.assert_frame_equal(fresh, cached)
    # and a run at other behaviour parameters, from the cache, equals its own fresh build
    other = load_scenario("observed-2025", [*SIZE, "dynamics.buzz=2.5", "motives.protest=0.5"])
    from_cache = outputs(MigrationModel(other, rng=11).run())
    assert len(population_cache._cache) == 1  # the same key: reused
    population_cache.clear()
    pd.testing.assert_frame_equal(from_cache, outputs(MigrationModel(other, rng=11).run()))
    assert not from_cache.equals(fresh)  # the parameters did change the run


def test_runs_never_share_mutable_state():
    """Each run has its own users and tie counts; the ties, which no run changes, are shared
    read-only (a write fails)."""
    scenario = load_scenario("observed-2025", SIZE)
    first = MigrationModel(scenario, rng=3)
    second = MigrationModel(scenario, rng=3)
    assert first.users.account is not second.users.account
    assert first.tie_counts.friends is not second.tie_counts.friends
    first.users.account[:] = True
    first.tie_counts.friends[:] = -1
    for array in (first.ties.friends.data, first.ties.follows.indices,
                  first.ties.followed_by.indptr, first.ties.audience):
        with pytest.raises(ValueError, match="read-only"):
            array[:] = 7
    third = MigrationModel(scenario, rng=3)
    assert not third.users.account.all() and np.array_equal(third.users.account,
                                                           second.users.account)
    assert (third.tie_counts.friends >= 0).all()
    assert (third.ties.friends.data == 1).all()


def test_the_key_holds_what_the_population_depends_on_and_nothing_else():
    base = load_scenario("observed-2025", SIZE)
    key = population_cache.population_key(base, 5)
    same = [load_scenario("observed-2025", [*SIZE, change]) for change in (
        "dynamics.buzz=2", "motives.curiosity=0.3", "platforms.rednote.appeal=0.1")]
    assert all(population_cache.population_key(s, 5) == key for s in same)
    differ = [load_scenario("observed-2025", [*SIZE, change]) for change in (
        "simulation.users=1600", "population.friends_per_user=9",
        "platforms.rednote.initial_accounts=0.2")]
    assert all(population_cache.population_key(s, 5) != key for s in differ)
    assert population_cache.population_key(base, 6) != key
    assert population_cache.population_key(base, np.random.default_rng(5)) is None


def test_a_generator_given_by_the_caller_is_never_cached():
    scenario = load_scenario("observed-2025", SIZE)
    MigrationModel(scenario, rng=np.random.default_rng(4))
    assert not population_cache._cache


def test_the_cache_keeps_within_its_memory_budget(monkeypatch):
    scenario = load_scenario("observed-2025", SIZE)
    MigrationModel(scenario, rng=1)
    one = population_cache._cache[next(iter(population_cache._cache))][2]
    monkeypatch.setattr(population_cache, "CACHE_BYTES", 2.5 * one)
    for seed in (2, 3, 4):
        MigrationModel(scenario, rng=seed)
    assert [key[-1] for key in population_cache._cache] == [3, 4]  # the least recent went


RANKED_DAU = """
extends = "observed-2025"
[[add_targets]]
id = "R1"
description = "RedNote among the top apps by daily users (a rank reads every platform's)"
metric = "dau_us"
platform = "rednote"
stat = "rank"
start = 2025-01-14
end = 2025-01-16
at_most = 3
source = "a test"
"""


@pytest.mark.parametrize("name, days, read, opens_all", [("observed-2025", 40, None, False),
                                                         ("seed-claims", 30, 30, False),
                                                         ("india-2020", 330, None, False),
                                                         ("ranked-dau", 40, None, True)])
def test_the_calibration_run_gives_the_targets_of_the_full_run(name, days, read, opens_all,
                                                               tmp_path):
    """``target_values`` runs only as far as the targets read (the days up to the last target
    date; the cohorts and profile only if a target reads them; who opened which app only on
    the platforms a target reads it of, every platform for a rank; the main-app moves only if
    a target reads them): the same figures as the tables of the full run."""
    from sim.analysis.targets import measure
    from sim.experiments.evaluate import days_read, platforms_opened, run_tables, target_values

    if name == "ranked-dau":
        (tmp_path / "ranked.toml").write_text(RANKED_DAU)
        name = tmp_path / "ranked.toml"
    scenario = load_scenario(name, ["simulation.users=600", f"simulation.days={days}"])
    opened = platforms_opened(scenario).sum()
    assert opened == len(scenario.platforms) if opens_all else 0 < opened < len(scenario.platforms)
    last = max(day for t in scenario.targets for day in (t.date, t.end, t.reference_end) if day)
    if read is None:  # the days through the last target date, fewer than the run's
        read = (last - scenario.simulation.start).days + 1
        assert read < days
    assert days_read(scenario) == read
    full = run_tables(scenario, 5)
    wanted = [measure(target, full, scenario) for target in scenario.targets]
    np.testing.assert_array_equal(target_values(scenario, 5), wanted)


def test_a_run_that_does_not_count_motives_differs_only_in_the_motive_counts():
    """What a calibration run leaves out changes nothing else: without motive counts, the same
    timeseries but zero sign-ups by motive; and each daily metric read off the recorder is the
    timeseries pivoted."""
    from sim.scenario.metrics import METRICS, MOTIVE_LABELS

    scenario = load_scenario("observed-2025", SIZE)
    full = MigrationModel(scenario, rng=4).run()
    lean = MigrationModel(scenario, rng=4)
    lean.counts_motives = False
    lean.run()
    motives = [f"signups_{label}" for label in MOTIVE_LABELS]
    expected = outputs(full)
    assert expected[motives].to_numpy().sum() > 0
    expected[motives] = 0.0
    pd.testing.assert_frame_equal(outputs(lean), expected)
    series = outputs(full)
    for metric in METRICS:
        pd.testing.assert_frame_equal(
            full.recorder.daily(metric, scenario.simulation.dates),
            series.pivot(index="date", columns="platform", values=metric), check_exact=True)


def test_a_run_that_opens_some_platforms_and_follows_no_moves_differs_only_there():
    """What a calibration run leaves out changes nothing else: with daily users worked out on
    some platforms only and no main-app moves followed, the same timeseries except those
    platforms' figures of who opened what, and zero moves (and flows)."""
    scenario = load_scenario("observed-2025", SIZE)
    full = MigrationModel(scenario, rng=6).run()
    from sim.scenario.metrics import FROM_MOVES, FROM_OPENING

    names = ["tiktok", "instagram", "youtube"]
    lean = MigrationModel(scenario, rng=6)
    lean.opening[[lean.platforms.names.index(name) for name in names]] = False
    lean.follows_moves = False
    lean.run()
    expected, got = outputs(full), outputs(lean)
    closed = expected.platform.isin(names)
    opened_metrics = list(FROM_OPENING)
    assert (expected.loc[closed, "dau"] > 0).all()
    expected.loc[closed, opened_metrics] = got.loc[closed, opened_metrics]
    assert (got.loc[closed, "dau"] == 0).all()
    moves = list(FROM_MOVES)
    assert expected[moves].to_numpy().sum() > 0
    expected[moves] = 0.0
    pd.testing.assert_frame_equal(got, expected)
    assert lean.recorder.flows.sum() == 0 < full.recorder.flows.sum()
