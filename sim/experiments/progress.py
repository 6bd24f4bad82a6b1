"""Progress of long work on stderr (an experiment's runs, a calibration's candidates): a rich bar
on a terminal, one plain line per update when stderr is not a terminal (a log), nothing if quiet.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as Bar


class Progress:
    """``done`` of ``total`` items of work, with the rate and the time left.

    Use it as a context manager, so that the bar is closed even when the work fails.

    Attributes:
        total: items of work in all.
        unit: what an item is, in the plural (``runs``, ``candidates``).
        tty: whether a bar is drawn (stderr is a terminal and not quiet).
    """

    def __init__(self, total: int, unit: str, label: str, quiet: bool = False,
                 stream: TextIO | None = None, terminal: bool | None = None):
        self.total, self.unit, self.quiet = total, unit, quiet
        self.stream = stream or sys.stderr
        console = Console(file=self.stream, force_terminal=terminal, highlight=False)
        self.tty = console.is_terminal and not quiet
        self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn(unit + " {task.fields[status]}"), TimeElapsedColumn(),
                        TextColumn("ETA"), TimeRemainingColumn(), console=console,
                        disable=not self.tty)
        self._task = self._bar.add_task(label, total=total, status="")

    def __enter__(self) -> Progress:
        self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self._bar.stop()

    def update(self, done: int, event: str, status: str = "") -> None:
        """``done`` items finished so far; ``event`` says what just happened (for the log line)
        and ``status`` what to show beside the counts (``1 failed``, ``best loss 3.2``)."""
        self._bar.update(self._task, completed=done, status=f"({status})" if status else "")
        if self.tty or self.quiet:
            return
        task = self._bar.tasks[0]
        rate = done / task.elapsed if task.elapsed else 0.0
        eta = max(self.total - done, 0) / rate if rate else 0.0
        counts = ", ".join([f"{done}/{self.total} {self.unit}", *([status] if status else []),
                            f"{rate * 60:.1f} {self.unit}/min",
                            f"ETA {dt.timedelta(seconds=round(eta))}"])
        print(f"{event} ({counts})", file=self.stream, flush=True)
