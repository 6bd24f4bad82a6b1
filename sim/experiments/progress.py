"""Progress of an experiment: a bar on a terminal, plain log lines otherwise, nothing if quiet."""

from __future__ import annotations

import sys
import time

BAR_WIDTH = 28


class Progress:
    """Runs done and failed, rate and ETA, on stderr."""

    def __init__(self, total: int, quiet: bool = False, stream=None):
        self.total, self.quiet = total, quiet
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.done = self.failed = 0
        self.started = time.perf_counter()

    def update(self, record: dict) -> None:
        self.done += 1
        self.failed += record["status"] != "ok"
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate else 0.0
        counts = (f"{self.done}/{self.total} runs, {self.failed} failed, "
                  f"{rate * 60:.1f} runs/min, ETA {_clock(eta)}")
        if self.tty:
            filled = round(BAR_WIDTH * self.done / max(self.total, 1))
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            print(f"\r[{bar}] {counts}", end="", file=self.stream, flush=True)
        else:
            print(f"run {record['run_id']} {record['status']} in {record['duration_s']:.1f}s "
                  f"({counts})", file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty and not self.quiet and self.total:
            print(file=self.stream, flush=True)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
