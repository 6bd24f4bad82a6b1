"""Threads of one run: a day's jobs shared out, random draws made in the background.

numpy releases the interpreter lock while it works on arrays, so on two processors a second thread
speeds up a run of a large population. Each job writes only its own part of the model's arrays (one
platform column, one block of users, one random stream) and reads nothing another job of the same
batch writes, so the results do not depend on which thread ran which job, or when.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

SHARED_FROM = 200_000  # users from which a run uses two threads by default


def default_count(users: int, asked: int | None = None) -> int:
    """Threads for a run: as ``asked``, else 2 (if there are 2 processors) from ``SHARED_FROM``
    users, where each job is large enough to share; 1 below."""
    if asked is not None:
        return max(1, asked)
    return min(2, os.cpu_count() or 1) if users >= SHARED_FROM else 1


class Threads:
    """The calling thread and ``count - 1`` helpers, kept for the whole run (starting threads
    every day costs more than the jobs of a small day).

    Attributes:
        count: how many threads share the work (1: everything runs on the calling thread).
    """

    def __init__(self, count: int):
        self.count = count
        self._helpers = ThreadPoolExecutor(count - 1, "sim-run") if count > 1 else None
        self._here = threading.local()  # per thread: is it a helper?
        self._took: dict = {}  # seconds the job of each name took last time

    def map(self, jobs: list[Callable], names: list | None = None) -> list:
        """Run every job (a function of no arguments), each once, the calling thread and the
        helpers taking the next one as they become free; their results, in order.

        ``names``: one per job, the same for the same work on another day; jobs then start
        longest first (by their last time), so that no thread is left with a long one at the end.
        """
        if self._helpers is None or len(jobs) < 2 or getattr(self._here, "helping", False):
            return [job() for job in jobs]  # (a helper's own job must not wait for helpers)
        results = [None] * len(jobs)
        order = range(len(jobs)) if names is None else sorted(
            range(len(jobs)), key=lambda i: -self._took.get(names[i], float("inf")))
        queue, lock = iter(order), threading.Lock()

        def work() -> None:
            while True:
                with lock:
                    i = next(queue, None)
                if i is None:
                    return
                started = time.perf_counter()
                results[i] = jobs[i]()
                if names is not None:
                    self._took[names[i]] = time.perf_counter() - started

        helping = [self._helpers.submit(self._helping, work) for _ in range(self.count - 1)]
        try:
            work()
        finally:
            for helper in helping:  # wait for every job, even if one failed, then raise
                helper.result()
        return results

    def start(self, job: Callable) -> Future:
        """Start ``job`` on a helper (at once on the calling thread if there is none); the
        future's ``result()`` waits for it."""
        if self._helpers is not None:
            return self._helpers.submit(self._helping, job)
        future: Future = Future()
        future.set_result(job())
        return future

    def _helping(self, job: Callable):
        self._here.helping = True
        return job()
