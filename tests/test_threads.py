"""Threads and blocks of users change how fast a run goes, never what it gives; the helper
threads run jobs at once, give their results in order and pass their errors on."""

from __future__ import annotations

import functools
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import blocks
from sim.model.migration import MigrationModel
from sim.model.threads import Threads
from sim.scenario.loading import load_scenario

STATE = ("account", "engaged", "active", "joined_day", "left_day", "primary")


def outcome(model: MigrationModel) -> dict[str, np.ndarray]:
    """Everything a run records or leaves behind in its users' arrays."""
    return {"metrics": model.recorder.values, "flows": model.recorder.flows,
            "friends_engaged": model.tie_counts.friends,
            **{name: getattr(model.users, name) for name in STATE}}


@pytest.mark.parametrize("scenario", ["observed-2025", "ban-enforced"])
def test_threads_and_blocks_give_the_same_run(scenario, monkeypatch):
    config = load_scenario(scenario, ["simulation.users=6001", "simulation.days=40"])
    expected = outcome(MigrationModel(config, rng=3, threads=1).run())
    monkeypatch.setattr(blocks, "BLOCK", 1000)  # several blocks, the last one odd-sized
    for threads in (1, 2):
        got = outcome(MigrationModel(config, rng=3, threads=threads).run())
        for name, array in expected.items():
            np.testing.assert_array_equal(got[name], array, err_msg=f"{name}, {threads} thread(s)")


THREADS = {count: Threads(count) for count in (1, 2, 3)}  # kept, as a run keeps its own


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(), max_size=30), count=st.sampled_from([1, 2, 3]),
       named=st.booleans())
def test_map_gives_each_jobs_result_in_order_whatever_the_thread_count(values, count, named):
    jobs = [functools.partial(slow_identity, v, (i % 3) * 1e-4) for i, v in enumerate(values)]
    names = [f"job {i}" for i in range(len(values))] if named else None
    assert THREADS[count].map(jobs, names) == values
    assert THREADS[count].map(jobs, names) == values  # named jobs now start longest first


def slow_identity(value, seconds: float):
    time.sleep(seconds)
    return value


def test_two_threads_run_two_jobs_at_the_same_time():
    meet = threading.Barrier(2, timeout=10)  # passes only if both jobs run at once
    assert THREADS[2].map([meet.wait, meet.wait]) in ([0, 1], [1, 0])


def test_a_helpers_own_jobs_run_on_the_helper():
    def name() -> str:
        return threading.current_thread().name

    def outer():
        meet.wait()  # one outer job on each thread
        return name(), THREADS[2].map([name] * 3)

    meet = threading.Barrier(2, timeout=10)
    on_helper = [inner for outer_name, inner in THREADS[2].map([outer, outer])
                 if outer_name.startswith("sim-run")]
    assert len(on_helper) == 1
    assert len(set(on_helper[0])) == 1, "a helper ran its own jobs (it waits on no other helper)"


def test_start_runs_a_job_at_once_on_one_thread_and_in_the_background_on_two():
    here = threading.current_thread().name
    future = THREADS[1].start(lambda: threading.current_thread().name)
    assert future.done() and future.result() == here
    go = threading.Event()
    future = THREADS[2].start(lambda: (go.wait(10), threading.current_thread().name))
    assert not future.done()  # it waits for us: it runs beside this thread
    go.set()
    waited, name = future.result(timeout=10)
    assert waited and name != here and name.startswith("sim-run")


def fail():
    raise ValueError("a job failed")


@pytest.mark.parametrize("count", [1, 2, 3])
def test_a_failing_job_raises_from_map_after_the_others_ran(count):
    ran = []
    jobs = [functools.partial(ran.append, i) for i in range(10)]
    jobs.insert(3, fail)
    with pytest.raises(ValueError, match="a job failed"):
        THREADS[count].map(jobs)
    if count > 1:  # the other threads finish the batch before the error is raised
        assert sorted(ran) == list(range(10))


@pytest.mark.parametrize("count", [1, 2])
def test_a_failing_started_job_raises_from_its_result(count):
    with pytest.raises(ValueError, match="a job failed"):
        THREADS[count].start(fail).result(timeout=10)
