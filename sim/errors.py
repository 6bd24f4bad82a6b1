"""Errors a user can fix (bad scenario files, bad options, refused output folders, an optional
extra not installed), and a stop.

Every such error becomes one line on stderr and exit status 2 in the CLI; anything else is an
internal failure (exit status 1).
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType


class InputError(Exception):
    """A problem with what the user gave us, stated in one line.

    Attributes:
        source: the file or option the problem is in (e.g. ``scenarios/x.toml`` or ``--set``).
        field: dotted path of the offending field, or ``""`` when the whole source is at fault.
        message: what is wrong, in plain words.
    """

    def __init__(self, source: str, field: str, message: str):
        self.source = source
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}: {self.field}" if self.field else self.source
        return f"{where}: {self.message}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""`` if none is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class InterruptionError(Exception):
    """The experiment was stopped (Ctrl-C) before every run was made: finished runs are kept.

    Attributes:
        folder: the results folder, to ``--resume``.
        done, total: runs finished before the stop, and runs asked for.
    """

    def __init__(self, folder: Path, done: int, total: int):
        self.folder, self.done, self.total = folder, done, total
        super().__init__(f"interrupted: {done} of {total} runs finished and kept")


PROJECT = "tiktok-refugees-sim"  # the distribution's name, as pip knows it
EXTRA_OF = {"SALib": "uncertainty", "pyabc": "uncertainty", "ema_workbench": "uncertainty",
            "dask": "dask", "distributed": "dask", "solara": "dashboard", "playwright": "test"}


def optional(module: str, needed_by: str) -> ModuleType:
    """Import ``module`` of one of pyproject's extras (see ``EXTRA_OF``, by its top-level name).

    Raises:
        InputError: ``needed_by`` (the command or option) needs it, and it is not installed, in
            one line with the pip command that installs it.
    """
    top = module.partition(".")[0]
    try:
        importlib.import_module(top)  # first: a submodule may be imported already
        return importlib.import_module(module)
    except ImportError as exc:
        why = ("is not installed" if (exc.name or top).partition(".")[0] == top
               else f"cannot be imported (no module named {exc.name})")
        raise InputError(needed_by, "", f"needs {top}, which {why}: "
                         f"pip install '{PROJECT}[{EXTRA_OF[top]}]'") from None


def installed(module: str) -> bool:
    """Whether ``module`` of one of pyproject's extras can be imported."""
    try:
        optional(module, "")
    except InputError:
        return False
    return True
