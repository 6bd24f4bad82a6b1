"""A run's daily uniform draws, drawn once per process for runs of the same seed.

Every day a run draws one uniform per user and platform (the transitions: sign-up, churn, return)
and one per user (whether they open their primary), each from a stream of its own, seeded from the
run's generator once its population is built: so the numbers depend only on the seed, the number
of users and platforms, and the day, not on any behaviour field. A calibration runs the same few
seeds, for a few weeks each, at thousands of parameter sets; each process keeps the days it drew of
its last few short streams (read-only) and hands them to the next run of that seed, instead of
drawing them again. A run from the cache gets the very numbers it would have drawn.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from sim.model.kernels import fill_uniform

CACHE_BYTES = 128e6  # per process; a stream is kept if its days take at most a quarter of it

_streams: OrderedDict[tuple, Stream] = OrderedDict()
_lock = threading.Lock()  # runs on other threads of the same process may ask at once


class Stream:
    """The uniforms a stream draws on each day, one ``shape`` array (column-major) a day: kept
    (every day drawn stays, read-only) or not (one array, filled again each day).

    Attributes:
        reserved: bytes that the longest run using this stream needs (kept streams only).
    """

    def __init__(self, seed: int, shape: tuple, kept: bool):
        self.bits = np.random.Generator(np.random.SFC64(seed))
        self.shape, self.kept, self.reserved = shape, kept, 0.0
        self._days: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._scratch = None if kept else np.empty(shape, dtype=np.float32, order="F")

    def on(self, day: int) -> np.ndarray:
        """The draws of ``day`` (days are asked in order: 0, 1, 2, ...)."""
        if not self.kept:
            return fill_uniform(self._scratch, self.bits)
        with self._lock:  # two runs of one seed may ask at once: each day is drawn once
            while len(self._days) <= day:
                drawn = fill_uniform(np.empty(self.shape, dtype=np.float32, order="F"), self.bits)
                drawn.flags.writeable = False
                self._days.append(drawn)
        return self._days[day]


def stream(seed: int, shape: tuple, days: int) -> Stream:
    """The stream seeded ``seed`` of ``shape`` arrays for a run of ``days`` days: the one this
    process kept (least recently used ones forgotten past ``CACHE_BYTES``), or its own if its
    days would take more than a quarter of that. (Keeping costs fresh memory every day, which
    only pays when runs of the seed come back: a calibration's few seeds, kept whole; not the
    long runs of an experiment, each seed run once, nor the dashboard's.)"""
    need = days * float(np.prod(shape)) * 4
    if need > CACHE_BYTES / 4:
        return Stream(seed, shape, kept=False)
    key = (seed, shape)
    with _lock:
        kept = _streams.pop(key, None) or Stream(seed, shape, kept=True)
        kept.reserved = max(kept.reserved, need)
        while _streams and sum(s.reserved for s in _streams.values()) + kept.reserved > (
                CACHE_BYTES):
            _streams.popitem(last=False)  # the least recently used (a run using it keeps it)
        _streams[key] = kept
    return kept


def clear() -> None:
    """Forget every kept stream (this process)."""
    with _lock:
        _streams.clear()
