"""Reuse of the users and ties built for a seed, across runs that differ only in behaviour.

The population (:func:`~sim.model.users.create_users`), its ties
(:func:`~sim.model.network.build_ties`) and their first counts depend only on the number of users,
the ``[population]`` table, each platform's initial accounts and engagement, and the seed: not on
motives, rates, events or any other platform field. A calibration, a sensitivity analysis or a
posterior ensemble runs the same few seeds at thousands of parameter sets, so each process keeps
what it built for its last few keys and hands every run its own deep copy of the users and tie
counts (runs never share mutable state; the ties, which no run changes, are shared as read-only
arrays), with the random generator put in the state it would have after building, so that a run
from the cache is identical to one built from scratch.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from sim.model.network import TieCounts, Ties, build_ties
from sim.model.threads import Threads
from sim.model.users import Users, create_users
from sim.scenario.schema import Scenario

CACHE_BYTES = 256e6  # per process; a population larger than this is built every time


@dataclass
class Built:
    """What a run starts from: the users, their ties and the engaged ties per platform."""

    users: Users
    ties: Ties
    tie_counts: TieCounts


_cache: OrderedDict[tuple, tuple[Built, dict, float]] = OrderedDict()


def population_key(scenario: Scenario, seed) -> tuple | None:
    """What the built population depends on; None when ``seed`` is not a plain integer seed (a
    generator given by the caller is never reused)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        return None
    platforms = tuple((name, p.initial_accounts, p.initial_engaged)
                      for name, p in scenario.platforms.items())
    return (scenario.simulation.users, scenario.population.model_dump_json(), platforms,
            int(seed))


def build(scenario: Scenario, rng: np.random.Generator, seed, threads: Threads) -> Built:
    """The users, ties and tie counts of ``scenario`` drawn from ``rng`` (made from ``seed``):
    a copy of the cached ones when this process built them before, else built now."""
    key = population_key(scenario, seed)
    if key is not None and key in _cache:
        _cache.move_to_end(key)
        built, state, _ = _cache[key]
        rng.bit_generator.state = state
        return _copy(built)
    users = create_users(scenario, rng)
    ties = _read_only(build_ties(users, scenario.population, rng, threads))
    built = Built(users, ties, TieCounts.count(ties, users.engaged, threads))
    if key is not None:
        _remember(key, built, rng.bit_generator.state)
    return built


def _copy(built: Built) -> Built:
    """A run's own copy of what was built: the users and tie counts, which a run changes, copied;
    the ties, which no run changes (read-only arrays: a write would fail), shared."""
    return Built(copy.deepcopy(built.users), built.ties, copy.deepcopy(built.tie_counts))


def _read_only(ties: Ties) -> Ties:
    """``ties`` with every array made read-only (in place)."""
    for value in vars(ties).values():
        for array in (value.data, value.indices, value.indptr) if hasattr(value, "indptr") else (
                value,):
            array.flags.writeable = False
    return ties


def _remember(key: tuple, built: Built, state: dict) -> None:
    size = _nbytes(built)
    if size > CACHE_BYTES:
        return
    _cache[key] = (_copy(built), state, size)
    while sum(entry[2] for entry in _cache.values()) > CACHE_BYTES:
        _cache.popitem(last=False)  # the least recently used


def _nbytes(value) -> float:
    """Bytes of the numpy arrays (and sparse matrices) held by a dataclass tree."""
    if isinstance(value, np.ndarray):
        return float(value.nbytes)
    if hasattr(value, "indptr"):  # a scipy.sparse CSR matrix
        return float(value.data.nbytes + value.indices.nbytes + value.indptr.nbytes)
    if hasattr(value, "__dict__"):
        return sum(_nbytes(v) for v in vars(value).values())
    return 0.0


def clear() -> None:
    """Forget every cached population (this process)."""
    _cache.clear()
